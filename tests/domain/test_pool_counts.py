"""Adding up one question's aggregates over versions whose attempts hold different numbers of questions."""

from __future__ import annotations

import math
import random

import pytest

from course.domain.item_analysis import ItemCounts, analyse, point_biserial, pool_counts

#: One version's attempts: (this question right, right answers on the attempt's other questions).
Attempts = list[tuple[int, int]]


def _counts(attempts: Attempts, m: int) -> ItemCounts:
    """Return the aggregates the database gives for one version whose attempts hold m questions."""
    ys = [(x + rest) / m for x, rest in attempts]
    return ItemCounts(
        answers=len(attempts),
        learners=len(attempts),
        correct=sum(x for x, _ in attempts),
        seconds=float(len(attempts)),
        score_sum=sum(ys),
        score_squares=sum(y * y for y in ys),
        correct_score_sum=sum(x * y for (x, _), y in zip(attempts, ys, strict=True)),
        questions_per_attempt=float(m),
    )


def _pearson(pairs: Attempts) -> float | None:
    n = len(pairs)
    mx, mr = sum(x for x, _ in pairs) / n, sum(r for _, r in pairs) / n
    sxr = sum((x - mx) * (r - mr) for x, r in pairs)
    sxx, srr = sum((x - mx) ** 2 for x, _ in pairs), sum((r - mr) ** 2 for _, r in pairs)
    return None if sxx <= 0 or srr <= 0 else sxr / math.sqrt(sxx * srr)


@pytest.mark.parametrize("seed", range(6))
def test_the_pooled_item_rest_correlation_keeps_each_version_s_question_count(seed: int) -> None:
    chance = random.Random(seed)
    versions = []
    for m in chance.sample([2, 3, 5, 8], 3):
        attempts = [(chance.randint(0, 1), chance.randint(0, m - 1)) for _ in range(chance.randint(3, 30))]
        versions.append((attempts, m))
    pooled = pool_counts([_counts(a, m) for a, m in versions], learners=7)
    everything = [pair for attempts, _ in versions for pair in attempts]
    expected = _pearson(everything)
    assert pooled.answers == len(everything) and pooled.learners == 7
    assert pooled.correct == sum(x for x, _ in everything)
    got = point_biserial(pooled)
    assert (got is None) == (expected is None)
    if expected is not None:
        assert got == pytest.approx(expected)


def test_group_counts_add_up_and_nothing_pooled_is_empty() -> None:
    one = ItemCounts(answers=4, learners=3, correct=2, seconds=8.0, upper_answers=2, upper_correct=2,
                     lower_answers=1, lower_correct=0)
    two = ItemCounts(answers=6, learners=5, correct=1, seconds=4.0, upper_answers=1, upper_correct=0,
                     lower_answers=3, lower_correct=1)
    stats = analyse(pool_counts([one, two], learners=6))
    assert (stats.answers, stats.correct, stats.learners) == (10, 3, 6)
    assert stats.upper_facility == pytest.approx(2 / 3) and stats.lower_facility == pytest.approx(1 / 4)
    assert stats.mean_seconds == pytest.approx(1.2)
    assert pool_counts([], learners=0).answers == 0
