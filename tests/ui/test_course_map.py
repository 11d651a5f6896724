"""The course map (its own page script, and the health page's "Course map" tab), through AppTest.

The page script is run directly with a trainer's session, so it is tested whether or not the
router lists it; the health page shows the same map in a tab.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.conftest import QUIZ, TreeWriter
from tests.ui.conftest import APP, AppFactory

MAP = "course/ui/pages/course_map.py"


def _map(app: AppFactory, content: Path) -> AppTest:
    signed_in = app(as_demo="trainer", content=content)
    at = AppTest.from_file(str(Path(APP).parent / MAP), default_timeout=60)
    at.session_state["nts_token"] = signed_in.session_state["nts_token"]
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_map_shows_the_course_and_its_health(app: AppFactory, write_tree: TreeWriter) -> None:
    at = _map(app, write_tree())
    assert [t.value for t in at.title] == ["Test course"]
    assert "every file validates" in at.success[0].value
    assert [e.label for e in at.expander] == ["Legal — 1 modules", "HR — 1 modules"]
    assert any("The Legal path is thin: 1 module(s), fewer than 3." in w.value for w in at.warning)


def test_a_broken_file_is_reported_not_fatal(app: AppFactory, write_tree: TreeWriter) -> None:
    broken = write_tree({"quizzes/intro-quiz.md": QUIZ.replace("[x] Listen", "[ ] Listen")})
    at = _map(app, broken)
    assert "1 error(s) and 0 warning(s)" in at.warning[0].value
