"""Oversized messages from a browser, sent to a real server with the production config.

A 3 MB sign-in email of one repeated Unicode character fits under the message limit and is
refused by the sign-in service before any normalising; a message over the limit is dropped by
the server with the connection. Either way the other sessions carry on.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from bench.load import ServerHandle, start_server
from bench.stclient import ConnectionClosed, StreamlitClient
from course.services.accounts import SIGN_IN_FAILED

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


def test_the_message_limits_are_set_and_documented() -> None:
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert (server["maxMessageSize"], server["maxWidgetStateSize"], server["maxUploadSize"]) == (10, 6, 5)
    guide = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    assert "| `server.maxMessageSize` | `10` (MB) |" in guide
    assert "| `server.maxWidgetStateSize` | `6` (MB) |" in guide


def first_field(client: StreamlitClient, label: str) -> str:
    """Return the id of the first text input with this label (the sign-in form comes first)."""
    return next(w.id for w in client.widgets() if w.label == label and w.kind == "text_input")


@pytest.mark.slow
def test_giant_sign_in_input_is_refused_and_other_sessions_carry_on(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"NTS_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'nts.db'}",
           "NTS_DEMO": "1", "NTS_DEMO_LEARNERS": "0"}
    with start_server(APP, env=env) as server, StreamlitClient(server.url, timeout=60) as owner:
        assert owner.open().ok
        with StreamlitClient(server.url, timeout=60) as attacker:
            attacker.open()
            email, passphrase = first_field(attacker, "Email"), first_field(attacker, "Passphrase")
            attacker.set_widgets({email: "\ufdfa" * 1_000_000, passphrase: "anything at all"})
            refused = attacker.click("Sign in")  # about 3 MB of UTF-8: under the limit
            assert refused.ok and SIGN_IN_FAILED in refused.texts()
        with StreamlitClient(server.url, timeout=60) as flooder:
            flooder.open()
            flooder.set_widgets({first_field(flooder, "Email"): "a" * 7_000_000})
            with pytest.raises(ConnectionClosed):
                flooder.click("Sign in")  # over maxWidgetStateSize: the server hangs up
        assert owner.rerun().ok
        assert _logged(server, "exceeds the limit"), server.log(limit=10**6)


def _logged(server: ServerHandle, words: str) -> bool:
    """Return whether the server's log says the words within a few seconds.

    The server writes its warning after it has closed the connection, so the line can lag the
    client's view of the hang-up by a moment on a loaded machine.
    """
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if words in server.log(limit=10**6):
            return True
        time.sleep(0.2)  # polling a log file another process writes, not waiting on a result
    return False
