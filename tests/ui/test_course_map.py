"""The course map and health page, for trainers, through Streamlit's AppTest."""

from __future__ import annotations

from tests.conftest import QUIZ, TreeWriter
from tests.ui.conftest import AppFactory

MAP = "course/ui/pages/course_map.py"


def test_the_map_shows_the_course_and_its_health(app: AppFactory, write_tree: TreeWriter) -> None:
    at = app(as_demo="trainer", content=write_tree())
    at.switch_page(MAP).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Test course"]
    assert "every file validates" in at.success[0].value
    assert [e.label for e in at.expander] == ["Legal — 1 modules", "HR — 1 modules"]


def test_a_broken_file_is_reported_not_fatal(app: AppFactory, write_tree: TreeWriter) -> None:
    broken = write_tree({"quizzes/intro-quiz.md": QUIZ.replace("[x] Listen", "[ ] Listen")})
    at = app(as_demo="trainer", content=broken)
    at.switch_page(MAP).run()
    assert "1 error(s) and 0 warning(s)" in at.warning[0].value
