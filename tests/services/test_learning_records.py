"""Learning records in the services: statements queued with their events, and the sender's rules.

These run on both databases without an LRS; tests/integrations/test_lrs.py sends to a real one.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.permissions import Capability
from course.domain.quiz import InvalidAnswer
from course.domain.records import new_key
from course.domain.xapi import EventKind, LrsError
from course.services import learning_records, quizzing, reading
from course.services.permissions import PermissionDenied
from course.settings import LrsSettings, SettingsError, load_lrs_settings
from course.store.engine import read_session
from course.store.tables import XapiOutbox
from tests.conftest import TreeWriter
from tests.databases import MakePerson
from tests.services.test_question_kinds import KINDS, SECRET, take

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LRS = LrsSettings(endpoint="http://127.0.0.1:9/xAPI", actor_key="a-test-actor-key-123",
                  activity_base="https://learn.example.org/xapi", home_page="https://learn.example.org")


@pytest.fixture
def course(write_tree: TreeWriter) -> Course:
    loaded = load_course(write_tree({"quizzes/intro-quiz.md": KINDS}))
    assert loaded.course is not None
    return loaded.course


def queued(engine: Engine) -> list[tuple[str, str, int]]:
    with read_session(engine) as session:
        rows = session.connection().execute(text(
            "SELECT kind, statement, attempts FROM xapi_outbox ORDER BY id"))
        return [(r[0], r[1], int(r[2])) for r in rows]


def test_without_an_lrs_no_statement_is_built_or_stored(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    ada = make_person()
    reading.mark_section_read(engine, ada, course, "intro", section_index=0, key=new_key(), now=NOW)
    take(engine, ada, course)
    assert queued(engine) == []


def test_each_event_queues_its_statement_once_and_a_reflection_never_leaves(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    learning_records.connect_lrs(engine, LRS)
    ada = make_person()
    key = new_key()
    for _ in range(2):  # a double click: one read, one statement
        reading.mark_section_read(engine, ada, course, "intro", section_index=0, key=key, now=NOW)
    result = take(engine, ada, course)
    rows = queued(engine)
    assert Counter(kind for kind, _, _ in rows) == {EventKind.SECTION_READ: 1,
                                                   EventKind.QUESTION_ANSWERED: 4, EventKind.QUIZ_FINISHED: 1}
    assert all(attempts == 0 for _, _, attempts in rows)
    documents = [json.loads(document) for _, document, _ in rows]
    assert not any(SECRET in document or "my-habit" in document for _, document, _ in rows)
    assert not any(ada.email in document for _, document, _ in rows)
    types = {d["object"]["id"].rsplit("/", 1)[1]: d["object"]["definition"]["interactionType"]
             for d in documents if d["verb"]["id"].endswith("/answered")}
    assert types == {"q-one": "choice", "q-two": "choice", "first-hour": "sequencing", "platforms": "other"}
    finished = documents[-1]
    verb = "passed" if result.passed else "failed"
    assert finished["verb"]["id"] == f"http://adlnet.gov/expapi/verbs/{verb}"
    assert finished["result"]["score"]["scaled"] == round(result.score, 4)


def waiting(engine: Engine) -> tuple[datetime, int]:
    """Return when the one unsent statement is next tried, and how often it was tried."""
    outbox = XapiOutbox.__table__  # type: ignore[attr-defined]
    with read_session(engine) as session:
        due, tries = session.connection().execute(
            select(outbox.c.next_attempt_at, outbox.c.attempts).where(outbox.c.sent_at.is_(None))).one()
    return (due if due.tzinfo else due.replace(tzinfo=UTC)), int(tries)


def test_a_refused_answer_queues_nothing(engine: Engine, course: Course, make_person: MakePerson) -> None:
    learning_records.connect_lrs(engine, LRS)
    ada = make_person()
    view = quizzing.open_attempt(engine, ada, course, "intro-quiz", now=NOW)
    with pytest.raises(InvalidAnswer):
        quizzing.answer_question(engine, ada, course, "intro-quiz", attempt_key=view.attempt_key,
                                 question_id="q-one", chosen=[99], seconds=1.0, now=NOW)
    assert queued(engine) == []


def test_only_administrators_may_see_the_outbox(engine: Engine, make_person: MakePerson) -> None:
    for capability in (Capability.LEARNER, Capability.LEADER, Capability.TRAINER):
        person = make_person(f"{capability.value}@example.org", capabilities=capability.value)
        with pytest.raises(PermissionDenied):
            learning_records.outbox_state(engine, by=person)
    admin = make_person("admin@example.org", capabilities="admin")
    state = learning_records.outbox_state(engine, by=admin)
    assert (state.pending, state.sent, state.failing, state.next_try_at) == (0, 0, 0, None)


class RefusesMarked:
    """An LRS stand-in with one rule: a batch holding a marked statement is refused with 400."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.taken: list[str] = []
        self.calls = 0

    def send(self, documents: Sequence[str]) -> None:
        self.calls += 1
        if any(self.marker in d for d in documents):
            raise LrsError("LRS answered 400 Bad Request: a statement is invalid", status=400)
        self.taken.extend(documents)


def test_one_refused_statement_does_not_hold_back_the_others_and_waits_longer_each_time(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    learning_records.connect_lrs(engine, LRS)
    ada = make_person()
    for index in range(len(course.modules["intro"].sections)):
        reading.mark_section_read(engine, ada, course, "intro", section_index=index, key=new_key(), now=NOW)
    take(engine, ada, course)
    total = len(queued(engine))
    sender = RefusesMarked("first-hour")
    report = learning_records.send_statements(engine, sender, batch=10, now=NOW)
    assert (report.sent, report.failed) == (total - 1, 1)
    assert report.errors == ("LRS answered 400 Bad Request: a statement is invalid",)
    retry = learning_records.RetryPolicy()
    waits = []
    for attempt in range(2, 5):  # each try comes only when its wait is over
        due, tries = waiting(engine)
        assert tries == attempt - 1
        waits.append(due)
        assert learning_records.send_statements(engine, sender, now=due - timedelta(seconds=1)).failed == 0
        assert learning_records.send_statements(engine, sender, now=due).failed == 1
    assert [b - a for a, b in itertools.pairwise(waits)] == [retry.delay(2), retry.delay(3)]
    assert retry.delay(40) == retry.longest_delay
    state = learning_records.outbox_state(engine, by=None)
    assert (state.pending, state.sent, state.failing) == (1, total - 1, 1)
    assert state.last_error.startswith("LRS answered 400")


def test_the_lrs_settings_are_checked_with_clear_messages() -> None:
    assert not load_lrs_settings({}).configured
    good = {"NTS_LRS_ENDPOINT": "https://lrs.example.org/xAPI/", "NTS_LRS_ACTOR_KEY": "k" * 16,
            "NTS_PUBLIC_URL": "https://learn.example.org/"}
    loaded = load_lrs_settings(good)
    assert (loaded.endpoint, loaded.activity_base, loaded.home_page) == (
        "https://lrs.example.org/xAPI", "https://learn.example.org/xapi", "https://learn.example.org")
    assert "k" * 16 not in repr(loaded)
    problems = {
        "NTS_LRS_ACTOR_KEY": ({**good, "NTS_LRS_ACTOR_KEY": "short"}, "set NTS_LRS_ACTOR_KEY to at least 16"),
        "endpoint scheme": ({**good, "NTS_LRS_ENDPOINT": "lrs.example.org"}, "expected an http:// or https://"),
        "statements": ({**good, "NTS_LRS_ENDPOINT": "https://l.example/xAPI/statements"},
                       "without /statements"),
        "username": ({**good, "NTS_LRS_USERNAME": "a:b"}, "no ':' in a user name"),
        "base": ({**good, "NTS_LRS_ACTIVITY_BASE": "urn:x"}, "NTS_LRS_ACTIVITY_BASE='urn:x'"),
    }
    for env, message in problems.values():
        with pytest.raises(SettingsError, match=message):
            load_lrs_settings(env)


class TakesAll:
    """An LRS stand-in that takes every batch."""

    def send(self, documents: Sequence[str]) -> None:
        assert documents


def test_the_job_deletes_statements_sent_more_than_30_days_ago_and_keeps_the_rest(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    learning_records.connect_lrs(engine, LRS)
    ada = make_person()
    reading.mark_section_read(engine, ada, course, "intro", section_index=0, key=new_key(), now=NOW)
    assert learning_records.send_statements(engine, TakesAll(), now=NOW).sent == 1
    take(engine, ada, course)  # queued later, not sent yet
    job = learning_records.xapi_job(TakesAll())
    day_29 = job.run(engine, NOW + timedelta(days=29))
    assert day_29 == "5 statement(s) sent, 0 to retry, 0 old sent statement(s) deleted"
    day_31 = job.run(engine, NOW + timedelta(days=30, seconds=1))
    assert day_31 == "0 statement(s) sent, 0 to retry, 1 old sent statement(s) deleted"
    state = learning_records.outbox_state(engine, by=None)
    assert (state.pending, state.sent) == (0, 5)
