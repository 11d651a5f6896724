"""When each reporting cell's learners were active, for the release windows of the dashboards.

One GROUP BY returns, per reporting cell (department, level, track list), measure (competency)
and pattern of active weeks, how many learners share that pattern: counts only, no person. The
pure rules that turn it into release windows are in course/domain/release.py.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import DateTime, bindparam, text
from sqlmodel import Session

from course.domain.release import EPOCH, Activity, Window
from course.store._sql import dialect_name
from course.store.analytics.scope import (
    CELL,
    Scope,
    Sql,
    analyse_temporary,
    cell_match,
    is_learner,
    people_filter,
    people_in,
    week_start,
)


def list_activity(session: Session, scope: Scope) -> list[Activity]:
    """Return the scope's learners by reporting cell, competency and weeks of activity.

    Activity is an answer to a question of the competency (read from the period sums,
    `evidence_period`: a period lies within one week, which its first day names) or a finished,
    scored run of a scenario assessing it; for the measure "scenario:<id>", a step taken or a run
    finished in that scenario (for its decisions and endings). The scope's period is not
    applied: release points depend on the whole history.
    """
    sql = Sql()
    competencies = sql.in_list(scope.competencies)
    scenario_map = sql.values_table(("scenario_id", "competency"), scope.scenario_competencies)
    people = people_in(sql, scope, "d.person_id")
    run_people = people_in(sql, scope, "r.person_id")
    step_people = people_in(sql, scope, "r.person_id")
    sqlite = dialect_name(session) == "sqlite"
    join_weeks = "group_concat(x.week)" if sqlite else "string_agg(x.week, ',')"
    # PostgreSQL sorts the activity rows to group them; byte order spares the locale's rules.
    bytewise = "" if sqlite else ' COLLATE "C"'
    join_patterns = ("group_concat(weeks || '=' || n, ';')" if sqlite
                     else "string_agg(weeks || '=' || n, ';')")
    # A period's first day stands for its week (parsed to the Monday in Python, which also drops
    # a week named twice): no date function per answer row, and no sort to remove duplicates.
    day = ("substr(d.period_start, 1, 10)" if sqlite
           else "to_char(d.period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
    statement = f"""
        WITH scen AS ({scenario_map}),
        act AS (  -- the answers last: UNION ALL after the UNIONs, which would sort them again
            SELECT r.person_id, scen.competency, {week_start(session, "r.finished_at")} AS week
            FROM scenario_run r JOIN scen ON scen.scenario_id = r.scenario_id
            WHERE {run_people} AND r.finished_at IS NOT NULL AND r.score IS NOT NULL
            AND scen.competency IN {competencies}
            UNION
            SELECT r.person_id, 'scenario:' || r.scenario_id, {week_start(session, "st.recorded_at")}
            FROM scenario_step st JOIN scenario_run r ON r.id = st.run_id WHERE {step_people}
            UNION
            SELECT r.person_id, 'scenario:' || r.scenario_id, {week_start(session, "r.finished_at")}
            FROM scenario_run r WHERE {run_people} AND r.finished_at IS NOT NULL
            UNION ALL
            SELECT d.person_id, d.competency, {day}
            FROM evidence_period d WHERE {people} AND d.competency IN {competencies} AND d.answers > 0
        ),
        patterns AS (
            SELECT x.person_id, x.competency{bytewise} AS competency, {join_weeks} AS weeks FROM act x
            GROUP BY x.person_id, x.competency{bytewise}
        ),
        counted AS (
            SELECT p.department, p.level, p.tracks, pt.competency, pt.weeks, COUNT(*) AS n
            FROM patterns pt JOIN person p ON p.id = pt.person_id
            GROUP BY p.department, p.level, p.tracks, pt.competency, pt.weeks
        )
        SELECT department, level, tracks, competency, {join_patterns}
        FROM counted GROUP BY department, level, tracks, competency"""
    # One row per cell and measure, its patterns joined ("weeks=learners;..."): at full size
    # there are tens of thousands of patterns, and a row apiece cost more than the query.
    rows = session.connection().execute(sql.statement(statement), sql.values).all()
    return [Activity(str(d), str(lv or ""), str(t), str(c), _patterns(str(joined)))
            for d, lv, t, c, joined in rows]


def _patterns(joined: str) -> tuple[tuple[tuple[date, ...], int], ...]:
    """Parse a cell's joined patterns ("weeks=learners;...")."""
    pairs = (part.split("=") for part in joined.split(";"))
    return tuple((_weeks(weeks), int(learners)) for weeks, learners in pairs)


@functools.lru_cache(maxsize=65536)
def _weeks(joined: str) -> tuple[date, ...]:
    """Parse a joined list of days to their weeks' Mondays, sorted, each once (many learners
    share a list: parsed once each)."""
    return tuple(sorted({_week(w) for w in joined.split(",") if w}))


@functools.lru_cache(maxsize=4096)
def _week(text_: str) -> date:
    day = date.fromisoformat(text_)
    return day - timedelta(days=day.weekday())


def list_joining(session: Session, scope: Scope) -> list[Activity]:
    """Return the scope's learners by reporting cell and week they joined the roster (measure "joined")."""
    sql = Sql()
    statement = f"""
        SELECT p.department, p.level, p.tracks, {week_start(session, "p.created_at")}, COUNT(*)
        FROM person p WHERE {people_filter(sql, scope)} AND {is_learner()}
        GROUP BY p.department, p.level, p.tracks, {week_start(session, "p.created_at")}"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [
        Activity(str(d), str(lv or ""), str(t), "joined", (((date.fromisoformat(str(w)),), int(n)),))
        for d, lv, t, w, n in rows
    ]


@contextmanager
def release_table(session: Session, scope: Scope, windows: Sequence[Window]) -> Iterator[Scope]:
    """Materialise the release windows; yield the scope that reads them.

    One row per reporting cell and measure (since, until, the comparison point `cut`), which
    queries reach through a row's person; in SQLite also one row per person in scope and
    released measure of their cell, indexed, which SQLite seeks faster than it joins people to
    cells. PostgreSQL hashes the few hundred cells instead: building, indexing and analysing
    the per-person table cost it about a seventh of a whole dashboard, and its joins gained
    nothing. The temporary tables are dropped on leaving (or by the rollback).
    """
    name = f"nts_release_{uuid.uuid4().hex}"
    cells = f"{name}_cells"
    per_person = dialect_name(session) == "sqlite"
    connection = session.connection()
    # Created, then filled by one executemany: a SELECT ... UNION ALL of hundreds of windows
    # took PostgreSQL longer to plan than the rest of the table's work.
    stamp = "TEXT" if per_person else "TIMESTAMP WITH TIME ZONE"
    columns = ", ".join(f"{c} VARCHAR(200)" for c in (*CELL, "measure"))
    connection.execute(text(f"CREATE TEMPORARY TABLE {cells} ({columns}, since {stamp}, until {stamp}, "
                            f"cut {stamp})"))
    if windows:
        connection.execute(
            text(f"INSERT INTO {cells} VALUES (:department, :level, :tracks, :measure, :since, :until, :cut)")
            .bindparams(*(bindparam(t, type_=DateTime(timezone=True)) for t in ("since", "until", "cut"))),
            [{"department": w.department, "level": w.level, "tracks": w.tracks, "measure": w.measure,
              "since": w.since, "until": w.until, "cut": w.previous or w.since} for w in windows],
        )
    if per_person:
        _fill_per_person(session, scope, name, cells)
    analyse_temporary(session, cells)
    yield replace(scope, release_table=name if per_person else None, release_cells=cells,
                  released_from_start=all(w.since == EPOCH for w in windows))
    if per_person:
        connection.execute(text(f"DROP TABLE {name}"))
    connection.execute(text(f"DROP TABLE {cells}"))


def _fill_per_person(session: Session, scope: Scope, name: str, cells: str) -> None:
    """Create table `name`: the windows of `cells` per person in scope, indexed by person and measure."""
    people = Sql()
    connection = session.connection()
    connection.execute(
        people.statement(
            f"CREATE TEMPORARY TABLE {name} AS SELECT p.id AS person_id, w.measure, w.since, w.until, w.cut, "
            f"{', '.join(f'p.{c}' for c in CELL)} "
            f"FROM person p JOIN {cells} w ON {cell_match('w', 'p')} "
            f"WHERE {people_filter(people, scope)}"
        ),
        people.values,
    )
    connection.execute(text(f"CREATE INDEX {name}_key ON {name} (person_id, measure)"))
