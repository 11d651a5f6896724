"""`can_hold` against trying every value of small meters."""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from course.content.condition_checks import can_hold
from course.domain.conditions import And, Compare, Condition, MeterRef, Not, Number, Or, evaluate
from course.domain.model import Meter

OPS = ["<", "<=", ">", ">=", "==", "!="]
METERS = {"a": Meter("a", "A", 0, -3, 4), "b": Meter("b", "B", 0, 0, 6)}

operands = st.one_of(st.sampled_from([MeterRef("a"), MeterRef("b")]), st.builds(Number, st.integers(-8, 9)))
compares = st.builds(Compare, operands, st.sampled_from(OPS), operands)
conditions = st.recursive(
    compares,
    lambda inner: st.one_of(st.builds(Not, inner),
                            st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
                            st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple))),
    max_leaves=6,
)


def _brute(condition: Condition) -> bool:
    values = product(range(-3, 5), range(0, 7))
    return any(evaluate(condition, {"a": a, "b": b}) for a, b in values)


@settings(max_examples=400, deadline=None)
@given(conditions)
def test_can_hold_agrees_with_trying_every_value(condition: Condition) -> None:
    assert can_hold(condition, METERS) == _brute(condition)


def test_a_meter_against_another_is_searched() -> None:
    assert can_hold(Compare(MeterRef("a"), ">", MeterRef("b")), METERS)
    assert not can_hold(And((Compare(MeterRef("a"), ">", MeterRef("b")),
                             Compare(MeterRef("b"), ">=", Number(4)))), METERS)
