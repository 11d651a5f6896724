"""Every command facing a database it cannot reach says so in one line and exits with 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.cli import main

NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"


@pytest.mark.parametrize("argv", [
    ["db", "upgrade"],
    ["users", "list"],
    ["users", "setup-token"],
    ["jobs", "list"],
    ["jobs", "run", "--once"],
], ids=" ".join)
def test_an_unreachable_database_is_one_line_and_exit_code_2(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", NOWHERE)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: cannot reach the database: connection failed")
    assert captured.err.count("\n") == 1


def test_a_sqlite_file_that_cannot_be_opened_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nts.db").mkdir()  # a folder where the database file should be
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nts.db'}")
    assert main(["users", "list"]) == 2
    assert capsys.readouterr().err == "error: cannot reach the database: unable to open database file\n"
