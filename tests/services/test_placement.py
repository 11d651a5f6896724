"""The placement pre-check as a learner meets it: offered first, answered once, kept apart."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pytest
from sqlalchemy import Engine, text

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.permissions import Actor, Capability, Grants, Page
from course.domain.quiz import InvalidAnswer
from course.domain.records import SectionReadRecord, new_key
from course.services import learner, placement, progress
from course.services.accounts import add_account
from course.services.placement import PrecheckTaken, item_key
from course.settings import BUNDLED_ROOT
from course.store.engine import read_session

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@cache
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT).course
    assert loaded is not None
    return loaded


@pytest.fixture
def ada(engine: Engine) -> Actor:
    info = add_account(engine, "ada@example.org", name="Ada", grants=Grants(frozenset({Capability.LEARNER})),
                       by=None, department="legal", tracks=("legal",), now=NOW)
    return Actor(info.id, info.email, info.grants)


def right_answers(engine: Engine, actor: Actor) -> dict[str, list[int]]:
    items = placement.get_precheck(engine, actor, course())
    return {item_key(i): sorted(i.question.correct_indexes) for i in items}


def rows(engine: Engine, table: str) -> int:
    with read_session(engine) as session:
        return int(session.connection().execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_the_precheck_is_offered_before_the_path_starts_and_not_after(engine: Engine, ada: Actor) -> None:
    assert placement.precheck_offered(learner.get_path(engine, ada, course()))
    first = learner.get_path(engine, ada, course()).modules[0].module
    progress.record_section_read(engine, ada, SectionReadRecord(new_key(), ada.person_id, first.meta.id,
                                                                first.meta.version, 0))
    assert not placement.precheck_offered(learner.get_path(engine, ada, course()))


def test_the_same_learner_gets_the_same_questions(engine: Engine, ada: Actor) -> None:
    assert placement.get_precheck(engine, ada, course()) == placement.get_precheck(engine, ada, course())


def test_all_right_shows_every_competency_and_fast_tracks_the_path(engine: Engine, ada: Actor) -> None:
    result = placement.submit_precheck(engine, ada, course(), right_answers(engine, ada), now=NOW)
    assert result.taken and result.shown == set(result.scores)
    assert all(share == 1.0 for share, _count in result.scores.values())
    assert result.fast_tracked
    path = learner.get_path(engine, ada, course())
    quick = [s for s in path.modules if s.fast_tracked]
    assert {s.module.meta.id for s in quick} == result.fast_tracked
    status = path.next
    assert status is not None and status.fast_tracked and status.module.quiz is not None
    assert path.next_step() == (Page.QUIZ, status.module.quiz)
    # Placement answers are not quiz attempts: nothing a dashboard reads as a first answer.
    assert rows(engine, "quiz_attempt") == 0 and rows(engine, "placement_answer") == len(result.scores) * 2
    assert not placement.precheck_offered(learner.get_path(engine, ada, course()))


def test_wrong_answers_are_a_low_pre_score_and_fast_track_nothing(engine: Engine, ada: Actor) -> None:
    items = placement.get_precheck(engine, ada, course())
    wrong = {item_key(i): [next(o.index for o in i.question.options if not o.correct)] for i in items}
    result = placement.submit_precheck(engine, ada, course(), wrong, now=NOW)
    assert result.shown == frozenset() and result.fast_tracked == frozenset()
    assert all(share == 0.0 for share, _count in result.scores.values())
    path = learner.get_path(engine, ada, course())
    assert not any(s.fast_tracked for s in path.modules)
    assert path.next_step() == (Page.MODULE, path.modules[0].module.meta.id)


def test_the_precheck_is_taken_once_and_only_its_own_questions_count(engine: Engine, ada: Actor) -> None:
    with pytest.raises(InvalidAnswer):
        placement.submit_precheck(engine, ada, course(), {"some-quiz/not-drawn": [0]}, now=NOW)
    assert rows(engine, "placement_answer") == 0
    placement.submit_precheck(engine, ada, course(), right_answers(engine, ada), now=NOW)
    with pytest.raises(PrecheckTaken):
        placement.submit_precheck(engine, ada, course(), right_answers(engine, ada), now=NOW)


def test_before_the_precheck_nothing_is_shown(engine: Engine, ada: Actor) -> None:
    result = placement.get_placement(engine, ada, course())
    assert (result.taken, result.scores, result.fast_tracked) == (False, {}, frozenset())
