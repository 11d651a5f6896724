"""The course map page, through Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import QUIZ, TreeWriter

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def run_app(monkeypatch: pytest.MonkeyPatch, root: Path) -> AppTest:
    monkeypatch.setenv("COURSE_CONTENT", str(root))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_map_shows_the_course_and_its_health(
    monkeypatch: pytest.MonkeyPatch, write_tree: TreeWriter
) -> None:
    at = run_app(monkeypatch, write_tree())
    assert [t.value for t in at.title] == ["Test course"]
    assert "every file validates" in at.success[0].value
    assert [e.label for e in at.expander] == ["Legal — 1 modules", "HR — 1 modules"]


def test_a_broken_file_is_reported_not_fatal(
    monkeypatch: pytest.MonkeyPatch, write_tree: TreeWriter
) -> None:
    at = run_app(monkeypatch, write_tree({"quizzes/intro-quiz.md": QUIZ.replace("[x] Listen", "[ ] Listen")}))
    assert "1 error(s) and 0 warning(s)" in at.warning[0].value
