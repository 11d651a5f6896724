"""Re-take cycles: which round is running on a given day, and which work counts toward it."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from course.domain.assignments import (
    Cycle,
    DatedWork,
    Progress,
    add_months,
    cycle_on,
    fresh_progress,
    fresh_scores,
)

START, DUE = date(2026, 1, 31), date(2026, 3, 15)


@pytest.mark.parametrize(("today", "expected"), [
    (date(2025, 12, 1), Cycle(0, START, DUE)),  # before the start: the first round, not yet begun
    (START, Cycle(0, START, DUE)),
    (date(2026, 7, 30), Cycle(0, START, DUE)),  # the day before the first re-take starts
    (date(2026, 7, 31), Cycle(1, date(2026, 7, 31), date(2026, 9, 15))),
    (date(2027, 1, 30), Cycle(1, date(2026, 7, 31), date(2026, 9, 15))),
    (date(2027, 1, 31), Cycle(2, date(2027, 1, 31), date(2027, 3, 15))),
    (date(2036, 2, 1), Cycle(20, date(2036, 1, 31), date(2036, 3, 15))),
], ids=str)
def test_the_running_cycle_every_six_months(today: date, expected: Cycle) -> None:
    assert cycle_on(START, DUE, 6, today) == expected


def test_a_short_month_ends_a_cycle_on_its_last_day() -> None:
    assert cycle_on(START, DUE, 1, date(2026, 2, 28)) == Cycle(1, date(2026, 2, 28), date(2026, 4, 15))
    assert cycle_on(START, DUE, 1, date(2026, 2, 27)).number == 0
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)  # a leap year


def test_without_retakes_the_first_cycle_runs_for_ever() -> None:
    assert cycle_on(START, DUE, None, date(2099, 1, 1)) == Cycle(0, START, DUE)
    assert not Cycle(0, START, DUE).retake and Cycle(3, START, DUE).retake


def test_a_day_by_day_walk_never_goes_back_and_steps_one_cycle_at_a_time() -> None:
    seen = [cycle_on(START, DUE, 3, date.fromordinal(START.toordinal() + d)).number for d in range(3 * 366)]
    steps = {b - a for a, b in itertools.pairwise(seen)}
    assert steps == {0, 1} and seen[-1] == 12


def at(day: int) -> datetime:
    return datetime(2026, 7, day, 12, tzinfo=UTC)


BEFORE = Progress({"basics": 2, "deep": 1}, frozenset({"intro-quiz", "deep-quiz"}), frozenset({"first-day"}))
WORK = [
    DatedWork("quiz", "intro-quiz", at(1), passed=True, score=0.9),  # the earlier cycle
    DatedWork("quiz", "intro-quiz", at(20), passed=False, score=0.4),
    DatedWork("quiz", "deep-quiz", at(30), passed=True, score=0.8),
    DatedWork("quiz", "deep-quiz", at(31), passed=True, score=0.7),
    DatedWork("scenario", "first-day", at(2), passed=True),
]


def test_a_retake_counts_only_quizzes_and_scenarios_done_since_it_started() -> None:
    fresh = fresh_progress(BEFORE, WORK, date(2026, 7, 15))
    assert fresh.quizzes_passed == {"deep-quiz"}  # intro-quiz was passed, but before the cycle
    assert fresh.scenarios_done == frozenset()
    assert fresh.sections_read == BEFORE.sections_read  # reading is recorded once per version
    assert fresh_progress(BEFORE, WORK, date(2026, 7, 1)).quizzes_passed == {"intro-quiz", "deep-quiz"}


def test_a_retake_scores_the_best_attempt_of_the_cycle() -> None:
    assert fresh_scores(WORK, date(2026, 7, 15)) == {"intro-quiz": 0.4, "deep-quiz": 0.8}
    assert fresh_scores(WORK, date(2026, 8, 1)) == {}
