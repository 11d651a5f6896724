"""Learning records end to end, against a real LRS (Ralph) started by the tests on 127.0.0.1.

A learner reads, answers, passes, plays and earns a certificate through the services; the job
runner sends the outbox; the statements are read back through Ralph's own API. Ralph is also
stopped in the middle of a run, and every statement still arrives, once.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from json import loads
from pathlib import Path

import pytest
from sqlalchemy import Engine, text, update

from course.cli import main
from course.content.loader import load_course
from course.domain.model import Course
from course.domain.permissions import Actor, Capability, Grants
from course.domain.records import new_key
from course.domain.xapi import EventKind, LrsError
from course.integrations.lrs import HttpLrs
from course.services import certificates, learning_records, playing, quizzing, reading
from course.services.accounts import add_account
from course.services.database import close_database, open_database
from course.services.jobs import new_holder, run_due_jobs
from course.settings import load_settings
from course.store.engine import read_session, write_transaction
from course.store.tables import XapiOutbox
from tests.conftest import TreeWriter
from tests.databases import sqlite_engine, sqlite_template
from tests.domain.test_xapi import every_kind
from tests.ralph_lrs import RalphLrs, ralph_lrs, validate_with_ralph
from tests.services.test_question_kinds import KINDS, take

__all__ = ["ralph_lrs", "sqlite_engine", "sqlite_template"]

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_every_kind_of_statement_validates_against_ralphs_xapi_models() -> None:
    assert validate_with_ralph([loads(s.document) for s in every_kind().values()]) == []


def course_at(root: Path) -> Course:
    """Load the course written at root (the other LRS tests share these helpers)."""
    loaded = load_course(root)
    assert loaded.course is not None
    return loaded.course


def add_learner(engine: Engine, email: str = "ada@example.org") -> Actor:
    """Add a learner of the legal track."""
    info = add_account(engine, email, name="Ada", grants=Grants(frozenset({Capability.LEARNER})), by=None,
                       department="legal", tracks=("legal",), now=NOW)
    return Actor(info.id, info.email, info.grants)


def learn_everything(engine: Engine, actor: Actor, course: Course, *, now: datetime = NOW) -> None:
    """Read every section, answer every question right, submit, play to the good end, get certified."""
    module = course.modules["intro"]
    for index in range(len(module.sections)):
        reading.mark_section_read(engine, actor, course, "intro", section_index=index, key=new_key(), now=now)
    view = quizzing.open_attempt(engine, actor, course, "intro-quiz", now=now)
    for drawn in view.drawn:
        question = view.question(drawn.question_id)
        quizzing.answer_question(engine, actor, course, "intro-quiz", attempt_key=view.attempt_key,
                                 question_id=drawn.question_id, chosen=sorted(question.correct_indexes),
                                 seconds=3.0, now=now)
    quizzing.submit_attempt(engine, actor, course, "intro-quiz", attempt_key=view.attempt_key, now=now)
    run = playing.start_new_run(engine, actor, course, "first-day", key=new_key(), now=now)
    playing.choose(engine, actor, course, "first-day", run_id=run.run_id, step_no=1, choice_index=0,
                   key=new_key(), seconds=2.0, now=now)
    certificates.issue_certificates(engine, actor, course, now=now)


def outbox_rows(engine: Engine) -> list[tuple[str, str, bool]]:
    """Return each queued statement's id, kind and whether it was sent, in queue order."""
    with read_session(engine) as session:
        rows = session.connection().execute(text(
            "SELECT statement_id, kind, sent_at IS NOT NULL FROM xapi_outbox ORDER BY id"))
        return [(r[0], r[1], bool(r[2])) for r in rows]


def held_by(lrs: RalphLrs, ids: Sequence[str]) -> Counter[str]:
    """Count how often the LRS holds each of these statement ids."""
    wanted = set(ids)
    return Counter(str(s["id"]) for s in lrs.statements() if s["id"] in wanted)


def test_learner_events_reach_the_lrs_through_the_job_runner_each_once(
    ralph_lrs: RalphLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    learning_records.connect_lrs(engine, ralph_lrs.settings())
    ada = add_learner(engine)
    learn_everything(engine, ada, course)
    queued = outbox_rows(engine)
    kinds = Counter(kind for _, kind, _ in queued)
    questions = len(course.quizzes["intro-quiz"].questions)
    assert kinds == {EventKind.SECTION_READ: len(course.modules["intro"].sections),
                     EventKind.QUESTION_ANSWERED: questions, EventKind.QUIZ_FINISHED: 1,
                     EventKind.SCENARIO_DECISION: 1, EventKind.SCENARIO_ENDED: 1,
                     EventKind.TRACK_COMPLETED: 1, EventKind.CERTIFICATE_ISSUED: 1}
    assert not any(sent for _, _, sent in queued)

    job = learning_records.xapi_job(HttpLrs(ralph_lrs.settings()), batch=4)
    [outcome] = run_due_jobs(engine, [job], holder=new_holder())
    assert outcome.status == "ran", outcome.message
    assert outcome.message == f"{len(queued)} statement(s) sent, 0 to retry, 0 old sent statement(s) deleted"
    ids = [sid for sid, _, _ in queued]
    assert held_by(ralph_lrs, ids) == Counter({sid: 1 for sid in ids})
    stored = [s for s in ralph_lrs.statements() if s["id"] in set(ids)]
    names = {s["actor"]["account"]["name"] for s in stored}  # type: ignore[index]
    assert len(names) == 1 and "ada" not in next(iter(names))
    stored_by_kind = {kind: s for (sid, kind, _), s in zip(queued, sorted(
        stored, key=lambda s: ids.index(str(s["id"]))), strict=True)}
    passed = stored_by_kind[EventKind.QUIZ_FINISHED]
    assert passed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"  # type: ignore[index]
    assert passed["result"]["score"]["scaled"] == 1.0  # type: ignore[index]

    # The answers of a batch the LRS took were lost: the batch goes again, and nothing doubles.
    with write_transaction(engine) as session:
        session.connection().execute(update(XapiOutbox).values(sent_at=None, next_attempt_at=NOW))  # type: ignore[arg-type]
    report = learning_records.send_statements(engine, HttpLrs(ralph_lrs.settings()), batch=5, now=NOW)
    assert (report.sent, report.failed) == (len(ids), 0)
    assert held_by(ralph_lrs, ids) == Counter({sid: 1 for sid in ids})
    assert validate_with_ralph([{k: v for k, v in s.items() if k not in ("stored", "authority")}
                                for s in stored]) == []


class _StopsAfterFirstBatch:
    """The real adapter, but the LRS goes down right after the first batch of a run."""

    def __init__(self, lrs: RalphLrs) -> None:
        self.lrs = lrs
        self.adapter = HttpLrs(lrs.settings(), timeout=5)
        self.batches = 0

    def send(self, documents: Sequence[str]) -> None:
        self.adapter.send(documents)
        self.batches += 1
        if self.batches == 1:
            self.lrs.stop()


def test_the_lrs_stopped_mid_run_loses_and_doubles_nothing(
    ralph_lrs: RalphLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    learning_records.connect_lrs(engine, ralph_lrs.settings())
    ada = add_learner(engine)
    learn_everything(engine, ada, course)
    before = len(outbox_rows(engine))
    stopping = _StopsAfterFirstBatch(ralph_lrs)
    try:
        report = learning_records.send_statements(engine, stopping, batch=3, now=NOW)
        assert (report.sent, report.failed) == (3, 3)  # one batch in, the next refused, the rest waits
        assert "unreachable" in report.errors[0]

        # The learner goes on while the LRS is away: the events are recorded with their statements.
        bea = add_learner(engine, "bea@example.org")
        learn_everything(engine, bea, course, now=NOW + timedelta(minutes=1))
        assert len(outbox_rows(engine)) == 2 * before
        later = NOW + timedelta(minutes=1)
        again = learning_records.send_statements(engine, HttpLrs(ralph_lrs.settings(), timeout=5), now=later)
        assert again.sent == 0 and again.failed > 0
        state = learning_records.outbox_state(engine, by=None)
        assert state.sent == 3 and state.pending == 2 * before - 3 and state.failing > 0
        assert "unreachable" in state.last_error and state.next_try_at is not None
    finally:
        ralph_lrs.start()

    # Back up: nothing is sent before its wait is over, then everything is, once.
    adapter = HttpLrs(ralph_lrs.settings())
    early = learning_records.send_statements(engine, adapter, now=NOW + timedelta(minutes=1))
    assert early.sent == 0
    done = learning_records.send_statements(engine, adapter, now=NOW + timedelta(hours=2))
    assert done.failed == 0 and done.sent == 2 * before - 3
    ids = [sid for sid, _, _ in outbox_rows(engine)]
    assert all(sent for _, _, sent in outbox_rows(engine))
    assert held_by(ralph_lrs, ids) == Counter({sid: 1 for sid in ids})
    assert learning_records.outbox_state(engine, by=None).failing == 0


def test_wrong_credentials_are_kept_as_the_error_and_nothing_is_marked_sent(
    ralph_lrs: RalphLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    learning_records.connect_lrs(engine, ralph_lrs.settings())
    ada = add_learner(engine)
    reading.mark_section_read(engine, ada, course, "intro", section_index=0, key=new_key(), now=NOW)
    wrong = HttpLrs(ralph_lrs.settings(password="not-the-passphrase"))
    with pytest.raises(LrsError) as refused:
        wrong.send([s.document for s in every_kind().values()][:1])
    assert refused.value.status == 401 and "not-the-passphrase" not in str(refused.value)
    report = learning_records.send_statements(engine, wrong, now=NOW)
    assert (report.sent, report.failed) == (0, 1)
    state = learning_records.outbox_state(engine, by=None)
    assert (state.pending, state.failing) == (1, 1) and "401" in state.last_error


def test_jobs_run_once_sends_what_the_app_recorded(
    ralph_lrs: RalphLrs, tmp_path: Path, write_tree: TreeWriter, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
    settings = ralph_lrs.settings()
    monkeypatch.setenv("NTS_LRS_ENDPOINT", settings.endpoint)
    monkeypatch.setenv("NTS_LRS_USERNAME", settings.username)
    monkeypatch.setenv("NTS_LRS_PASSWORD", settings.password)
    monkeypatch.setenv("NTS_LRS_ACTOR_KEY", settings.actor_key)
    course = course_at(write_tree({"quizzes/intro-quiz.md": KINDS}))
    engine = open_database(load_settings())  # what the app does at start: the LRS is connected
    try:
        ada = add_learner(engine)
        reading.mark_section_read(engine, ada, course, "intro", section_index=0, key=new_key(), now=NOW)
        take(engine, ada, course)  # choice, ordering, matching and a reflection
        ids = [sid for sid, _, _ in outbox_rows(engine)]
        with read_session(engine) as session:
            documents = [loads(r[0]) for r in session.connection().execute(
                text("SELECT statement FROM xapi_outbox"))]
    finally:
        close_database(engine)
    assert validate_with_ralph(documents) == []
    assert main(["jobs", "run", "--once"]) == 0
    lines = capsys.readouterr().out.splitlines()
    summary = f"{len(ids)} statement(s) sent, 0 to retry, 0 old sent statement(s) deleted"
    assert f"send-xapi: ran: {summary}" in lines
    assert held_by(ralph_lrs, ids) == Counter({sid: 1 for sid in ids})


class _Counting:
    """The real adapter, counting every statement it posts."""

    def __init__(self, lrs: RalphLrs) -> None:
        self.adapter = HttpLrs(lrs.settings())
        self.posted: Counter[str] = Counter()
        self.lock = threading.Lock()

    def send(self, documents: Sequence[str]) -> None:
        self.adapter.send(documents)
        with self.lock:
            self.posted.update(str(loads(d)["id"]) for d in documents)


def test_two_senders_at_once_post_each_statement_once(
    ralph_lrs: RalphLrs, sqlite_engine: Engine, write_tree: TreeWriter
) -> None:
    engine, course = sqlite_engine, course_at(write_tree())
    learning_records.connect_lrs(engine, ralph_lrs.settings())
    for n in range(3):
        learn_everything(engine, add_learner(engine, f"learner{n}@example.org"), course)
    ids = [sid for sid, _, _ in outbox_rows(engine)]
    counting = _Counting(ralph_lrs)
    reports: list[learning_records.SendReport] = []
    threads = [threading.Thread(target=lambda: reports.append(
        learning_records.send_statements(engine, counting, batch=2, now=NOW))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == len(ids) and not any(r.failed for r in reports)
    assert counting.posted == Counter({sid: 1 for sid in ids})
    assert held_by(ralph_lrs, ids) == Counter({sid: 1 for sid in ids})
