"""Scenario analytics queries: choices, stops, loops and endings of a scenario version, in SQL.

Every query aggregates with GROUP BY, by department of the learner, so that the service can
suppress small groups; none returns a row per person or per step. The same SQL runs on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, text
from sqlmodel import Session

from course.store._sql import Params
from course.store.item_stats import VersionRow


@dataclass(frozen=True, slots=True)
class ChoiceRow:
    """A choice taken at a node: how often, by how many learners, total seconds to decide."""

    node_id: str
    choice_index: int
    target_node: str
    steps: int
    learners: int
    seconds: float


@dataclass(frozen=True, slots=True)
class StopRow:
    """Unfinished runs standing at a node ("" when they took no step): abandoned or in progress."""

    node_id: str
    abandoned: int
    in_progress: int
    learners: int


@dataclass(frozen=True, slots=True)
class LoopRow:
    """Runs that decided at a node more than once, and their learners."""

    node_id: str
    runs: int
    learners: int


@dataclass(frozen=True, slots=True)
class EndingRow:
    """Finished runs that reached an ending (kind and node), and their learners."""

    kind: str
    node_id: str
    runs: int
    learners: int


@dataclass(frozen=True, slots=True)
class ScenarioCounts:
    """What the scenario analytics show for one scenario version, for one department or all."""

    runs: int
    finished: int
    learners: int
    choices: tuple[ChoiceRow, ...] = ()
    stops: tuple[StopRow, ...] = ()
    loops: tuple[LoopRow, ...] = ()
    #: Runs that decided at some node more than once.
    looping_runs: int = 0
    endings: tuple[EndingRow, ...] = ()


def list_scenario_versions(session: Session) -> list[VersionRow]:
    """Return every (scenario, content version) with runs, and how many."""
    rows = session.connection().execute(
        text(
            "SELECT scenario_id, content_version, COUNT(*) FROM scenario_run "
            "GROUP BY scenario_id, content_version ORDER BY 1, 2"
        )
    )
    return [VersionRow(str(s), str(v), int(n)) for s, v, n in rows]


def scenario_counts(
    session: Session, *, scenario_id: str, version: str, abandoned_before: datetime
) -> dict[str, ScenarioCounts]:
    """Return choices, stops, loops and endings of a scenario version, by department of the learner.

    Each learner belongs to one department, so the departments' counts (learners included) add
    up to the whole. An unfinished run whose last step (or start, when it took none) is before
    `abandoned_before` counts as abandoned; a later one as still in progress.
    """
    connection = session.connection()
    params = Params()
    where = f"r.scenario_id = {params.bind(scenario_id)} AND r.content_version = {params.bind(version)}"
    runs_from = f"scenario_run r JOIN person p ON p.id = r.person_id WHERE {where}"
    steps_from = (
        "scenario_step st JOIN scenario_run r ON r.id = st.run_id JOIN person p ON p.id = r.person_id "
        f"WHERE {where}"
    )
    totals = connection.execute(
        params.statement(f"""
        SELECT p.department, COUNT(*), SUM(CASE WHEN r.finished_at IS NOT NULL THEN 1 ELSE 0 END),
               COUNT(DISTINCT r.person_id)
        FROM {runs_from} GROUP BY p.department ORDER BY 1"""),
        params.values,
    ).all()
    choices = connection.execute(
        params.statement(f"""
        SELECT p.department, st.node_id, st.choice_index, st.target_node, COUNT(*),
               COUNT(DISTINCT r.person_id), SUM(st.seconds)
        FROM {steps_from}
        GROUP BY p.department, st.node_id, st.choice_index, st.target_node ORDER BY 1, 2, 3, 4"""),
        params.values,
    ).all()
    # Where an unfinished run stands: the target of its last step (r.steps is kept equal to it).
    before = params.bind(abandoned_before, kind=DateTime(timezone=True))
    idle = f"CASE WHEN COALESCE(st.recorded_at, r.started_at) < {before} THEN 1 ELSE 0 END"
    stops = connection.execute(
        params.statement(f"""
        SELECT p.department, COALESCE(st.target_node, ''), SUM({idle}), SUM(1 - {idle}),
               COUNT(DISTINCT r.person_id)
        FROM scenario_run r JOIN person p ON p.id = r.person_id
        LEFT JOIN scenario_step st ON st.run_id = r.id AND st.step_no = r.steps
        WHERE {where} AND r.finished_at IS NULL
        GROUP BY p.department, COALESCE(st.target_node, '') ORDER BY 1, 3 DESC, 4 DESC, 2"""),
        params.values,
    ).all()
    repeats = f"""
        SELECT p.department, st.run_id, MIN(r.person_id) AS person_id, st.node_id
        FROM {steps_from}
        GROUP BY p.department, st.run_id, st.node_id HAVING COUNT(*) > 1"""
    loops = connection.execute(
        params.statement(f"""
        SELECT department, node_id, COUNT(*), COUNT(DISTINCT person_id) FROM ({repeats}) rep
        GROUP BY department, node_id ORDER BY 1, 3 DESC, 2"""),
        params.values,
    ).all()
    looping = connection.execute(
        params.statement(f"SELECT department, COUNT(DISTINCT run_id) FROM ({repeats}) rep GROUP BY 1"),
        params.values,
    ).all()
    endings = connection.execute(
        params.statement(f"""
        SELECT p.department, COALESCE(r.ending_kind, ''), COALESCE(r.ending_node, ''), COUNT(*),
               COUNT(DISTINCT r.person_id)
        FROM {runs_from} AND r.finished_at IS NOT NULL
        GROUP BY p.department, COALESCE(r.ending_kind, ''), COALESCE(r.ending_node, '')
        ORDER BY 1, 4 DESC, 2, 3"""),
        params.values,
    ).all()
    looped = {str(d): int(n) for d, n in looping}
    return {
        str(d): ScenarioCounts(
            runs=int(runs),
            finished=int(finished or 0),
            learners=int(learners),
            choices=tuple(
                ChoiceRow(str(n), int(c), str(t), int(k), int(m), float(s or 0))
                for dd, n, c, t, k, m, s in choices
                if dd == d
            ),
            stops=tuple(
                StopRow(str(n), int(a or 0), int(i or 0), int(m)) for dd, n, a, i, m in stops if dd == d
            ),
            loops=tuple(LoopRow(str(n), int(k), int(m)) for dd, n, k, m in loops if dd == d),
            looping_runs=looped.get(str(d), 0),
            endings=tuple(EndingRow(str(k), str(n), int(c), int(m)) for dd, k, n, c, m in endings if dd == d),
        )
        for d, runs, finished, learners in totals
    }


def add_up(parts: Iterable[ScenarioCounts]) -> ScenarioCounts:
    """Return the counts of several departments together (each learner belongs to one department)."""
    parts = list(parts)
    choices: dict[tuple[str, int, str], tuple[int, int, float]] = {}
    stops: dict[str, tuple[int, int, int]] = {}
    loops: dict[str, tuple[int, int]] = {}
    endings: dict[tuple[str, str], tuple[int, int]] = {}
    for part in parts:
        for c in part.choices:
            k, m, s = choices.get((c.node_id, c.choice_index, c.target_node), (0, 0, 0.0))
            choices[(c.node_id, c.choice_index, c.target_node)] = (k + c.steps, m + c.learners, s + c.seconds)
        for stop in part.stops:
            a, i, m = stops.get(stop.node_id, (0, 0, 0))
            stops[stop.node_id] = (a + stop.abandoned, i + stop.in_progress, m + stop.learners)
        for loop in part.loops:
            k, m = loops.get(loop.node_id, (0, 0))
            loops[loop.node_id] = (k + loop.runs, m + loop.learners)
        for e in part.endings:
            k, m = endings.get((e.kind, e.node_id), (0, 0))
            endings[(e.kind, e.node_id)] = (k + e.runs, m + e.learners)
    return ScenarioCounts(
        runs=sum(p.runs for p in parts),
        finished=sum(p.finished for p in parts),
        learners=sum(p.learners for p in parts),
        choices=tuple(ChoiceRow(*line, *values) for line, values in sorted(choices.items())),
        stops=tuple(StopRow(node, *values) for node, values in sorted(stops.items())),
        loops=tuple(LoopRow(node, *values) for node, values in sorted(loops.items())),
        looping_runs=sum(p.looping_runs for p in parts),
        endings=tuple(EndingRow(*line, *values) for line, values in sorted(endings.items())),
    )
