"""Certificates at the moment of completion, and a new one for each re-take cycle of fresh work."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from course.domain.assignments import Completion, Plan, Rule, Standing, TargetKind
from course.domain.model import Course
from course.domain.permissions import Actor, Capability
from course.services import assignments, certificates, quizzing
from course.services.reading import mark_section_read
from course.services.reminders import queue_reminders
from course.store.engine import read_session
from course.store.tables import MailOutbox
from tests.conftest import TreeWriter
from tests.services.test_learning import (
    NOW,
    PATH_TREE,
    AddPerson,
    add_person,
    events,
    load,
    new_key,
    play,
    quiz_text,
    read_all,
    take_quiz,
)

__all__ = ["add_person"]  # the fixture, shared with the learning tests

START, DUE = date(2026, 5, 1), date(2026, 6, 1)
#: The first re-take (every six months) starts on 1 November and is due on 1 December.
RETAKE = datetime(2026, 11, 2, 10, tzinfo=UTC)


@pytest.fixture
def course(write_tree: TreeWriter) -> Course:
    return load(write_tree(PATH_TREE))


def assign(engine: Engine, add_person: AddPerson, course: Course, *, retake: int | None = 6) -> Actor:
    """Assign the legal track to the legal department; return its learner, enrolled."""
    admin = add_person("root@example.org", capabilities=(Capability.ADMIN,))
    learner = add_person()
    plan = Plan(TargetKind.TRACK, "legal", Rule.of(departments=["legal"]), START, DUE, retake)
    assignments.create_assignment(engine, admin, course, plan, now=NOW)
    return learner


def all_but_the_last_section(engine: Engine, actor: Actor, course: Course) -> None:
    read_all(engine, actor, course, "basics")
    take_quiz(engine, actor, course, "intro-quiz")
    play(engine, actor, course, "first-day", [1])
    read_all(engine, actor, course, "legal-deep")


def test_the_certificate_is_issued_by_the_action_that_completes_the_track_once(
    engine: Engine, add_person: AddPerson, course: Course
) -> None:
    ada = add_person()
    all_but_the_last_section(engine, ada, course)
    assert certificates.certify_completion(engine, ada, course, now=NOW) == []
    mark_section_read(engine, ada, course, "afterword", section_index=0, key=new_key(), now=NOW)
    [earned] = certificates.certify_completion(engine, ada, course, now=NOW)
    assert (earned.track, earned.cycle, earned.band) == ("legal", 0, "Distinguished")
    assert certificates.certify_completion(engine, ada, course, now=NOW + timedelta(minutes=1)) == []
    assert certificates.issue_certificates(engine, ada, course, now=NOW) == [earned]  # the profile's
    assert len(events(engine, "certificate_issued")) == 1


def test_a_retake_needs_fresh_work_moves_the_due_date_and_earns_a_new_certificate(
    engine: Engine, add_person: AddPerson, course: Course
) -> None:
    ada = assign(engine, add_person, course)
    admin = add_person("root2@example.org", capabilities=(Capability.ADMIN,))
    all_but_the_last_section(engine, ada, course)
    read_all(engine, ada, course, "afterword")
    [first] = certificates.certify_completion(engine, ada, course, now=NOW)
    [item] = assignments.my_assignments(engine, ada, course, today=NOW.date())
    assert (item.standing, item.due_on, item.cycle) == (Standing.DONE, DUE, 0)

    day = RETAKE.date()
    [item] = assignments.my_assignments(engine, ada, course, today=day)  # the re-take has begun
    assert (item.standing, item.completion, item.due_on, item.cycle, item.retake_next) == (
        Standing.DUE, Completion.IN_PROGRESS, date(2026, 12, 1), 1, ("quiz", "intro-quiz"))
    [summary] = assignments.list_assignments(engine, admin, course, today=day)
    assert (summary.due_on, summary.done, summary.in_progress) == (date(2026, 12, 1), 0, 1)
    assert certificates.certify_completion(engine, ada, course, now=RETAKE) == []  # old work only

    failed = take_quiz(engine, ada, course, "intro-quiz", wrong=["q-one", "q-two"], now=RETAKE)
    play(engine, ada, course, "first-day", [1], now=RETAKE)
    assert not failed.passed
    [item] = assignments.my_assignments(engine, ada, course, today=day)
    assert item.retake_next == ("quiz", "intro-quiz")  # the scenario is played again; the quiz is not passed
    assert certificates.certify_completion(engine, ada, course, now=RETAKE) == []  # May's pass is old
    take_quiz(engine, ada, course, "intro-quiz", now=RETAKE)
    [again] = certificates.certify_completion(engine, ada, course, now=RETAKE)
    assert (again.cycle, again.issued_at, again.code != first.code, again.score) == (1, RETAKE, True, 1.0)
    assert certificates.certify_completion(engine, ada, course, now=RETAKE + timedelta(days=3)) == []
    [item] = assignments.my_assignments(engine, ada, course, today=day)
    assert (item.standing, item.retake_next) == (Standing.DONE, None)
    assert [c.cycle for c in certificates.issue_certificates(engine, ada, course, now=RETAKE)] == [0, 1]
    assert assignments.list_assignments(engine, admin, course, today=day)[0].done == 1


def test_someone_who_first_completes_during_a_retake_gets_one_certificate(
    engine: Engine, add_person: AddPerson, course: Course
) -> None:
    assign(engine, add_person, course)
    late = add_person("late@example.org")
    assert assignments.enrol_matching(engine, [late.person_id], now=RETAKE) == 1
    all_but_the_last_section(engine, late, course)
    take_quiz(engine, late, course, "intro-quiz", now=RETAKE)
    play(engine, late, course, "first-day", [1], now=RETAKE)
    read_all(engine, late, course, "afterword")
    issued = certificates.certify_completion(engine, late, course, now=RETAKE)
    assert [(c.track, c.cycle) for c in issued] == [("legal", 0)]
    assert certificates.certify_completion(engine, late, course, now=RETAKE + timedelta(days=1)) == []


def test_without_retakes_old_work_keeps_counting(
    engine: Engine, add_person: AddPerson, course: Course
) -> None:
    ada = assign(engine, add_person, course, retake=None)
    all_but_the_last_section(engine, ada, course)
    read_all(engine, ada, course, "afterword")
    certificates.certify_completion(engine, ada, course, now=NOW)
    [item] = assignments.my_assignments(engine, ada, course, today=date(2027, 6, 1))
    assert (item.standing, item.due_on, item.cycle) == (Standing.DONE, DUE, 0)
    assert certificates.certify_completion(engine, ada, course, now=datetime(2027, 6, 1, tzinfo=UTC)) == []


def test_tabs_finishing_at_once_get_one_certificate_between_them(
    engine: Engine, add_person: AddPerson, course: Course
) -> None:
    ada = assign(engine, add_person, course)
    all_but_the_last_section(engine, ada, course)
    read_all(engine, ada, course, "afterword")
    with ThreadPoolExecutor(max_workers=4) as pool:
        earned = list(pool.map(lambda _: certificates.certify_completion(engine, ada, course, now=NOW),
                               range(4)))
    assert sorted(len(e) for e in earned) == [0, 0, 0, 1]
    assert len(certificates.issue_certificates(engine, ada, course, now=NOW)) == 1
    assert len(events(engine, "certificate_issued")) == 1


def _reminded(engine: Engine, person: Actor) -> list[str]:
    """Return the kinds of email queued for a person, oldest first."""
    with read_session(engine) as session:
        rows = session.connection().execute(select(MailOutbox.kind).where(  # type: ignore[call-overload]
            MailOutbox.person_id == person.person_id).order_by(MailOutbox.id))
        return [str(r[0]) for r in rows]


def test_the_reminder_job_counts_only_fresh_work_in_a_retake(
    engine: Engine, add_person: AddPerson, course: Course
) -> None:
    ada = assign(engine, add_person, course)
    all_but_the_last_section(engine, ada, course)
    read_all(engine, ada, course, "afterword")
    welcomed = _reminded(engine, ada)
    for day in (date(2026, 5, 25), DUE, date(2026, 6, 3)):  # done in time: nothing more
        queue_reminders(engine, course, days_before=7,
                        now=datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
    assert _reminded(engine, ada) == welcomed
    due_again = datetime(2026, 12, 1, 10, tzinfo=UTC)  # the re-take's due date: May's work is old
    queue_reminders(engine, course, days_before=7, now=due_again)
    assert _reminded(engine, ada) == [*welcomed, "reminder-due"]
    take_quiz(engine, ada, course, "intro-quiz", now=RETAKE)
    play(engine, ada, course, "first-day", [1], now=RETAKE)
    queue_reminders(engine, course, days_before=7, now=due_again + timedelta(days=2))
    assert _reminded(engine, ada) == [*welcomed, "reminder-due"]  # done again: nothing more


def test_a_retake_gives_the_quiz_its_attempts_again(
    engine: Engine, add_person: AddPerson, write_tree: TreeWriter
) -> None:
    """Attempts used up in the first cycle must not lock a learner out of the re-take's quiz."""
    limited = load(write_tree({**PATH_TREE, "quizzes/intro-quiz.md": quiz_text(max_attempts=2)}))
    ada = assign(engine, add_person, limited)
    bob = add_person("bob@example.org")  # joined after the assignment was made: not enrolled, no re-take
    for learner in (ada, bob):
        assert not take_quiz(engine, learner, limited, "intro-quiz", wrong=["q-one"]).passed
        assert take_quiz(engine, learner, limited, "intro-quiz").passed
        with pytest.raises(quizzing.AttemptsUsedUp):  # used up in the first cycle
            quizzing.open_attempt(engine, learner, limited, "intro-quiz", now=NOW + timedelta(days=30))
    assert quizzing.get_history(engine, ada, limited, "intro-quiz", now=NOW).used == 2

    # The first re-take begins on 1 November: its own two attempts, and a history of its own.
    assert quizzing.get_history(engine, ada, limited, "intro-quiz", now=RETAKE) == quizzing.QuizHistory(
        0, None, None, False)
    assert not take_quiz(engine, ada, limited, "intro-quiz", wrong=["q-one", "q-two"], now=RETAKE).passed
    assert take_quiz(engine, ada, limited, "intro-quiz", now=RETAKE).passed
    with pytest.raises(quizzing.AttemptsUsedUp, match="all 2 attempts"):
        quizzing.open_attempt(engine, ada, limited, "intro-quiz", now=RETAKE)
    assert quizzing.get_history(engine, ada, limited, "intro-quiz", now=RETAKE).used == 2
    with pytest.raises(quizzing.AttemptsUsedUp):  # the limit still holds for someone not re-taking
        quizzing.open_attempt(engine, bob, limited, "intro-quiz", now=RETAKE)
