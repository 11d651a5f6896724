"""`python -m course jobs ...` through main(argv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_run_once_purges_then_finds_nothing_due(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "run", "--once"]) == 0
    assert capsys.readouterr().out == (
        "purge-security-records: ran: deleted 0 sign-in attempt(s) and 0 session(s)\n"
    )
    assert main(["jobs", "run", "--once"]) == 0
    assert capsys.readouterr().out == "purge-security-records: not due\n"
    assert main(["jobs", "list"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("purge-security-records\tfree\tnext due ")
    assert line.endswith("\truns 1\tok: deleted 0 sign-in attempt(s) and 0 session(s)\n")


def test_an_unreachable_database_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert main(["jobs", "run", "--once"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the database")
    assert err.count("\n") == 1


def test_bad_settings_and_poll_are_usage_errors(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["jobs", "run", "--poll", "0"]) == 2
    assert "--poll must be a number of seconds above 0" in capsys.readouterr().err
    monkeypatch.setenv("NTS_RETAIN_SIGN_IN_DAYS", "3")
    assert main(["jobs", "run", "--once"]) == 2
    assert capsys.readouterr().err == "error: NTS_RETAIN_SIGN_IN_DAYS='3': expected at least 30\n"
