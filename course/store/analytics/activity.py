"""When each reporting cell's learners were active, for the release windows of the dashboards.

One GROUP BY returns, per reporting cell (department, level, track list), measure (competency)
and pattern of active weeks, how many learners share that pattern: counts only, no person. The
pure rules that turn it into release windows are in course/domain/release.py.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from course.domain.release import Activity
from course.store._sql import dialect_name
from course.store.analytics.scope import Scope, Sql, people_in, week_start


def list_activity(session: Session, scope: Scope) -> list[Activity]:
    """Return the scope's learners by reporting cell, competency and weeks of activity.

    Activity is an answer to a question of the competency or a finished, scored run of a
    scenario assessing it; for the measure "scenario:<id>", a step taken or a run finished in
    that scenario (for its decisions and endings). The scope's period is not applied: release
    points depend on the whole history.
    """
    sql = Sql()
    competencies = sql.in_list(scope.competencies)
    scenario_map = sql.values_table(("scenario_id", "competency"), scope.scenario_competencies)
    people = people_in(sql, scope, "a.person_id")
    run_people = people_in(sql, scope, "r.person_id")
    step_people = people_in(sql, scope, "r.person_id")
    join_weeks = (
        "group_concat(x.week)" if dialect_name(session) == "sqlite" else "string_agg(x.week, ',')"
    )
    statement = f"""
        WITH scen AS ({scenario_map}),
        per_attempt AS (
            SELECT DISTINCT a.person_id, q.competency, a.finished_at
            FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
            WHERE {people} AND q.competency IN {competencies}
        ),
        act AS (
            SELECT person_id, competency, {week_start(session, "finished_at")} AS week FROM per_attempt
            UNION
            SELECT r.person_id, scen.competency, {week_start(session, "r.finished_at")}
            FROM scenario_run r JOIN scen ON scen.scenario_id = r.scenario_id
            WHERE {run_people} AND r.finished_at IS NOT NULL AND r.score IS NOT NULL
            AND scen.competency IN {competencies}
            UNION
            SELECT r.person_id, 'scenario:' || r.scenario_id, {week_start(session, "st.recorded_at")}
            FROM scenario_step st JOIN scenario_run r ON r.id = st.run_id WHERE {step_people}
            UNION
            SELECT r.person_id, 'scenario:' || r.scenario_id, {week_start(session, "r.finished_at")}
            FROM scenario_run r WHERE {run_people} AND r.finished_at IS NOT NULL
        ),
        patterns AS (
            SELECT x.person_id, x.competency, {join_weeks} AS weeks FROM act x
            GROUP BY x.person_id, x.competency
        )
        SELECT p.department, p.level, p.tracks, pt.competency, pt.weeks, COUNT(*)
        FROM patterns pt JOIN person p ON p.id = pt.person_id
        GROUP BY p.department, p.level, p.tracks, pt.competency, pt.weeks"""
    rows = session.connection().execute(sql.statement(statement), sql.values)
    return [
        Activity(str(d), str(lv or ""), str(t), str(c), _weeks(str(w)), int(n))
        for d, lv, t, c, w, n in rows
    ]


def _weeks(joined: str) -> tuple[date, ...]:
    return tuple(sorted({date.fromisoformat(w) for w in joined.split(",") if w}))
