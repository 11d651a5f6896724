"""The course map (its own page script, and the health page's "Course map" tab), through AppTest.

The page script is run directly with a trainer's session, so it is tested whether or not the
router lists it; the health page shows the same map in a tab.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from course.ui.course_map_view import TRACK_KEY
from tests.conftest import MODULE, QUIZ, TreeWriter
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
    assert [e.label for e in at.expander] == ["As a table", "Legal — 1 modules", "HR — 1 modules"]
    assert any("The Legal path is thin: 1 module(s), fewer than 3." in w.value for w in at.warning)


def test_each_track_is_drawn_as_a_graph_with_its_words_beside_it(app: AppFactory,
                                                                 write_tree: TreeWriter) -> None:
    hr_only = MODULE.replace("id: intro", "id: hr-basics").replace("roles: [all]", "roles: [hr]") \
        .replace("quiz: intro-quiz\nscenario: first-day\n", "").replace("title: Introduction",
                                                                           "title: HR *basics*")
    needs_hr = MODULE.replace("id: intro", "id: legal-next").replace("roles: [all]", "roles: [legal]") \
        .replace("quiz: intro-quiz\nscenario: first-day\n", "requires: [hr-basics]\n") \
        .replace("title: Introduction", "title: Legal next")
    at = _map(app, write_tree({"modules/hr-basics.md": hr_only, "modules/legal-next.md": needs_hr}))
    track = at.selectbox(key=TRACK_KEY)
    assert track.label == "Track" and track.options == ["Legal", "HR"] and track.value == "legal"
    assert any(m.value.startswith("The Legal path has 2 modules, 1 quiz and 1 scenario") for m in at.markdown)
    locked = [w.value for w in at.warning if "stays locked" in w.value]
    # The title is plain text: its asterisks are escaped, not read as emphasis.
    assert locked == ["Legal next stays locked: it requires HR \\*basics\\*, which is not on this track."]
    assert len(at.get("plotly_chart")) == 1
    table = at.dataframe[0].value
    assert list(table["Item"]) == ["Introduction", "Introduction check", "First day", "Legal next",
                                   "HR *basics*"]
    assert list(table["Kind"]) == ["Module", "Quiz", "Scenario", "Module", "Not on this track"]
    track.set_value("hr").run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("The HR path has 2 modules") and "no problem" in m.value
               for m in at.markdown)
    assert not [w.value for w in at.warning if "stays locked" in w.value]


def test_a_broken_file_is_reported_not_fatal(app: AppFactory, write_tree: TreeWriter) -> None:
    broken = write_tree({"quizzes/intro-quiz.md": QUIZ.replace("[x] Listen", "[ ] Listen")})
    at = _map(app, broken)
    assert "1 error(s) and 0 warning(s)" in at.warning[0].value


def test_a_track_without_modules_says_so_instead_of_an_empty_graph(app: AppFactory,
                                                                  write_tree: TreeWriter) -> None:
    at = _map(app, write_tree({"modules/intro.md": MODULE.replace("roles: [all]", "roles: [legal]")}))
    at.selectbox(key=TRACK_KEY).set_value("hr").run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == ["No module is written for the HR track yet, so there is nothing "
                                          "to draw."]
    assert len(at.get("plotly_chart")) == 0
