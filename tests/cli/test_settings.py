"""`python -m course settings`: the same check as start-up, the values without secrets, the docs tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.cli import main
from course.settings import docs

Capture = pytest.CaptureFixture[str]
SECRET = "a-secret-of-enough-length-42"


def test_the_settings_are_checked_and_shown_without_their_secrets(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://nts:{SECRET}@db.internal:5432/nts")
    monkeypatch.setenv("NTS_LOG_KEY", SECRET)
    monkeypatch.setenv("NTS_TRUSTED_PROXIES", "10.0.0.2, 10.1.0.0/16")
    monkeypatch.setenv("NTS_DB_POOL_SIZE", " 3 ")
    monkeypatch.delenv("NTS_METRICS_TOKEN", raising=False)
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out
    lines = set(out.splitlines())
    assert {"DATABASE_URL: postgresql+psycopg://nts:***@db.internal:5432/nts", "NTS_LOG_KEY: set",
            "NTS_METRICS_TOKEN: unset", "NTS_DB_POOL_SIZE: 3",
            "NTS_TRUSTED_PROXIES: 10.0.0.2/32, 10.1.0.0/16"} <= lines
    assert len(lines) == len(list(docs.variables()))


def test_a_bad_setting_exits_2_with_one_line(capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTS_DB_POOL_OVERFLOW", "lots")
    assert main(["settings"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: NTS_DB_POOL_OVERFLOW='lots': expected a whole number\n"


def test_the_docs_tables_are_printed_and_rewritten(capsys: Capture, tmp_path: Path) -> None:
    assert main(["settings", "--markdown"]) == 0
    assert capsys.readouterr().out == docs.all_tables()
    stale = tmp_path / "ops.md"
    stale.write_text("# Ops\n\n<!-- settings: lti -->\n| old |\n<!-- /settings -->\n\nEnd.\n",
                     encoding="utf-8")
    assert main(["settings", "--update-docs", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == f"# Ops\n\n{docs.table('lti')}\n\nEnd.\n"
    assert "tables rewritten" in capsys.readouterr().out
