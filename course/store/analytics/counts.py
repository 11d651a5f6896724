"""Dashboard counts that need no per-person estimate: trends, completion, flows, endings.

Each function is one GROUP BY over the scope's learners and returns aggregates only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, text
from sqlmodel import Session

from course.domain.dashboard import EndingCount, QuestionFacility
from course.domain.evidence_periods import period_start
from course.domain.release import EPOCH, Window
from course.store.analytics.scope import (
    Scope,
    Sql,
    cell_match,
    is_learner,
    month_start,
    people_filter,
    people_in,
    week_start,
    window_join,
)

#: GROUP BY columns of a person's reporting cell (see course/domain/release.py).
_CELL = "p.department, p.level, p.tracks"
#: The release measure of a scenario's decisions and endings (course/store/analytics/activity.py).
_SCENARIO = "('scenario:' || r.scenario_id)"


@dataclass(frozen=True, slots=True)
class PeriodScore:
    """A period's pooled answers for a group (by `grouping`) and competency, for trends."""

    grouping: str
    period: str
    group: str
    competency: str
    learners: int
    answers: int
    correct: int


@dataclass(frozen=True, slots=True)
class CompletionCounts:
    """A department's learners by where they stand (counts only)."""

    department: str
    learners: int
    started: int
    completed: int
    overdue: int


@dataclass(frozen=True, slots=True)
class FlowCount:
    """How often a choice was taken at a node of a scenario by a department's learners."""

    scenario_id: str
    department: str
    node_id: str
    choice_index: int
    target_node: str
    steps: int
    learners: int


@dataclass(frozen=True, slots=True)
class DataVersion:
    """Changes whenever learner work, people or grants change: the dashboard cache key."""

    values: tuple[Any, ...] = field(default=())


#: The groupings a trend can use.
TREND_GROUPINGS = ("department", "track")


def answers_per_period(
    session: Session, scope: Scope, *, period: str = "week", groupings: Sequence[str] = ("department",)
) -> list[PeriodScore]:
    """Return first answers and those right per period (week or month start), group, competency.

    Like the score, trends count each learner's first answer to each question (a retake after
    the feedback would make a period look better by persistence), in the period of that first
    answer; "right" is full credit. By week within release windows they are read from the counts
    per reporting cell and week (`week_cell`, course/store/cell_evidence.py); else from the
    period sums (`evidence_period`, a period lying within one week and one month) when the
    scope's bounds are period starts, else from the evidence slots
    (course/store/evidence_slots.py). One pass serves every grouping asked for
    (TREND_GROUPINGS): first answers are counted per cell, period and competency, then per
    period, department, stored track list and competency. Each person has one department and
    one track list, so learners add up across those; a track's learners are those of every
    track list holding it (a learner on two tracks counts in both).
    """
    unknown = sorted(set(groupings) - set(TREND_GROUPINGS))
    if unknown:
        raise ValueError(f"unknown trend grouping(s) {', '.join(unknown)}")
    if not groupings:
        return []
    sql = Sql()
    bucket = (week_start if period == "week" else month_start)(session, "x.finished_at")
    competencies = sql.in_list(scope.competencies)
    sums = "SUM(c.learners), SUM(c.answers), SUM(c.correct)"
    parts = []
    if "department" in groupings:
        parts.append(f"""
        SELECT 'department' AS kind, c.period, c.department AS grp, c.competency, {sums}
        FROM cube c GROUP BY c.period, c.department, c.competency""")
    if "track" in groupings:
        tracks = sql.values_table(("track",), ((t,) for t in scope.tracks_known))
        parts.append(f"""
        SELECT 'track' AS kind, c.period, t.track AS grp, c.competency, {sums}
        FROM cube c JOIN ({tracks}) t ON (';' || c.tracks || ';') LIKE ('%;' || t.track || ';%')
        GROUP BY c.period, t.track, c.competency""")
    if scope.release_cells is not None and scope.cell_counts and period == "week":
        # Counted per reporting cell and week as answers are written (week_cell): windows run
        # from Monday to Monday, so a week is in a window or not, whole.
        statement = f"""
        WITH cube AS (
            SELECT {week_start(session, "c.week_start")} AS period, c.department, c.tracks, c.competency,
                   c.learners, c.first_count AS answers, c.first_right AS correct
            FROM week_cell c
            JOIN {scope.release_cells} w ON {cell_match("w", "c")} AND w.measure = c.competency
                 AND c.week_start >= w.since AND c.week_start < w.until
            WHERE c.competency IN {competencies} AND c.learners > 0
            AND c.learners >= {sql.bind(scope.min_learners)}
        ){" UNION ALL ".join(parts)}
        ORDER BY 1, 2, 3, 4"""
        return _period_scores(session, sql, statement)
    if reads_periods(scope):
        source = f"""
        WITH per_attempt AS (
            SELECT d.person_id, d.period_start AS finished_at, d.competency, d.first_count AS answers,
                   d.first_right AS correct
            FROM evidence_period d
            WHERE {people_in(sql, scope, "d.person_id")} AND d.competency IN {competencies}
            AND d.first_count > 0
        ),"""
    else:
        source = f"""
        WITH per_attempt AS (
            SELECT s.person_id, s.first_at AS finished_at, s.competency, COUNT(*) AS answers,
                   SUM(CASE WHEN s.first_score >= 1 THEN 1 ELSE 0 END) AS correct
            FROM evidence_slot s
            WHERE s.kind = 'answer' AND {people_in(sql, scope, "s.person_id")}
            AND s.competency IN {competencies}
            GROUP BY s.person_id, s.first_at, s.competency
        ),"""
    statement = f"""{source}
        cube AS (
            SELECT {bucket} AS period, p.department, p.tracks, x.competency,
                   COUNT(DISTINCT x.person_id) AS learners, SUM(x.answers) AS answers,
                   SUM(x.correct) AS correct
            FROM per_attempt x JOIN person p ON p.id = x.person_id
            {_within(sql, scope, measure="x.competency", at="x.finished_at", person_id="x.person_id")}
            GROUP BY 1, {_CELL}, x.competency
            HAVING COUNT(DISTINCT x.person_id) >= {sql.bind(scope.min_learners)}
        ){" UNION ALL ".join(parts)}
        ORDER BY 1, 2, 3, 4"""
    return _period_scores(session, sql, statement)


def _period_scores(session: Session, sql: Sql, statement: str) -> list[PeriodScore]:
    """Run a trends statement (kind, period, group, competency, learners, answers, correct)."""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [
        PeriodScore(str(kind), str(pe), str(g), str(c), int(n), int(a), int(k or 0))
        for kind, pe, g, c, n, a, k in rows
    ]


def reads_periods(scope: Scope) -> bool:
    """True when the period sums answer a scope exactly: its windows or period bounds are period starts."""
    if scope.windowed:
        return scope.released_from_start
    return scope.since is None and (scope.until is None or period_start(scope.until) == scope.until)


def _cell_source(sql: Sql, scope: Scope, *, measure: str, at: str, person_id: str) -> str:
    """Return JOINs giving each row its person as `p`, in the scope and within its window or period."""
    window = _within(sql, scope, measure=measure, at=at, person_id=person_id)
    return f"JOIN person p ON p.id = {person_id} {window} WHERE {people_filter(sql, scope)}"


def _within(sql: Sql, scope: Scope, *, measure: str, at: str, person_id: str) -> str:
    """Return `window_join` for a query that has joined the row's person as `p`."""
    return window_join(sql, scope, measure=measure, at=at, person_id=person_id, person="p")


def list_track_sets(session: Session) -> list[str]:
    """Return the distinct track lists of active people, as stored (joined with ";")."""
    rows = session.connection().execute(text("SELECT DISTINCT tracks FROM person ORDER BY tracks"))
    return [str(t) for (t,) in rows]


def completion_counts(
    session: Session,
    scope: Scope,
    *,
    required: Iterable[tuple[str, str, str]],
    overdue_before: datetime,
    overdue_cuts: Sequence[Window] | None = None,
) -> list[CompletionCounts]:
    """Count each department's learners: started, completed (every required item), overdue.

    `required` lists (stored track list, kind, item id): the quizzes to pass ("quiz") and
    scenarios to finish ("scenario") on that track list's path. Overdue: not completed and
    on the roster since before `overdue_before`, or, with `overdue_cuts`, before the `until` of
    their reporting cell's window (a cell without one has nobody overdue).
    """
    sql = Sql()
    req = sql.values_table(("tracks", "kind", "item_id"), required)
    if overdue_cuts is None:
        cut_join, due = "", sql.bind(overdue_before, kind=DateTime(timezone=True))
    else:
        cut_join = f"LEFT JOIN ({sql.windows_table(overdue_cuts)}) j ON {cell_match('j', 'l')}"
        due = f"COALESCE(j.until, {sql.bind(EPOCH, kind=DateTime(timezone=True))})"
    statement = f"""
        WITH req AS ({req}),
        need AS (SELECT tracks, COUNT(*) AS n FROM req GROUP BY tracks),
        learners AS (
            SELECT p.id, p.department, p.level, p.tracks, p.created_at FROM person p
            WHERE {people_filter(sql, scope)} AND {is_learner()}
        ),
        done AS (
            SELECT l.id, COUNT(*) AS n FROM learners l
            JOIN req r ON r.tracks = l.tracks
            JOIN progress pr ON pr.person_id = l.id AND pr.kind = r.kind AND pr.item_id = r.item_id
            WHERE (pr.kind = 'quiz' AND pr.passed) OR (pr.kind = 'scenario' AND pr.events > 0)
            GROUP BY l.id
        ),
        started AS (SELECT DISTINCT person_id FROM progress),
        status AS (
            SELECT l.department, l.level, l.tracks, l.created_at, {due} AS due,
                   CASE WHEN s.person_id IS NULL THEN 0 ELSE 1 END AS started,
                   CASE WHEN s.person_id IS NOT NULL AND COALESCE(d.n, 0) >= COALESCE(nd.n, 0)
                        THEN 1 ELSE 0 END AS completed
            FROM learners l
            LEFT JOIN started s ON s.person_id = l.id
            LEFT JOIN done d ON d.id = l.id
            LEFT JOIN need nd ON nd.tracks = l.tracks
            {cut_join}
        ),
        cells AS (
            SELECT department, COUNT(*) AS n, SUM(started) AS s, SUM(completed) AS c,
                   SUM(CASE WHEN completed = 0 AND created_at < due THEN 1 ELSE 0 END) AS o
            FROM status GROUP BY department, level, tracks
            HAVING COUNT(*) >= {sql.bind(scope.min_learners)}
        )
        SELECT department, SUM(n), SUM(s), SUM(c), SUM(o)
        FROM cells GROUP BY department ORDER BY department"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [CompletionCounts(str(d), int(n), int(s or 0), int(c or 0), int(o or 0)) for d, n, s, c, o in rows]


def choice_flows(session: Session, scope: Scope) -> list[FlowCount]:
    """Count the choices taken (node, choice -> target) per scenario and department."""
    sql = Sql()
    statement = f"""
        SELECT s, d, n, c, t, SUM(k), SUM(l) FROM (
            SELECT r.scenario_id AS s, p.department AS d, st.node_id AS n, st.choice_index AS c,
                   st.target_node AS t, COUNT(*) AS k, COUNT(DISTINCT r.person_id) AS l
            FROM scenario_step st
            JOIN scenario_run r ON r.id = st.run_id
            JOIN person p ON p.id = r.person_id
            {_within(sql, scope, measure=_SCENARIO, at="st.recorded_at", person_id="r.person_id")}
            WHERE {people_filter(sql, scope)}
            GROUP BY r.scenario_id, {_CELL}, st.node_id, st.choice_index, st.target_node
            HAVING COUNT(DISTINCT r.person_id) >= {sql.bind(scope.min_learners)}
        ) cells GROUP BY s, d, n, c, t ORDER BY 1, 2, 3, 4, 5"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [
        FlowCount(str(s), str(d), str(n), int(c), str(t), int(k), int(learners))
        for s, d, n, c, t, k, learners in rows
    ]


def ending_tallies(session: Session, scope: Scope) -> list[EndingCount]:
    """Count finished runs per scenario, department and ending."""
    sql = Sql()
    statement = f"""
        SELECT s, d, n, k, SUM(c), SUM(l) FROM (
            SELECT r.scenario_id AS s, p.department AS d, r.ending_node AS n, r.ending_kind AS k,
                   COUNT(*) AS c, COUNT(DISTINCT r.person_id) AS l
            FROM scenario_run r JOIN person p ON p.id = r.person_id
            {_within(sql, scope, measure=_SCENARIO, at="r.finished_at", person_id="r.person_id")}
            WHERE {people_filter(sql, scope)} AND r.finished_at IS NOT NULL
            GROUP BY r.scenario_id, {_CELL}, r.ending_node, r.ending_kind
            HAVING COUNT(DISTINCT r.person_id) >= {sql.bind(scope.min_learners)}
        ) cells GROUP BY s, d, n, k ORDER BY 1, 2, 3"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [
        EndingCount(str(s), str(d), str(n), str(k or ""), int(c), int(learners))
        for s, d, n, k, c, learners in rows
    ]


def question_counts(session: Session, scope: Scope) -> list[QuestionFacility]:
    """Count first answers and those right per question (for its facility), with learners.

    Item statistics rest on first answers, as the score does: a question answered again after
    its feedback has been seen says little about how hard it is. Read, within release windows,
    from the counts per reporting cell (`question_cell`, course/store/cell_evidence.py), else
    from the evidence slots (one row per person and question); "right" means full credit.
    """
    sql = Sql()
    if scope.release_cells is not None and scope.cell_counts:
        # Counted per reporting cell as answers are written (question_cell, active people only):
        # a period lies within a week and the windows run from Monday to Monday, so a period is
        # in a window exactly when its first answers are. One first answer per person and
        # question makes every count a count of people.
        statement = f"""
        SELECT z, qid, c, SUM(n), SUM(k), SUM(n) FROM (
            SELECT q.item_id AS z, q.question_id AS qid, q.competency AS c, SUM(q.first_count) AS n,
                   SUM(q.first_right) AS k
            FROM question_cell q
            JOIN {scope.release_cells} w ON {cell_match("w", "q")} AND w.measure = q.competency
                 AND q.period_start >= w.since AND q.period_start < w.until
            WHERE q.competency IN {sql.in_list(scope.competencies)}
            GROUP BY q.department, q.level, q.tracks, q.competency, q.item_id, q.question_id
            HAVING SUM(q.first_count) >= {sql.bind(scope.min_learners)} AND SUM(q.first_count) > 0
        ) cells GROUP BY z, qid, c ORDER BY 1, 2"""
        rows = session.connection().execute(sql.statement(statement), sql.values)
        return [QuestionFacility(str(z), str(q), str(c), int(n), int(k or 0), int(learners))
                for z, q, c, n, k, learners in rows]
    source = _cell_source(sql, scope, measure="x.competency", at="x.finished_at", person_id="x.person_id")
    # Slots first, then their windows: joined the other way round, SQLite built an index on
    # every row for each dashboard.
    statement = f"""
        WITH x AS MATERIALIZED (
            SELECT s.item_id AS quiz_id, s.question_id, s.competency, s.person_id,
                   s.first_at AS finished_at, s.first_score >= 1 AS correct
            FROM evidence_slot s
            WHERE s.kind = 'answer' AND {people_in(sql, scope, "s.person_id")}
            AND s.competency IN {sql.in_list(scope.competencies)}
        )
        SELECT z, qid, c, SUM(n), SUM(k), SUM(l) FROM (
            SELECT x.quiz_id AS z, x.question_id AS qid, x.competency AS c, COUNT(*) AS n,
                   SUM(CASE WHEN x.correct THEN 1 ELSE 0 END) AS k, COUNT(DISTINCT x.person_id) AS l
            FROM x {source}
            GROUP BY x.quiz_id, x.question_id, x.competency, {_CELL}
            HAVING COUNT(DISTINCT x.person_id) >= {sql.bind(scope.min_learners)}
        ) cells GROUP BY z, qid, c ORDER BY 1, 2"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [
        QuestionFacility(str(z), str(q), str(c), int(n), int(k or 0), int(learners))
        for z, q, c, n, k, learners in rows
    ]


def count_learners(session: Session, scope: Scope) -> int:
    """Count the active learners in scope (people holding the learner capability)."""
    sql = Sql()
    statement = f"""
        SELECT COALESCE(SUM(n), 0) FROM (
            SELECT COUNT(*) AS n FROM person p WHERE {people_filter(sql, scope)} AND {is_learner()}
            GROUP BY {_CELL} HAVING COUNT(*) >= {sql.bind(scope.min_learners)}
        ) cells"""
    return int(session.connection().execute(sql.statement(statement), sql.values).scalar_one())


def list_departments(session: Session) -> list[str]:
    """Return the departments of active learners (the people the dashboards count), sorted."""
    rows = session.connection().execute(
        text(
            f"SELECT DISTINCT p.department FROM person p WHERE p.active = :on AND p.department <> '' "
            f"AND {is_learner()} ORDER BY 1"
        ),
        {"on": True},
    )
    return [str(department) for (department,) in rows]


def list_levels(session: Session) -> list[str]:
    """Return the management levels the roster uses (none when it has no levels)."""
    rows = session.connection().execute(
        text("SELECT DISTINCT level FROM person WHERE level <> '' ORDER BY level")
    )
    return [str(level) for (level,) in rows]


def get_data_version(session: Session) -> DataVersion:
    """Return a value that changes whenever anything the dashboards count changes."""
    row = (
        session.connection()
        .execute(
            text("""
        SELECT (SELECT MAX(id) FROM quiz_attempt), (SELECT MAX(id) FROM scenario_run),
               (SELECT MAX(id) FROM scenario_step), (SELECT COUNT(*) FROM scenario_run
                                                      WHERE finished_at IS NOT NULL),
               (SELECT COUNT(*) FROM person), (SELECT MAX(updated_at) FROM person),
               (SELECT COUNT(*) FROM capability_grant), (SELECT MAX(id) FROM section_read)""")
        )
        .one()
    )
    return DataVersion(tuple(str(v) for v in row))
