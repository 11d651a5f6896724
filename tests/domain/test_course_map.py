"""The course map as a graph: nodes in path order, arrows, layers, and the problems it flags."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from course.content.loader import load_course
from course.domain.course_map import EdgeKind, MapEdge, NodeKind, summary, track_map
from course.domain.model import Course
from tests.conftest import MODULE, TreeWriter, dedent


def _module(module_id: str, *, order: int, roles: str = "[all]", requires: str = "[]",
            quiz: str = "") -> str:
    attached = f"quiz: {quiz}\n" if quiz else ""
    return dedent(f"""
        ---
        id: {module_id}
        title: Module {module_id}
        roles: {roles}
        competencies: [crisis]
        order: {order}
        requires: {requires}
        {attached}---

        ## Only section

        Words.
        """).replace("\n\n---\n\n## Only", "\n---\n\n## Only")


def _course(write_tree: TreeWriter, files: dict[str, str | None]) -> Course:
    result = load_course(write_tree(files))
    assert result.course is not None, [d.format() for d in result.diagnostics]
    return result.course


def _bundled() -> Course:
    course = load_course(Path(__file__).resolve().parents[2]).course
    assert course is not None
    return course


def test_modules_keep_path_order_and_carry_their_quiz_and_scenario(write_tree: TreeWriter) -> None:
    course = _course(write_tree, {
        "modules/intro.md": MODULE.replace("scenario: first-day\n", "scenario: first-day\norder: 1\n"),
        "modules/second.md": _module("second", order=2, requires="[intro-quiz]"),
        "modules/third.md": _module("third", order=3, requires="[intro, second]"),
    })
    track = track_map(course, "legal")
    assert [(n.id, n.kind, n.step) for n in track.nodes] == [
        ("intro", NodeKind.MODULE, 1), ("intro-quiz", NodeKind.QUIZ, None),
        ("first-day", NodeKind.SCENARIO, None), ("second", NodeKind.MODULE, 2),
        ("third", NodeKind.MODULE, 3),
    ]
    assert [n.row for n in track.nodes] == [0, 0, 0, 1, 2]
    assert set(track.edges) == {
        MapEdge("intro", "intro-quiz", EdgeKind.ATTACHED), MapEdge("intro", "first-day", EdgeKind.ATTACHED),
        MapEdge("intro-quiz", "second", EdgeKind.REQUIRES), MapEdge("intro", "third", EdgeKind.REQUIRES),
        MapEdge("second", "third", EdgeKind.REQUIRES),
    }
    # One more column than the deepest prerequisite; a quiz shares its module's column.
    assert {n.id: n.layer for n in track.nodes} == {
        "intro": 0, "intro-quiz": 0, "first-day": 0, "second": 1, "third": 2}
    assert track.layers == 3 and track.problems == ()
    assert summary(track) == ("The Legal path has 3 modules, 1 quiz and 1 scenario, joined by 3 "
                              "prerequisite links across 3 columns; no problem.")


def test_a_prerequisite_off_the_track_and_one_later_in_the_path_are_flagged(write_tree: TreeWriter) -> None:
    course = _course(write_tree, {
        "modules/hr-only.md": _module("hr-only", order=5, roles="[hr]"),
        "modules/early.md": _module("early", order=1, roles="[legal]", requires="[hr-only, late]"),
        "modules/late.md": _module("late", order=9, roles="[legal]"),
    })
    legal = track_map(course, "legal")
    off = legal.node("hr-only")
    assert off.kind is NodeKind.OFF_TRACK and off.step is None
    assert off.row == max(n.row for n in legal.nodes)  # after every module of the path
    assert legal.node("early").problems == (
        "Module early stays locked: it requires Module hr-only, which is not on this track.",
        "Module early comes before Module late in the path but requires it, so learners meet it locked.",
    )
    assert [e.target for e in legal.edges if e.problem] == ["early", "early"]
    assert "2 problems flagged" in summary(legal)
    # On the HR track the same module is fine: `early` is not on it at all.
    assert track_map(course, "hr").problems == ()


def test_a_circle_that_slips_past_the_validator_is_flagged_not_looped(write_tree: TreeWriter) -> None:
    course = _course(write_tree, {"modules/a.md": _module("a", order=1),
                                  "modules/b.md": _module("b", order=2)})
    a, b = course.modules["a"], course.modules["b"]
    tangled = replace(course, modules={**course.modules,
                                       "a": replace(a, meta=replace(a.meta, requires=("b",))),
                                       "b": replace(b, meta=replace(b.meta, requires=("a",)))})
    track = track_map(tangled, "legal")
    flagged = {(e.source, e.target) for e in track.edges if e.problem.startswith("Circular")}
    assert flagged == {("a", "b"), ("b", "a")}
    assert all(n.layer >= 0 for n in track.nodes)


def test_the_validator_keeps_circles_out_of_a_loaded_course(write_tree: TreeWriter) -> None:
    result = load_course(write_tree({"modules/a.md": _module("a", order=1, requires="[b]"),
                                     "modules/b.md": _module("b", order=2, requires="[a]")}))
    assert any(d.code.value == "requires-cycle" for d in result.diagnostics)
    assert result.course is not None
    assert not any(e.problem.startswith("Circular") for e in track_map(result.course, "legal").edges)


def test_every_bundled_track_maps_without_problems_and_arrows_run_rightwards() -> None:
    course = _bundled()
    for role in course.info.roles:
        track = track_map(course, role)
        layer = {n.id: n.layer for n in track.nodes}
        assert track.problems == ()
        assert all(layer[e.source] < layer[e.target] for e in track.edges if e.kind is EdgeKind.REQUIRES)
        steps = [n.step for n in track.nodes if n.kind is NodeKind.MODULE]
        assert steps == list(range(1, len(steps) + 1))


def test_a_long_chain_of_prerequisites_is_laid_out_one_column_per_link(write_tree: TreeWriter) -> None:
    course = _course(write_tree, {"modules/m0.md": _module("m0", order=0)})
    first = course.modules["m0"]
    chain = {f"m{i}": replace(first, meta=replace(first.meta, id=f"m{i}", title=f"Module m{i}", order=i,
                                                  requires=(f"m{i - 1}",) if i else ()))
             for i in range(3000)}
    track = track_map(replace(course, modules=chain), "hr")
    assert track.layers == 3000 and track.problems == ()
    assert [n.layer for n in track.nodes] == list(range(3000))
    assert [n.row for n in track.nodes] == list(range(3000))
