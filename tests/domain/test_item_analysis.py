"""Item analysis rules: facility, discrimination, point-biserial and the flags, on plain counts."""

from __future__ import annotations

import math

import pytest

from course.domain.item_analysis import (
    MIN_ANSWERS,
    TOO_EASY_ABOVE,
    TOO_HARD_BELOW,
    Flag,
    ItemCounts,
    analyse,
    flags_for,
    point_biserial,
    upper_lower_index,
)


def _counts(
    answers: int, correct: int, *, upper: tuple[int, int] = (0, 0), lower: tuple[int, int] = (0, 0)
) -> ItemCounts:
    return ItemCounts(answers, answers, correct, 10.0 * answers, upper[0], upper[1], lower[0], lower[1])


@pytest.mark.parametrize(
    ("facility", "discrimination", "expected"),
    [
        (0.95, 0.1, (Flag.TOO_EASY,)),
        (TOO_EASY_ABOVE, 0.1, ()),  # the thresholds themselves are not flagged
        (0.2, 0.1, (Flag.TOO_HARD,)),
        (TOO_HARD_BELOW, 0.1, ()),
        (0.6, -0.2, (Flag.STRONG_GET_IT_WRONG,)),
        (0.1, -0.2, (Flag.TOO_HARD, Flag.STRONG_GET_IT_WRONG)),
        (0.6, 0.0, ()),
        (0.6, None, ()),
    ],
)
def test_flags_follow_the_thresholds(
    facility: float, discrimination: float | None, expected: tuple[Flag, ...]
) -> None:
    assert flags_for(facility, discrimination, answers=MIN_ANSWERS) == expected


def test_too_few_answers_raises_no_other_flag() -> None:
    assert flags_for(0.0, -1.0, answers=MIN_ANSWERS - 1) == (Flag.TOO_FEW_ANSWERS,)
    assert flags_for(None, None, answers=0) == (Flag.TOO_FEW_ANSWERS,)


def test_a_top_group_below_the_bottom_group_is_flagged_even_without_an_index() -> None:
    assert flags_for(0.5, None, answers=20, upper_facility=0.2, lower_facility=0.6) == (
        Flag.STRONG_GET_IT_WRONG,
    )


def test_upper_lower_index_is_the_difference_of_the_group_facilities() -> None:
    assert upper_lower_index(_counts(20, 10, upper=(5, 4), lower=(5, 1))) == pytest.approx(0.6)
    assert upper_lower_index(_counts(20, 10, upper=(0, 0), lower=(5, 1))) is None


def test_point_biserial_from_sums_equals_the_pearson_correlation() -> None:
    xs = [1, 1, 0, 0, 1]
    ys = [0.9, 0.4, 0.5, 0.1, 0.8]
    n = len(xs)
    counts = ItemCounts(
        n,
        n,
        sum(xs),
        0.0,
        score_sum=sum(ys),
        score_squares=sum(y * y for y in ys),
        correct_score_sum=sum(x * y for x, y in zip(xs, ys, strict=True)),
    )
    mx, my = sum(xs) / n, sum(ys) / n
    expected = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(
        sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys)
    )
    assert point_biserial(counts) == pytest.approx(expected)


def test_point_biserial_is_none_when_nothing_varies() -> None:
    assert (
        point_biserial(ItemCounts(4, 4, 4, 0.0, score_sum=2.0, score_squares=1.5, correct_score_sum=2.0))
        is None
    )


def test_analyse_a_question_the_strongest_get_wrong() -> None:
    stats = analyse(_counts(40, 20, upper=(10, 2), lower=(10, 8)))
    assert (stats.facility, stats.mean_seconds, stats.upper_facility, stats.lower_facility) == (
        0.5,
        10.0,
        0.2,
        0.8,
    )
    assert stats.discrimination == pytest.approx(-0.6)
    assert stats.flags == (Flag.STRONG_GET_IT_WRONG,) and stats.judged and stats.severity > 0


def test_analyse_falls_back_to_the_correlation_when_a_group_is_empty() -> None:
    counts = ItemCounts(10, 10, 5, 0.0, score_sum=5.0, score_squares=3.0, correct_score_sum=1.5)
    stats = analyse(counts)
    assert stats.upper_lower is None and stats.discrimination == stats.point_biserial
    assert stats.discrimination is not None and stats.discrimination < 0
    assert Flag.STRONG_GET_IT_WRONG in stats.flags


def test_analyse_with_no_answers() -> None:
    stats = analyse(ItemCounts(0, 0, 0, 0.0))
    assert (stats.facility, stats.mean_seconds, stats.discrimination, stats.flags) == (
        None,
        None,
        None,
        (Flag.TOO_FEW_ANSWERS,),
    )
    assert not stats.judged
