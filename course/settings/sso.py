"""Single sign-on settings: the OpenID Connect provider and how people are matched to the roster."""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import AfterValidator, BeforeValidator, model_validator

from course.settings.base import EnvironmentModel, SettingsError, absolute_url, address, env, flag, stripped
from course.settings.mail import DEFAULT_PUBLIC_URL

_METADATA_SUFFIX = "/.well-known/openid-configuration"
_CALLBACK_SUFFIX = "/oauth2callback"
#: Shortest secret accepted for Streamlit's sign-in cookie (32 characters of token_urlsafe).
MIN_COOKIE_SECRET_CHARS = 32
DEFAULT_BUTTON_LABEL = "Sign in with your organisation"
_REQUIRED = {"client_id": "NTS_OIDC_CLIENT_ID", "client_secret": "NTS_OIDC_CLIENT_SECRET",
             "cookie_secret": "NTS_OIDC_COOKIE_SECRET"}

Text = Annotated[str, BeforeValidator(stripped)]
Url = Annotated[str, BeforeValidator(stripped), AfterValidator(absolute_url)]


def _words(raw: object) -> object:
    return " ".join(raw.split()) if isinstance(raw, str) else raw


class SsoSettings(EnvironmentModel):
    """The OpenID Connect provider people sign in with, and how they are matched to the roster."""

    docs_table = "sso"

    metadata_url: Url = env(
        "NTS_OIDC_METADATA_URL", "", "The provider's discovery document. Setting it turns single "
        "sign-on on.", shown_default="empty (off)")
    client_id: Text = env("NTS_OIDC_CLIENT_ID", "", "The client id the provider gave the app. "
                          "Required with single sign-on.", shown_default="none")
    client_secret: Text = env("NTS_OIDC_CLIENT_SECRET", "", "Its client secret. Required; keep it "
                              "out of version control.", shown_default="none", secret=True)
    redirect_uri: Url = env(
        "NTS_OIDC_REDIRECT_URI", "", "The callback registered at the provider; must end in "
        "`/oauth2callback`.", shown_default="`NTS_PUBLIC_URL/oauth2callback`")
    scopes: Annotated[str, BeforeValidator(_words)] = env(
        "NTS_OIDC_SCOPES", "openid email profile", "Scopes asked for; must include `openid` and "
        "`email`.")
    button_label: Text = env("NTS_OIDC_BUTTON_LABEL", DEFAULT_BUTTON_LABEL,
                             "Text of the button on the sign-in page.")
    cookie_secret: Text = env(
        "NTS_OIDC_COOKIE_SECRET", "", "At least 32 random characters (`python -c \"import secrets; "
        "print(secrets.token_urlsafe(32))\"`). Signs Streamlit's short-lived cookie that carries the "
        "provider's answer to the app. The same on every process.", shown_default="none (required)",
        secret=True)
    issuer: Text = env("NTS_OIDC_ISSUER", "", "The issuer (`iss`) every identity token must name.",
                       shown_default="the metadata URL without `/.well-known/openid-configuration`")
    create_people: Annotated[bool, BeforeValidator(flag)] = env(
        "NTS_OIDC_CREATE_PEOPLE", False, "`1` adds a verified person who is not on the roster at "
        "their first sign-in, as a learner.", shown_default="`0` (refused)", blank="value")
    department_claim: Text = env("NTS_OIDC_DEPARTMENT_CLAIM", "", "Claim holding the department of "
                                 "a person added at sign-in.", shown_default="none")
    tracks_claim: Text = env("NTS_OIDC_TRACKS_CLAIM", "", "Claim holding their tracks: a list, or "
                             "text separated by semicolons or spaces.", shown_default="none")
    #: NTS_PUBLIC_URL (documented with email), the base of the default callback.
    public_url: Annotated[str, BeforeValidator(address)] = env(
        "NTS_PUBLIC_URL", DEFAULT_PUBLIC_URL, "", table=None)

    @model_validator(mode="before")
    @classmethod
    def _derived_defaults(cls, data: Any) -> Any:
        """With a provider, default the callback, the issuer and the button from the other values."""
        if not isinstance(data, dict) or not str(data.get("metadata_url") or "").strip():
            return data
        metadata = str(data["metadata_url"]).strip()
        public = str(data.get("public_url") or DEFAULT_PUBLIC_URL).strip().rstrip("/")
        return {**data,
                "redirect_uri": str(data.get("redirect_uri") or "").strip() or public + _CALLBACK_SUFFIX,
                "issuer": str(data.get("issuer") or "").strip() or metadata.removesuffix(_METADATA_SUFFIX),
                "button_label": str(data.get("button_label") or "").strip() or DEFAULT_BUTTON_LABEL}

    @model_validator(mode="after")
    def _complete(self) -> Self:
        """With a provider, the client, both secrets, the callback and the scopes must fit."""
        if not self.enabled:
            return self
        missing = [variable for name, variable in _REQUIRED.items() if not getattr(self, name)]
        if missing:
            raise SettingsError(f"NTS_OIDC_METADATA_URL is set, so set {', '.join(missing)} too")
        if len(self.cookie_secret) < MIN_COOKIE_SECRET_CHARS:
            raise SettingsError(f"NTS_OIDC_COOKIE_SECRET: use at least {MIN_COOKIE_SECRET_CHARS} characters")
        if not self.redirect_uri.endswith(_CALLBACK_SUFFIX):
            raise SettingsError(f"NTS_OIDC_REDIRECT_URI={self.redirect_uri!r}: expected an address "
                                f"ending in {_CALLBACK_SUFFIX}")
        if not {"openid", "email"} <= set(self.scopes.split()):
            raise SettingsError(f"NTS_OIDC_SCOPES={self.scopes!r}: include openid and email")
        return self

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
