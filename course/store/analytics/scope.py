"""The scope of dashboard queries and the SQL building blocks they share.

A `Scope` says whose evidence, of which time and which competencies a query looks at; `Sql`
collects bound parameters while a statement is assembled, and the filters and groupings here
turn a scope into portable SQL text (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, text
from sqlmodel import Session

from course.domain.release import Window
from course.store._sql import Params, dialect_name

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
    #: The temporary table of released evidence per person and measure (`release_table`,
    #: course/store/analytics/activity.py; SQLite only, which seeks it by its index). People
    #: without a row for a measure count nowhere in it.
    release_table: str | None = None
    #: Whether every window of `release_table` starts at the beginning (EPOCH), so that sums
    #: of whole periods before a window's end give its evidence (course/domain/evidence_periods.py).
    released_from_start: bool = False
    #: The temporary table of the release windows per reporting cell and measure (department,
    #: level, tracks, measure, since, until, cut); when set it replaces `since`/`until` for
    #: evidence. Queries find a row's window through its person's cell, or through
    #: `release_table` where there is one.
    release_cells: str | None = None
    #: Whether, within release windows, the weakest questions and the weekly trends read the
    #: first answers counted per reporting cell (course/store/cell_evidence.py) rather than
    #: recounting them from the evidence slots and period sums (the tests' reference).
    cell_counts: bool = True
    #: The fewest learners a reporting cell needs to count in a section (its figures are withheld
    #: otherwise), for the sections that are not read through `release_table`.
    min_learners: int = 1

    @property
    def windowed(self) -> bool:
        """True when evidence is read within release windows (`release_cells`), not `since`/`until`."""
        return self.release_cells is not None


#: The columns that identify a person's reporting cell.
CELL = ("department", "level", "tracks")


class Sql(Params):
    """Collect bound parameters while SQL text is assembled, with inline tables and IN lists."""

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

    def windows_table(self, windows: Sequence[Window]) -> str:
        """Return a portable inline table of release windows (typed times), empty when none."""
        stamp = DateTime(timezone=True)
        parts = [
            "SELECT "
            + ", ".join(f"CAST({self.bind(v)} AS VARCHAR(200)) AS {c}" for c, v in
                        zip((*CELL, "measure"), (w.department, w.level, w.tracks, w.measure), strict=True))
            + f", {self.bind(w.since, kind=stamp)} AS since, {self.bind(w.until, kind=stamp)} AS until"
            + f", {self.bind(w.previous or w.since, kind=stamp)} AS cut"
            for w in windows
        ]
        if not parts:
            nulls = ", ".join(f"CAST(NULL AS VARCHAR(200)) AS {c}" for c in (*CELL, "measure"))
            null = "CAST(NULL AS TIMESTAMP WITH TIME ZONE)"
            return f"SELECT {nulls}, {null} AS since, {null} AS until, {null} AS cut WHERE 1 = 0"
        return " UNION ALL ".join(parts)

    def in_list(self, values: Sequence[str]) -> str:
        """Return a bound `(...)` list for IN, one that matches nothing when empty."""
        return "(" + ", ".join(self.bind(v) for v in values) + ")" if values else "(NULL)"


def people_filter(sql: Sql, scope: Scope, alias: str = "p") -> str:
    """Return a condition on person `alias`: active, and in the scope's departments and tracks."""
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


def is_learner(alias: str = "p") -> str:
    """Return a condition on person `alias`: they hold the learner capability."""
    return (
        f"EXISTS (SELECT 1 FROM capability_grant g WHERE g.person_id = {alias}.id "
        "AND g.capability = 'learner')"
    )


def people_in(sql: Sql, scope: Scope, column: str) -> str:
    """Return a condition keeping rows of people in scope (cheaper than a join on big scans)."""
    return f"{column} IN (SELECT p.id FROM person p WHERE {people_filter(sql, scope)})"


def time_filter(sql: Sql, scope: Scope, column: str) -> str:
    """Return conditions (each after AND) keeping times within the scope's period."""
    parts = []
    if scope.since is not None:
        parts.append(f"{column} >= {sql.bind(scope.since, kind=DateTime(timezone=True))}")
    if scope.until is not None:
        parts.append(f"{column} < {sql.bind(scope.until, kind=DateTime(timezone=True))}")
    return "".join(f" AND {p}" for p in parts)


def grouping_sql(sql: Sql, scope: Scope, grouping: str, alias: str = "p") -> tuple[str, str, str]:
    """Return (join, selected group, GROUP BY prefix) for a grouping of people, whose
    department, level and tracks are columns of the row `alias`."""
    if grouping not in GROUPINGS:
        raise ValueError(f"unknown grouping {grouping!r}")
    if grouping == "track":  # the track lists stored, matched to their tracks once, not per row
        tracks = sql.values_table(("track",), ((t,) for t in scope.tracks_known))
        lists = ("SELECT s.tracks, t.track FROM (SELECT DISTINCT tracks FROM person) s "
                 f"JOIN ({tracks}) t ON (';' || s.tracks || ';') LIKE ('%;' || t.track || ';%')")
        return f"JOIN ({lists}) t ON t.tracks = {alias}.tracks", "t.track", "t.track, "
    if grouping == "all":
        return "", f"'{EVERYONE}'", ""
    return "", f"{alias}.{grouping}", f"{alias}.{grouping}, "


#: Memory for each sort and hash of a dashboard's queries on PostgreSQL, in MB: its default,
#: 4 MB, spilled the per-person aggregates of 10,000 learners to disk; at 100,000 learners
#: 64 MB still spilled the activity and evidence aggregates (several passes over temporary
#: files), so the memory grows with the people in scope, within these bounds.
REPORT_WORK_MEM_MB = (64, 256)
#: People in scope per MB of that memory (about 2.5 KB each: a row per measure and its weeks).
PEOPLE_PER_MB = 400


def report_work_mem(people: int) -> int:
    """Return the memory in MB for each sort and hash of a dashboard over `people` people."""
    low, high = REPORT_WORK_MEM_MB
    return max(low, min(high, -(-people // PEOPLE_PER_MB)))


def prepare_report(session: Session, scope: Scope) -> None:
    """Give the read transaction of a dashboard the memory its aggregates need (PostgreSQL).

    `SET LOCAL` lasts until the transaction ends, so other work on the pooled connection keeps
    the server's setting. A dashboard is computed once per change of the data (it is cached),
    so a large setting is taken rarely and briefly.
    """
    if dialect_name(session) == "sqlite":
        return
    sql = Sql()
    statement = sql.statement(f"SELECT COUNT(*) FROM person p WHERE {people_filter(sql, scope)}")
    people = int(session.connection().execute(statement, sql.values).scalar_one())
    session.connection().execute(text(f"SET LOCAL work_mem = '{report_work_mem(people)}MB'"))


def analyse_temporary(session: Session, *tables: str) -> None:
    """Give PostgreSQL's planner the row counts of temporary tables just filled.

    Autovacuum never sees temporary tables: without this, PostgreSQL guessed a few rows for
    tables of tens of thousands and chose nested loops and sorts on disk. SQLite plans by its
    indexes and needs nothing.
    """
    if dialect_name(session) != "sqlite":
        for table in tables:
            session.connection().execute(text(f"ANALYZE {table}"))


def week_start(session: Session, column: str) -> str:
    """Return SQL for the Monday (YYYY-MM-DD, UTC) of the week of a time column."""
    if dialect_name(session) == "sqlite":
        return f"strftime('%Y-%m-%d', {column}, 'weekday 0', '-6 days')"
    return f"to_char(date_trunc('week', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


def month_start(session: Session, column: str) -> str:
    """Return SQL for the first day (YYYY-MM-DD, UTC) of the month of a time column."""
    if dialect_name(session) == "sqlite":
        return f"strftime('%Y-%m-01', {column})"
    return f"to_char(date_trunc('month', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


def cell_window_join(cells: str, *, measure: str, person_id: str) -> str:
    """Return JOINs giving a row its reporting cell's release window for a measure (alias `w`),
    through its person (alias `p`; filter them with `people_filter`).

    A row per cell and measure, found through the person's cell columns, makes a hash of
    thousands of rows where the per-person release table makes one of hundreds of thousands:
    PostgreSQL spent most of the evidence table's time building or probing that.
    """
    match = cell_match("w", "p")
    return f"JOIN person p ON p.id = {person_id} JOIN {cells} w ON {match} AND w.measure = {measure}"


def cell_match(left: str, right: str) -> str:
    """Return SQL matching two rows' reporting cells (department, level and tracks)."""
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in CELL)


def window_join(
    sql: Sql, scope: Scope, *, measure: str, at: str, person_id: str, alias: str = "w",
    person: str | None = None,
) -> str:
    """Return a JOIN keeping rows within their person's release window for a measure.

    `measure` is the SQL of the row's measure, `at` its time and `person_id` its person. Without
    release windows in the scope it keeps the scope's plain period instead. The window is found
    in the per-person release table when there is one, else through the person's reporting cell:
    `person` names a person row the query has already joined, else one is joined here. Either
    way the caller keeps to the scope's people (`people_filter`, `people_in`): a cell's window
    also matches people outside the scope.
    """
    if scope.release_cells is None:
        return f"JOIN (SELECT 1 AS one) {alias} ON 1 = 1{time_filter(sql, scope, at)}"
    w = alias
    within = f"{w}.measure = {measure} AND {at} >= {w}.since AND {at} < {w}.until"
    if scope.release_table is not None:
        return f"JOIN {scope.release_table} {w} ON {w}.person_id = {person_id} AND {within}"
    joined = "" if person is not None else f"JOIN person {w}_p ON {w}_p.id = {person_id} "
    return f"{joined}JOIN {scope.release_cells} {w} ON {cell_match(w, person or w + '_p')} AND {within}"
