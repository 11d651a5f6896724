"""The settings models: read from one mapping only, frozen, secrets hidden, each mistake named."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from course.settings import BUNDLED_ROOT, MailSettings, Settings, SettingsError, load_settings


def test_an_explicit_mapping_is_all_that_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTS_DB_POOL_SIZE", "0")  # would be refused if os.environ were read
    monkeypatch.setenv("NTS_SMTP_HOST", "mail.example.org")
    settings = load_settings({"NTS_DB_POOL_OVERFLOW": "3"})
    assert (settings.pool_size, settings.pool_overflow, settings.mail.smtp_host) == (5, 3, "")
    assert MailSettings().smtp_host == ""  # a model built in code takes only what it is given
    with pytest.raises(SettingsError, match="NTS_DB_POOL_SIZE='0'"):
        load_settings()


def test_the_defaults_are_the_documented_ones() -> None:
    settings = load_settings({})
    assert settings.content_root == BUNDLED_ROOT and settings.data_dir == BUNDLED_ROOT / "data"
    assert settings.database_url == f"sqlite:///{BUNDLED_ROOT / 'data' / 'need-to-share.db'}"
    assert (settings.session_idle_minutes, settings.session_absolute_hours) == (30, 12)
    assert (settings.retain_sign_in_days, settings.retain_session_days) == (30, 1)
    assert (settings.log_format, settings.log_level, settings.demo_mode, settings.local_passphrases) == (
        "text", "INFO", False, True)
    assert settings == Settings()


def test_values_are_read_and_normalised(tmp_path: Path) -> None:
    settings = load_settings({"NTS_DATA_DIR": f" {tmp_path} ", "NTS_DEMO": "Yes", "NTS_LOG_LEVEL": " debug ",
                              "NTS_ORGANISATION_NAME": "  Acme \n Health  ", "NTS_LOCAL_PASSPHRASES": "",
                              "NTS_DEMO_LEARNERS": "", "NTS_SESSION_IDLE_MINUTES": " 45 "})
    assert settings.database_url == f"sqlite:///{tmp_path}/need-to-share.db"
    assert (settings.demo_mode, settings.log_level) == (True, "DEBUG")
    assert settings.organisation_name == "Acme Health"
    assert not settings.local_passphrases  # empty is 0 here, as before
    assert (settings.demo_learners, settings.session_idle_minutes) == (0, 45)


def test_settings_are_frozen_and_keep_secrets_out_of_repr_and_errors() -> None:
    secret = "a-very-secret-token-1234"
    settings = load_settings({"NTS_METRICS_TOKEN": secret, "NTS_LOG_KEY": secret, "NTS_SMTP_PASSWORD": secret,
                              "NTS_LRS_PASSWORD": secret})
    assert settings.metrics_token == secret and secret not in repr(settings) and secret not in str(settings)
    with pytest.raises(ValidationError):
        settings.pool_size = 50  # type: ignore[misc]
    with pytest.raises(ValidationError):
        settings.mail.smtp_host = "elsewhere"  # type: ignore[misc]
    with pytest.raises(SettingsError) as refused:
        load_settings({"NTS_LOG_KEY": "secret words with spaces in them"})
    assert "secret words" not in str(refused.value)


@pytest.mark.parametrize(("environ", "message"), [
    ({"NTS_SESSION_IDLE_MINUTES": "half an hour"},
     "NTS_SESSION_IDLE_MINUTES='half an hour': expected a whole number"),
    ({"NTS_SESSION_ABSOLUTE_HOURS": "-2"}, "NTS_SESSION_ABSOLUTE_HOURS='-2': expected a number above 0"),
    ({"NTS_DEMO_LEARNERS": "1.5"}, "NTS_DEMO_LEARNERS='1.5': expected a whole number"),
    ({"NTS_DEMO": "maybe"}, "NTS_DEMO='maybe': expected 1 or 0"),
    ({"NTS_LOG_FORMAT": "xml"}, "NTS_LOG_FORMAT='xml': expected one of text, json"),
    ({"NTS_RETAIN_SESSION_DAYS": "9" * 400}, "NTS_RETAIN_SESSION_DAYS="),
    ({"NTS_INVITE_DAYS": "99999"}, "NTS_INVITE_DAYS='99999': expected at most 3650"),
])
def test_a_bad_value_is_named_in_one_line(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(environ)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_every_mistake_is_reported_at_once_on_one_line() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"NTS_DB_POOL_SIZE": "0", "NTS_LOG_LEVEL": "loud"})
    assert str(refused.value) == ("NTS_DB_POOL_SIZE='0': expected a number above 0; "
                                  "NTS_LOG_LEVEL='loud': expected one of DEBUG, INFO, WARNING, ERROR")


def test_pdf_fallback_fonts_are_font_files_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "Noto Sans CJK.ttc", tmp_path / "thai.otf"
    first.write_bytes(b"ttcf" + bytes(60))
    second.write_bytes(b"OTTO" + bytes(60))
    settings = load_settings({"NTS_PDF_FALLBACK_FONTS": f" {first} ,, {second}, "})
    assert settings.pdf_fallback_fonts == (first, second)
    assert load_settings({}).pdf_fallback_fonts == ()
    assert load_settings({"NTS_PDF_FALLBACK_FONTS": " "}).pdf_fallback_fonts == ()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.ttf", None, "'{path}' cannot be read (No such file or directory)"),
    ("fonts", "folder", "'{path}' cannot be read (Is a directory)"),
    ("notes.ttf", b"not a font at all", "'{path}' is not a TrueType or OpenType font file"),
    ("empty.otf", b"", "'{path}' is not a TrueType or OpenType font file"),
])
def test_a_pdf_fallback_font_that_cannot_be_used_is_named(
    tmp_path: Path, name: str, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / name
    if content == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    good = tmp_path / "good.ttf"
    good.write_bytes(b"\x00\x01\x00\x00" + bytes(60))
    with pytest.raises(SettingsError) as refused:
        load_settings({"NTS_PDF_FALLBACK_FONTS": f"{good},{path}"})
    assert str(refused.value).startswith(f"NTS_PDF_FALLBACK_FONTS='{good},{path}': "
                                         + message.format(path=path))
