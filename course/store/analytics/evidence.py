"""Scores from the first (and, after practice, latest) evidence per person and competency.

Per person and competency, the evidence is the first answer to each question and the first
finished run of each scenario, exactly as course/domain/scoring.py defines it; the person's
estimate is the Beta-Binomial posterior mean (1 + successes) / (2 + trials). `evidence_table`
works that out once per read session into a temporary table (with the latest evidence of the
same questions, after practice, and the first evidence older than an earlier date alongside);
`group_scores` and `group_changes` then average it per department, track, level or everyone.
Rows per person stay in the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, text
from sqlmodel import Session

from course.domain.scoring import PRIOR_FAILURES, PRIOR_SUCCESSES, SCENARIO_WEIGHT
from course.store.analytics.scope import (
    Scope,
    Sql,
    grouping_sql,
    people_in,
    window_join,
)


@dataclass(frozen=True, slots=True)
class GroupScore:
    """A group's mean estimate over its learners, for one competency or ("") all of them."""

    group: str
    competency: str
    learners: int
    estimate: float
    evidence: float


@dataclass(frozen=True, slots=True)
class GroupChange:
    """A group's mean estimate from first evidence and after practice (latest), per competency."""

    group: str
    competency: str
    learners: int
    before: float
    after: float


def _evidence_select(sql: Sql, scope: Scope, *, previous_until: datetime | None) -> str:
    """Return a SELECT of each person's evidence per competency, in one sorted pass.

    One window per question (and per scenario) orders its rows oldest first: `rn` = 1 is the
    first evidence, the one the score rests on, and it counts before `previous_until` when it
    is older than that cut. The latest evidence (after practice) is found without looking ahead
    (LEAD made SQLite buffer every partition): each row adds its value minus the next older
    row's, so a question's terms add up to its newest value, exactly, as answers are 0 or 1 or
    a share of parts. Runs are few and use LEAD, which keeps their fractional scores exact.

    Columns: person_id, competency, successes and trials (first evidence), latest_successes
    (latest evidence of the same questions and scenarios: after practice), previous_successes
    and previous_trials (first evidence older than the cut; zero trials when there was none).
    """
    competencies = sql.in_list(scope.competencies)
    scenario_map = sql.values_table(("scenario_id", "competency"), scope.scenario_competencies)
    windowed = scope.release_table is not None
    if windowed:  # each reporting cell's own comparison point
        previous = "rn = 1 AND done_at < cut"
    elif previous_until is None:
        previous = "1 = 0"
    else:
        cut = sql.bind(previous_until, kind=DateTime(timezone=True))
        previous = f"rn = 1 AND done_at < {cut}"
    answer_cut, run_cut = ("w.cut", "w.cut") if windowed else ("NULL", "NULL")
    value, weight = f"runs.score * {SCENARIO_WEIGHT}", str(SCENARIO_WEIGHT)
    return f"""
    WITH scen AS ({scenario_map}),
    ans AS (
        SELECT a.person_id, q.competency, a.finished_at AS done_at, {answer_cut} AS cut,
               q.score AS v, ROW_NUMBER() OVER slot AS rn, LAG(q.score) OVER slot AS older_v
        FROM quiz_answer q
        JOIN quiz_attempt a ON a.id = q.attempt_id
        {_answer_filter(sql, scope, competencies)}
        WINDOW slot AS (PARTITION BY a.person_id, a.quiz_id, q.question_id, q.competency
                        ORDER BY a.finished_at, a.id, q.position)
    ),
    runs AS (
        SELECT r.person_id, r.scenario_id, scen.competency, r.score, r.finished_at AS done_at,
               {run_cut} AS cut, ROW_NUMBER() OVER slot AS rn, LEAD(r.id) OVER slot AS newer_id
        FROM scenario_run r JOIN scen ON scen.scenario_id = r.scenario_id
        {_run_filter(sql, scope, competencies)}
        WINDOW slot AS (PARTITION BY r.person_id, r.scenario_id, scen.competency
                        ORDER BY r.finished_at, r.id)
    ),
    ev AS (
        SELECT person_id, competency,
               CASE WHEN rn = 1 THEN v ELSE 0.0 END AS s,
               CASE WHEN rn = 1 THEN 1.0 ELSE 0.0 END AS w,
               CASE WHEN rn = 1 THEN v ELSE v - older_v END AS l,
               CASE WHEN {previous} THEN v ELSE 0.0 END AS ps,
               CASE WHEN {previous} THEN 1.0 ELSE 0.0 END AS pw
        FROM ans WHERE rn = 1 OR v <> older_v
        UNION ALL
        SELECT runs.person_id, runs.competency,
               CASE WHEN rn = 1 THEN {value} ELSE 0.0 END,
               CASE WHEN rn = 1 THEN {weight} ELSE 0.0 END,
               CASE WHEN newer_id IS NULL THEN {value} ELSE 0.0 END,
               CASE WHEN {previous} THEN {value} ELSE 0.0 END,
               CASE WHEN {previous} THEN {weight} ELSE 0.0 END
        FROM runs WHERE rn = 1 OR newer_id IS NULL
    )
    SELECT person_id, competency, SUM(s) AS successes, SUM(w) AS trials, SUM(l) AS latest_successes,
           SUM(ps) AS previous_successes, SUM(pw) AS previous_trials
    FROM ev GROUP BY person_id, competency"""


def _answer_filter(sql: Sql, scope: Scope, competencies: str) -> str:
    """Return the JOIN and WHERE that keep a scope's answers (released ones, with a release table)."""
    return (f"{window_join(sql, scope, measure='q.competency', at='a.finished_at', person_id='a.person_id')} "
            f"WHERE {people_in(sql, scope, 'a.person_id')} AND q.competency IN {competencies}")


def _run_filter(sql: Sql, scope: Scope, competencies: str) -> str:
    """Return the JOIN and WHERE that keep a scope's finished, scored runs per competency."""
    released = window_join(sql, scope, measure="scen.competency", at="r.finished_at", person_id="r.person_id")
    return (f"{released} "
            f"WHERE {people_in(sql, scope, 'r.person_id')} AND r.finished_at IS NOT NULL "
            f"AND r.score IS NOT NULL AND scen.competency IN {competencies}")


@dataclass(frozen=True, slots=True)
class Evidence:
    """A temporary table of each person's evidence per competency, for one read session.

    Built once by `evidence_table` and read by `group_scores` and `group_changes`; it lives in
    the session's transaction and holds a row per person and competency, which therefore never
    leave the database.
    """

    table: str
    scope: Scope
    previous_until: datetime | None


@contextmanager
def evidence_table(
    session: Session, scope: Scope, *, previous_until: datetime | None = None
) -> Iterator[Evidence]:
    """Materialise the scope's evidence per person and competency in a temporary table.

    `previous_until` (not later than the scope's end) also keeps the first evidence older than
    that time, for the score of an earlier moment. The table is dropped on leaving; if the
    transaction fails first, its rollback (when the session closes) drops it instead.
    """
    late = previous_until is not None and scope.until is not None and previous_until > scope.until
    if late and scope.release_table is None:  # with windows, each cell's comparison point is its own
        raise ValueError("previous_until is later than the scope's end")
    sql = Sql()
    name = f"nts_evidence_{uuid.uuid4().hex}"
    select = _evidence_select(sql, scope, previous_until=previous_until)
    connection = session.connection()
    connection.execute(sql.statement(f"CREATE TEMPORARY TABLE {name} AS {select}"), sql.values)
    yield Evidence(name, scope, previous_until)
    connection.execute(text(f"DROP TABLE {name}"))


def _estimate(successes: str, trials: str) -> str:
    return f"(({PRIOR_SUCCESSES} + {successes}) / ({PRIOR_SUCCESSES + PRIOR_FAILURES} + {trials}))"


_ESTIMATE = _estimate("pc.successes", "pc.trials")


def group_scores(
    session: Session, evidence: Evidence, *, grouping: str, by_competency: bool = True, previous: bool = False
) -> list[GroupScore]:
    """Return the mean estimate of each group's learners, per competency or over all of them.

    Over all competencies, a learner's literacy is the mean of their competency estimates, and
    the group's is the mean of its learners' (competency ""). With `previous`, the estimates
    rest on the first evidence older than the table's `previous_until` instead of on all of it.
    """
    sql = Sql()
    source = evidence.table
    if previous:
        if evidence.previous_until is None:
            raise ValueError("this evidence table has no previous period")
        source = f"""(SELECT person_id, competency, previous_successes AS successes,
                             previous_trials AS trials
                      FROM {evidence.table} WHERE previous_trials > 0)"""
    join, group, group_by = grouping_sql(sql, evidence.scope, grouping)
    if by_competency:
        statement = f"""
        SELECT {group} AS grp, pc.competency, COUNT(*) AS learners, AVG({_ESTIMATE}) AS estimate,
               SUM(pc.trials) AS evidence
        FROM {source} pc JOIN person p ON p.id = pc.person_id {join}
        GROUP BY {group_by}pc.competency"""
    else:
        statement = f"""
        WITH person_score AS (
            SELECT pc.person_id, AVG({_ESTIMATE}) AS estimate, SUM(pc.trials) AS evidence
            FROM {source} pc GROUP BY pc.person_id
        )
        SELECT {group} AS grp, '' AS competency, COUNT(*) AS learners, AVG(ps.estimate),
               SUM(ps.evidence)
        FROM person_score ps JOIN person p ON p.id = ps.person_id {join}
        {"GROUP BY " + group_by.rstrip(", ") if group_by else ""}"""
    rows = session.connection().execute(sql.statement(statement + " ORDER BY 1, 2"), sql.values)
    return [GroupScore(str(g), str(c), int(n), float(e), float(ev)) for g, c, n, e, ev in rows if n]


def group_changes(session: Session, evidence: Evidence, *, grouping: str) -> list[GroupChange]:
    """Return each group's mean estimate from first evidence and after practice, per competency.

    Both come from the same questions and scenarios (each slot's first and latest evidence), so
    the change is the learners' improvement on the same material; it never enters the score.
    """
    sql = Sql()
    join, group, group_by = grouping_sql(sql, evidence.scope, grouping)
    practised = _estimate("pc.latest_successes", "pc.trials")
    statement = f"""
        SELECT {group} AS grp, pc.competency, COUNT(*), AVG({_ESTIMATE}), AVG({practised})
        FROM {evidence.table} pc JOIN person p ON p.id = pc.person_id {join}
        GROUP BY {group_by}pc.competency ORDER BY 1, 2"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [GroupChange(str(g), str(c), int(n), float(b), float(a)) for g, c, n, b, a in rows]


def competency_scores(
    session: Session, scope: Scope, *, grouping: str, by_competency: bool = True
) -> list[GroupScore]:
    """Return `group_scores` for one grouping on its own (the benchmark times exactly this).

    Several groupings of the same scope read one `evidence_table` instead (much faster).
    """
    with evidence_table(session, scope) as evidence:
        return group_scores(session, evidence, grouping=grouping, by_competency=by_competency)
