"""Send email over SMTP with the standard library, or print it on the server console.

Both adapters have the one method services need, `send(message)`, and raise MailError when the
message was not handed over, so the outbox keeps it for a later try.
"""

from __future__ import annotations

import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate
from typing import TextIO

from course.domain.mail import MailError, OutgoingMail
from course.settings import MailSettings

#: Seconds to wait for the SMTP server before giving up on this try.
TIMEOUT = 20.0


def build_message(message: OutgoingMail, *, sender: str) -> EmailMessage:
    """Return the MIME message: a plain-text part, an HTML alternative, then any attachments."""
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.recipient
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rpartition("@")[2] or "localhost"
    mime["Message-ID"] = f"<{message.message_id}@{domain}>"
    if message.unsubscribe_url:  # RFC 8058: mail programs offer a one-click unsubscribe
        mime["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        mime.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                            filename=attachment.filename)
    return mime


class SmtpMailer:
    """Hand each message to the configured SMTP server, in a connection of its own."""

    def __init__(self, settings: MailSettings, *, timeout: float = TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.smtp_tls == "tls":
            return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=self.timeout)
        if settings.smtp_tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, message: OutgoingMail) -> None:
        """Send one message, or raise MailError saying why it was not accepted."""
        mime = build_message(message, sender=self.settings.sender)
        try:
            with self._connect() as client:
                if self.settings.smtp_username:
                    client.login(self.settings.smtp_username, self.settings.smtp_password)
                client.send_message(mime)
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            where = f"{self.settings.smtp_host}:{self.settings.smtp_port}"
            raise MailError(f"SMTP server {where}: {type(error).__name__}: {error}"[:480]) from None


class ConsoleMailer:
    """Print each message's recipient, subject and text on the server console (no SMTP set)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, message: OutgoingMail) -> None:
        """Write the message where only the person running the server reads it."""
        stream = self.stream or sys.stdout
        print(f"--- email to {message.recipient}: {message.subject}\n{message.text}---",
              file=stream, flush=True)


def mailer_from_settings(settings: MailSettings) -> SmtpMailer | ConsoleMailer:
    """Return the SMTP adapter when a server is configured, else the console one."""
    return SmtpMailer(settings) if settings.configured else ConsoleMailer()
