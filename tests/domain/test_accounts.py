"""Pure account rules: email normalisation, passphrase policy, capability lists."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.domain.accounts import (
    AccountRuleError,
    check_passphrase,
    email_too_long,
    normalise_email,
    normalise_passphrase,
    parse_capabilities,
    parse_list,
    passphrase_too_long,
    render_capabilities,
)
from course.domain.permissions import Capability


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada@Example.ORG", "ada@example.org"),
        ("  ada.lovelace+course@example.co.uk ", "ada.lovelace+course@example.co.uk"),
        ("ÉLODIE@exemple.fr", "élodie@exemple.fr"),
    ],
)
def test_emails_are_normalised(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("ada", "not an email"),
        ("ada@localhost", "not an email"),
        ("a b@example.org", "not an email"),
        ("a@@example.org", "not an email"),
        ("a" * 250 + "@example.org", "longer than 254"),
    ],
)
def test_bad_emails_are_refused(raw: str, message: str) -> None:
    with pytest.raises(AccountRuleError, match=message):
        normalise_email(raw)


def test_passphrase_policy() -> None:
    assert check_passphrase("correct horse battery staple") == []
    assert check_passphrase("Ünïcödé pässphrase ✓ 日本語") == []
    assert check_passphrase("x" * 1024) == ["do not repeat one character"]
    assert check_passphrase("short") == ["use at least 12 characters"]
    assert check_passphrase("a" + "b" * 1024) == ["use at most 1024 characters"]
    assert check_passphrase("ada.lovelace", email="ada.lovelace@example.org") == [
        "do not use your email address"
    ]


@given(st.text(min_size=12, max_size=200).filter(lambda s: len(set(s)) > 1))
def test_any_long_enough_text_is_a_valid_passphrase(text: str) -> None:
    import unicodedata

    if len(unicodedata.normalize("NFKC", text)) >= 12:
        assert check_passphrase(text) == []


def test_capabilities_parse_and_render() -> None:
    grants = parse_capabilities("Learner; leader:legal|hr")
    assert grants.capabilities == {Capability.LEARNER, Capability.LEADER}
    assert grants.leader_departments == {"legal", "hr"}
    assert render_capabilities(grants) == "learner; leader:hr|legal"
    assert parse_capabilities(render_capabilities(grants)) == grants
    assert parse_capabilities("leader admin").leader_departments is None
    assert parse_capabilities("leader:hr leader").leader_departments is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "no capability"),
        ("learner; boss", "unknown capability 'boss'"),
        ("trainer:hr", "only leader takes departments"),
    ],
)
def test_bad_capabilities_are_refused(raw: str, message: str) -> None:
    with pytest.raises(AccountRuleError, match=message):
        parse_capabilities(raw)


def test_lists_split_on_semicolons_and_spaces() -> None:
    assert parse_list(" legal; hr  it;;") == ("legal", "hr", "it")


def test_giant_input_is_refused_before_normalising(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoNormalising:
        @staticmethod
        def normalize(form: str, text: str) -> str:
            raise AssertionError("normalised a giant input")

    # Only this module's view of unicodedata is replaced, so the test runner is unaffected.
    monkeypatch.setattr("course.domain.accounts.unicodedata", NoNormalising)
    giant = "\ufdfa" * 3_000_000  # one character that NFKC expands eighteen-fold
    with pytest.raises(AccountRuleError, match="longer than 254"):
        normalise_email(giant)
    with pytest.raises(AccountRuleError, match="longer than 1024"):
        normalise_passphrase(giant)
    assert check_passphrase(giant) == ["use at most 1024 characters"]
    assert email_too_long(giant) and passphrase_too_long(giant)
    assert not email_too_long("   " + "a" * 245 + "@x.io   ")
    assert not passphrase_too_long("p" * 1024) and passphrase_too_long("p" * 1025)
