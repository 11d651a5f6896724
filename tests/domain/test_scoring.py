"""The literacy score on hand-computed examples: a Beta(1, 1) prior updated by weighted evidence.

Every expected number below is worked out from the module's formula, not from the code:
a = 1 + successes, b = 1 + trials - successes, mean = a / (a + b),
band = mean +/- 1.645 * sqrt(a * b / ((a + b)^2 * (a + b + 1))), clipped to [0, 1].
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from course.domain.scoring import (
    SCENARIO_WEIGHT,
    Evidence,
    EvidenceKind,
    after_practice,
    estimate,
    first_only,
    latest_only,
    profile,
    scenario_evidence,
    score_competency,
)

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def answer(question: str, correct: bool, minute: int, *, quiz: str = "check",
           competency: str = "crisis") -> Evidence:
    return Evidence(EvidenceKind.ANSWER, competency, quiz, question, 1.0 if correct else 0.0, at(minute))


def run(scenario: str, run_id: str, score: float, minute: int, *, competency: str = "crisis") -> Evidence:
    return Evidence(EvidenceKind.SCENARIO, competency, scenario, run_id, score, at(minute))


def test_no_evidence_gives_one_half_with_the_widest_band() -> None:
    # a = b = 1: variance 1 / (2^2 * 3) = 1/12, sd 0.288675, spread 1.645 * sd = 0.474871.
    mean, low, high = estimate(0, 0)
    assert mean == 0.5
    assert low == pytest.approx(0.025129, abs=1e-6)
    assert high == pytest.approx(0.974871, abs=1e-6)
    for successes, trials in [(0, 1), (1, 1), (1, 2), (3, 4), (1.5, 3), (10, 10)]:
        _, other_low, other_high = estimate(successes, trials)
        assert other_high - other_low < high - low, (successes, trials)


def test_three_right_of_four_gives_two_thirds_and_the_band_by_hand() -> None:
    # a = 4, b = 2: mean 4/6; variance 8 / (36 * 7) = 0.031746, sd 0.178174, spread 0.293096.
    scores = score_competency("crisis", [
        answer("q1", True, 1), answer("q2", True, 2), answer("q3", False, 3), answer("q4", True, 4),
    ])
    assert (scores.successes, scores.trials) == (3.0, 4.0)
    assert scores.estimate == pytest.approx(0.666667, abs=1e-6)
    assert scores.low == pytest.approx(0.373570, abs=1e-6)
    assert scores.high == pytest.approx(0.959763, abs=1e-6)
    assert (scores.answers, scores.runs) == (4, 0)


def test_the_band_is_clipped_to_zero_and_one() -> None:
    # 0 of 1: a = 1, b = 2, mean 1/3; sd sqrt(2 / (9 * 4)) = 0.235702, spread 0.387730.
    mean, low, high = estimate(0, 1)
    assert mean == pytest.approx(1 / 3)
    assert low == 0.0
    assert high == pytest.approx(0.721064, abs=1e-6)


def test_a_run_scored_one_half_counts_as_one_and_a_half_successes_of_three_trials() -> None:
    evidence = scenario_evidence(scenario_id="first-day", run_id="r1", competencies=["crisis", "listening"],
                                 score=0.5, at=at(5))
    assert [(e.kind, e.competency, e.item_id, e.detail_id, e.outcome, e.weight) for e in evidence] == [
        (EvidenceKind.SCENARIO, "crisis", "first-day", "r1", 0.5, SCENARIO_WEIGHT),
        (EvidenceKind.SCENARIO, "listening", "first-day", "r1", 0.5, SCENARIO_WEIGHT),
    ]
    assert SCENARIO_WEIGHT == 3.0
    alone = score_competency("crisis", evidence)
    # a = 2.5, b = 2.5: mean 1/2, variance 6.25 / (25 * 6) = 0.041667, spread 0.335784.
    assert (alone.successes, alone.trials) == (1.5, 3.0)
    assert alone.estimate == pytest.approx(0.5)
    assert (alone.low, alone.high) == (pytest.approx(0.164216, abs=1e-6), pytest.approx(0.835784, abs=1e-6))
    assert (alone.answers, alone.runs) == (0, 1)
    # With one right answer as well: 2.5 successes of 4 trials, mean 3.5 / 6.
    mixed = score_competency("crisis", [*evidence, answer("q1", True, 6)])
    assert (mixed.successes, mixed.trials) == (2.5, 4.0)
    assert mixed.estimate == pytest.approx(0.583333, abs=1e-6)


def test_score_competency_ignores_other_competencies() -> None:
    evidence = [answer("q1", True, 1), answer("q2", True, 2, competency="listening")]
    scores = score_competency("crisis", evidence)
    assert (scores.successes, scores.trials) == (1.0, 1.0)
    assert [e.detail_id for e in scores.evidence] == ["q1"]


HISTORY = [
    answer("q1", False, 10),
    run("first-day", "run-1", 0.2, 11),
    answer("q2", True, 12),
    answer("q1", True, 13),
    answer("q1", False, 14, quiz="other"),  # the same question id in another quiz is another slot
    run("first-day", "run-2", 0.8, 15),
    run("last-day", "run-3", 1.0, 16),
]


def test_latest_only_keeps_the_latest_answer_per_question_and_run_per_scenario() -> None:
    kept = latest_only(reversed(HISTORY))  # the input order does not matter, the times do
    assert [(e.item_id, e.detail_id, e.outcome) for e in kept] == [
        ("check", "q2", 1.0),
        ("check", "q1", 1.0),
        ("other", "q1", 0.0),
        ("first-day", "run-2", 0.8),
        ("last-day", "run-3", 1.0),
    ]


def test_first_only_keeps_the_first_answer_per_question_and_run_per_scenario() -> None:
    kept = first_only(reversed(HISTORY))
    assert [(e.item_id, e.detail_id, e.outcome) for e in kept] == [
        ("check", "q1", 0.0),
        ("first-day", "run-1", 0.2),
        ("check", "q2", 1.0),
        ("other", "q1", 0.0),
        ("last-day", "run-3", 1.0),
    ]


def test_profile_scores_every_competency_from_the_first_evidence_even_without_any() -> None:
    scores = profile(HISTORY, ["crisis", "listening"])
    assert list(scores) == ["crisis", "listening"]
    crisis = scores["crisis"]
    # First: check/q1 wrong, q2 right, other/q1 wrong, first-day 0.2 x 3, last-day 1.0 x 3.
    # successes 0 + 1 + 0 + 0.6 + 3 = 4.6 of 3 + 3 + 3 = 9 trials; mean 5.6 / 11.
    assert crisis.successes == pytest.approx(4.6)
    assert crisis.trials == 9.0
    assert crisis.estimate == pytest.approx(5.6 / 11)
    assert (crisis.answers, crisis.runs) == (3, 2)
    assert {e.detail_id for e in crisis.evidence} == {"q1", "q2", "run-1", "run-3"}
    listening = scores["listening"]
    assert (listening.estimate, listening.successes, listening.trials, listening.evidence) == (0.5, 0, 0, ())
    assert listening.high - listening.low == pytest.approx(2 * 0.474871, abs=1e-6)


def test_practice_after_feedback_shows_apart_and_never_raises_the_score() -> None:
    retake = [*HISTORY, answer("q1", True, 20), answer("q1", True, 21, quiz="other"),
              run("first-day", "run-4", 1.0, 22)]
    assert profile(retake, ["crisis"]) == profile(HISTORY, ["crisis"])
    practised = after_practice(retake, ["crisis"])["crisis"]
    # Latest: both q1 right, q2 right, both runs 1.0: 3 + 6 = 9 of 9 trials.
    assert (practised.successes, practised.trials) == (pytest.approx(9.0), 9.0)
    assert practised.estimate > profile(retake, ["crisis"])["crisis"].estimate


def test_profile_of_nothing_is_one_half_everywhere() -> None:
    scores = profile([], ["crisis", "listening", "security"])
    assert {c: s.estimate for c, s in scores.items()} == {"crisis": 0.5, "listening": 0.5, "security": 0.5}
