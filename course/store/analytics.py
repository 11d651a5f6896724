"""Dashboard queries: every aggregate computed in SQL (GROUP BY, window functions).

Per person and competency, the evidence is the latest answer to each question and the latest
finished run of each scenario, exactly as course/domain/scoring.py defines it; the person's
estimate is the Beta-Binomial posterior mean (1 + successes) / (2 + trials). Groups (department,
track, level, or everyone) then get the mean of their learners' estimates, the learner count and
the evidence behind it. No query returns a row per person to Python; the same SQL runs on SQLite
(3.25+) and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.sql.elements import BindParameter, TextClause
from sqlmodel import Session

from course.domain.dashboard import EndingCount, QuestionFacility
from course.domain.scoring import PRIOR_FAILURES, PRIOR_SUCCESSES, SCENARIO_WEIGHT
from course.store._sql import dialect_name

#: How learners are grouped: a column of person, one row per course track, or everyone.
GROUPINGS = ("department", "track", "level", "all")
EVERYONE = "(all)"


@dataclass(frozen=True, slots=True)
class Scope:
    """What the dashboard looks at: whose evidence, of which time, for which competencies.

    `departments` and `tracks` of None mean all; `since`/`until` bound the time of evidence
    (`until` is exclusive). `scenario_competencies` pairs each scenario with a competency it
    assesses (from the course), `tracks_known` lists the course's tracks for track grouping.
    """

    competencies: tuple[str, ...]
    scenario_competencies: tuple[tuple[str, str], ...] = ()
    tracks_known: tuple[str, ...] = ()
    departments: tuple[str, ...] | None = None
    tracks: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None


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
    """A group's mean estimate from first evidence and from latest evidence, per competency."""

    group: str
    competency: str
    learners: int
    before: float
    after: float


@dataclass(frozen=True, slots=True)
class PeriodScore:
    """A period's pooled answers for a department and competency (for trends)."""

    period: str
    department: str
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


# -- SQL building blocks ------------------------------------------------------------------------


class _Sql:
    """Collect bound parameters while SQL text is assembled."""

    def __init__(self) -> None:
        self.params: list[BindParameter[Any]] = []
        self.values: dict[str, Any] = {}

    def bind(self, value: Any, *, kind: Any = None) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        if kind is not None:
            self.params.append(bindparam(name, type_=kind))
        return f":{name}"

    def values_table(self, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
        """Return a portable inline table (SELECT ... UNION ALL ...), empty when no rows."""
        parts = [
            "SELECT "
            + ", ".join(
                f"CAST({self.bind(v)} AS VARCHAR(200)) AS {c}" for c, v in zip(columns, row, strict=True)
            )
            for row in rows
        ]
        if not parts:
            nulls = ", ".join(f"CAST(NULL AS VARCHAR(200)) AS {c}" for c in columns)
            return f"SELECT {nulls} WHERE 1 = 0"
        return " UNION ALL ".join(parts)

    def in_list(self, values: Sequence[str]) -> str:
        return "(" + ", ".join(self.bind(v) for v in values) + ")" if values else "(NULL)"

    def statement(self, sql: str) -> TextClause:
        return text(sql).bindparams(*self.params)


def _people_filter(sql: _Sql, scope: Scope, alias: str = "p") -> str:
    parts = [f"{alias}.active = {sql.bind(True)}"]
    if scope.departments is not None:
        parts.append(f"{alias}.department IN {sql.in_list(scope.departments)}")
    if scope.tracks is not None:
        tracks = (
            " OR ".join(
                f"(';' || {alias}.tracks || ';') LIKE {sql.bind('%;' + t + ';%')}" for t in scope.tracks
            )
            or "1 = 0"
        )
        parts.append(f"({tracks})")
    return " AND ".join(parts)


def _time_filter(sql: _Sql, scope: Scope, column: str, *, until: datetime | None = None) -> str:
    parts = []
    end = until if until is not None else scope.until
    if scope.since is not None:
        parts.append(f"{column} >= {sql.bind(scope.since, kind=DateTime(timezone=True))}")
    if end is not None:
        parts.append(f"{column} < {sql.bind(end, kind=DateTime(timezone=True))}")
    return "".join(f" AND {p}" for p in parts)


def _evidence_ctes(
    sql: _Sql, scope: Scope, *, until: datetime | None = None, order: str = "DESC", both: bool = False
) -> str:
    """Return CTEs ending in `pc(person_id, competency, successes, trials[, first_successes])`.

    `order` DESC keeps the latest evidence per question and scenario, ASC the first. With
    `both`, `successes` is from the latest and `first_successes` from the first.
    """
    people = _people_filter(sql, scope)
    competencies = sql.in_list(scope.competencies)
    scenario_map = sql.values_table(("scenario_id", "competency"), scope.scenario_competencies)
    rank = (
        "ROW_NUMBER() OVER (PARTITION BY a.person_id, a.quiz_id, q.question_id, q.competency "
        "ORDER BY a.finished_at {o}, a.id {o}, q.position {o})"
    )
    run_rank = (
        "ROW_NUMBER() OVER (PARTITION BY r.person_id, r.scenario_id ORDER BY r.finished_at {o}, r.id {o})"
    )
    other = "ASC" if order == "DESC" else "DESC"
    answer_ranks = f"{rank.format(o=order)} AS rn" + (f", {rank.format(o=other)} AS rn2" if both else "")
    run_ranks = f"{run_rank.format(o=order)} AS rn" + (f", {run_rank.format(o=other)} AS rn2" if both else "")
    if both:
        keep = "rn = 1 OR rn2 = 1"
        answer_value = "CASE WHEN rn = 1 AND correct THEN 1.0 ELSE 0.0 END"
        answer_first = ", CASE WHEN rn2 = 1 AND correct THEN 1.0 ELSE 0.0 END AS f"
        weight = "CASE WHEN rn = 1 THEN {w} ELSE 0.0 END"
        run_value = f"CASE WHEN runs.rn = 1 THEN runs.score * {SCENARIO_WEIGHT} ELSE 0.0 END"
        run_first = f", CASE WHEN runs.rn2 = 1 THEN runs.score * {SCENARIO_WEIGHT} ELSE 0.0 END AS f"
        first_sum = ", SUM(f) AS first_successes"
    else:
        keep = "rn = 1"
        answer_value = "CASE WHEN correct THEN 1.0 ELSE 0.0 END"
        answer_first = run_first = first_sum = ""
        weight = "{w}"
        run_value = f"runs.score * {SCENARIO_WEIGHT}"
    return f"""
    ans AS (
        SELECT a.person_id, q.competency, q.correct, {answer_ranks}
        FROM quiz_answer q
        JOIN quiz_attempt a ON a.id = q.attempt_id
        JOIN person p ON p.id = a.person_id
        WHERE {people} AND q.competency IN {competencies}
        {_time_filter(sql, scope, "a.finished_at", until=until)}
    ),
    scen AS ({scenario_map}),
    runs AS (
        SELECT r.person_id, r.scenario_id, r.score, {run_ranks}
        FROM scenario_run r
        JOIN person p ON p.id = r.person_id
        WHERE {people} AND r.finished_at IS NOT NULL AND r.score IS NOT NULL
        {_time_filter(sql, scope, "r.finished_at", until=until)}
    ),
    ev AS (
        SELECT person_id, competency, {answer_value} AS s, {weight.format(w="1.0")} AS w{answer_first}
        FROM ans WHERE {keep}
        UNION ALL
        SELECT runs.person_id, scen.competency, {run_value} AS s,
               {weight.format(w=SCENARIO_WEIGHT)} AS w{run_first}
        FROM runs JOIN scen ON scen.scenario_id = runs.scenario_id
        WHERE ({keep}) AND scen.competency IN {competencies}
    ),
    pc AS (
        SELECT person_id, competency, SUM(s) AS successes, SUM(w) AS trials{first_sum}
        FROM ev GROUP BY person_id, competency
    )"""


def _grouping(sql: _Sql, scope: Scope, grouping: str) -> tuple[str, str, str]:
    """Return (join, selected group, GROUP BY prefix) for a grouping of people."""
    if grouping not in GROUPINGS:
        raise ValueError(f"unknown grouping {grouping!r}")
    if grouping == "track":
        tracks = sql.values_table(("track",), ((t,) for t in scope.tracks_known))
        join = f"JOIN ({tracks}) t ON (';' || p.tracks || ';') LIKE ('%;' || t.track || ';%')"
        return join, "t.track", "t.track, "
    if grouping == "all":
        return "", f"'{EVERYONE}'", ""
    return "", f"p.{grouping}", f"p.{grouping}, "


_ESTIMATE = f"(({PRIOR_SUCCESSES} + pc.successes) / ({PRIOR_SUCCESSES + PRIOR_FAILURES} + pc.trials))"


def competency_scores(
    session: Session,
    scope: Scope,
    *,
    grouping: str,
    by_competency: bool = True,
    until: datetime | None = None,
) -> list[GroupScore]:
    """Return the mean estimate of each group's learners, per competency or over all of them.

    Over all competencies, a learner's literacy is the mean of their competency estimates, and
    the group's is the mean of its learners' (competency ""). `until` overrides the scope's end.
    """
    sql = _Sql()
    ctes = _evidence_ctes(sql, scope, until=until)
    join, group, group_by = _grouping(sql, scope, grouping)
    if by_competency:
        body = f"""
        SELECT {group} AS grp, pc.competency, COUNT(*) AS learners, AVG({_ESTIMATE}) AS estimate,
               SUM(pc.trials) AS evidence
        FROM pc JOIN person p ON p.id = pc.person_id {join}
        GROUP BY {group_by}pc.competency"""
    else:
        body = f"""
        , person_score AS (
            SELECT pc.person_id, AVG({_ESTIMATE}) AS estimate, SUM(pc.trials) AS evidence
            FROM pc GROUP BY pc.person_id
        )
        SELECT {group} AS grp, '' AS competency, COUNT(*) AS learners, AVG(ps.estimate),
               SUM(ps.evidence)
        FROM person_score ps JOIN person p ON p.id = ps.person_id {join}
        {"GROUP BY " + group_by.rstrip(", ") if group_by else ""}"""
    statement = f"WITH {ctes}{body}"
    rows = session.connection().execute(sql.statement(statement + " ORDER BY 1, 2"), sql.values)
    return [GroupScore(str(g), str(c), int(n), float(e), float(ev)) for g, c, n, e, ev in rows if n]


def first_and_latest(session: Session, scope: Scope, *, grouping: str) -> list[GroupChange]:
    """Return each group's mean estimate from first evidence and from latest, per competency.

    Both come from the same questions and scenarios (each slot's first and latest evidence), so
    the change is the learners' improvement on the same material.
    """
    sql = _Sql()
    ctes = _evidence_ctes(sql, scope, both=True)
    join, group, group_by = _grouping(sql, scope, grouping)
    first = f"(({PRIOR_SUCCESSES} + pc.first_successes) / ({PRIOR_SUCCESSES + PRIOR_FAILURES} + pc.trials))"
    statement = f"""WITH {ctes}
        SELECT {group} AS grp, pc.competency, COUNT(*), AVG({first}), AVG({_ESTIMATE})
        FROM pc JOIN person p ON p.id = pc.person_id {join}
        GROUP BY {group_by}pc.competency ORDER BY 1, 2"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [GroupChange(str(g), str(c), int(n), float(b), float(a)) for g, c, n, b, a in rows]


def _week_start(session: Session, column: str) -> str:
    if dialect_name(session) == "sqlite":
        return f"strftime('%Y-%m-%d', {column}, 'weekday 0', '-6 days')"
    return f"to_char(date_trunc('week', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


def _month_start(session: Session, column: str) -> str:
    if dialect_name(session) == "sqlite":
        return f"strftime('%Y-%m-01', {column})"
    return f"to_char(date_trunc('month', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


def answers_per_period(session: Session, scope: Scope, *, period: str = "week") -> list[PeriodScore]:
    """Return answers and correct answers per period (week or month start), department, competency."""
    sql = _Sql()
    bucket = (_week_start if period == "week" else _month_start)(session, "a.finished_at")
    statement = f"""
        SELECT {bucket} AS period, p.department, q.competency, COUNT(DISTINCT a.person_id),
               COUNT(*), SUM(CASE WHEN q.correct THEN 1 ELSE 0 END)
        FROM quiz_answer q
        JOIN quiz_attempt a ON a.id = q.attempt_id
        JOIN person p ON p.id = a.person_id
        WHERE {_people_filter(sql, scope)} AND q.competency IN {sql.in_list(scope.competencies)}
        {_time_filter(sql, scope, "a.finished_at")}
        GROUP BY 1, p.department, q.competency ORDER BY 1, 2, 3"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [PeriodScore(str(pe), str(d), str(c), int(n), int(a), int(k or 0)) for pe, d, c, n, a, k in rows]


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
) -> list[CompletionCounts]:
    """Count each department's learners: started, completed (every required item), overdue.

    `required` lists (stored track list, kind, item id): the quizzes to pass ("quiz") and
    scenarios to finish ("scenario") on that track list's path. Overdue: not completed and
    on the roster since before `overdue_before`.
    """
    sql = _Sql()
    req = sql.values_table(("tracks", "kind", "item_id"), required)
    due = sql.bind(overdue_before, kind=DateTime(timezone=True))
    statement = f"""
        WITH req AS ({req}),
        need AS (SELECT tracks, COUNT(*) AS n FROM req GROUP BY tracks),
        learners AS (
            SELECT p.id, p.department, p.tracks, p.created_at FROM person p
            WHERE {_people_filter(sql, scope)} AND EXISTS (
                SELECT 1 FROM capability_grant g WHERE g.person_id = p.id AND g.capability = 'learner')
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
            SELECT l.department, l.created_at,
                   CASE WHEN s.person_id IS NULL THEN 0 ELSE 1 END AS started,
                   CASE WHEN s.person_id IS NOT NULL AND COALESCE(d.n, 0) >= COALESCE(nd.n, 0)
                        THEN 1 ELSE 0 END AS completed
            FROM learners l
            LEFT JOIN started s ON s.person_id = l.id
            LEFT JOIN done d ON d.id = l.id
            LEFT JOIN need nd ON nd.tracks = l.tracks
        )
        SELECT department, COUNT(*), SUM(started), SUM(completed),
               SUM(CASE WHEN completed = 0 AND created_at < {due} THEN 1 ELSE 0 END)
        FROM status GROUP BY department ORDER BY department"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [CompletionCounts(str(d), int(n), int(s or 0), int(c or 0), int(o or 0)) for d, n, s, c, o in rows]


def choice_flows(session: Session, scope: Scope) -> list[FlowCount]:
    """Count the choices taken (node, choice -> target) per scenario and department."""
    sql = _Sql()
    statement = f"""
        SELECT r.scenario_id, p.department, st.node_id, st.choice_index, st.target_node, COUNT(*),
               COUNT(DISTINCT r.person_id)
        FROM scenario_step st
        JOIN scenario_run r ON r.id = st.run_id
        JOIN person p ON p.id = r.person_id
        WHERE {_people_filter(sql, scope)}{_time_filter(sql, scope, "st.recorded_at")}
        GROUP BY r.scenario_id, p.department, st.node_id, st.choice_index, st.target_node
        ORDER BY 1, 2, 3, 4, 5"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [
        FlowCount(str(s), str(d), str(n), int(c), str(t), int(k), int(learners))
        for s, d, n, c, t, k, learners in rows
    ]


def ending_tallies(session: Session, scope: Scope) -> list[EndingCount]:
    """Count finished runs per scenario, department and ending."""
    sql = _Sql()
    statement = f"""
        SELECT r.scenario_id, p.department, r.ending_node, r.ending_kind, COUNT(*),
               COUNT(DISTINCT r.person_id)
        FROM scenario_run r JOIN person p ON p.id = r.person_id
        WHERE {_people_filter(sql, scope)} AND r.finished_at IS NOT NULL
        {_time_filter(sql, scope, "r.finished_at")}
        GROUP BY r.scenario_id, p.department, r.ending_node, r.ending_kind ORDER BY 1, 2, 3"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [
        EndingCount(str(s), str(d), str(n), str(k or ""), int(c), int(learners))
        for s, d, n, k, c, learners in rows
    ]


def question_counts(session: Session, scope: Scope) -> list[QuestionFacility]:
    """Count answers and correct answers per question (for its facility), with learners."""
    sql = _Sql()
    statement = f"""
        SELECT a.quiz_id, q.question_id, q.competency, COUNT(*),
               SUM(CASE WHEN q.correct THEN 1 ELSE 0 END), COUNT(DISTINCT a.person_id)
        FROM quiz_answer q
        JOIN quiz_attempt a ON a.id = q.attempt_id
        JOIN person p ON p.id = a.person_id
        WHERE {_people_filter(sql, scope)} AND q.competency IN {sql.in_list(scope.competencies)}
        {_time_filter(sql, scope, "a.finished_at")}
        GROUP BY a.quiz_id, q.question_id, q.competency ORDER BY 1, 2"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [
        QuestionFacility(str(z), str(q), str(c), int(n), int(k or 0), int(learners))
        for z, q, c, n, k, learners in rows
    ]


def count_learners(session: Session, scope: Scope) -> int:
    """Count the active learners in scope (people holding the learner capability)."""
    sql = _Sql()
    statement = f"""
        SELECT COUNT(*) FROM person p WHERE {_people_filter(sql, scope)} AND EXISTS (
            SELECT 1 FROM capability_grant g WHERE g.person_id = p.id AND g.capability = 'learner')"""
    return int(session.connection().execute(sql.statement(statement), sql.values).scalar_one())


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
