"""The first and latest evidence per question and scenario, kept in the answer's transaction."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, text
from sqlmodel import Session

from course.domain.accounts import parse_capabilities
from course.domain.records import (
    AnswerRecord,
    QuizAttemptRecord,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    new_key,
)
from course.store import analytics, attempts, evidence_slots, people, scenario_runs
from course.store.analytics import counts as counts_module
from course.store.analytics import evidence as evidence_module
from course.store.engine import create_store_engine, read_session, write_transaction
from course.store.migrate import upgrade_database
from course.store.tables import QuizAnswer, QuizAttempt, ScenarioRun

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

#: A second process: answers the same questions for the same people as the test does.
WRITER = """
import sys
from datetime import datetime, timedelta
from course.domain.records import AnswerRecord, QuizAttemptRecord, new_key
from course.store import attempts
from course.store.engine import create_store_engine, write_transaction

engine = create_store_engine(sys.argv[1])
ids = [int(i) for i in sys.argv[2].split(",")]
start = datetime.fromisoformat(sys.argv[3])
step = timedelta(minutes=int(sys.argv[5]))
for n in range(int(sys.argv[4])):
    person = ids[n % len(ids)]
    at = start + step * n + timedelta(minutes=1)
    answers = tuple(AnswerRecord(q, "listening", (0,), (n + i) % 3 == 0, 2.0)
                    for i, q in enumerate(("qa", "qb", "qc")))
    record = QuizAttemptRecord(new_key(), person, "q1", "v1", at, at, answers, 0.5, False)
    with write_transaction(engine) as session:
        attempts.record_quiz_attempt(session, record, now=at)
print("done", flush=True)
"""


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A stored slot, for checks and tests."""

    person_id: int
    kind: str
    item_id: str
    question_id: str
    competency: str
    first_score: float
    first_at: datetime
    latest_score: float
    latest_at: datetime
    answers: int


def list_slots(session: Session, *, computed: bool = False) -> list[Slot]:
    """Return every stored slot, or (`computed`) the slots the stored answers and runs imply."""
    source = f"({evidence_slots.REBUILD_SELECT}) s" if computed else "evidence_slot s"
    rows = session.connection().execute(text(f"SELECT * FROM {source}"))
    return sorted(Slot(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), float(r[5]), _utc(r[6]),
                       float(r[7]), _utc(r[8]), int(r[9])) for r in rows)


def _utc(value: object) -> datetime:
    if isinstance(value, str):  # SQLite returns computed times as text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _person(engine: Engine, email: str) -> int:
    with write_transaction(engine) as session:
        return people.add_person(session, email, name=email, department="HR", tracks=("hr",),
                                 grants=parse_capabilities("learner"), now=T0)


def _attempt(engine: Engine, person: int, at: datetime, answers: dict[str, float], quiz: str = "q1") -> None:
    record = QuizAttemptRecord(
        new_key(), person, quiz, "v1", at, at,
        tuple(AnswerRecord(q, "listening", (0,), s >= 1, 2.0, score=s) for q, s in answers.items()),
        0.5, False,
    )
    with write_transaction(engine) as session:
        attempts.record_quiz_attempt(session, record, now=at)


def _run(engine: Engine, person: int, at: datetime, score: float) -> None:
    key = new_key()
    with write_transaction(engine) as session:
        scenario_runs.start_run(session, ScenarioRunStartRecord(key, person, "s1", "v1", at))
        finish = ScenarioRunFinishRecord(new_key(), person, key, "end", "good", score, at)
        scenario_runs.finish_run(session, finish)


@dataclass(frozen=True, slots=True, order=True)
class PeriodRow:
    """A stored (or computed) period sum, for checks and tests."""

    person_id: int
    competency: str
    period_start: datetime
    first_score: float
    first_count: int
    first_right: int
    latest_change: float
    answers: int


def _periods(engine: Engine, *, computed: bool = False) -> list[PeriodRow]:
    """Return every stored period sum, or (`computed`) those the stored answers imply."""
    with read_session(engine) as session:
        dialect = session.get_bind().dialect.name
        source = f"({evidence_slots.rebuild_periods_select(dialect)}) s" if computed else "evidence_period s"
        rows = session.connection().execute(text(f"SELECT * FROM {source}"))
        return sorted(PeriodRow(int(r[0]), str(r[1]), _utc(r[2]), float(r[3]), int(r[4]), int(r[5]),
                                float(r[6]), int(r[7])) for r in rows)


def _assert_same_periods(stored: list[PeriodRow], computed: list[PeriodRow]) -> None:
    """The same rows, the credits equal up to rounding (sums of differences against sums)."""
    assert [(p.person_id, p.competency, p.period_start, p.first_count, p.first_right, p.answers)
            for p in stored] == [(p.person_id, p.competency, p.period_start, p.first_count,
                                  p.first_right, p.answers) for p in computed]
    for mine, theirs in zip(stored, computed, strict=True):
        assert mine.first_score == pytest.approx(theirs.first_score, abs=1e-9)
        assert mine.latest_change == pytest.approx(theirs.latest_change, abs=1e-9)


def _slots(engine: Engine, *, computed: bool = False) -> list[Slot]:
    with read_session(engine) as session:
        return list_slots(session, computed=computed)


def test_slots_keep_the_first_and_latest_answer_and_run_whatever_the_order_of_writing(engine: Engine) -> None:
    ada = _person(engine, "ada@x.org")
    _attempt(engine, ada, T0 + timedelta(days=2), {"qa": 1.0, "qb": 0.5})
    _attempt(engine, ada, T0, {"qa": 0.0})  # stored late, answered first (an offline sync)
    _attempt(engine, ada, T0 + timedelta(days=3), {"qa": 0.0, "qb": 1.0})
    _attempt(engine, ada, T0, {"qa": 1.0}, quiz="q2")  # the same question id in another quiz
    _run(engine, ada, T0 + timedelta(days=1), 0.4)
    _run(engine, ada, T0 + timedelta(days=4), 0.9)
    got = {(s.kind, s.item_id, s.question_id): (s.first_score, s.latest_score, s.answers)
           for s in _slots(engine)}
    assert got == {
        ("answer", "q1", "qa"): (0.0, 0.0, 3),
        ("answer", "q1", "qb"): (0.5, 1.0, 2),
        ("answer", "q2", "qa"): (1.0, 1.0, 1),
        ("run", "s1", ""): (0.4, 0.9, 2),
    }
    assert _slots(engine) == _slots(engine, computed=True)


def test_a_repeated_submission_and_an_unfinished_run_change_no_slot(engine: Engine) -> None:
    ada = _person(engine, "ada@x.org")
    record = QuizAttemptRecord(new_key(), ada, "q1", "v1", T0, T0,
                               (AnswerRecord("qa", "listening", (0,), True, 2.0),), 1.0, True)
    for _ in range(2):
        with write_transaction(engine) as session:
            attempts.record_quiz_attempt(session, record, now=T0)
    with write_transaction(engine) as session:
        scenario_runs.start_run(session, ScenarioRunStartRecord(new_key(), ada, "s1", "v1", T0))
    assert [(s.item_id, s.answers) for s in _slots(engine)] == [("q1", 1)]


def test_rebuild_gives_the_table_the_answers_imply(engine: Engine) -> None:
    ada, bo = _person(engine, "ada@x.org"), _person(engine, "bo@x.org")
    for day in range(4):
        _attempt(engine, ada, T0 + timedelta(days=day), {"qa": float(day % 2), "qb": 1.0})
        _attempt(engine, bo, T0 + timedelta(days=3 - day), {"qa": float(day > 1)})
    _run(engine, bo, T0, 0.3)
    kept = _slots(engine)
    with write_transaction(engine) as session:
        session.connection().execute(text("DELETE FROM evidence_slot"))
        evidence_slots.rebuild(session)
    assert _slots(engine) == kept == _slots(engine, computed=True)


def test_a_second_process_writing_answers_at_the_same_time_keeps_the_slots_consistent(
    engine: Engine, database_url: str
) -> None:
    ids = [_person(engine, f"p{i}@x.org") for i in range(3)]
    step = timedelta(hours=23)  # 40 steps cross weeks and the end of March: many periods
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_url, ",".join(map(str, ids)), T0.isoformat(), "40",
         str(int(step.total_seconds() // 60))],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    for n in range(40):  # the same people and questions, times interleaved with the writer's
        person = ids[n % len(ids)]
        _attempt(engine, person, T0 + step * n + timedelta(minutes=4), {"qa": float(n % 2), "qc": 1.0})
    assert writer.communicate(timeout=300)[0].strip() == "done"
    assert writer.returncode == 0
    slots = _slots(engine)
    assert sum(s.answers for s in slots) == 40 * 2 + 40 * 3
    assert slots == _slots(engine, computed=True)
    periods = _periods(engine)
    assert sum(p.answers for p in periods) == 40 * 2 + 40 * 3
    assert len({p.period_start for p in periods}) > 6
    _assert_same_periods(periods, _periods(engine, computed=True))


def test_the_migration_fills_the_slots_from_the_answers_and_runs_already_stored(
    empty_database_url: str,
) -> None:
    engine = create_store_engine(empty_database_url)
    try:
        upgrade_database(engine, revision="0007")  # before the table existed
        ada = _person(engine, "ada@x.org")
        attempt, answer, run = (QuizAttempt.__table__, QuizAnswer.__table__,  # type: ignore[attr-defined]
                                ScenarioRun.__table__)  # type: ignore[attr-defined]
        with write_transaction(engine) as session:
            connection = session.connection()
            for number, (at, right) in enumerate([(T0 + timedelta(days=1), True), (T0, False)], start=1):
                connection.execute(insert(attempt).values(
                    id=number, key=new_key(), person_id=ada, quiz_id="q1", content_version="v1",
                    started_at=at, finished_at=at, score=float(right), passed=right, recorded_at=at))
                connection.execute(insert(answer).values(
                    attempt_id=number, position=0, question_id="qa", competency="listening",
                    chosen="[0]", correct=right, seconds=2.0, score=float(right)))
            connection.execute(insert(run).values(
                run_key=new_key(), person_id=ada, scenario_id="s1", content_version="v1", started_at=T0,
                finish_key=new_key(), finished_at=T0, ending_node="end", ending_kind="good", score=0.6))
        upgrade_database(engine)
        got = {(s.kind, s.item_id): (s.first_score, s.latest_score, s.answers) for s in _slots(engine)}
        assert got == {("answer", "q1"): (0.0, 1.0, 2), ("run", "s1"): (0.6, 0.6, 1)}
        assert _slots(engine) == _slots(engine, computed=True)
        periods = _periods(engine)  # revision 0020: both answers fall in the week of T0
        assert [(p.period_start, p.first_score, p.first_count, p.first_right, p.latest_change, p.answers)
                for p in periods] == [(T0.replace(hour=0, tzinfo=None), 0.0, 1, 0, 1.0, 2)]
        _assert_same_periods(periods, _periods(engine, computed=True))
    finally:
        engine.dispose()


#: One attempt of a random history: (person, quiz, hours after T0, {question: (competency, credit)}).
ATTEMPTS = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.sampled_from(("q1", "q2")),
        # hours after T0 over about two months (weeks and a month's end), drawn evenly
        st.builds(lambda day, hour: 24 * day + hour, st.sampled_from(range(61)), st.sampled_from((0, 8, 14))),
        st.dictionaries(
            st.sampled_from(("qa", "qb", "qc")),
            st.tuples(st.sampled_from(("listening", "security")), st.sampled_from((0.0, 0.5, 1.0))),
            min_size=1, max_size=3,
        ),
    ),
    min_size=1, max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=ATTEMPTS)
def test_period_sums_kept_by_random_writes_equal_their_recomputation_from_the_answers(
    engine: Engine, history: list[tuple[int, str, int, dict[str, tuple[str, float]]]]
) -> None:
    with write_transaction(engine) as session:  # each example starts from no learner work
        for table in ("evidence_period", "evidence_slot", "quiz_answer", "quiz_attempt"):
            session.connection().execute(text(f"DELETE FROM {table}"))
    ids = _people(engine, 2)
    for person, quiz, hours, answers in history:  # written in this order, whatever their times
        at = T0 + timedelta(hours=hours)
        record = QuizAttemptRecord(
            new_key(), ids[person], quiz, "v1", at, at,
            tuple(AnswerRecord(q, c, (0,), s >= 1, 2.0, score=s) for q, (c, s) in answers.items()),
            0.5, False,
        )
        with write_transaction(engine) as session:
            attempts.record_quiz_attempt(session, record, now=at)
    stored = _periods(engine)
    assert sum(p.answers for p in stored) == sum(len(a) for *_, a in history)
    _assert_same_periods(stored, _periods(engine, computed=True))
    # What the dashboards read from the sums equals what they read from the slots.
    sums = _dashboard_reads(engine)
    with pytest.MonkeyPatch.context() as patch:  # undone before the next example
        patch.setattr(evidence_module, "_reads_periods", lambda *_: False)
        patch.setattr(counts_module, "reads_periods", lambda *_: False)
        assert _dashboard_reads(engine) == sums


def _dashboard_reads(engine: Engine) -> list[object]:
    """Scores, changes and trends at a few Mondays (and no end), rounded against summing order."""
    out: list[object] = []
    monday = T0.replace(hour=0)  # period starts: Mondays, and 1 April
    with read_session(engine) as session:
        for until, cut in ((None, None), (monday + timedelta(days=14), monday + timedelta(days=7)),
                           (monday + timedelta(days=35), monday + timedelta(days=30))):
            scope = analytics.Scope(competencies=("listening", "security"), until=until)
            with analytics.evidence_table(session, scope, previous_until=cut) as table:
                for grouping in ("department", "all"):
                    out += [(g.group, g.competency, g.learners, round(g.estimate, 9), round(g.evidence, 9))
                            for g in analytics.group_scores(session, table, grouping=grouping)]
                    out += [(c.group, c.competency, c.learners, round(c.before, 9), round(c.after, 9))
                            for c in analytics.group_changes(session, table, grouping=grouping)]
                if cut is not None:
                    out += [(g.competency, g.learners, round(g.estimate, 9))
                            for g in analytics.group_scores(session, table, grouping="all", previous=True)]
            for period in ("week", "month"):
                out += analytics.answers_per_period(session, scope, period=period)
    return out


def _people(engine: Engine, count: int) -> list[int]:
    """Return the ids of `count` learners, adding those not there yet."""
    with read_session(engine) as session:
        found = [int(i) for (i,) in session.connection().execute(
            text("SELECT id FROM person WHERE email LIKE 'h%@x.org' ORDER BY id"))]
    return found + [_person(engine, f"h{n}@x.org") for n in range(len(found), count)]
