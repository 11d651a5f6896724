"""Where "Continue" leads and what a locked module waits for, from the state of a learner's path."""

from __future__ import annotations

import pytest

from course.content.loader import load_course
from course.domain.accounts import PersonInfo
from course.domain.model import Course
from course.domain.paths import path_for
from course.domain.permissions import Capability, Grants, Page
from course.services.learner import ModuleState, ModuleStatus, NotAvailable, PathView, find_module_on_path
from course.settings import BUNDLED_ROOT

PERSON = PersonInfo(id=1, email="a@example.org", name="A", department="Legal", tracks=("legal",),
                    manager_email=None, active=True, grants=Grants(frozenset({Capability.LEARNER})),
                    has_passphrase=False)


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT)
    assert loaded.course is not None
    return loaded.course


def _path(course: Course, *, read: int, quiz: bool, scenario: bool) -> PathView:
    """Return a path whose first module has `read` sections read, its quiz and scenario as given."""
    first, *rest = path_for(course, ("legal",))
    assert first.quiz is not None and first.scenario is not None
    head = ModuleStatus(first, frozenset(range(read)), quiz, scenario, unlocked=True)
    done = head.state is ModuleState.DONE
    tail = tuple(ModuleStatus(m, frozenset(), None if m.quiz is None else False,
                              None if m.scenario is None else False,
                              unlocked=done and set(m.meta.requires) <= {first.meta.id},
                              waiting_for=() if done else tuple(m.meta.requires)) for m in rest)
    return PathView(PERSON, (head, *tail))


def test_continue_opens_the_module_while_a_section_is_unread(course: Course) -> None:
    path = _path(course, read=1, quiz=True, scenario=True)
    assert path.next_step() == (Page.MODULE, path.modules[0].module.meta.id)


def test_continue_opens_the_quiz_when_only_the_quiz_and_scenario_are_left(course: Course) -> None:
    first = path_for(course, ("legal",))[0]
    path = _path(course, read=len(first.sections), quiz=False, scenario=False)
    assert path.next_step() == (Page.QUIZ, first.quiz)


def test_continue_opens_the_scenario_when_only_the_scenario_is_left(course: Course) -> None:
    first = path_for(course, ("legal",))[0]
    path = _path(course, read=len(first.sections), quiz=True, scenario=False)
    assert path.next_step() == (Page.SCENARIO, first.scenario)


def test_continue_moves_on_to_the_next_module_once_one_is_done(course: Course) -> None:
    first, second = path_for(course, ("legal",))[:2]
    path = _path(course, read=len(first.sections), quiz=True, scenario=True)
    assert path.next_step() == (Page.MODULE, second.meta.id)


def test_a_locked_module_names_the_prerequisites_still_to_finish(course: Course) -> None:
    first, second = path_for(course, ("legal",))[:2]
    path = _path(course, read=0, quiz=False, scenario=False)
    with pytest.raises(NotAvailable) as refused:
        find_module_on_path(path, second.meta.id)
    assert refused.value.waiting_for == tuple(second.meta.requires) and first.meta.id in second.meta.requires


def test_a_path_with_nothing_left_has_no_next_step() -> None:
    assert PathView(PERSON, ()).next_step() is None
