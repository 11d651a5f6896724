"""Logs a machine can read: one JSON object per line, a pseudonym for the person, never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from course.domain.accounts import parse_capabilities
from course.services import accounts, logs
from course.services.accounts import Passwords
from course.settings import SettingsError, load_settings

KEY = "a-log-key-of-32-characters-or-so"
EMAIL = "ada.lovelace@example.org"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _restored() -> Iterator[None]:
    """Give the app's logger back as it was (other tests read its lines through the root)."""
    root, ours = logging.getLogger(), logging.getLogger(logs.ROOT)
    before = (list(root.handlers), root.level, ours.level, dict(logs._KEY))
    yield
    root.handlers[:] = before[0]
    root.setLevel(before[1])
    ours.setLevel(before[2])
    logs._KEY.update(before[3])


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """Configure JSON logs into a buffer."""
    buffer = io.StringIO()
    logs.configure(load_settings({"NTS_LOG_FORMAT": "json", "NTS_LOG_KEY": KEY}), stream=buffer)
    yield buffer


def _lines(buffer: io.StringIO) -> list[dict[str, object]]:
    text = buffer.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_each_event_is_one_json_line_with_the_tab_and_a_pseudonym(written: io.StringIO) -> None:
    log = logging.getLogger("course.services.example")
    with logs.bound(session="3f0c9a1e-5b7d-4c1e-9a0b-1d2e3f4a5b6c", person_id=42):
        log.info("section read\nwith a second line")
    log.warning("outside any tab")
    first, second = _lines(written)
    assert first["level"] == "info" and first["logger"] == "course.services.example"
    assert first["message"] == "section read\nwith a second line"  # still one line in the file
    assert first["session"] == "3f0c9a1e-5b7"
    assert first["person"] == logs.pseudonym(42) != "42"
    assert str(first["time"]).endswith("+00:00")
    assert "session" not in second and "person" not in second


def test_a_pseudonym_is_stable_under_one_key_and_unlinkable_without_it() -> None:
    logs.configure(load_settings({"NTS_LOG_KEY": KEY}), stream=io.StringIO())
    same = logs.pseudonym(7)
    assert logs.pseudonym(7) == same and logs.pseudonym(8) != same
    logs.configure(load_settings({"NTS_LOG_KEY": "another-key-of-enough-length"}), stream=io.StringIO())
    assert logs.pseudonym(7) != same


def test_email_addresses_never_reach_the_log(written: io.StringIO) -> None:
    log = logging.getLogger("course.services.example")
    log.info("invitation sent to %s", EMAIL)
    try:
        raise ValueError(f"no account for <{EMAIL}>")
    except ValueError:
        log.exception("refused")
    text = written.getvalue()
    assert EMAIL not in text and "example.org" not in text
    first, second = _lines(written)
    assert first["message"] == "invitation sent to [email]"
    assert second["error"] == "ValueError: no account for <[email]>"


def test_a_failed_and_a_good_sign_in_log_events_without_email_or_passphrase(
        written: io.StringIO, engine: Engine, passwords: Passwords) -> None:
    accounts.add_account(engine, EMAIL, name="Ada", grants=parse_capabilities("learner"), by=None,
                         passwords=passwords, passphrase=PASSPHRASE)
    accounts.sign_in(engine, EMAIL, "wrong " + PASSPHRASE, passwords=passwords)
    good = accounts.sign_in(engine, EMAIL, PASSPHRASE, passwords=passwords)
    assert good.actor is not None
    text = written.getvalue()
    assert EMAIL not in text and PASSPHRASE not in text and "Ada" not in text
    events = {str(line.get("event")): line for line in _lines(written)}
    assert {"account_created", "sign_in_failed", "sign_in"} <= set(events)
    assert events["sign_in"]["person"] == logs.pseudonym(good.actor.person_id)


def test_configuring_again_replaces_the_handler_and_text_is_the_default() -> None:
    buffer = io.StringIO()
    logs.configure(load_settings({}), stream=io.StringIO())
    logs.configure(load_settings({"NTS_LOG_LEVEL": "warning"}), stream=buffer)
    assert [h.get_name() for h in logging.getLogger().handlers].count("nts") == 1
    logging.getLogger("course.x").info("not written at WARNING")
    logging.getLogger("course.x").warning("mail to %s failed", EMAIL)
    (line,) = buffer.getvalue().splitlines()
    assert line.endswith("WARNING course.x: mail to [email] failed")


@pytest.mark.parametrize(("name", "value"), [
    ("NTS_LOG_FORMAT", "xml"), ("NTS_LOG_LEVEL", "loud"), ("NTS_LOG_KEY", "short"),
    ("NTS_LOG_KEY", "has spaces in it, which are refused")])
def test_bad_log_settings_are_refused_with_their_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})
