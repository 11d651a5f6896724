"""Limits before work: a giant email or passphrase is refused before normalising or hashing.

Normalising is replaced by a trap in the account rules' module: reaching it fails the test, so
"refused before the work" is checked on the code path, not by a clock.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Literal

import pytest
from sqlalchemy import Engine, text

from course.domain.accounts import parse_capabilities
from course.services import accounts, roster
from course.services.accounts import SIGN_IN_FAILED, AccountError, Passwords
from course.store.engine import read_session

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"
GIANT = "\ufdfa" * 3_000_000  # about 3 MB of one character that NFKC expands eighteen-fold


class NoHashing(Passwords):
    """A hasher that fails the test if anything is hashed or verified."""

    def __init__(self) -> None:
        self.armed = False
        super().__init__(memory_kib=1024, time_cost=1)
        self.armed = True  # building the hasher times one verification

    def hash(self, passphrase: str) -> str:
        raise AssertionError("hashed a giant input")

    def verify(self, stored: str, passphrase: str) -> bool:
        if self.armed:
            raise AssertionError("verified a giant input")
        return super().verify(stored, passphrase)

    def wait_as_long_as_a_verify(self) -> None:
        raise AssertionError("a giant input is refused at once, not after a wait")


class NoNormalising:
    """Normalises ordinary input; a giant one fails the test."""

    @staticmethod
    def normalize(form: Literal["NFC", "NFD", "NFKC", "NFKD"], value: str) -> str:
        if len(value) > 2000:
            raise AssertionError("normalised a giant input")
        return unicodedata.normalize(form, value)


@pytest.fixture
def trap(monkeypatch: pytest.MonkeyPatch) -> NoHashing:
    hasher = NoHashing()  # built before the trap: building it hashes a random passphrase
    monkeypatch.setattr("course.domain.accounts.unicodedata", NoNormalising)
    return hasher


def attempts(engine: Engine) -> int:
    with read_session(engine) as session:
        return int(session.connection().execute(text("SELECT COUNT(*) FROM login_attempt")).scalar_one())


@pytest.mark.parametrize(("email", "passphrase"), [(GIANT, PASSPHRASE), ("ada@example.org", GIANT),
                                                   (GIANT, GIANT)])
def test_sign_in_refuses_giant_input_with_the_generic_message(
    engine: Engine, trap: NoHashing, email: str, passphrase: str
) -> None:
    result = accounts.sign_in(engine, email, passphrase, passwords=trap, address="192.0.2.1",
                              device="kept", now=NOW)
    assert (result.ok, result.message, result.device) == (False, SIGN_IN_FAILED, "kept")
    assert attempts(engine) == 0  # no query either


def test_account_changes_refuse_giant_input_before_hashing(engine: Engine, passwords: Passwords) -> None:
    accounts.add_account(engine, "ada@example.org", name="Ada", grants=parse_capabilities("learner"),
                         by=None, passwords=passwords, passphrase=PASSPHRASE, now=NOW)
    hasher = NoHashing()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("course.domain.accounts.unicodedata", NoNormalising)
        with pytest.raises(AccountError, match="longer than 254"):
            accounts.add_account(engine, GIANT, name="Eve", grants=parse_capabilities("learner"),
                                 by=None, now=NOW)
        with pytest.raises(AccountError, match="at most 1024"):
            accounts.set_passphrase(engine, "ada@example.org", GIANT, passwords=hasher, by=None)
        with pytest.raises(AccountError, match="longer than 254"):
            accounts.set_passphrase(engine, GIANT, PASSPHRASE, passwords=hasher, by=None)
        with pytest.raises(AccountError, match="longer than 254"):
            accounts.unlock_account(engine, GIANT, by=None)
        report = roster.parse_roster("email,name\n" + "x" * 300 + "@example.org,Eve\n")
    assert [p.message for p in report[1]] == ["the email address is longer than 254 characters"]


def test_first_run_setup_refuses_giant_input(engine: Engine, trap: NoHashing) -> None:
    token = accounts.issue_setup_token(engine, now=NOW)
    assert token
    with pytest.raises(AccountError, match="at most 1024"):
        accounts.complete_first_run_setup(engine, token, email="root@example.org", name="Root",
                                          passphrase=GIANT, passwords=trap)
    with pytest.raises(AccountError, match="longer than 254"):
        accounts.complete_first_run_setup(engine, token, email=GIANT, name="Root",
                                          passphrase=PASSPHRASE, passwords=trap)
    assert accounts.needs_first_run_setup(engine)


def test_a_passphrase_at_the_limit_still_works(engine: Engine, passwords: Passwords) -> None:
    longest = "passphrase " * 93 + "x"  # 1,024 characters
    assert len(longest) == 1024
    accounts.add_account(engine, "ada@example.org", name="Ada", grants=parse_capabilities("learner"),
                         by=None, passwords=passwords, passphrase=longest, now=NOW)
    assert accounts.sign_in(engine, "ada@example.org", longest, passwords=passwords, now=NOW).ok
    assert not accounts.sign_in(engine, "ada@example.org", longest + "y", passwords=passwords,
                                now=NOW).ok
