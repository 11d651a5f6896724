"""The application's settings: one typed object, read from the environment once and passed down.

Every setting is documented in docs/operations.md; a test keeps that list complete.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: The repository root, where the bundled course lives.
BUNDLED_ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
#: Database connections each process keeps open, and how many more it may open under load.
DEFAULT_POOL_SIZE = 5
DEFAULT_POOL_OVERFLOW = 10


class SettingsError(ValueError):
    """A setting in the environment has a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the course and the data live, and how the app behaves."""

    content_root: Path
    data_dir: Path
    database_url: str
    demo_mode: bool
    demo_learners: int
    session_idle_minutes: int
    session_absolute_hours: int
    mail: MailSettings = field(default_factory=lambda: MailSettings())
    pool_size: int = DEFAULT_POOL_SIZE
    pool_overflow: int = DEFAULT_POOL_OVERFLOW
    retain_sign_in_days: int = 30
    retain_session_days: int = 1
    #: Proxies (addresses or CIDR networks) whose X-Forwarded-For header is believed.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    sso: SsoSettings = field(default_factory=lambda: SsoSettings())
    #: Whether people may sign in with a passphrase of this app (NTS_LOCAL_PASSPHRASES).
    local_passphrases: bool = True
    #: Bearer token that lets Prometheus read /metrics from another host ("" = loopback only).
    metrics_token: str = field(default="", repr=False)
    #: How log lines are written: "text" for people, "json" for machines (NTS_LOG_FORMAT).
    log_format: str = "text"
    log_level: str = "INFO"
    #: The key of the pseudonyms that stand for people in the logs ("" = a new one per process).
    log_key: str = field(default="", repr=False)
    #: The organisation's name, as the issuer of certificates ("" = the host of NTS_PUBLIC_URL).
    organisation_name: str = ""
    lrs: LrsSettings = field(default_factory=lambda: LrsSettings())
    #: The LMS platforms that may launch this app over LTI 1.3 (none: LTI is off).
    lti: LtiSettings = field(default_factory=lambda: LtiSettings())


#: Each environment variable the app reads, with its meaning and default (for the docs test).
ENVIRONMENT: dict[str, str] = {
    "COURSE_CONTENT": "folder holding course.yaml, modules/, quizzes/ and scenarios/ "
    "(default: the bundled course)",
    "NTS_DATA_DIR": "folder for the SQLite database and backups (default: ./data); not needed on "
                    "PostgreSQL, where the studio's content history is in the database",
    "DATABASE_URL": "SQLAlchemy URL of the database (default: a SQLite file in NTS_DATA_DIR); "
    "postgresql+psycopg://user:password@host/dbname for PostgreSQL",
    "NTS_DEMO": "1 to create a demo organisation with one-click demo sign-in (default: 0)",
    "NTS_DEMO_LEARNERS": "in demo mode, how many synthetic learners to create in the background on "
    "an empty database, so the dashboards have data (default: 0; `python3 dev.py run` uses 60)",
    "NTS_SESSION_IDLE_MINUTES": "minutes of inactivity after which a session ends (default: 30)",
    "NTS_SESSION_ABSOLUTE_HOURS": "hours after sign-in after which a session ends (default: 12)",
    "NTS_ORGANISATION_NAME": "the organisation's name, which issues certificates and signs their "
    "badges (default: the host name of NTS_PUBLIC_URL)",
    "NTS_METRICS_TOKEN": "bearer token a scraper must send to read /metrics; unset (the default), "
    "only the loopback address may read it (at least 16 characters)",
    "NTS_DB_POOL_SIZE": f"database connections each process keeps open (default: {DEFAULT_POOL_SIZE})",
    "NTS_DB_POOL_OVERFLOW": "extra connections a process may open under load, closed when idle "
    f"(default: {DEFAULT_POOL_OVERFLOW})",
    "NTS_RETAIN_SIGN_IN_DAYS": "days sign-in attempts are kept before the purge job deletes them; "
    "at least 30, the window in which a successful sign-in marks an address as trusted (default: 30)",
    "NTS_RETAIN_SESSION_DAYS": "days ended or expired sessions are kept before the purge job "
    "deletes them (default: 1)",
    "NTS_TRUSTED_PROXIES": "addresses or CIDR networks of the reverse proxies whose "
    "X-Forwarded-For header is believed, separated by commas (default: 127.0.0.1,::1)",
    "NTS_LOG_FORMAT": "text (a line a person reads, the default) or json (one JSON object per line, "
    "for a log collector)",
    "NTS_LOG_LEVEL": "the least important log lines written: DEBUG, INFO, WARNING or ERROR "
    "(default: INFO)",
    "NTS_LOG_KEY": "secret key of the pseudonyms that stand for people in the logs; give every "
    "process the same one (at least 16 characters) so one person has one pseudonym everywhere "
    "(default: a new random key per process)",
}

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...], *,
            upper: bool = False) -> str:
    raw = (env.get(name) or default).strip()
    value = raw.upper() if upper else raw.lower()
    if value not in allowed:
        raise SettingsError(f"{name}={raw!r}: expected one of {', '.join(allowed)}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r}: expected 1 or 0")


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r}: expected a number above 0")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit():
        raise SettingsError(f"{name}={raw!r}: expected a whole number of 0 or more")
    return int(raw)


def _at_least(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    value = _positive_int(env, name, default)
    if value < minimum:
        raise SettingsError(f"{name}={env[name]!r}: expected at least {minimum}")
    return value


def _networks(env: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    raw = env.get(name)
    raw = default if raw is None else raw
    networks: list[str] = []
    for item in raw.replace(",", " ").split():
        if item == "*":
            raise SettingsError(f"{name}: '*' would let any client choose its address; "
                                "list the proxies' addresses")
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise SettingsError(f"{name}: {item!r} is not an IP address or network") from None
    return tuple(networks)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from environment variables, with the documented defaults."""
    env = os.environ if env is None else env
    content_root = Path(env.get("COURSE_CONTENT") or BUNDLED_ROOT).resolve()
    data_dir = Path(env.get("NTS_DATA_DIR") or BUNDLED_ROOT / "data").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'need-to-share.db'}"
    return Settings(
        content_root=content_root,
        data_dir=data_dir,
        database_url=database_url,
        demo_mode=_flag(env, "NTS_DEMO", False),
        demo_learners=_count(env, "NTS_DEMO_LEARNERS", 0),
        session_idle_minutes=_positive_int(env, "NTS_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_positive_int(env, "NTS_SESSION_ABSOLUTE_HOURS", 12),
        mail=load_mail_settings(env),
        pool_size=_positive_int(env, "NTS_DB_POOL_SIZE", DEFAULT_POOL_SIZE),
        pool_overflow=_count(env, "NTS_DB_POOL_OVERFLOW", DEFAULT_POOL_OVERFLOW),
        retain_sign_in_days=_at_least(env, "NTS_RETAIN_SIGN_IN_DAYS", 30, minimum=30),
        retain_session_days=_positive_int(env, "NTS_RETAIN_SESSION_DAYS", 1),
        trusted_proxies=_networks(env, "NTS_TRUSTED_PROXIES", "127.0.0.1,::1"),
        sso=load_sso_settings(env),
        local_passphrases=_flag(env, "NTS_LOCAL_PASSPHRASES", True),
        metrics_token=_secret_token(env, "NTS_METRICS_TOKEN"),
        log_format=_choice(env, "NTS_LOG_FORMAT", "text", ("text", "json")),
        log_level=_choice(env, "NTS_LOG_LEVEL", "INFO", _LOG_LEVELS, upper=True),
        log_key=_secret_token(env, "NTS_LOG_KEY"),
        organisation_name=" ".join((env.get("NTS_ORGANISATION_NAME") or "").split())[:200],
        lrs=load_lrs_settings(env),
        lti=load_lti_settings(env),
    )


#: The shortest bearer token accepted for /metrics.
MIN_METRICS_TOKEN_CHARS = 16


def _secret_token(env: Mapping[str, str], name: str) -> str:
    raw = (env.get(name) or "").strip()
    if raw and (len(raw) < MIN_METRICS_TOKEN_CHARS or not raw.isascii() or not raw.isprintable()
                or " " in raw):
        raise SettingsError(f"{name}: use at least {MIN_METRICS_TOKEN_CHARS} printable ASCII "
                            "characters without spaces")
    return raw


# --- email: invitations and passphrase resets ------------------------------------------------

#: How an SMTP connection is secured.
TLS_MODES = ("none", "starttls", "tls")
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where email goes (SMTP), who sends it, and how long the links it carries last."""

    #: The SMTP server; "" means none: links are printed on the server console instead.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_tls: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    sender: str = "need-to-share@localhost"
    #: The address people open the app at, for the links in emails.
    public_url: str = "http://localhost:8501"
    invite_days: int = 14
    reset_minutes: int = 60

    @property
    def configured(self) -> bool:
        """Return whether an SMTP server is configured."""
        return bool(self.smtp_host)


ENVIRONMENT.update({
    "NTS_SMTP_HOST": "SMTP server for invitations and passphrase resets; empty (the default) prints "
    "the links on the server console instead",
    "NTS_SMTP_PORT": "SMTP port (default: 587 with starttls, 465 with tls, 25 with none)",
    "NTS_SMTP_TLS": "how the SMTP connection is secured: none, starttls or tls (default: starttls)",
    "NTS_SMTP_USERNAME": "SMTP user name, if the server wants one (default: none)",
    "NTS_SMTP_PASSWORD": "SMTP password (default: none)",
    "NTS_MAIL_FROM": "sender address of the app's email (default: need-to-share@localhost)",
    "NTS_PUBLIC_URL": "the address people open the app at, used in emailed links "
    "(default: http://localhost:8501)",
    "NTS_INVITE_DAYS": "days an invitation link stays valid (default: 14)",
    "NTS_RESET_MINUTES": "minutes a passphrase reset link stays valid (default: 60)",
})


def load_mail_settings(env: Mapping[str, str]) -> MailSettings:
    """Build the email settings from the NTS_SMTP_*, NTS_MAIL_FROM and NTS_PUBLIC_URL variables."""
    tls = (env.get("NTS_SMTP_TLS") or "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise SettingsError(f"NTS_SMTP_TLS={tls!r}: expected one of {', '.join(TLS_MODES)}")
    public_url = (env.get("NTS_PUBLIC_URL") or "http://localhost:8501").strip().rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise SettingsError(f"NTS_PUBLIC_URL={public_url!r}: expected an http:// or https:// address")
    sender = (env.get("NTS_MAIL_FROM") or "need-to-share@localhost").strip()
    if "@" not in sender or any(c in sender for c in "\r\n"):
        raise SettingsError(f"NTS_MAIL_FROM={sender!r}: expected an email address")
    return MailSettings(
        smtp_host=(env.get("NTS_SMTP_HOST") or "").strip(),
        smtp_port=_positive_int(env, "NTS_SMTP_PORT", _DEFAULT_PORTS[tls]),
        smtp_tls=tls,
        smtp_username=env.get("NTS_SMTP_USERNAME") or "",
        smtp_password=env.get("NTS_SMTP_PASSWORD") or "",
        sender=sender,
        public_url=public_url,
        invite_days=_positive_int(env, "NTS_INVITE_DAYS", 14),
        reset_minutes=_positive_int(env, "NTS_RESET_MINUTES", 60),
    )


# --- single sign-on (OpenID Connect) ---------------------------------------------------------

_METADATA_SUFFIX = "/.well-known/openid-configuration"
_CALLBACK_SUFFIX = "/oauth2callback"
#: Shortest secret accepted for Streamlit's sign-in cookie (32 characters of token_urlsafe).
MIN_COOKIE_SECRET_CHARS = 32
DEFAULT_BUTTON_LABEL = "Sign in with your organisation"


@dataclass(frozen=True, slots=True)
class SsoSettings:
    """The OpenID Connect provider people sign in with, and how they are matched to the roster."""

    #: The provider's discovery document; "" means single sign-on is off.
    metadata_url: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    #: This app's callback, registered at the provider: https://HOST/oauth2callback.
    redirect_uri: str = ""
    scopes: str = "openid email profile"
    button_label: str = DEFAULT_BUTTON_LABEL
    #: Signs Streamlit's short-lived sign-in cookie.
    cookie_secret: str = field(default="", repr=False)
    #: The `iss` every identity token must carry.
    issuer: str = ""
    #: Whether a verified person missing from the roster is added on first sign-in.
    create_people: bool = False
    #: Claims holding the department and the tracks of a person added on first sign-in.
    department_claim: str = ""
    tracks_claim: str = ""

    @property
    def enabled(self) -> bool:
        """Return whether single sign-on is configured."""
        return bool(self.metadata_url)

    def streamlit_secrets(self) -> dict[str, object] | None:
        """Return the `[auth]` secrets `st.login` reads, or None when single sign-on is off."""
        if not self.enabled:
            return None
        return {"auth": {
            "redirect_uri": self.redirect_uri,
            "cookie_secret": self.cookie_secret,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "server_metadata_url": self.metadata_url,
            "client_kwargs": {"scope": self.scopes},
        }}


ENVIRONMENT.update({
    "NTS_OIDC_METADATA_URL": "the identity provider's discovery document, ending in "
    "/.well-known/openid-configuration; setting it turns single sign-on on (default: off)",
    "NTS_OIDC_CLIENT_ID": "the client id the identity provider gave this app",
    "NTS_OIDC_CLIENT_SECRET": "the client secret the identity provider gave this app",
    "NTS_OIDC_REDIRECT_URI": "this app's callback as registered at the provider: the public "
    "address followed by /oauth2callback (default: NTS_PUBLIC_URL/oauth2callback)",
    "NTS_OIDC_SCOPES": "scopes asked of the provider (default: openid email profile)",
    "NTS_OIDC_BUTTON_LABEL": "text of the single sign-on button (default: Sign in with your organisation)",
    "NTS_OIDC_COOKIE_SECRET": "secret of at least 32 characters that signs the short-lived cookie "
    "of a sign-in in progress; the same on every process",
    "NTS_OIDC_ISSUER": "the issuer every identity token must name (default: the metadata URL "
    "without /.well-known/openid-configuration)",
    "NTS_OIDC_CREATE_PEOPLE": "1 to add a verified person missing from the roster at their first "
    "sign-in, as a learner (default: 0: they are refused)",
    "NTS_OIDC_DEPARTMENT_CLAIM": "claim giving the department of a person added at sign-in "
    "(default: none)",
    "NTS_OIDC_TRACKS_CLAIM": "claim giving the tracks of a person added at sign-in, a list or a "
    "text separated by semicolons or spaces (default: none)",
    "NTS_LOCAL_PASSPHRASES": "0 to switch off this app's own passphrases (sign-in form, reset and "
    "invitation links), leaving single sign-on and the command line (default: 1)",
})


def _absolute_url(name: str, value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"{name}={value!r}: expected an http:// or https:// address")
    return value


def load_sso_settings(env: Mapping[str, str]) -> SsoSettings:
    """Build the single sign-on settings from the NTS_OIDC_* variables."""
    metadata_url = (env.get("NTS_OIDC_METADATA_URL") or "").strip()
    if not metadata_url:
        return SsoSettings()
    _absolute_url("NTS_OIDC_METADATA_URL", metadata_url)
    values = {name: (env.get(name) or "").strip() for name in (
        "NTS_OIDC_CLIENT_ID", "NTS_OIDC_CLIENT_SECRET", "NTS_OIDC_COOKIE_SECRET")}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SettingsError(f"NTS_OIDC_METADATA_URL is set, so set {', '.join(missing)} too")
    if len(values["NTS_OIDC_COOKIE_SECRET"]) < MIN_COOKIE_SECRET_CHARS:
        raise SettingsError(f"NTS_OIDC_COOKIE_SECRET: use at least {MIN_COOKIE_SECRET_CHARS} characters")
    public_url = (env.get("NTS_PUBLIC_URL") or "http://localhost:8501").strip().rstrip("/")
    redirect_uri = (env.get("NTS_OIDC_REDIRECT_URI") or public_url + _CALLBACK_SUFFIX).strip()
    if not _absolute_url("NTS_OIDC_REDIRECT_URI", redirect_uri).endswith(_CALLBACK_SUFFIX):
        raise SettingsError(f"NTS_OIDC_REDIRECT_URI={redirect_uri!r}: expected an address ending in "
                            f"{_CALLBACK_SUFFIX}")
    issuer = (env.get("NTS_OIDC_ISSUER") or "").strip() or metadata_url.removesuffix(_METADATA_SUFFIX)
    scopes = " ".join((env.get("NTS_OIDC_SCOPES") or "openid email profile").split())
    if not {"openid", "email"} <= set(scopes.split()):
        raise SettingsError(f"NTS_OIDC_SCOPES={scopes!r}: include openid and email")
    return SsoSettings(
        metadata_url=metadata_url,
        client_id=values["NTS_OIDC_CLIENT_ID"],
        client_secret=values["NTS_OIDC_CLIENT_SECRET"],
        redirect_uri=redirect_uri,
        scopes=scopes,
        button_label=(env.get("NTS_OIDC_BUTTON_LABEL") or "").strip() or DEFAULT_BUTTON_LABEL,
        cookie_secret=values["NTS_OIDC_COOKIE_SECRET"],
        issuer=issuer,
        create_people=_flag(env, "NTS_OIDC_CREATE_PEOPLE", False),
        department_claim=(env.get("NTS_OIDC_DEPARTMENT_CLAIM") or "").strip(),
        tracks_claim=(env.get("NTS_OIDC_TRACKS_CLAIM") or "").strip(),
    )


# --- learning record store (xAPI) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LrsSettings:
    """The learning record store that receives xAPI statements, and how learners are named there."""

    #: The LRS's xAPI endpoint (statements go to <endpoint>/statements); "" means none: no
    #: statement is recorded at all.
    endpoint: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    #: The secret that makes each learner's pseudonym; it must stay the same for ever.
    actor_key: str = field(default="", repr=False)
    #: The base of every activity IRI.
    activity_base: str = ""
    #: The homePage of every learner's account: the app's public address.
    home_page: str = "http://localhost:8501"

    @property
    def configured(self) -> bool:
        """Return whether an LRS is configured."""
        return bool(self.endpoint)


ENVIRONMENT.update({
    "NTS_LRS_ENDPOINT": "xAPI endpoint of the learning record store, e.g. "
    "https://lrs.example.org/xAPI; setting it records every learning event as a statement and "
    "sends them with the job runner (default: none, nothing is recorded)",
    "NTS_LRS_USERNAME": "user name for the LRS's basic authentication (default: none)",
    "NTS_LRS_PASSWORD": "password for the LRS's basic authentication (default: none)",
    "NTS_LRS_ACTOR_KEY": "secret of at least 16 characters that turns each learner into a stable "
    "pseudonym in the LRS; required with NTS_LRS_ENDPOINT and never to be changed",
    "NTS_LRS_ACTIVITY_BASE": "base IRI of every activity id sent to the LRS "
    "(default: NTS_PUBLIC_URL followed by /xapi)",
})


def load_lrs_settings(env: Mapping[str, str]) -> LrsSettings:
    """Build the LRS settings from the NTS_LRS_* variables (and NTS_PUBLIC_URL)."""
    endpoint = (env.get("NTS_LRS_ENDPOINT") or "").strip().rstrip("/")
    public_url = (env.get("NTS_PUBLIC_URL") or "http://localhost:8501").strip().rstrip("/")
    if not endpoint:
        return LrsSettings(home_page=public_url)
    _absolute_url("NTS_LRS_ENDPOINT", endpoint)
    if endpoint.endswith("/statements"):
        raise SettingsError(f"NTS_LRS_ENDPOINT={endpoint!r}: give the xAPI endpoint without /statements")
    key = (env.get("NTS_LRS_ACTOR_KEY") or "").strip()
    if len(key) < MIN_METRICS_TOKEN_CHARS:
        raise SettingsError(f"NTS_LRS_ENDPOINT is set, so set NTS_LRS_ACTOR_KEY to at least "
                            f"{MIN_METRICS_TOKEN_CHARS} characters")
    base = (env.get("NTS_LRS_ACTIVITY_BASE") or "").strip().rstrip("/") or public_url + "/xapi"
    _absolute_url("NTS_LRS_ACTIVITY_BASE", base)
    username = env.get("NTS_LRS_USERNAME") or ""
    if ":" in username:
        raise SettingsError("NTS_LRS_USERNAME: basic authentication allows no ':' in a user name")
    return LrsSettings(endpoint=endpoint, username=username,
                       password=env.get("NTS_LRS_PASSWORD") or "", actor_key=key,
                       activity_base=base, home_page=public_url)
# --- LTI 1.3 --------------------------------------------------------------------------------

_LTI_URL_KEYS = ("auth_login_url", "auth_token_url", "key_set_url")
_LTI_TEXT_KEYS = ("client_id", "department_claim", "tracks_claim", "auth_audience")
_LTI_KEYS = frozenset({"issuer", "deployment_ids", "match_email", *_LTI_URL_KEYS, *_LTI_TEXT_KEYS})


@dataclass(frozen=True, slots=True)
class LtiPlatform:
    """One LMS registration: who it is (issuer and client id) and where its endpoints are."""

    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    #: The platform's OIDC authorisation endpoint, its OAuth2 token endpoint and its key set.
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    #: The `aud` of the tool's token request ("" = the token URL, which most platforms expect).
    auth_audience: str = ""
    #: Custom claims (under .../claim/custom) that give a new person's department and tracks.
    department_claim: str = "department"
    tracks_claim: str = "tracks"
    #: Whether a launched person is linked to an existing account with the email the LMS sends.
    match_email: bool = False


@dataclass(frozen=True, slots=True)
class LtiSettings:
    """How the app acts as an LTI 1.3 tool: its registered platforms, its key, its cookies."""

    platforms: tuple[LtiPlatform, ...] = ()
    #: This app's public address; the LTI URLs entered in the LMS start with it.
    public_url: str = "http://localhost:8501"
    #: A PEM file with the tool's RSA private key (None: a key is made and kept in the database).
    key_file: Path | None = None
    #: Whether the session cookie is made for an LMS iframe: SameSite=None; Secure; Partitioned.
    embedded: bool = False

    @property
    def enabled(self) -> bool:
        """Return whether any platform is registered."""
        return bool(self.platforms)


ENVIRONMENT.update({
    "NTS_LTI_PLATFORMS": "a JSON or TOML file listing the LMS platforms that may launch the app "
    "over LTI 1.3 (default: none, LTI is off); see docs/integrations.md",
    "NTS_LTI_KEY_FILE": "a PEM file holding the tool's RSA private key for LTI (default: a key "
    "made at the first start and kept in the database)",
    "NTS_LTI_EMBEDDED": "1 when the app opens inside an LMS iframe: the session cookie is then "
    "sent as SameSite=None; Secure; Partitioned, which needs HTTPS (default: 0)",
})


def _lti_entry(where: str, raw: object) -> LtiPlatform:
    if not isinstance(raw, dict):
        raise SettingsError(f"{where}: expected a table of settings")
    unknown = sorted(set(raw) - _LTI_KEYS)
    if unknown:
        raise SettingsError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    missing = [key for key in ("issuer", "client_id", "deployment_ids", *_LTI_URL_KEYS) if not raw.get(key)]
    if missing:
        raise SettingsError(f"{where}: missing {', '.join(missing)}")
    texts = {key: raw.get(key, "") for key in ("issuer", *_LTI_URL_KEYS, *_LTI_TEXT_KEYS)}
    for key, value in texts.items():
        if not isinstance(value, str) or len(value) > 500:
            raise SettingsError(f"{where}: {key} must be a text of at most 500 characters")
    for key in _LTI_URL_KEYS:
        _absolute_url(f"{where}: {key}", texts[key])
    deployments = raw["deployment_ids"]
    if not isinstance(deployments, list) or not all(isinstance(d, str) and d for d in deployments):
        raise SettingsError(f"{where}: deployment_ids must be a list of texts")
    match_email = raw.get("match_email", False)
    if not isinstance(match_email, bool):
        raise SettingsError(f"{where}: match_email must be true or false")
    return LtiPlatform(
        issuer=texts["issuer"], client_id=texts["client_id"], deployment_ids=tuple(deployments),
        auth_login_url=texts["auth_login_url"], auth_token_url=texts["auth_token_url"],
        key_set_url=texts["key_set_url"], auth_audience=texts["auth_audience"],
        department_claim=texts["department_claim"] or "department",
        tracks_claim=texts["tracks_claim"] or "tracks", match_email=match_email,
    )


def parse_lti_platforms(text: str, *, source: str) -> tuple[LtiPlatform, ...]:
    """Read platform registrations from JSON (a list) or TOML (`[[platform]]` tables)."""
    try:
        data: object = (json.loads(text) if source.endswith(".json")
                        else tomllib.loads(text).get("platform", []))
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{source}: not valid {'JSON' if source.endswith('.json') else 'TOML'}: "
                            f"{error}") from None
    if not isinstance(data, list):
        raise SettingsError(f"{source}: expected a list of platforms")
    platforms = tuple(_lti_entry(f"{source}: platform {n}", raw) for n, raw in enumerate(data, 1))
    seen = [(p.issuer, p.client_id) for p in platforms]
    if len(set(seen)) != len(seen):
        raise SettingsError(f"{source}: the same issuer and client_id are registered twice")
    return platforms


def load_lti_settings(env: Mapping[str, str]) -> LtiSettings:
    """Build the LTI settings from NTS_LTI_* (and NTS_PUBLIC_URL for the tool's own URLs)."""
    public_url = (env.get("NTS_PUBLIC_URL") or "http://localhost:8501").strip().rstrip("/")
    embedded = _flag(env, "NTS_LTI_EMBEDDED", False)
    raw_key = (env.get("NTS_LTI_KEY_FILE") or "").strip()
    key_file = Path(raw_key) if raw_key else None
    if key_file is not None and not key_file.is_file():
        raise SettingsError(f"NTS_LTI_KEY_FILE={raw_key!r}: no such file")
    raw_path = (env.get("NTS_LTI_PLATFORMS") or "").strip()
    if not raw_path:
        return LtiSettings(public_url=public_url, key_file=key_file, embedded=embedded)
    path = Path(raw_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"NTS_LTI_PLATFORMS={raw_path!r}: cannot be read ({error})") from None
    return LtiSettings(platforms=parse_lti_platforms(text, source=str(path)), public_url=public_url,
                       key_file=key_file, embedded=embedded)
