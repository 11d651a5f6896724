"""Learning record store settings: where xAPI statements go and how learners are named there."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import AfterValidator, BeforeValidator, model_validator

from course.settings.base import (
    MIN_TOKEN_CHARS,
    EnvironmentModel,
    SettingsError,
    absolute_url,
    address,
    env,
    stripped,
)
from course.settings.mail import DEFAULT_PUBLIC_URL

Url = Annotated[str, BeforeValidator(address), AfterValidator(absolute_url)]


def _user_name(value: str) -> str:
    if ":" in value:
        raise ValueError("basic authentication allows no ':' in a user name")
    return value


def _client_text(value: str) -> str:
    """Accept what RFC 6749 (appendix A, VSCHAR) allows in a client id or secret: printable ASCII."""
    if value and not all(" " <= c <= "~" for c in value):
        raise ValueError("use printable ASCII characters only (RFC 6749 allows no others)")
    return value


ClientText = Annotated[str, BeforeValidator(stripped), AfterValidator(_client_text)]

#: The variables of each way of signing in to the LRS (only one may be used).
_BASIC = {"username": "NTS_LRS_USERNAME", "password": "NTS_LRS_PASSWORD"}
_OAUTH = {"oauth_token_url": "NTS_LRS_OAUTH_TOKEN_URL", "oauth_client_id": "NTS_LRS_OAUTH_CLIENT_ID",
          "oauth_client_secret": "NTS_LRS_OAUTH_CLIENT_SECRET"}
_OAUTH_OPTIONS = {"oauth_scope": "NTS_LRS_OAUTH_SCOPE", "oauth_resource": "NTS_LRS_OAUTH_RESOURCE",
                  "oauth_audience": "NTS_LRS_OAUTH_AUDIENCE"}


def _check_sign_in(settings: LrsSettings) -> None:
    """Refuse basic authentication and OAuth together, and OAuth without its token URL, id and secret."""
    basic = [name for field, name in _BASIC.items() if getattr(settings, field)]
    oauth = [name for field, name in _OAUTH.items() if getattr(settings, field)]
    options = [name for field, name in _OAUTH_OPTIONS.items() if getattr(settings, field)]
    if basic and oauth:
        raise SettingsError(f"{' and '.join(basic)} (basic authentication) and {' and '.join(oauth)} "
                            "(OAuth) are both set: the LRS is signed in to one way, unset one")
    missing = [name for field, name in _OAUTH.items() if not getattr(settings, field)]
    if (oauth or options) and missing:
        given = ", ".join(oauth + options)
        raise SettingsError(f"{given} set for OAuth, so set {' and '.join(missing)} too")


class LrsSettings(EnvironmentModel):
    """The learning record store that receives xAPI statements, and how learners are named there."""

    docs_table = "core"

    #: The LRS's xAPI endpoint (statements go to <endpoint>/statements); "" means none: no
    #: statement is recorded at all.
    endpoint: Url = env(
        "NTS_LRS_ENDPOINT", "", "The xAPI endpoint of a learning record store (statements go to "
        "`<endpoint>/statements`). Setting it records every learning event as an xAPI statement, "
        "sent by the job runner; see [integrations](integrations.md#learning-record-store-xapi).",
        shown_default="unset (nothing is recorded)")
    username: Annotated[str, AfterValidator(_user_name)] = env(
        "NTS_LRS_USERNAME", "", "User name of the LRS's basic authentication (no `:`).")
    password: str = env("NTS_LRS_PASSWORD", "", "Its password.", secret=True)
    #: OAuth 2.0 client credentials (RFC 6749 §4.4), instead of basic authentication.
    oauth_token_url: Url = env(
        "NTS_LRS_OAUTH_TOKEN_URL", "", "Token endpoint of the authorization server that gives the "
        "job runner access tokens for the LRS (OAuth 2.0 client credentials, instead of "
        "`NTS_LRS_USERNAME`); see [integrations](integrations.md#connecting-an-lrs-with-oauth-20).",
        shown_default="unset (basic authentication)")
    oauth_client_id: ClientText = env("NTS_LRS_OAUTH_CLIENT_ID", "", "The client id registered at "
                                      "that authorization server. Required with the token URL.")
    oauth_client_secret: ClientText = env("NTS_LRS_OAUTH_CLIENT_SECRET", "", "Its client secret "
                                          "(sent by HTTP basic authentication). Required with the "
                                          "token URL.", shown_default="unset", secret=True)
    oauth_scope: Annotated[str, BeforeValidator(stripped)] = env(
        "NTS_LRS_OAUTH_SCOPE", "", "Scopes to ask for, separated by spaces (for Ralph: "
        "`statements/write`), if the authorization server wants any.", shown_default="none asked")
    oauth_resource: Url = env(
        "NTS_LRS_OAUTH_RESOURCE", "", "The LRS as a resource indicator (RFC 8707 `resource`), for "
        "servers that issue tokens per API that way.", shown_default="none sent")
    oauth_audience: Annotated[str, BeforeValidator(stripped)] = env(
        "NTS_LRS_OAUTH_AUDIENCE", "", "The LRS as an `audience` parameter, for servers that name the "
        "API that way (Auth0, Okta).", shown_default="none sent")
    #: The secret that makes each learner's pseudonym; it must stay the same for ever.
    actor_key: Annotated[str, BeforeValidator(stripped)] = env(
        "NTS_LRS_ACTOR_KEY", "", "Secret (at least 16 characters) that turns each learner into the "
        "same pseudonym in every statement. Required with `NTS_LRS_ENDPOINT`; never change it, or the "
        "LRS sees everyone as new people.", shown_default="unset", secret=True)
    #: The base of every activity IRI.
    activity_base: Url = env("NTS_LRS_ACTIVITY_BASE", "", "Base IRI of every activity id in the "
                             "statements.", shown_default="`NTS_PUBLIC_URL` + `/xapi`")
    #: The homePage of every learner's account: the app's public address (NTS_PUBLIC_URL).
    home_page: Annotated[str, BeforeValidator(address)] = env(
        "NTS_PUBLIC_URL", DEFAULT_PUBLIC_URL, "", table=None)

    @model_validator(mode="before")
    @classmethod
    def _default_activity_base(cls, data: Any) -> Any:
        """With an endpoint, activity ids start with the public address followed by /xapi."""
        if not isinstance(data, dict) or not str(data.get("endpoint") or "").strip():
            return data
        public = str(data.get("home_page") or DEFAULT_PUBLIC_URL).strip().rstrip("/")
        return {**data, "activity_base": str(data.get("activity_base") or "").strip() or public + "/xapi"}

    @model_validator(mode="after")
    def _complete(self) -> Self:
        """Sign-in is one way or none; an endpoint has no /statements and needs the pseudonyms' key."""
        _check_sign_in(self)
        if not self.configured:
            return self
        if self.endpoint.endswith("/statements"):
            raise SettingsError(f"NTS_LRS_ENDPOINT={self.endpoint!r}: give the xAPI endpoint without "
                                "/statements")
        if len(self.actor_key) < MIN_TOKEN_CHARS:
            raise SettingsError(f"NTS_LRS_ENDPOINT is set, so set NTS_LRS_ACTOR_KEY to at least "
                                f"{MIN_TOKEN_CHARS} characters")
        return self

    @property
    def configured(self) -> bool:
        """Return whether an LRS is configured."""
        return bool(self.endpoint)

    @property
    def uses_oauth(self) -> bool:
        """Return whether the LRS is signed in to with OAuth access tokens (not basic authentication)."""
        return bool(self.oauth_token_url)
