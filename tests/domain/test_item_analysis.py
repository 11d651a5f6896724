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


def _pearson(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(
        sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys)
    )


def _sums(xs: list[int], ys: list[float], m: float) -> ItemCounts:
    n = len(xs)
    return ItemCounts(
        n,
        n,
        sum(xs),
        0.0,
        score_sum=sum(ys),
        score_squares=sum(y * y for y in ys),
        correct_score_sum=sum(x * y for x, y in zip(xs, ys, strict=True)),
        questions_per_attempt=m,
    )


def test_point_biserial_correlates_the_item_with_the_rest_of_the_attempt() -> None:
    # Five attempts of four questions; right answers on the other three: 3, 1, 2, 0, 2.
    xs = [1, 1, 0, 0, 1]
    rest = [3, 1, 2, 0, 2]
    ys = [(x + r) / 4 for x, r in zip(xs, rest, strict=True)]  # the attempt score includes the item
    corrected = point_biserial(_sums(xs, ys, 4.0))
    assert corrected == pytest.approx(_pearson([float(x) for x in xs], [float(r) for r in rest]))
    # By hand: covariance 0.24, variances 0.24 and 1.04, so r = 0.24 / √(0.24 × 1.04) = √(3/13).
    assert corrected == pytest.approx(math.sqrt(3 / 13))
    # The uncorrected correlation (with the whole score) runs higher, as the item is in the score.
    assert _pearson([float(x) for x in xs], ys) > corrected + 0.1


def test_point_biserial_is_none_when_nothing_varies_or_nothing_else_is_asked() -> None:
    assert point_biserial(_sums([1, 1, 1, 1], [0.5, 0.75, 1.0, 0.5], 4.0)) is None  # everyone right
    assert point_biserial(_sums([1, 0, 1, 0], [0.5, 0.0, 0.5, 0.0], 2.0)) is None  # the rest never varies
    assert point_biserial(_sums([1, 0, 1, 0], [1.0, 0.0, 1.0, 0.0], 1.0)) is None  # one question only
    assert point_biserial(_sums([1, 0, 1, 0], [0.5, 0.0, 1.0, 0.5], 0.0)) is None  # questions unknown


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
    # Right answers go with low rest scores: the right ones scored 1 of 3 elsewhere, the wrong 2 or 3.
    xs = [1] * 5 + [0] * 5
    ys = [(x + r) / 4 for x, r in zip(xs, [1] * 5 + [2, 3, 2, 3, 3], strict=True)]
    stats = analyse(_sums(xs, ys, 4.0))
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
