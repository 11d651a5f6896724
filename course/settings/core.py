"""The application's settings: where the course and data live, the pool, sessions, logs, groups."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from course.settings.base import EnvironmentModel, choice, env, flag, secret_token, stripped
from course.settings.lrs import LrsSettings
from course.settings.lti import LtiSettings
from course.settings.mail import MailSettings
from course.settings.sso import SsoSettings

#: The repository root, where the bundled course lives.
BUNDLED_ROOT = Path(__file__).resolve().parent.parent.parent
#: Database connections each process keeps open, and how many more it may open under load.
DEFAULT_POOL_SIZE = 5
DEFAULT_POOL_OVERFLOW = 10
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_DATABASE_FILE = "need-to-share.db"

Flag = Annotated[bool, BeforeValidator(flag)]
Folder = Annotated[Path, BeforeValidator(stripped), AfterValidator(lambda path: path.resolve())]
Token = Annotated[str, BeforeValidator(secret_token)]


def _networks(raw: object) -> object:
    """Read addresses and CIDR networks separated by commas or spaces; refuse `*`."""
    if not isinstance(raw, str):
        return raw
    networks: list[str] = []
    for item in raw.replace(",", " ").split():
        if item == "*":
            raise ValueError("'*' would let any client choose its address; list the proxies' addresses")
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network") from None
    return tuple(networks)


#: How TrueType (and TrueType collection) and OpenType font files begin.
_FONT_SIGNATURES = (b"\x00\x01\x00\x00", b"true", b"OTTO", b"ttcf")


def _font_files(raw: object) -> object:
    """Read font file paths separated by commas; refuse one that is missing or not a font file."""
    if not isinstance(raw, str):
        return raw
    paths = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        path = Path(item).expanduser().resolve()
        try:
            with path.open("rb") as file:
                signature = file.read(4)
        except OSError as error:
            raise ValueError(f"{item!r} cannot be read ({error.strerror or error})") from None
        if signature not in _FONT_SIGNATURES:
            raise ValueError(f"{item!r} is not a TrueType or OpenType font file (.ttf, .otf, .ttc)")
        paths.append(path)
    return tuple(paths)


def _one_line_name(raw: object) -> object:
    return " ".join(raw.split())[:200] if isinstance(raw, str) else raw


class Settings(EnvironmentModel):
    """Where the course and the data live, and how the app behaves."""

    docs_table = "core"

    content_root: Folder = env(
        "COURSE_CONTENT", BUNDLED_ROOT, "Folder holding `course.yaml`, `modules/`, `quizzes/`, "
        "`scenarios/` and (optionally) `aids/`.", shown_default="the bundled course")
    data_dir: Folder = env(
        "NTS_DATA_DIR", BUNDLED_ROOT / "data", "Folder for the SQLite database and its backups. "
        "Created when missing. Not needed on PostgreSQL: the studio's content history is in the "
        "database.", shown_default="`./data`")
    database_url: Annotated[str, BeforeValidator(stripped)] = env(
        "DATABASE_URL", "", "SQLAlchemy URL of the database. "
        "`postgresql+psycopg://user:password@host/dbname` for PostgreSQL.",
        shown_default=f"a SQLite file, `NTS_DATA_DIR/{_DATABASE_FILE}`")
    demo_mode: Flag = env("NTS_DEMO", False, "`1` creates a demo organisation with one-click demo "
                          "sign-in. Never on a real deployment.", blank="value")
    demo_learners: int = env(
        "NTS_DEMO_LEARNERS", 0, "In demo mode, how many synthetic learners to create in the "
        "background when the database holds no learner work, so the dashboards have data. "
        "`python3 dev.py run` uses 60.", ge=0, le=100_000)
    session_idle_minutes: int = env("NTS_SESSION_IDLE_MINUTES", 30, "Minutes without activity "
                                    "after which a session ends.", gt=0, le=525_600)
    session_absolute_hours: int = env("NTS_SESSION_ABSOLUTE_HOURS", 12, "Hours after sign-in after "
                                      "which a session ends, however active.", gt=0, le=8_760)
    pool_size: int = env(
        "NTS_DB_POOL_SIZE", DEFAULT_POOL_SIZE, "Database connections each process (app or job "
        "runner) keeps open. See [Sizing connections](deployment.md#sizing-database-connections).", gt=0,
        le=1_000)
    pool_overflow: int = env("NTS_DB_POOL_OVERFLOW", DEFAULT_POOL_OVERFLOW, "Extra connections a "
                             "process may open under load; they close again when idle.", ge=0,
                             le=1_000)
    retain_sign_in_days: int = env(
        "NTS_RETAIN_SIGN_IN_DAYS", 30, "Days sign-in attempts are kept before the purge job deletes "
        "them. At least 30: a successful sign-in trusts its address for 30 days.", ge=30, le=36_500)
    retain_session_days: int = env("NTS_RETAIN_SESSION_DAYS", 1, "Days an ended or expired session "
                                   "is kept before the purge job deletes it.", gt=0, le=36_500)
    #: Proxies (addresses or CIDR networks) whose X-Forwarded-For header is believed.
    trusted_proxies: Annotated[tuple[str, ...], BeforeValidator(_networks)] = env(
        "NTS_TRUSTED_PROXIES", ("127.0.0.1/32", "::1/128"), "Addresses or CIDR networks (commas or "
        "spaces between them) of the reverse proxies whose `X-Forwarded-For` header is believed; see "
        "\"Client addresses behind a proxy\". `*` is refused. Empty trusts no proxy.",
        shown_default="`127.0.0.1,::1`", blank="value")
    #: Whether people may sign in with a passphrase of this app.
    local_passphrases: Flag = env("NTS_LOCAL_PASSPHRASES", True, "`0` switches the app's own "
                                  "passphrases off (see below).", blank="value", table="sso")
    organisation_name: Annotated[str, BeforeValidator(_one_line_name)] = env(
        "NTS_ORGANISATION_NAME", "", "The organisation's name: the issuer of learners' certificates "
        "and their signed badges. See [certificates](certificates.md).",
        shown_default="the host name of `NTS_PUBLIC_URL`")
    #: Font files for the characters the PDFs' bundled DejaVu Sans lacks (CJK, Devanagari, Thai...).
    pdf_fallback_fonts: Annotated[tuple[Path, ...], BeforeValidator(_font_files)] = env(
        "NTS_PDF_FALLBACK_FONTS", (), "Font files (TrueType or OpenType: `.ttf`, `.otf`, the first "
        "font of a `.ttc`), commas between them, that certificates, the board report and job aids use, in "
        "this order, for characters their bundled DejaVu Sans lacks: Chinese, Japanese, Korean, "
        "Devanagari, Thai... See [certificates](certificates.md#names-in-every-script).",
        shown_default="none: such a character prints as `\ufffd`")
    #: Bearer token that lets Prometheus read /metrics from another host ("" = loopback only).
    metrics_token: Token = env(
        "NTS_METRICS_TOKEN", "", "Bearer token Prometheus sends to read `/metrics` (`Authorization: "
        "Bearer <token>`); at least 16 printable characters, no spaces. Unset, only the loopback "
        "address may read it. See \"Metrics\".", shown_default="unset", secret=True)
    #: How log lines are written: "text" for people, "json" for machines.
    log_format: Annotated[str, BeforeValidator(choice(("text", "json")))] = env(
        "NTS_LOG_FORMAT", "text", "`text` (a line a person reads) or `json` (one JSON object per "
        "line, for journald, Loki or Elasticsearch). See \"Logs\".")
    log_level: Annotated[str, BeforeValidator(choice(_LOG_LEVELS, upper=True))] = env(
        "NTS_LOG_LEVEL", "INFO", "The least important lines written: `DEBUG`, `INFO`, `WARNING` or "
        "`ERROR`.")
    #: The key of the pseudonyms that stand for people in the logs ("" = a new one per process).
    log_key: Token = env(
        "NTS_LOG_KEY", "", "Secret key (at least 16 printable characters) of the pseudonyms that "
        "stand for people in the logs. Give every process the same key, so one person has one "
        "pseudonym in every line; keep it as secret as the database password. Unset, each process "
        "makes a random one.", shown_default="unset", secret=True)
    mail: MailSettings = Field(default_factory=MailSettings)
    sso: SsoSettings = Field(default_factory=SsoSettings)
    lrs: LrsSettings = Field(default_factory=LrsSettings)
    #: The LMS platforms that may launch this app over LTI 1.3 (none: LTI is off).
    lti: LtiSettings = Field(default_factory=LtiSettings)

    @model_validator(mode="before")
    @classmethod
    def _database_in_data_dir(cls, data: Any) -> Any:
        """Without DATABASE_URL, the database is a SQLite file in the data folder."""
        if not isinstance(data, dict) or str(data.get("database_url") or "").strip():
            return data
        folder = Path(str(data.get("data_dir") or "").strip() or BUNDLED_ROOT / "data").resolve()
        return {**data, "database_url": f"sqlite:///{folder / _DATABASE_FILE}"}
