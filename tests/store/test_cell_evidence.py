"""First answers counted per reporting cell: kept by attempts, moves and erasure, read exactly."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, text

from course.domain.accounts import parse_capabilities
from course.domain.records import AnswerRecord, QuizAttemptRecord, new_key
from course.domain.release import release_windows
from course.store import analytics, attempts, cell_evidence, evidence_slots, people, privacy
from course.store.engine import create_store_engine, read_session, write_transaction
from course.store.migrate import upgrade_database
from course.store.tables import QuizAnswer, QuizAttempt

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; the history crosses the end of March
NOW = T0 + timedelta(days=70)
COMPETENCIES = ("listening", "security")
SCOPE = analytics.Scope(competencies=COMPETENCIES, tracks_known=("hr", "it"))

#: One step of a random history: an attempt (person, quiz, hours after T0, {question: (competency,
#: credit)}), a change of a person's cell or active state, or an erasure.
ATTEMPT = st.tuples(
    st.just("attempt"),
    st.integers(0, 3),
    st.sampled_from(("q1", "q2")),
    st.builds(lambda day, hour: 24 * day + hour, st.sampled_from(range(61)), st.sampled_from((0, 8, 14))),
    st.dictionaries(
        st.sampled_from(("qa", "qb", "qc")),
        st.tuples(st.sampled_from(COMPETENCIES), st.sampled_from((0.0, 0.5, 1.0))),
        min_size=1, max_size=3,
    ),
)
MOVE = st.tuples(
    st.just("move"),
    st.integers(0, 3),
    st.sampled_from(("HR", "IT")),
    st.sampled_from(("", "staff")),
    st.sampled_from((("hr",), ("hr", "it"))),
    st.booleans(),
)
ERASE = st.tuples(st.just("erase"), st.integers(0, 3))
HISTORY = st.lists(st.one_of(ATTEMPT, ATTEMPT, MOVE, ERASE), min_size=1, max_size=14)


def _clear(engine: Engine) -> list[int]:
    """Empty the learner work and people of earlier examples; return four new learners' ids."""
    with write_transaction(engine) as session:
        for table in ("question_cell", "week_cell", "evidence_period", "evidence_slot", "quiz_answer",
                      "quiz_attempt", "capability_grant", "person"):
            session.connection().execute(text(f"DELETE FROM {table}"))
    ids = []
    for n in range(4):
        with write_transaction(engine) as session:
            ids.append(people.add_person(session, f"c{n}@x.org", name=f"c{n}",
                                         department="HR" if n < 2 else "IT", tracks=("hr",),
                                         grants=parse_capabilities("learner"), now=T0))
    return ids


def _apply(engine: Engine, ids: list[int], step: tuple[object, ...]) -> None:
    person = ids[int(step[1])]  # type: ignore[call-overload]
    with write_transaction(engine) as session:
        found = session.connection().execute(text("SELECT 1 FROM person WHERE id = :p"), {"p": person})
        if found.first() is None:
            return  # erased earlier
        if step[0] == "attempt":
            _, _, quiz, hours, answers = step
            at = T0 + timedelta(hours=int(hours))  # type: ignore[call-overload]
            record = QuizAttemptRecord(
                new_key(), person, str(quiz), "v1", at, at,
                tuple(AnswerRecord(q, c, (0,), s >= 1, 2.0, score=s)
                      for q, (c, s) in answers.items()),  # type: ignore[attr-defined]
                0.5, False,
            )
            attempts.record_quiz_attempt(session, record, now=at)
        elif step[0] == "move":
            _, _, department, level, tracks, active = step
            people.update_person(session, person, now=T0, department=str(department), level=str(level),
                                 tracks=tracks, active=bool(active))  # type: ignore[arg-type]
        else:
            privacy.erase_rows(session, person, email=f"c{ids.index(person)}@x.org")


def _kept(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Return the stored rows of both tables that count something, and those a rebuild gives."""
    out = []
    with read_session(engine) as session:
        dialect = session.get_bind().dialect.name
        for table, select in (("question_cell", cell_evidence.rebuild_questions_select(dialect)),
                              ("week_cell", cell_evidence.rebuild_weeks_select(dialect))):
            stored = session.connection().execute(text(f"SELECT * FROM {table}")).all()
            computed = session.connection().execute(text(select), {"on": True}).all()
            out.append((sorted(_plain(r) for r in stored if any(r[-3:] if table == "week_cell" else r[-2:])),
                        sorted(_plain(r) for r in computed)))
    return out[0], out[1]  # type: ignore[return-value]


def _plain(row: tuple[object, ...]) -> tuple[object, ...]:
    """Times as naive UTC text (SQLite returns computed times as text), counts as ints."""
    out: list[object] = []
    for value in row:
        if isinstance(value, datetime):
            value = (value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value).isoformat(" ")
        elif isinstance(value, str) and value[:2] == "20" and len(value) >= 19:
            value = datetime.fromisoformat(value).replace(tzinfo=None).isoformat(" ")
        out.append(int(value) if isinstance(value, int | float | Decimal) and not isinstance(value, bool)
                   else value)
    return tuple(out)


def _reads(engine: Engine, *, fast: bool, k: int, since: datetime | None, until: datetime | None) -> object:
    """Return the weakest questions and weekly trends within release windows, as the dashboard
    reads them (`fast`: from the cell counts) or recomputed from the slots and period sums."""
    with read_session(engine) as session:
        scope = replace(SCOPE, min_learners=k)
        windows = release_windows(analytics.list_activity(session, scope), min_group_size=k, now=NOW,
                                  since=since, until=until)
        with analytics.release_table(session, scope, windows) as released:
            if not fast:
                released = replace(released, cell_counts=False)
            return (analytics.question_counts(session, released),
                    analytics.answers_per_period(session, released, groupings=("department", "track")))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=HISTORY)
def test_cell_counts_kept_by_random_writes_and_moves_equal_their_recomputation(
    engine: Engine, history: list[tuple[object, ...]]
) -> None:
    ids = _clear(engine)
    for step in history:  # attempts in this order, whatever their times, between moves and erasures
        _apply(engine, ids, step)
    (questions, computed_questions), (weeks, computed_weeks) = _kept(engine)
    assert questions == computed_questions
    assert weeks == computed_weeks
    for k in (1, 2):
        for since, until in ((None, None), (T0 + timedelta(days=6), None), (None, T0 + timedelta(days=30))):
            slow = _reads(engine, fast=False, k=k, since=since, until=until)
            assert _reads(engine, fast=True, k=k, since=since, until=until) == slow


def _windowed_reads(engine: Engine, *, per_person: bool, k: int, since: datetime | None,
                    until: datetime | None) -> object:
    """Return every windowed read that finds a row's window, per person or through its cell
    (windows that start later than the beginning read the evidence slots, not the period sums)."""
    with read_session(engine) as session:
        scope = replace(SCOPE, min_learners=k)
        windows = release_windows(analytics.list_activity(session, scope), min_group_size=k, now=NOW,
                                  since=since, until=until, previous=NOW - timedelta(days=30))
        with analytics.release_table(session, scope, windows) as released:
            if not per_person:
                released = replace(released, release_table=None)
            assert (released.release_table is not None) == per_person
            with analytics.evidence_table(session, released, previous_until=NOW) as evidence:
                scores = [analytics.group_scores(session, evidence, grouping=g, by_competency=b)
                          for g in ("department", "track", "level", "all") for b in (True, False)]
                previous = analytics.group_scores(session, evidence, grouping="all", previous=True)
                changes = analytics.group_changes(session, evidence, grouping="track")
            slow = replace(released, cell_counts=False)
            return (_rounded([*scores, previous, changes]),
                    analytics.answers_per_period(session, released, period="month"),
                    analytics.question_counts(session, slow))


def _rounded(value: object) -> object:
    """Floats to 9 places, in nested lists and dataclasses (two plans may add in other orders)."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return tuple(_rounded(getattr(value, f)) for f in value.__dataclass_fields__)
    return value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(st.one_of(ATTEMPT, ATTEMPT, ATTEMPT, MOVE), min_size=4, max_size=14))
def test_windows_found_through_the_cell_equal_those_found_per_person(
    engine: Engine, history: list[tuple[object, ...]]
) -> None:
    # SQLite seeks a per-person release table; PostgreSQL finds each row's window through its
    # person's reporting cell. Both ways must count the same evidence (checked where both exist).
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no per-person release table to compare with")
    ids = _clear(engine)
    for step in history:
        _apply(engine, ids, step)
    for k in (1, 2):
        for since, until in ((None, None), (None, T0 + timedelta(days=30)), (T0 + timedelta(days=6), None)):
            assert (_windowed_reads(engine, per_person=False, k=k, since=since, until=until)
                    == _windowed_reads(engine, per_person=True, k=k, since=since, until=until))


def test_a_move_takes_the_first_answers_from_one_cell_to_the_other(engine: Engine) -> None:
    ids = _clear(engine)
    _apply(engine, ids, ("attempt", 0, "q1", 0, {"qa": ("listening", 1.0), "qb": ("listening", 0.0)}))
    _apply(engine, ids, ("attempt", 0, "q1", 24, {"qa": ("listening", 0.0)}))  # a retake: no new first
    with read_session(engine) as session:
        rows = session.connection().execute(text(
            "SELECT department, question_id, first_count, first_right FROM question_cell ORDER BY 2")).all()
        assert [tuple(r) for r in rows] == [("HR", "qa", 1, 1), ("HR", "qb", 1, 0)]
    _apply(engine, ids, ("move", 0, "IT", "", ("hr",), True))
    _apply(engine, ids, ("move", 0, "IT", "", ("hr",), False))  # deactivated: counted nowhere
    with read_session(engine) as session:
        kept = session.connection().execute(text(
            "SELECT department, SUM(first_count) FROM question_cell GROUP BY department ORDER BY 1")).all()
        assert [tuple(r) for r in kept] == [("HR", 0), ("IT", 0)]
        weeks = session.connection().execute(text(
            "SELECT department, learners, first_count FROM week_cell ORDER BY 1")).all()
        assert [tuple(r) for r in weeks] == [("HR", 0, 0), ("IT", 0, 0)]
    _apply(engine, ids, ("move", 0, "IT", "", ("hr",), True))
    _apply(engine, ids, ("erase", 0))
    assert _kept(engine)[0] == ([], [])


def test_rebuild_gives_the_counts_the_writes_keep(engine: Engine) -> None:
    ids = _clear(engine)
    for n, hours in enumerate((0, 30, 200, 700)):
        _apply(engine, ids, ("attempt", n, "q1", hours, {"qa": ("listening", float(n % 2)),
                                                         "qc": ("security", 1.0)}))
    _apply(engine, ids, ("move", 3, "HR", "staff", ("hr", "it"), True))
    kept = _kept(engine)
    with write_transaction(engine) as session:
        evidence_slots.rebuild(session)
    assert _kept(engine) == kept
    assert kept[0][0] == kept[0][1] and kept[0][0]


@pytest.mark.parametrize("week", [T0, T0 + timedelta(days=28)])  # Mondays; the second week ends in April
def test_a_week_split_by_a_months_end_counts_a_learner_once(engine: Engine, week: datetime) -> None:
    ids = _clear(engine)
    _apply(engine, ids, ("attempt", 0, "q1", int((week - T0).total_seconds() // 3600),
                         {"qa": ("listening", 1.0)}))
    _apply(engine, ids, ("attempt", 0, "q2", int((week - T0).total_seconds() // 3600) + 48,
                         {"qa": ("listening", 0.0)}))  # two days on: the same week (1 April: a new period)
    with read_session(engine) as session:
        rows = session.connection().execute(
            text("SELECT learners, first_count, first_right FROM week_cell")).all()
    assert [tuple(r) for r in rows] == [(1, 2, 1)]


#: A second process: stores attempts for the same people while the test moves them between cells.
WRITER = """
import sys
from datetime import datetime, timedelta
from course.domain.records import AnswerRecord, QuizAttemptRecord, new_key
from course.store import attempts
from course.store.engine import create_store_engine, run_write

engine = create_store_engine(sys.argv[1])
ids = [int(i) for i in sys.argv[2].split(",")]
start = datetime.fromisoformat(sys.argv[3])
for n in range(int(sys.argv[4])):
    at = start + timedelta(hours=13 * n)
    answers = tuple(AnswerRecord(q, "listening", (0,), (n + i) % 2 == 0, 2.0)
                    for i, q in enumerate(("qa", "qb")))
    record = QuizAttemptRecord(new_key(), ids[n % len(ids)], f"q{n % 3}", "v1", at, at, answers, 0.5, False)
    run_write(engine, lambda session: attempts.record_quiz_attempt(session, record, now=at))
print("done", flush=True)
"""


def test_moving_people_while_another_process_stores_their_answers_keeps_the_counts_exact(
    engine: Engine, database_url: str
) -> None:
    ids = _clear(engine)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_url, ",".join(map(str, ids)), T0.isoformat(), "60"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    for n in range(30):  # as a roster import does: many people in one transaction, rows locked first
        with write_transaction(engine) as session:
            people.lock_people(session, ids)
            for number, person in enumerate(reversed(ids)):
                people.update_person(session, person, now=T0, department=("HR", "IT")[(n + number) % 2],
                                     active=(n + number) % 5 != 0)
    assert writer.communicate(timeout=300)[0].strip() == "done"
    assert writer.returncode == 0
    with read_session(engine) as session:
        assert session.connection().execute(text("SELECT COUNT(*) FROM quiz_attempt")).scalar_one() == 60
    (questions, computed_questions), (weeks, computed_weeks) = _kept(engine)
    assert questions == computed_questions and questions
    assert weeks == computed_weeks


def test_the_migration_counts_the_first_answers_already_stored(empty_database_url: str) -> None:
    engine = create_store_engine(empty_database_url)
    try:
        upgrade_database(engine, revision="0020")  # before the cell tables existed
        ids = []
        for n, active in enumerate((True, True, False)):
            with write_transaction(engine) as session:
                ids.append(people.add_person(session, f"m{n}@x.org", name=f"m{n}", department="HR",
                                             tracks=("hr",), grants=parse_capabilities("learner"), now=T0,
                                             active=active))
        attempt, answer = QuizAttempt.__table__, QuizAnswer.__table__  # type: ignore[attr-defined]
        with write_transaction(engine) as session:
            connection = session.connection()
            for number, (person, days, right) in enumerate(
                [(ids[0], 0, True), (ids[0], 29, False), (ids[1], 1, False), (ids[2], 2, True)], start=1
            ):
                at = T0 + timedelta(days=days)
                connection.execute(insert(attempt).values(
                    id=number, key=new_key(), person_id=person, quiz_id="q1", content_version="v1",
                    started_at=at, finished_at=at, score=float(right), passed=right, recorded_at=at))
                connection.execute(insert(answer).values(
                    attempt_id=number, position=0, question_id="qa", competency="listening",
                    chosen="[0]", correct=right, seconds=2.0, score=float(right)))
            connection.execute(text(evidence_slots.REBUILD))
            connection.execute(text(evidence_slots.rebuild_periods_statement(engine.dialect.name)))
        upgrade_database(engine)
        (questions, computed_questions), (weeks, computed_weeks) = _kept(engine)
        assert questions == computed_questions
        assert weeks == computed_weeks
        # Two active learners' first answers, in the week of T0; the inactive one counts nowhere.
        assert [q[-2:] for q in questions] == [(2, 1)]
        assert [w[-3:] for w in weeks] == [(2, 2, 1)]
    finally:
        engine.dispose()
