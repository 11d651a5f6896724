"""Whether a `when` condition can hold at all while every meter stays within its bounds.

Meters are clamped to [min, max], so `trust > 150` on a meter whose max is 100 can never hold,
nor can `trust > 60 and trust < 40`. A choice with such a condition is never offered: almost
always a typo. The truth of a comparison with a number changes only next to that number, so
trying each meter's bounds and the values around the numbers it is compared with decides the
question exactly. Comparisons between two meters are decided by trying every value pair, when
the ranges are small enough; otherwise the condition is given the benefit of the doubt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import product

from course.domain.conditions import And, Compare, Condition, MeterRef, Not, Number, Or, evaluate
from course.domain.model import Meter

#: Above this many value combinations, a condition is assumed satisfiable rather than searched.
MAX_COMBINATIONS = 20_000


def _comparisons(condition: Condition) -> Iterator[Compare]:
    match condition:
        case Compare():
            yield condition
        case Not(inner):
            yield from _comparisons(inner)
        case And(parts) | Or(parts):
            for part in parts:
                yield from _comparisons(part)


def _candidates(condition: Condition, meters: Mapping[str, Meter]) -> dict[str, set[int]] | None:
    """Return the values worth trying for each meter, or None when there would be too many."""
    values = {name: {meter.min, meter.max} for name, meter in meters.items()}
    for compare in _comparisons(condition):
        left, right = compare.left, compare.right
        if isinstance(left, MeterRef) and isinstance(right, MeterRef):
            for name in (left.name, right.name):
                meter = meters[name]
                if meter.max - meter.min > MAX_COMBINATIONS:
                    return None
                values[name] = set(range(meter.min, meter.max + 1))
            continue
        for ref, number in ((left, right), (right, left)):
            if isinstance(ref, MeterRef) and isinstance(number, Number):
                values[ref.name] |= {number.value - 1, number.value, number.value + 1}
    return {name: {v for v in found if meters[name].min <= v <= meters[name].max}
            for name, found in values.items()}


def can_hold(condition: Condition, meters: Mapping[str, Meter]) -> bool:
    """Tell whether some meter values within their bounds make the condition hold.

    Every meter the condition reads must be in `meters` (unknown meters are reported apart).
    """
    names = sorted({c.name for compare in _comparisons(condition)
                    for c in (compare.left, compare.right) if isinstance(c, MeterRef)})
    candidates = _candidates(condition, {n: meters[n] for n in names})
    if candidates is None:
        return True
    count = 1
    for name in names:
        count *= len(candidates[name])
    if count > MAX_COMBINATIONS:
        return True
    pools = [sorted(candidates[name]) for name in names]
    return any(evaluate(condition, dict(zip(names, values, strict=True))) for values in product(*pools))
