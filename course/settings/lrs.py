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
        """An endpoint is given without /statements, and needs the key of the pseudonyms."""
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
