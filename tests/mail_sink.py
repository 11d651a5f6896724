"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the tests.

`smtp_server` starts once per test session on a free port; `mail_sink` empties it for each test.
The server can be stopped and started again on the same port, to test sending while it is down.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from course.settings import MailSettings

_LINK = re.compile(r"https?://\S+/\?(?:invite|reset)=[A-Za-z0-9_-]+")


class _Keeper:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"


class MailSink:
    """The SMTP server and the messages it received."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.keeper = _Keeper()
        self.controller: Controller | None = None

    def start(self) -> None:
        """Listen on the sink's port."""
        self.controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until start()."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        """Return the messages received so far."""
        with self.keeper.lock:
            return list(self.keeper.messages)

    def clear(self) -> None:
        """Forget the messages received so far."""
        with self.keeper.lock:
            self.keeper.messages.clear()

    def to(self, recipient: str) -> list[EmailMessage]:
        """Return the messages addressed to this recipient."""
        return [m for m in self.messages if m["To"] == recipient]

    def wait_for(self, recipient: str, *, count: int = 1, timeout: float = 20.0) -> list[EmailMessage]:
        """Return the recipient's messages once there are `count` of them (fail after `timeout`)."""
        deadline = time.monotonic() + timeout
        while len(self.to(recipient)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no email to {recipient} within {timeout} s: {self.messages!r}")
            time.sleep(0.05)
        return self.to(recipient)

    def settings(self, **overrides: Any) -> MailSettings:
        """Return mail settings that send to this sink without TLS."""
        values: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_tls": "none",
                                  "sender": "course@example.org", "public_url": "http://app.example"}
        values.update(overrides)
        return MailSettings(**values)


def link_in(message: EmailMessage) -> str:
    """Return the one link in the message's plain-text part (and check the HTML part has it too)."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "expected a plain-text and an HTML part"
    found = _LINK.findall(text.get_content())
    assert len(found) == 1, found
    assert found[0] in html.get_content()
    return str(found[0])


def token_in(message: EmailMessage) -> str:
    """Return the token of the message's link."""
    return link_in(message).rpartition("=")[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[MailSink]:
    """Run one SMTP server on a free port of 127.0.0.1 for the whole test session."""
    sink = MailSink(_free_port())
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def mail_sink(smtp_server: MailSink) -> Iterator[MailSink]:
    """Return the running SMTP server, emptied (and started again if a test stopped it)."""
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.clear()
    yield smtp_server
    if smtp_server.controller is None:
        smtp_server.start()
