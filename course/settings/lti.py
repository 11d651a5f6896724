"""LTI 1.3 settings: the registered LMS platforms (read from a JSON or TOML file), the key, cookies."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from course.settings.base import EnvironmentModel, SettingsError, address, env, flag, stripped
from course.settings.mail import DEFAULT_PUBLIC_URL

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
        if not texts[key].startswith(("http://", "https://")):
            raise SettingsError(f"{where}: {key}={texts[key]!r}: expected an http:// or https:// address")
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


def _platforms_file(raw: object) -> object:
    """Read the registrations from the file NTS_LTI_PLATFORMS names (a tuple passes as it is)."""
    if not isinstance(raw, str):
        return raw
    path = Path(raw.strip())
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot be read ({error})") from None
    try:
        return parse_lti_platforms(text, source=str(path))
    except SettingsError as error:
        raise SettingsError(f"NTS_LTI_PLATFORMS: {error}") from None


def _existing_file(value: Path | None) -> Path | None:
    if value is not None and not value.is_file():
        raise ValueError("no such file")
    return value


class LtiSettings(EnvironmentModel):
    """How the app acts as an LTI 1.3 tool: its registered platforms, its key, its cookies."""

    docs_table = "lti"

    platforms: Annotated[tuple[LtiPlatform, ...], BeforeValidator(_platforms_file)] = env(
        "NTS_LTI_PLATFORMS", (), "A JSON or TOML file listing the registered platforms (issuer, "
        "client id, deployment ids, endpoints). Setting it turns LTI on.", shown_default="empty (off)")
    #: This app's public address (NTS_PUBLIC_URL); the LTI URLs entered in the LMS start with it.
    public_url: Annotated[str, BeforeValidator(address)] = env(
        "NTS_PUBLIC_URL", DEFAULT_PUBLIC_URL, "", table=None)
    #: A PEM file with the tool's RSA private key (None: a key is made and kept in the database).
    key_file: Annotated[Path | None, BeforeValidator(stripped), AfterValidator(_existing_file)] = env(
        "NTS_LTI_KEY_FILE", None, "A PEM file with the tool's RSA private key.",
        shown_default="a key made at the first start and kept in the database (`lti_tool_key`)")
    #: Whether the session cookie is made for an LMS iframe: SameSite=None; Secure; Partitioned.
    embedded: Annotated[bool, BeforeValidator(flag)] = env(
        "NTS_LTI_EMBEDDED", False, "`1` when the app opens inside an LMS iframe: session cookies "
        "become `SameSite=None; Secure; Partitioned` (HTTPS only).", blank="value")

    @property
    def enabled(self) -> bool:
        """Return whether any platform is registered."""
        return bool(self.platforms)
