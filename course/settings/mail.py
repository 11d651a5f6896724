"""Email settings: the SMTP server, the sender, and how long emailed links last."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, model_validator

from course.settings.base import EnvironmentModel, absolute_url, address, choice, env, stripped

#: How an SMTP connection is secured.
TLS_MODES = ("none", "starttls", "tls")
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
DEFAULT_PUBLIC_URL = "http://localhost:8501"

#: NTS_PUBLIC_URL: the address people open the app at, without its trailing slash.
PublicUrl = Annotated[str, BeforeValidator(address), AfterValidator(absolute_url)]


def _sender(value: str) -> str:
    if "@" not in value or any(c in value for c in "\r\n"):
        raise ValueError("expected an email address")
    return value


class MailSettings(EnvironmentModel):
    """Where email goes (SMTP), who sends it, and how long the links it carries last."""

    docs_table = "mail"

    smtp_host: Annotated[str, BeforeValidator(stripped)] = env(
        "NTS_SMTP_HOST", "", "SMTP server. Empty: no email is sent, links go to the server console.")
    smtp_port: int = env("NTS_SMTP_PORT", 587, "SMTP port.",
                         shown_default="`587` (starttls), `465` (tls), `25` (none)", gt=0, le=65_535)
    smtp_tls: Annotated[str, BeforeValidator(choice(TLS_MODES))] = env(
        "NTS_SMTP_TLS", "starttls", "`starttls` (upgrade a plain connection), `tls` (TLS from the "
        "start) or `none`.")
    smtp_username: str = env("NTS_SMTP_USERNAME", "", "User name, when the server asks for one.")
    smtp_password: str = env("NTS_SMTP_PASSWORD", "", "Its password.", secret=True)
    sender: Annotated[str, BeforeValidator(stripped), AfterValidator(_sender)] = env(
        "NTS_MAIL_FROM", "need-to-share@localhost", "Sender address.")
    public_url: PublicUrl = env(
        "NTS_PUBLIC_URL", DEFAULT_PUBLIC_URL, "The address people open the app at; links in "
        "emails start with it.")
    invite_days: int = env("NTS_INVITE_DAYS", 14, "Days an invitation link works.", gt=0, le=3_650)
    reset_minutes: int = env("NTS_RESET_MINUTES", 60, "Minutes a reset link works.", gt=0, le=10_080)

    @model_validator(mode="before")
    @classmethod
    def _port_follows_tls(cls, data: Any) -> Any:
        """Without a port, take the usual one of the TLS mode (587, 465 or 25)."""
        if isinstance(data, dict) and data.get("smtp_port") is None:
            tls = str(data.get("smtp_tls") or "starttls").strip().lower()
            return {**data, "smtp_port": _DEFAULT_PORTS.get(tls, 587)}
        return data

    @property
    def configured(self) -> bool:
        """Return whether an SMTP server is configured."""
        return bool(self.smtp_host)
