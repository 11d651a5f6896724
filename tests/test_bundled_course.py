"""The course the product ships with: it validates strictly and meets the course brief."""

from __future__ import annotations

from collections import Counter
from functools import cache

from course.content.loader import LoadResult, load_course
from course.domain.model import ALL_ROLES, Course
from course.settings import BUNDLED_ROOT

ROLES = ("legal", "hr", "it", "leadership")


@cache
def bundled() -> LoadResult:
    return load_course(BUNDLED_ROOT)


def course() -> Course:
    loaded = bundled().course
    assert loaded is not None
    return loaded


def test_it_validates_strictly_with_no_warning() -> None:
    assert [d.format() for d in bundled().diagnostics] == []


def test_modules_cover_every_role() -> None:
    modules = course().modules.values()
    foundation = [m for m in modules if ALL_ROLES in m.meta.roles]
    assert len(modules) >= 24
    assert len(foundation) >= 4
    for role in ROLES:
        track = [m for m in modules if role in m.meta.roles and ALL_ROLES not in m.meta.roles]
        assert len(track) >= 5, role


def test_modules_are_sized_and_structured_for_a_short_read() -> None:
    for module in course().modules.values():
        assert module.meta.minutes is not None and 5 <= module.meta.minutes <= 12, module.meta.id
        assert len(module.sections) >= 3, module.meta.id
        assert module.meta.objectives, module.meta.id
        # A key idea and a worked example in every module; not one of each per section, so that
        # a module can be a table, a checklist or a decision aid where that teaches better.
        kinds = [b.kind for s in module.sections for b in s.blocks]
        assert "key" in kinds and "example" in kinds, module.meta.id


def test_foundation_modules_speak_to_each_department() -> None:
    for module in course().modules.values():
        if ALL_ROLES not in module.meta.roles:
            continue
        limited = {role for s in module.sections for b in s.blocks if b.roles for role in b.roles}
        assert limited >= set(ROLES), module.meta.id


def test_every_module_has_its_quiz_and_quizzes_draw_from_a_larger_bank() -> None:
    c = course()
    linked = [m.quiz for m in c.modules.values()]
    assert None not in linked and sorted(linked) == sorted(c.quizzes)  # type: ignore[type-var]
    total = 0
    for quiz in c.quizzes.values():
        assert len(quiz.questions) >= 6, quiz.meta.id
        assert quiz.pick is not None and quiz.pick < len(quiz.questions), quiz.meta.id
        assert any(q.multiple for q in quiz.questions), quiz.meta.id
        assert all(o.feedback_html for q in quiz.questions for o in q.options), quiz.meta.id
        total += len(quiz.questions)
    assert total >= 150


def test_every_competency_is_assessed_by_at_least_twelve_questions() -> None:
    c = course()
    counts = Counter(q.competency for quiz in c.quizzes.values() for q in quiz.scored_questions)
    assert {k: v for k, v in counts.items() if v < 12} == {}
    assert set(counts) == set(c.info.competencies)


def test_scenarios_branch_with_several_endings_and_meters() -> None:
    scenarios = course().scenarios.values()
    assert len(scenarios) >= 8
    conditional = 0
    for scenario in scenarios:
        endings = Counter(n.ending for n in scenario.nodes.values() if n.ending is not None)
        assert len(scenario.nodes) >= 12, scenario.meta.id
        assert sum(endings.values()) >= 3 and endings["good"] and endings["bad"], scenario.meta.id
        assert len(scenario.meters) >= 2, scenario.meta.id
        choices = [c for n in scenario.nodes.values() for c in n.choices]
        assert all(c.consequence_html for c in choices), scenario.meta.id
        conditional += any(c.when is not None for c in choices)
    assert conditional * 2 >= len(scenarios)


def test_every_role_has_at_least_two_scenarios() -> None:
    scenarios = course().scenarios.values()
    for role in ROLES:
        mine = [s for s in scenarios if role in s.meta.roles or ALL_ROLES in s.meta.roles]
        assert len(mine) >= 2, role


def test_every_scenario_shows_the_post_that_spreads_with_its_replies() -> None:
    for scenario in course().scenarios.values():
        cards = [n.id for n in scenario.nodes.values() if '<article class="nts-post ' in n.body_html]
        assert len(cards) == 1, (scenario.meta.id, cards)
        body = scenario.nodes[cards[0]].body_html
        assert '<ul class="nts-post-replies"' in body, scenario.meta.id


def test_the_glossary_defines_the_course_terms_once_each() -> None:
    terms = [entry.term for entry in course().glossary]
    assert len(terms) >= 20 and terms == sorted(terms, key=str.casefold)
    assert {"Holding statement", "Share of voice", "Listening"} <= set(terms)


def test_the_outline_document_is_up_to_date() -> None:
    from course.services.outline import render_outline

    written = (BUNDLED_ROOT / "docs" / "course-outline.md").read_text(encoding="utf-8")
    assert written == render_outline(course()), "run: python -m course outline > docs/course-outline.md"
