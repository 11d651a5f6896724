"""Serving the last valid version of broken items, content health, gaps and the scenario graph."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from course.content.loader import ParseCache
from course.domain.diagnostics import Code, Severity
from course.domain.model import Choice, EndingKind, ItemMeta, Node, Scenario, frozen_map
from course.domain.permissions import Actor
from course.services.permissions import PermissionDenied
from course.services.studio_content import (
    LastValid,
    StaleItem,
    check_scenario_graph,
    find_gaps,
    get_health,
    load_served,
    scenario_dot,
    summarise,
)
from course.store import audit
from course.store.engine import read_session
from tests.conftest import QUIZ, SCENARIO, TreeWriter, dedent

MakePerson = Callable[..., Actor]
BROKEN_QUIZ = QUIZ.replace("- [x] Listen", "- [ ] Listen")  # q-one has no correct option


def test_a_broken_quiz_keeps_being_served_at_its_last_valid_version(write_tree: TreeWriter) -> None:
    root = write_tree()
    cache, last = ParseCache(), LastValid()
    first = load_served(root, cache=cache, last=last)
    assert first.course is not None and not first.diagnostics
    before = first.course.quizzes["intro-quiz"]

    write_tree({"quizzes/intro-quiz.md": BROKEN_QUIZ})
    broken = load_served(root, cache=cache, last=last)
    assert broken.course is not None
    assert broken.course.quizzes["intro-quiz"] is before
    assert broken.course.quizzes["intro-quiz"].meta.version == before.meta.version
    assert broken.course.modules["intro"].quiz == "intro-quiz"
    assert [d.code for d in broken.diagnostics if d.severity is Severity.ERROR] == [
        Code.QUESTION_NO_CORRECT]
    assert last.stale(root) == (StaleItem("intro-quiz", "quiz", "quizzes/intro-quiz.md",
                                          before.meta.version),)

    fixed = QUIZ.replace("What comes first?", "What comes first of all?")
    write_tree({"quizzes/intro-quiz.md": fixed})
    again = load_served(root, cache=cache, last=last)
    assert again.course is not None and not again.diagnostics
    quiz = again.course.quizzes["intro-quiz"]
    assert quiz.meta.version != before.meta.version
    assert "of all" in quiz.questions[0].stem_html
    assert last.stale(root) == ()


def test_a_quiz_that_no_longer_parses_is_served_too(write_tree: TreeWriter) -> None:
    root = write_tree()
    cache, last = ParseCache(), LastValid()
    before = load_served(root, cache=cache, last=last).course
    assert before is not None
    write_tree({"quizzes/intro-quiz.md": "---\nid: intro-quiz\ntitle: [unclosed\n---\n"})
    served = load_served(root, cache=cache, last=last)
    assert served.course is not None
    assert served.course.quizzes["intro-quiz"] is before.quizzes["intro-quiz"]
    assert served.course.modules["intro"].quiz == "intro-quiz"
    assert any(d.path == "quizzes/intro-quiz.md" and d.severity is Severity.ERROR
               for d in served.diagnostics)


def test_an_item_broken_since_the_server_started_is_left_out(write_tree: TreeWriter) -> None:
    root = write_tree({"quizzes/intro-quiz.md": BROKEN_QUIZ})
    served = load_served(root, cache=ParseCache(), last=LastValid())
    assert served.course is not None
    assert "intro-quiz" not in served.course.quizzes
    assert served.course.modules["intro"].quiz is None


def test_a_deleted_file_is_not_served_from_memory(write_tree: TreeWriter) -> None:
    root = write_tree()
    cache, last = ParseCache(), LastValid()
    load_served(root, cache=cache, last=last)
    write_tree({"quizzes/intro-quiz.md": None})
    served = load_served(root, cache=cache, last=last)
    assert served.course is not None and "intro-quiz" not in served.course.quizzes


def test_health_groups_diagnostics_by_file_errors_first(write_tree: TreeWriter) -> None:
    root = write_tree({"quizzes/intro-quiz.md": BROKEN_QUIZ,
                       "scenarios/first-day.md": SCENARIO + "\n" + dedent("""
                           {#lost}
                           ## Nobody comes here

                           - [Back](#start)
                           """)})
    cache, last = ParseCache(), LastValid()
    result = load_served(root, cache=cache, last=last)
    health = summarise(result)
    assert (health.errors, health.warnings) == (1, 1)
    assert [f.path for f in health.files] == ["quizzes/intro-quiz.md", "scenarios/first-day.md"]
    assert health.files[0].diagnostics[0].code is Code.QUESTION_NO_CORRECT
    assert health.files[1].diagnostics[0].code is Code.NODE_UNREACHABLE


def test_health_is_for_trainers_and_admins_only(write_tree: TreeWriter, engine: Engine,
                                               make_person: MakePerson) -> None:
    root = write_tree()
    result = load_served(root, cache=ParseCache(), last=LastValid())
    trainer = make_person("t@example.org", capabilities="trainer")
    assert get_health(engine, trainer, result, LastValid(), root).errors == 0
    for capability in ("learner", "leader"):
        person = make_person(f"{capability}@example.org", capabilities=capability)
        with pytest.raises(PermissionDenied):
            get_health(engine, person, result, LastValid(), root)
    with read_session(engine) as session:
        denied = audit.list_events(session, kind="action_denied")
    assert sorted(e.actor for e in denied) == ["leader@example.org", "learner@example.org"]


def test_gaps_name_unassessed_competencies_and_thin_paths(write_tree: TreeWriter) -> None:
    quiz = QUIZ.replace("competency=listening", "competency=crisis")
    scenario = SCENARIO.replace("competencies: [crisis, listening]", "competencies: [crisis]")
    root = write_tree({"quizzes/intro-quiz.md": quiz, "scenarios/first-day.md": scenario})
    course = load_served(root, cache=ParseCache(), last=LastValid()).course
    assert course is not None
    gaps = find_gaps(course)
    assert gaps.unassessed == ("listening",)
    assert gaps.thin_roles == (("legal", 1), ("hr", 1))
    assert find_gaps(course, thin=1).thin_roles == ()


def test_the_scenario_graph_marks_unreachable_and_trapped_nodes() -> None:
    def node(node_id: str, *targets: str, ending: EndingKind | None = None) -> Node:
        return Node(node_id, node_id.title(), 1, "", tuple(
            Choice(i, t, t, 1, label_text=f"to {t}") for i, t in enumerate(targets)), ending)

    meta = ItemMeta("s", "S", ("all",), (), "scenarios/s.md", "v1")
    nodes = [node("start", "good", "loop"), node("loop", "loop2"), node("loop2", "loop"),
             node("good", ending=EndingKind.GOOD), node("bad", ending=EndingKind.BAD)]
    scenario = Scenario(meta, "start", frozen_map(), frozen_map({n.id: n for n in nodes}))
    report = check_scenario_graph(scenario)
    assert report.trapped == {"loop", "loop2"}
    assert report.unreachable == {"bad"}
    dot = scenario_dot(scenario)
    assert '"good" [label="Good\\n(good)", fillcolor="#2e7d32"' in dot
    assert '"bad" [label="Bad\\n(bad)", fillcolor="#c62828"' in dot
    assert '"loop" [label="Loop\\n(loop)", color="#c62828", penwidth=3' in dot
    assert '"start" -> "loop" [label="2 · 0", tooltip="to loop"];' in dot


def test_the_scenario_graph_of_a_clean_scenario(write_tree: TreeWriter) -> None:
    extra = dedent("""
        {#orphan}
        ## Nobody comes here

        - [Back](#start)
        """)
    root = write_tree({"scenarios/first-day.md": SCENARIO + "\n" + extra})
    course = load_served(root, cache=ParseCache(), last=LastValid()).course
    assert course is not None
    scenario = course.scenarios["first-day"]
    report = check_scenario_graph(scenario)
    assert report.unreachable == {"orphan"} and report.trapped == set()
    dot = scenario_dot(scenario)
    assert 'tooltip="unreachable"' in dot
    assert "peripheries=2" in dot
