"""Item analysis: facility, discrimination and the flags of a quiz question (standard library only).

The counts come from SQL aggregates (course/store/item_stats.py); this module turns them into
statistics and flags. The thresholds are named here and explained in docs/studio.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

#: Share of attempts, ranked by attempt score, in the upper and in the lower group.
GROUP_SHARE = 0.27
#: Facility above this: too easy (almost everyone gets it right, it tells us little).
TOO_EASY_ABOVE = 0.9
#: Facility below this: too hard (or wrongly keyed, or badly taught).
TOO_HARD_BELOW = 0.3
#: Discrimination below this: the strongest learners do worse than the weakest.
NEGATIVE_DISCRIMINATION_BELOW = 0.0
#: Fewer answers than this: too few to judge; no other flag is raised.
MIN_ANSWERS = 10


class Flag(StrEnum):
    """Why a question deserves a look."""

    TOO_FEW_ANSWERS = "too_few_answers"
    TOO_EASY = "too_easy"
    TOO_HARD = "too_hard"
    STRONG_GET_IT_WRONG = "strong_get_it_wrong"


#: Plain words for each flag, as the studio shows them.
FLAG_TEXT: dict[Flag, str] = {
    Flag.TOO_FEW_ANSWERS: f"too few answers to judge (fewer than {MIN_ANSWERS})",
    Flag.TOO_EASY: f"too easy (more than {TOO_EASY_ABOVE:.0%} right)",
    Flag.TOO_HARD: f"too hard (fewer than {TOO_HARD_BELOW:.0%} right)",
    Flag.STRONG_GET_IT_WRONG: "the strongest learners get it wrong more often than the weakest",
}

#: How much each flag weighs when questions are sorted worst first.
_WEIGHT: dict[Flag, int] = {
    Flag.STRONG_GET_IT_WRONG: 4,
    Flag.TOO_HARD: 2,
    Flag.TOO_EASY: 1,
    Flag.TOO_FEW_ANSWERS: 0,
}


@dataclass(frozen=True, slots=True)
class ItemCounts:
    """Aggregates of one question's answers in one content version.

    `score_*` pair each answer's item score x (0/1) with its attempt's score y (0..1):
    Σy, Σy² and Σxy. `upper_*`/`lower_*` count answers in the top and bottom GROUP_SHARE of the
    quiz's attempts ranked by attempt score. `questions_per_attempt` (m) is how many questions
    an attempt of this quiz version holds, so that its score is right answers ÷ m (0: unknown).
    """

    answers: int
    learners: int
    correct: int
    seconds: float
    #: Group counts are fractional where attempts tied at a group's edge are shared (group_weights).
    upper_answers: float = 0
    upper_correct: float = 0
    lower_answers: float = 0
    lower_correct: float = 0
    score_sum: float = 0.0
    score_squares: float = 0.0
    correct_score_sum: float = 0.0
    questions_per_attempt: float = 0.0


@dataclass(frozen=True, slots=True)
class ItemStats:
    """The statistics and flags of one question; None where there is nothing to compute."""

    answers: int
    learners: int
    correct: int
    facility: float | None
    mean_seconds: float | None
    upper_facility: float | None
    lower_facility: float | None
    upper_lower: float | None
    #: The corrected point-biserial: the item's correlation with the rest of the attempt.
    point_biserial: float | None
    #: The upper-lower index, or the point-biserial correlation when a group is empty.
    discrimination: float | None
    flags: tuple[Flag, ...]

    @property
    def judged(self) -> bool:
        """Tell whether there are enough answers for the flags to mean anything."""
        return Flag.TOO_FEW_ANSWERS not in self.flags

    @property
    def severity(self) -> int:
        """Return how bad the flags are together (higher is worse), for sorting worst first."""
        return sum(_WEIGHT[f] for f in self.flags)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def upper_lower_index(counts: ItemCounts) -> float | None:
    """Return upper-group facility minus lower-group facility, or None when a group is empty."""
    upper = _share(counts.upper_correct, counts.upper_answers)
    lower = _share(counts.lower_correct, counts.lower_answers)
    return None if upper is None or lower is None else upper - lower


def point_biserial(counts: ItemCounts) -> float | None:
    """Return the corrected point-biserial: the item score's correlation with the rest score, from sums.

    With m questions per attempt, the attempt holds T = m·y right answers and the rest score is
    R = T − x (right answers on the other questions), so that the item is not correlated with
    itself. From the sums: ΣR = mΣy − Σx, ΣxR = mΣxy − Σx, ΣR² = m²Σy² − 2mΣxy + Σx (x² = x),
    and r = (n·ΣxR − Σx·ΣR) / √((n·Σx − (Σx)²)·(n·ΣR² − (ΣR)²)). None when the rest score or
    the item varies not at all, or m is unknown or 1 (no other question).
    """
    n, m = counts.answers, counts.questions_per_attempt
    sx = float(counts.correct)
    rest = m * counts.score_sum - sx
    item_rest = m * counts.correct_score_sum - sx
    rest_squares = m * m * counts.score_squares - 2 * m * counts.correct_score_sum + sx
    spread_x = n * sx - sx * sx
    spread_rest = n * rest_squares - rest * rest
    # The sums are floats: a spread within rounding error of zero is zero.
    if n < 2 or m <= 1 or spread_x <= 0 or spread_rest <= 1e-9 * max(1.0, n * rest_squares):
        return None
    return (n * item_rest - sx * rest) / math.sqrt(spread_x * spread_rest)


def flags_for(
    facility: float | None,
    discrimination: float | None,
    *,
    answers: int,
    upper_facility: float | None = None,
    lower_facility: float | None = None,
) -> tuple[Flag, ...]:
    """Return the flags a question earns; with fewer than MIN_ANSWERS answers, only that one."""
    if answers < MIN_ANSWERS or facility is None:
        return (Flag.TOO_FEW_ANSWERS,)
    flags: list[Flag] = []
    if facility > TOO_EASY_ABOVE:
        flags.append(Flag.TOO_EASY)
    if facility < TOO_HARD_BELOW:
        flags.append(Flag.TOO_HARD)
    negative = discrimination is not None and discrimination < NEGATIVE_DISCRIMINATION_BELOW
    reversed_groups = (
        upper_facility is not None and lower_facility is not None and upper_facility < lower_facility
    )
    if negative or reversed_groups:
        flags.append(Flag.STRONG_GET_IT_WRONG)
    return tuple(flags)


def analyse(counts: ItemCounts) -> ItemStats:
    """Return the statistics and flags of a question from its aggregates."""
    facility = _share(counts.correct, counts.answers)
    upper = _share(counts.upper_correct, counts.upper_answers)
    lower = _share(counts.lower_correct, counts.lower_answers)
    index = upper_lower_index(counts)
    r = point_biserial(counts)
    # The upper-lower index when both groups answered the question, else the correlation.
    discrimination = index if index is not None else r
    return ItemStats(
        answers=counts.answers,
        learners=counts.learners,
        correct=counts.correct,
        facility=facility,
        mean_seconds=counts.seconds / counts.answers if counts.answers else None,
        upper_facility=upper,
        lower_facility=lower,
        upper_lower=index,
        point_biserial=r,
        discrimination=discrimination,
        flags=flags_for(
            facility, discrimination, answers=counts.answers, upper_facility=upper, lower_facility=lower
        ),
    )


def placements_right(patterns: Mapping[str, int], size: int) -> tuple[int, ...]:
    """Count, for each position (ordering) or pair (matching), the answers that got it right.

    `patterns` maps each distinct stored answer (a JSON list of entry positions) to how many
    answers gave it; position k is right when it holds entry k. An answer of another length,
    which a question edited since cannot be told apart from, counts for no position.
    """
    right = [0] * size
    for pattern, count in patterns.items():
        try:
            sequence = json.loads(pattern)
        except ValueError:
            continue
        if not isinstance(sequence, list) or len(sequence) != size:
            continue
        for place, entry in enumerate(sequence):
            if entry == place:
                right[place] += count
    return tuple(right)


def group_size(attempts: int) -> int:
    """Return how many attempts each of the upper and lower groups holds: ceil(GROUP_SHARE x n)."""
    return (attempts * round(GROUP_SHARE * 100) + 99) // 100


def group_weights(histogram: Sequence[tuple[float, int]]) -> dict[float, tuple[float, float]]:
    """Return, per attempt score, the share of its attempts in the upper and in the lower group.

    `histogram` holds (score, attempts) of one quiz version. The upper group is the group_size
    attempts of highest score, the lower group those of lowest score. Attempts tied on the score
    at a group's edge are shared in proportion: if 3 of the 4 attempts scoring 0.6 are needed,
    each of them counts 3/4 in the group. So a question's group counts can be read off counts
    per attempt score, without ranking single attempts (the answers of an edge score count in
    proportion to how many of its attempts the group takes).
    """
    scores = sorted(histogram, reverse=True)
    size = group_size(sum(n for _, n in scores))
    upper = _take(scores, size)
    lower = _take(list(reversed(scores)), size)
    return {score: (upper.get(score, 0.0), lower.get(score, 0.0)) for score, _ in scores}


def _take(ranked: Sequence[tuple[float, int]], size: int) -> dict[float, float]:
    """Return the share of each score's attempts among the first `size` attempts of the ranking."""
    shares, left = {}, size
    for score, n in ranked:
        taken = min(n, left)
        if taken <= 0:
            break
        shares[score] = taken / n
        left -= taken
    return shares


def pool_counts(parts: Sequence[ItemCounts], *, learners: int) -> ItemCounts:
    """Return the aggregates of one question over several content versions, as if counted at once.

    Every count adds up; the upper and lower groups stay those of each version's own attempts.
    `learners` (distinct people across the versions) cannot be added up, so the caller counts it.
    The score sums are rescaled so that the rest score m·y − x of each answer keeps its own
    version's m (questions per attempt): with M the largest m, Σy becomes Σ(m·y)/M, Σxy becomes
    Σ(m·xy)/M and Σy² becomes Σ(m²·y²)/M², which point_biserial multiplies back by M.
    """
    if not parts:
        return ItemCounts(answers=0, learners=learners, correct=0, seconds=0.0)
    most = max(p.questions_per_attempt for p in parts)
    scale = most if most > 0 else 1.0
    return ItemCounts(
        answers=sum(p.answers for p in parts),
        learners=learners,
        correct=sum(p.correct for p in parts),
        seconds=sum(p.seconds for p in parts),
        upper_answers=sum(p.upper_answers for p in parts),
        upper_correct=sum(p.upper_correct for p in parts),
        lower_answers=sum(p.lower_answers for p in parts),
        lower_correct=sum(p.lower_correct for p in parts),
        score_sum=sum(p.questions_per_attempt * p.score_sum for p in parts) / scale,
        score_squares=sum(p.questions_per_attempt ** 2 * p.score_squares for p in parts) / scale**2,
        correct_score_sum=sum(p.questions_per_attempt * p.correct_score_sum for p in parts) / scale,
        questions_per_attempt=most,
    )
