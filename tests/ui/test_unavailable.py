"""A database that cannot be reached: a plain page for learners, one log line for the operator."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from course.ui.router import UNAVAILABLE_TEXT, UNAVAILABLE_TITLE
from tests.ui.conftest import APP

NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"


def _page_text(at: AppTest) -> str:
    return "\n".join([t.value for t in at.title] + [m.value for m in at.markdown])


def test_an_unreachable_database_shows_a_plain_page_and_logs_one_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", NOWHERE)
    with caplog.at_level("ERROR", logger="course.ui.router"):
        at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [t.value for t in at.title] == [UNAVAILABLE_TITLE]
    assert UNAVAILABLE_TEXT in _page_text(at)
    assert "Manage app" not in _page_text(at)
    [record] = [r for r in caplog.records if r.name == "course.ui.router"]
    assert record.getMessage().startswith("page view refused: cannot reach the database: connection failed")
    assert record.exc_info is None


def test_a_sqlite_database_that_cannot_be_opened_shows_the_same_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "nts.db"
    database.mkdir()  # a folder where the file should be: SQLite cannot open it, even as root
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    with caplog.at_level("ERROR", logger="course.ui.router"):
        at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [t.value for t in at.title] == [UNAVAILABLE_TITLE]
    [record] = [r for r in caplog.records if r.name == "course.ui.router"]
    assert record.getMessage() == "page view refused: cannot reach the database: unable to open database file"
