"""The client address as the pages see it: Streamlit's peer and X-Forwarded-For, judged by settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from course.ui import auth


@dataclass
class Headers:
    """Streamlit's headers object, as far as client_address uses it."""

    values: dict[str, list[str]] = field(default_factory=dict)

    def get_all(self, name: str) -> list[str]:
        return self.values.get(name.lower(), [])

    def __len__(self) -> int:
        return len(self.values)


def fake_streamlit(headers: Headers, peer: str | None) -> SimpleNamespace:
    return SimpleNamespace(context=SimpleNamespace(headers=headers, ip_address=peer))


def seen(monkeypatch: pytest.MonkeyPatch, *, peer: str | None, forwarded: list[str] | None = None,
         trusted: str | None = None) -> str:
    headers = Headers({"host": ["example.org"]})
    if forwarded is not None:
        headers.values["x-forwarded-for"] = forwarded
    monkeypatch.setattr(auth, "st", fake_streamlit(headers, peer))
    if trusted is None:
        monkeypatch.delenv("NTS_TRUSTED_PROXIES", raising=False)
    else:
        monkeypatch.setenv("NTS_TRUSTED_PROXIES", trusted)
    auth.resources.reset()
    return auth.client_address()


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    assert seen(monkeypatch, peer="203.0.113.9", forwarded=["198.51.100.1"]) == "203.0.113.9"


def test_a_same_host_proxy_is_trusted_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # Streamlit reports a loopback peer as None.
    assert seen(monkeypatch, peer=None, forwarded=["6.6.6.6, 198.51.100.1"]) == "198.51.100.1"
    assert seen(monkeypatch, peer=None) == "127.0.0.1"


def test_a_proxy_on_another_host_must_be_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    header = ["6.6.6.6", "198.51.100.1"]  # two header lines, as some proxies send
    assert seen(monkeypatch, peer="10.0.0.2", forwarded=header) == "10.0.0.2"
    assert seen(monkeypatch, peer="10.0.0.2", forwarded=header, trusted="10.0.0.0/24") == "198.51.100.1"
    assert seen(monkeypatch, peer="10.0.0.2", forwarded=["junk"], trusted="10.0.0.2") == ""


def test_no_request_context_means_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "st", fake_streamlit(Headers(), None))
    assert auth.client_address() == ""
