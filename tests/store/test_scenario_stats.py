"""Scenario analytics queries against hand-computed counts (tests/studio_data.py), on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from course.store import scenario_stats
from course.store.engine import read_session
from course.store.scenario_stats import ChoiceRow, EndingRow, LoopRow, ScenarioCounts, StopRow
from tests.studio_data import NOW, SCENARIO, write_more_departments, write_studio_data

WEEK_AGO = NOW - timedelta(days=7)


@pytest.fixture
def data(engine: Engine) -> Engine:
    write_studio_data(engine)
    return engine


def _counts(engine: Engine, *, version: str = "v1", before: object = WEEK_AGO) -> dict[str, ScenarioCounts]:
    with read_session(engine) as session:
        return scenario_stats.scenario_counts(
            session, scenario_id=SCENARIO, version=version, abandoned_before=before
        )


def test_versions_with_runs_are_listed(data: Engine) -> None:
    with read_session(data) as session:
        rows = scenario_stats.list_scenario_versions(session)
    assert [(r.item_id, r.version, r.count) for r in rows] == [(SCENARIO, "v1", 4)]


def test_counts_by_department_match_the_hand_computation(data: Engine) -> None:
    counts = _counts(data)
    assert sorted(counts) == ["hr", "legal"]
    hr, legal = counts["hr"], counts["legal"]
    assert (hr.runs, hr.finished, hr.learners, hr.looping_runs, hr.endings) == (2, 0, 1, 1, ())
    assert hr.choices == (ChoiceRow("start", 0, "start", 2, 1, 10.0),)
    # cy's looping run last stepped at T0 (abandoned); the run without a step began a day ago.
    assert hr.stops == (StopRow("start", 1, 0, 1), StopRow("", 0, 1, 1))
    assert hr.loops == (LoopRow("start", 1, 1),)
    assert (legal.runs, legal.finished, legal.learners, legal.stops, legal.loops) == (2, 2, 2, (), ())
    assert legal.choices == (
        ChoiceRow("start", 0, "good-end", 1, 1, 2.0),
        ChoiceRow("start", 1, "bad-end", 1, 1, 3.0),
    )
    assert legal.endings == (EndingRow("bad", "bad-end", 1, 1), EndingRow("good", "good-end", 1, 1))


def test_a_run_is_in_progress_until_it_has_been_idle_for_the_limit(data: Engine) -> None:
    everything_recent = _counts(data, before=NOW - timedelta(days=30))["hr"].stops
    everything_old = _counts(data, before=NOW)["hr"].stops
    assert {(s.node_id, s.abandoned, s.in_progress) for s in everything_recent} == {
        ("start", 0, 1),
        ("", 0, 1),
    }
    assert {(s.node_id, s.abandoned, s.in_progress) for s in everything_old} == {("start", 1, 0), ("", 1, 0)}


def test_departments_add_up_to_the_whole(data: Engine) -> None:
    write_more_departments(data)
    counts = _counts(data)
    whole = scenario_stats.add_up(counts.values())
    assert (whole.runs, whole.finished, whole.learners, whole.looping_runs) == (10, 7, 8, 1)
    assert whole.choices == (
        ChoiceRow("start", 0, "good-end", 6, 6, 27.0),
        ChoiceRow("start", 0, "start", 2, 1, 10.0),
        ChoiceRow("start", 1, "bad-end", 1, 1, 3.0),
    )
    assert whole.stops == (StopRow("", 1, 1, 2), StopRow("start", 1, 0, 1))
    assert whole.endings == (EndingRow("bad", "bad-end", 1, 1), EndingRow("good", "good-end", 6, 6))
    assert counts["it"] == ScenarioCounts(
        runs=4,
        finished=3,
        learners=3,
        choices=(ChoiceRow("start", 0, "good-end", 3, 3, 15.0),),
        stops=(StopRow("", 1, 0, 1),),
        endings=(EndingRow("good", "good-end", 3, 3),),
    )


def test_a_version_without_runs_has_no_department(data: Engine) -> None:
    assert _counts(data, version="v0") == {}
