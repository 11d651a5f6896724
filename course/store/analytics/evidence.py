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

from course.domain.evidence_periods import period_start
from course.domain.scoring import PRIOR_FAILURES, PRIOR_SUCCESSES, SCENARIO_WEIGHT
from course.store.analytics.scope import (
    Scope,
    Sql,
    cell_window_join,
    grouping_sql,
    people_filter,
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


#: A typed empty time (PostgreSQL would take a bare NULL for text); never cast a value in
#: SQLite, where this type name means a number.
_NO_TIME = "CAST(NULL AS TIMESTAMP WITH TIME ZONE)"


def _reads_periods(scope: Scope, previous_until: datetime | None) -> bool:
    """True when the period sums (`evidence_period`) answer exactly: every bound a period start."""
    if scope.windowed:
        return scope.released_from_start
    bounds = (scope.until, previous_until)
    return scope.since is None and all(t is None or period_start(t) == t for t in bounds)


def _answer_sums(sql: Sql, scope: Scope, *, cut: str | None, until: str | None) -> str:
    """Return a SELECT of each person's answer evidence per competency, from the period sums.

    `evidence_period` (course/store/evidence_slots.py) sums, per person, competency and period,
    the first answers to the questions first answered in it and the change of the latest
    answers at its end; the periods before the window's end (a release point, or the scope's
    end, both period starts) therefore add up to the first and the latest evidence before it,
    and those before the cut to the first evidence older than the cut.
    """
    if scope.release_table is not None:  # built from the scope's people: no other filter needed
        join = (f"JOIN {scope.release_table} w ON w.person_id = d.person_id AND w.measure = d.competency "
                "AND d.period_start < w.until")
        people = "1 = 1"
    elif scope.release_cells is not None:  # each person's window is their cell's
        join = cell_window_join(scope.release_cells, measure="d.competency", person_id="d.person_id")
        join += " AND d.period_start < w.until"
        people = people_filter(sql, scope)
    else:
        join = "" if until is None else f"JOIN (SELECT 1 AS one) w ON d.period_start < {until}"
        people = people_in(sql, scope, "d.person_id")
    earlier = "1 = 0" if cut is None else f"d.period_start < {cut}"
    return f"""
        SELECT d.person_id, d.competency, SUM(d.first_score) AS s, SUM(d.first_count) AS w,
               SUM(d.latest_change) AS l,
               SUM(CASE WHEN {earlier} THEN d.first_score ELSE 0.0 END) AS ps,
               SUM(CASE WHEN {earlier} THEN d.first_count ELSE 0 END) AS pw
        FROM evidence_period d {join}
        WHERE {people} AND d.competency IN {sql.in_list(scope.competencies)}
        GROUP BY d.person_id, d.competency HAVING SUM(d.first_count) > 0"""


def _answer_slots(sql: Sql, scope: Scope, *, cut: str, until: str, previous: str) -> tuple[str, str]:
    """Return (CTEs, rows) of each person's answer evidence read from the slots, for any bounds.

    A slot counts when its first evidence falls in the person's release window (or the scope's
    period); after practice is the slot's own latest when that is older than the window's end,
    else the latest stored answer before the end, looked up for those slots alone through the
    (person, quiz) index. (CROSS JOIN keeps SQLite to that order, and `|| ''` keeps it off the
    question index, which would read every answer to the question.)
    """
    answers = window_join(sql, scope, measure="s.competency", at="s.first_at", person_id="s.person_id")
    late = "(until IS NULL OR latest_at < until)"
    ctes = f"""
    slot AS MATERIALIZED (
        SELECT s.person_id, s.item_id, s.question_id, s.competency, s.first_score AS v,
               s.first_at AS done_at, s.latest_score AS lv, s.latest_at, {cut} AS cut, {until} AS until
        FROM evidence_slot s {answers}
        WHERE s.kind = 'answer' AND {people_in(sql, scope, "s.person_id")}
        AND s.competency IN {sql.in_list(scope.competencies)}
    ),
    recent AS (
        SELECT sl.person_id, sl.competency, q.score AS v,
               ROW_NUMBER() OVER (PARTITION BY sl.person_id, sl.item_id, sl.question_id, sl.competency
                                  ORDER BY a.finished_at DESC, a.id DESC, q.position DESC) AS rn
        FROM slot sl
        CROSS JOIN quiz_attempt a
        CROSS JOIN quiz_answer q
        WHERE sl.latest_at >= sl.until AND a.person_id = sl.person_id AND a.quiz_id = sl.item_id
        AND a.finished_at < sl.until AND q.attempt_id = a.id AND q.question_id || '' = sl.question_id
        AND q.competency = sl.competency
    ),"""
    rows = f"""
        SELECT person_id, competency, v AS s, 1.0 AS w, CASE WHEN {late} THEN lv ELSE 0.0 END AS l,
               CASE WHEN {previous} THEN v ELSE 0.0 END AS ps,
               CASE WHEN {previous} THEN 1.0 ELSE 0.0 END AS pw
        FROM slot
        UNION ALL
        SELECT person_id, competency, 0.0, 0.0, v, 0.0, 0.0 FROM recent WHERE rn = 1"""
    return ctes, rows


def _evidence_select(sql: Sql, scope: Scope, *, previous_until: datetime | None) -> str:
    """Return a SELECT of each person's evidence per competency.

    Answers come from the period sums (`_answer_sums`) whenever the bounds are period starts
    (always so for release windows from the start, which the dashboards use), else from the
    slots (`_answer_slots`); scenario runs from their slots (`evidence_slot`, one row per person
    and scenario, course/store/evidence_slots.py). Nothing ranks every answer. A run counts as
    a slot does: first value in the window, latest before its end.

    Without a per-person release table (PostgreSQL), answers and runs find their window through
    the person's reporting cell (a hash of hundreds of rows, not of one per person and measure);
    SQLite seeks that table by its index instead.

    Columns: person_id, competency, successes and trials (first evidence), latest_successes
    (latest evidence of the same questions and scenarios: after practice), previous_successes
    and previous_trials (first evidence older than the cut; zero trials when there was none),
    and the person's department, level and tracks, so that grouping needs no other table.
    """
    competencies = sql.in_list(scope.competencies)
    scenario_map = sql.values_table(("scenario_id", "competency"), scope.scenario_competencies)
    stamp = DateTime(timezone=True)
    if scope.windowed:  # each reporting cell's own end and comparison point
        previous, cut, until = "done_at < cut", "w.cut", "w.until"
    else:
        cut = "NULL" if previous_until is None else sql.bind(previous_until, kind=stamp)
        previous = "1 = 0" if previous_until is None else "done_at < cut"
        until = "NULL" if scope.until is None else sql.bind(scope.until, kind=stamp)
    if _reads_periods(scope, previous_until):
        sums = _answer_sums(sql, scope, cut=None if cut == "NULL" else cut,
                            until=None if until == "NULL" else until)
        answer_ctes = f"\n    answer_sums AS ({sums}\n    ),"
        answer_rows = "\n        SELECT person_id, competency, s, w, l, ps, pw FROM answer_sums"
    else:
        answer_ctes, answer_rows = _answer_slots(sql, scope, cut=_typed(cut), until=_typed(until),
                                                 previous=previous)
    cut, until = _typed(cut), _typed(until)
    late = "(until IS NULL OR latest_at < until)"
    value, weight = f"v * {SCENARIO_WEIGHT}", str(SCENARIO_WEIGHT)
    # Runs are found by scenario (the kind and item index): `+ 0` keeps SQLite from seeking each
    # person's slots instead.
    if scope.release_table is None and scope.release_cells is not None:
        runs = cell_window_join(scope.release_cells, measure="scen.competency", person_id="s.person_id + 0")
        runs += " AND s.first_at >= w.since AND s.first_at < w.until"
        run_people = people_filter(sql, scope)
    else:
        runs = window_join(sql, scope, measure="scen.competency", at="s.first_at", person_id="s.person_id")
        run_people = "1 = 1" if scope.release_table is not None else people_in(sql, scope, "s.person_id + 0")
    return f"""
    WITH scen AS ({scenario_map}),{answer_ctes}
    run_slot AS MATERIALIZED (
        SELECT s.person_id, s.item_id, scen.competency, s.first_score AS v, s.first_at AS done_at,
               s.latest_score AS lv, s.latest_at, {cut} AS cut, {until} AS until
        FROM evidence_slot s JOIN scen ON scen.scenario_id = s.item_id {runs}
        WHERE s.kind = 'run' AND {run_people} AND scen.competency IN {competencies}
    ),
    recent_runs AS (
        SELECT rs.person_id, rs.competency, r.score AS v,
               ROW_NUMBER() OVER (PARTITION BY rs.person_id, rs.item_id, rs.competency
                                  ORDER BY r.finished_at DESC, r.id DESC) AS rn
        FROM run_slot rs
        JOIN scenario_run r ON r.person_id = rs.person_id AND r.scenario_id = rs.item_id
                           AND r.finished_at < rs.until AND r.score IS NOT NULL
        WHERE rs.latest_at >= rs.until
    ),
    ev AS ({answer_rows}
        UNION ALL
        SELECT person_id, competency, {value}, {weight},
               CASE WHEN {late} THEN lv * {SCENARIO_WEIGHT} ELSE 0.0 END,
               CASE WHEN {previous} THEN {value} ELSE 0.0 END,
               CASE WHEN {previous} THEN {weight} ELSE 0.0 END
        FROM run_slot
        UNION ALL
        SELECT person_id, competency, 0.0, 0.0, {value}, 0.0, 0.0 FROM recent_runs WHERE rn = 1
    ),
    per_person AS (
        SELECT person_id, competency, SUM(s) AS s, SUM(w) AS w, SUM(l) AS l, SUM(ps) AS ps, SUM(pw) AS pw
        FROM ev GROUP BY person_id, competency
    )
    SELECT e.person_id, e.competency, {_real("e.s")} AS successes, {_real("e.w")} AS trials,
           {_real("e.l")} AS latest_successes, {_real("e.ps")} AS previous_successes,
           {_real("e.pw")} AS previous_trials, p.department, p.level, p.tracks
    FROM per_person e JOIN person p ON p.id = e.person_id"""


def _real(column: str) -> str:
    """Return a sum as a float: PostgreSQL sums integers as exact numerics, slow to average."""
    return f"CAST({column} AS DOUBLE PRECISION)"


def _typed(time_sql: str) -> str:
    """Return a time's SQL, a typed empty time for "NULL"."""
    return _NO_TIME if time_sql == "NULL" else time_sql


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
    if late and not scope.windowed:  # with windows, each cell's comparison point is its own
        raise ValueError("previous_until is later than the scope's end")
    sql = Sql()
    name = f"nts_evidence_{uuid.uuid4().hex}"
    select = _evidence_select(sql, scope, previous_until=previous_until)
    connection = session.connection()
    # Not analysed: it carries each person's cell, so its readers scan it alone (or join small
    # tables), and an ANALYZE cost PostgreSQL more than it saved them.
    connection.execute(sql.statement(f"CREATE TEMPORARY TABLE {name} AS {select}"), sql.values)
    yield Evidence(name, scope, previous_until)
    connection.execute(text(f"DROP TABLE {name}"))


def _estimate(successes: str, trials: str) -> str:
    return f"(({PRIOR_SUCCESSES} + {successes}) / ({PRIOR_SUCCESSES + PRIOR_FAILURES} + {trials}))"


_ESTIMATE = _estimate("pc.successes", "pc.trials")
#: The evidence table's columns of a person's reporting cell.
_CELL = "department, level, tracks"


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
                             previous_trials AS trials, {_CELL}
                      FROM {evidence.table} WHERE previous_trials > 0)"""
    if by_competency:
        join, group, group_by = grouping_sql(sql, evidence.scope, grouping, alias="pc")
        statement = f"""
        SELECT {group} AS grp, pc.competency, COUNT(*) AS learners, AVG({_ESTIMATE}) AS estimate,
               SUM(pc.trials) AS evidence
        FROM {source} pc {join}
        GROUP BY {group_by}pc.competency"""
    else:
        join, group, group_by = grouping_sql(sql, evidence.scope, grouping, alias="ps")
        statement = f"""
        WITH person_score AS (
            SELECT pc.person_id, {_CELL}, AVG({_ESTIMATE}) AS estimate, SUM(pc.trials) AS evidence
            FROM {source} pc GROUP BY pc.person_id, {_CELL}
        )
        SELECT {group} AS grp, '' AS competency, COUNT(*) AS learners, AVG(ps.estimate),
               SUM(ps.evidence)
        FROM person_score ps {join}
        {"GROUP BY " + group_by.rstrip(", ") if group_by else ""}"""
    rows = session.connection().execute(sql.statement(statement + " ORDER BY 1, 2"), sql.values)
    return [GroupScore(str(g), str(c), int(n), float(e), float(ev)) for g, c, n, e, ev in rows if n]


def group_changes(session: Session, evidence: Evidence, *, grouping: str) -> list[GroupChange]:
    """Return each group's mean estimate from first evidence and after practice, per competency.

    Both come from the same questions and scenarios (each slot's first and latest evidence), so
    the change is the learners' improvement on the same material; it never enters the score.
    """
    sql = Sql()
    join, group, group_by = grouping_sql(sql, evidence.scope, grouping, alias="pc")
    practised = _estimate("pc.latest_successes", "pc.trials")
    statement = f"""
        SELECT {group} AS grp, pc.competency, COUNT(*), AVG({_ESTIMATE}), AVG({practised})
        FROM {evidence.table} pc {join}
        GROUP BY {group_by}pc.competency ORDER BY 1, 2"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [GroupChange(str(g), str(c), int(n), float(b), float(a)) for g, c, n, b, a in rows]


def group_pre_check_changes(session: Session, evidence: Evidence, *, grouping: str) -> list[GroupChange]:
    """Return, for learners who took the placement pre-check, each group's mean estimate from it
    (`before`) and from their first answers in the course (`after`), per competency.

    Only a learner with both the pre-check's answers and course evidence in a competency counts
    there; the pre-check never enters the literacy score.
    """
    sql = Sql()
    join, group, group_by = grouping_sql(sql, evidence.scope, grouping, alias="pc")
    pre = _estimate("pre.successes", "pre.trials")
    statement = f"""
        WITH pre AS (
            SELECT person_id, competency, SUM(score) AS successes, COUNT(*) AS trials
            FROM placement_answer GROUP BY person_id, competency
        )
        SELECT {group} AS grp, pc.competency, COUNT(*), AVG({pre}), AVG({_ESTIMATE})
        FROM {evidence.table} pc
        JOIN pre ON pre.person_id = pc.person_id AND pre.competency = pc.competency {join}
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
