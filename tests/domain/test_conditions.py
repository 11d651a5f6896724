"""The `when` condition language: what parses, what it means, and what is refused."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.domain.conditions import (
    And,
    Compare,
    Condition,
    ConditionError,
    MeterRef,
    Not,
    Number,
    Or,
    evaluate,
    meters_used,
    parse_condition,
)

# --- Valid conditions ------------------------------------------------------------------------

VALID = [
    # (condition, meters, expected truth)
    ("trust >= 40", {"trust": 40}, True),
    ("trust >= 40", {"trust": 39}, False),
    ("trust > 40", {"trust": 40}, False),
    ("trust > 40", {"trust": 41}, True),
    ("trust <= 40", {"trust": 40}, True),
    ("trust <= 40", {"trust": 41}, False),
    ("trust < 40", {"trust": 40}, False),
    ("trust < 40", {"trust": 39}, True),
    ("trust == 40", {"trust": 40}, True),
    ("trust == 40", {"trust": 41}, False),
    ("trust != 40", {"trust": 40}, False),
    ("trust != 40", {"trust": 0}, True),
    ("40 <= trust", {"trust": 40}, True),
    ("40 < trust", {"trust": 40}, False),
    ("trust > reputation", {"trust": 5, "reputation": 4}, True),
    ("trust > reputation", {"trust": 4, "reputation": 4}, False),
    ("1 < 2", {}, True),
    ("2 < 1", {}, False),
    ("trust > -1", {"trust": 0}, True),
    ("trust>-1", {"trust": -1}, False),
    ("-5 < trust", {"trust": -4}, True),
    ("trust >= 007", {"trust": 7}, True),
    ("trust > 1 and reputation > 1", {"trust": 2, "reputation": 2}, True),
    ("trust > 1 and reputation > 1", {"trust": 2, "reputation": 1}, False),
    ("trust > 1 or reputation > 1", {"trust": 1, "reputation": 2}, True),
    ("trust > 1 or reputation > 1", {"trust": 1, "reputation": 1}, False),
    ("a > 0 and b > 0 and c > 0", {"a": 1, "b": 1, "c": 0}, False),
    ("a > 0 or b > 0 or c > 0", {"a": 0, "b": 0, "c": 1}, True),
    ("not trust > 1", {"trust": 2}, False),
    ("not trust > 1", {"trust": 1}, True),
    ("not not trust > 1", {"trust": 2}, True),
    ("not (trust > 1 or reputation > 1)", {"trust": 0, "reputation": 0}, True),
    # `and` binds tighter than `or`: a or (b and c), not (a or b) and c.
    ("a > 1 or b > 1 and c > 1", {"a": 2, "b": 0, "c": 0}, True),
    ("(a > 1 or b > 1) and c > 1", {"a": 2, "b": 0, "c": 0}, False),
    ("b > 1 and c > 1 or a > 1", {"a": 2, "b": 0, "c": 0}, True),
    # `not` binds tighter than `and`: (not a) and b.
    ("not a > 1 and b > 1", {"a": 0, "b": 0}, False),
    ("not (a > 1 and b > 1)", {"a": 0, "b": 0}, True),
    # Spacing and parentheses change nothing.
    ("trust>=40", {"trust": 40}, True),
    ("  trust \t>=\n 40  ", {"trust": 40}, True),
    ("(((trust >= 40)))", {"trust": 40}, True),
    ("(trust>=40)and(reputation<10)", {"trust": 40, "reputation": 9}, True),
    # Names are case-sensitive, and keywords only count as whole words.
    ("Trust > 1", {"Trust": 2}, True),
    ("andy > 1 or notice > 1 or order > 1", {"andy": 0, "notice": 0, "order": 2}, True),
    ("meter_2 == 3", {"meter_2": 3}, True),
    ("_private == 3", {"_private": 3}, True),
]


@pytest.mark.parametrize(("text", "meters", "expected"), VALID)
def test_valid_condition_evaluates(text: str, meters: dict[str, int], expected: bool) -> None:
    condition = parse_condition(text)
    assert evaluate(condition, meters) is expected


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("trust >= 40", Compare(MeterRef("trust"), ">=", Number(40))),
        ("-3 != x", Compare(Number(-3), "!=", MeterRef("x"))),
        ("not a < 1", Not(Compare(MeterRef("a"), "<", Number(1)))),
        (
            "a > 1 or b > 1 and c > 1",
            Or((
                Compare(MeterRef("a"), ">", Number(1)),
                And((Compare(MeterRef("b"), ">", Number(1)), Compare(MeterRef("c"), ">", Number(1)))),
            )),
        ),
        (
            "not (a == 1 or b == 2)",
            Not(Or((Compare(MeterRef("a"), "==", Number(1)),
                    Compare(MeterRef("b"), "==", Number(2))))),
        ),
    ],
)
def test_condition_parses_to_its_tree(text: str, tree: Condition) -> None:
    assert parse_condition(text) == tree


def test_meters_used_names_every_meter_read() -> None:
    condition = parse_condition("not (a > 1 or 2 < b) and a == c and 1 < 2")
    assert meters_used(condition) == frozenset({"a", "b", "c"})
    assert meters_used(parse_condition("1 < 2")) == frozenset()


# --- Invalid conditions ----------------------------------------------------------------------

INVALID = [
    # (condition, the exact message)
    ("", "the condition is empty"),
    ("   \t", "the condition is empty"),
    ("trust", "expected a comparison such as < or >= but the condition ended"),
    ("trust >=", "expected a meter or a number but the condition ended"),
    ("trust >= 40 and", "expected a meter or a number but the condition ended"),
    ("not", "expected a meter or a number but the condition ended"),
    ("(trust > 1", "expected ) but the condition ended"),
    ("trust > 1)", "unexpected ')' at column 10"),
    ("()", "expected a meter or a number at column 2, not ')'"),
    ("and trust > 1", "expected a meter or a number at column 1, not 'and'"),
    ("trust > and", "expected a meter or a number at column 9, not 'and'"),
    ("trust => 40", "unexpected character '=' at column 7"),
    ("trust = 40", "unexpected character '=' at column 7"),
    ("trust >= - 4", "unexpected character '-' at column 10"),
    ("trust > 1 AND x < 2", "unexpected 'AND' at column 11"),
    ("trust > 1 && x < 2", "unexpected character '&' at column 11"),
    ("trust > 1 || x < 2", "unexpected character '|' at column 11"),
    ("!(trust > 1)", "unexpected character '!' at column 1"),
    ("1 < trust < 5", "unexpected '<' at column 11"),
    ("trust >= 40 trust", "unexpected 'trust' at column 13"),
    ("trust trust", "unexpected 'trust' at column 7"),
    ("trust ≥ 40", "unexpected character '≥' at column 7"),
    ("trust >= 40;", "unexpected character ';' at column 12"),
    ("trust >= 40 # comment", "unexpected character '#' at column 13"),
    ("a if b else c", "unexpected 'if' at column 3"),
    ("trust + 1 > 2", "unexpected character '+' at column 7"),
    ("trust * 2 > 2", "unexpected character '*' at column 7"),
]

#: What Python would run but the language must refuse: calls, attributes, strings, floats...
REFUSED_PYTHON = [
    ("__import__('os').system('id')", "unexpected character \"'\" at column 12"),
    ("__import__ ( 1 )", "unexpected '(' at column 12"),
    ("len(trust) > 1", "unexpected '(' at column 4"),
    ("trust() > 1", "unexpected '(' at column 6"),
    ("trust.real > 1", "unexpected character '.' at column 6"),
    ("().__class__ > 1", "unexpected character '.' at column 3"),
    ("() > 1", "expected a meter or a number at column 2, not ')'"),
    ("trust.__class__ == 1", "unexpected character '.' at column 6"),
    ("trust >= '40'", "unexpected character \"'\" at column 10"),
    ('trust >= "40"', "unexpected character '\"' at column 10"),
    ("trust >= 4.5", "unexpected character '.' at column 11"),
    ("trust >= .5", "unexpected character '.' at column 10"),
    ("trust >= 1e3", "unexpected 'e3' at column 11"),
    ("trust >= 0x10", "unexpected 'x10' at column 11"),
    ("trust >= 1_000", "unexpected '_000' at column 11"),
    ("trust in [1, 2]", "unexpected character '[' at column 10"),
    ("trust in 1", "unexpected 'in' at column 7"),
    ("trust is 1", "unexpected 'is' at column 7"),
    ("lambda: 1", "unexpected character ':' at column 7"),
    ("trust[0] > 1", "unexpected character '[' at column 6"),
    ("{1: 2}", "unexpected character '{' at column 1"),
    ("trust > 1 if 1 else 0", "unexpected 'if' at column 11"),
    ("exec('1') or 1 < 2", "unexpected character \"'\" at column 6"),
    ("f'{trust}' > 1", "unexpected character \"'\" at column 2"),
    ("trust := 1", "unexpected character ':' at column 7"),
    ("`trust` > 1", "unexpected character '`' at column 1"),
    ("trust >= 40\x00", "unexpected character '\\x00' at column 12"),
]


@pytest.mark.parametrize(("text", "message"), INVALID + REFUSED_PYTHON)
def test_invalid_condition_is_refused_with_its_reason(text: str, message: str) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(text)
    assert str(caught.value) == message
    assert type(caught.value) is ConditionError


@pytest.mark.parametrize("name", ["__import__", "__builtins__", "eval", "exec", "open", "os", "True"])
def test_python_names_are_only_meter_names(name: str) -> None:
    """A bare name is data: a reference to a meter of that name, never a Python object."""
    condition = parse_condition(f"{name} > 1")
    assert condition == Compare(MeterRef(name), ">", Number(1))
    assert meters_used(condition) == frozenset({name})  # the content layer refuses unknown meters
    assert evaluate(condition, {name: 2}) is True
    assert evaluate(condition, {name: 1}) is False


def test_evaluation_calls_nothing_but_comparisons() -> None:
    """Meters are read by name from the mapping given, and only compared."""

    class Spy(dict[str, int]):
        def __init__(self, **values: int) -> None:
            super().__init__(**values)
            self.reads: list[str] = []

        def __getitem__(self, key: str) -> int:
            self.reads.append(key)
            return super().__getitem__(key)

    meters = Spy(a=3, b=4)
    assert evaluate(parse_condition("a < b and not b < a"), meters) is True
    assert meters.reads == ["a", "b", "b", "a"]


# --- Hostile input at scale ------------------------------------------------------------------

CONDITION_ALPHABET = st.sampled_from(
    [*"abtrus_019 ()<>=!-\t\n.'\"+*&|[]{}:;#,", "and ", "or ", "not ", ">=", "<=", "=="]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(CONDITION_ALPHABET, max_size=30).map("".join),
        st.tuples(st.integers(0, 3000), st.sampled_from(["(", "not ", "not ("]), st.booleans()).map(
            lambda t: t[1] * t[0] + "a > 1" + (")" * t[0] * ("(" in t[1]) if t[2] else "")
        ),
        st.text("0123456789", min_size=1, max_size=6000).map(lambda digits: f"a > -{digits}"),
    )
)
def test_arbitrary_text_raises_only_condition_error(text: str) -> None:
    try:
        condition = parse_condition(text)
    except ConditionError:
        return
    # Whatever parses is a tree that evaluates without error once its meters are known.
    values = dict.fromkeys(meters_used(condition), 0)
    assert evaluate(condition, values) in {True, False}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("trust > " + "9" * 5000, "the number at column 9 has more than 9 digits"),
        ("trust > -" + "9" * 5000, "the number at column 9 has more than 9 digits"),
        ("trust > 1234567890", "the number at column 9 has more than 9 digits"),
        ("(" * 400 + "trust > 1" + ")" * 400, "more than 16 levels of parentheses"),
        ("(" * 5000, "more than 16 levels of parentheses"),
        ("(" * 17 + "trust > 1" + ")" * 17, "more than 16 levels of parentheses"),
        ("not " * 1200 + "trust > 1", "more than 16 nested 'not's and parentheses"),
        ("not " * 17 + "trust > 1", "more than 16 nested 'not's and parentheses"),
        ("not (" * 9 + "trust > 1" + ")" * 9, "more than 16 nested 'not's and parentheses"),
    ],
    ids=["huge", "huge-negative", "ten-digits", "parentheses", "unbalanced", "17-parentheses",
         "nots", "17-nots", "mixed"],
)
def test_hostile_sizes_are_condition_errors(text: str, message: str) -> None:
    """Huge numbers and deep nesting are refused cleanly, not with ValueError or RecursionError."""
    with pytest.raises(ConditionError) as caught:
        parse_condition(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "meters", "expected"),
    [
        ("trust > 999999999", {"trust": 0}, False),
        ("trust > -999999999", {"trust": 0}, True),
        ("(" * 16 + "trust > 1" + ")" * 16, {"trust": 2}, True),
        ("not " * 16 + "trust > 1", {"trust": 2}, True),
        ("not (" * 8 + "trust > 1" + ")" * 8, {"trust": 2}, True),
    ],
)
def test_sizes_at_the_limits_still_parse(text: str, meters: dict[str, int], expected: bool) -> None:
    assert evaluate(parse_condition(text), meters) is expected


# --- Random well-formed trees against a reference evaluation -------------------------------

METER_NAMES = ["trust", "reputation", "a", "b_2"]
OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}

operands = st.one_of(
    st.sampled_from(METER_NAMES).map(MeterRef),
    st.integers(-150, 150).map(Number),
)
comparisons = st.builds(Compare, operands, st.sampled_from(sorted(OPERATORS)), operands)
trees = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        inner.map(Not),
        st.lists(inner, min_size=2, max_size=4).map(lambda parts: And(tuple(parts))),
        st.lists(inner, min_size=2, max_size=4).map(lambda parts: Or(tuple(parts))),
    ),
    max_leaves=12,
)
meter_values = st.fixed_dictionaries({name: st.integers(-150, 150) for name in METER_NAMES})
spaces = st.sampled_from([" ", "  ", "\t", "\n ", " \n"])


def reference(condition: Condition, meters: Mapping[str, int]) -> bool:
    """Evaluate a tree independently of the engine."""
    if isinstance(condition, Compare):
        def value(operand: MeterRef | Number) -> int:
            return meters[operand.name] if isinstance(operand, MeterRef) else operand.value

        return OPERATORS[condition.op](value(condition.left), value(condition.right))
    if isinstance(condition, Not):
        return not reference(condition.inner, meters)
    if isinstance(condition, And):
        return all(reference(part, meters) for part in condition.parts)
    assert isinstance(condition, Or)
    return any(reference(part, meters) for part in condition.parts)


def _operand(operand: MeterRef | Number) -> str:
    return operand.name if isinstance(operand, MeterRef) else str(operand.value)


def full_text(condition: Condition) -> str:
    """Write a tree with parentheses around every compound part."""
    if isinstance(condition, Compare):
        return f"{_operand(condition.left)} {condition.op} {_operand(condition.right)}"
    if isinstance(condition, Not):
        return f"not ({full_text(condition.inner)})"
    keyword = " and " if isinstance(condition, And) else " or "
    return keyword.join(f"({full_text(part)})" for part in condition.parts)


def minimal_text(condition: Condition, space: str = " ") -> str:
    """Write a tree with only the parentheses precedence needs (not > and > or)."""
    if isinstance(condition, Compare):
        return f"{_operand(condition.left)}{space}{condition.op}{space}{_operand(condition.right)}"
    if isinstance(condition, Not):
        inner = minimal_text(condition.inner, space)
        needs = isinstance(condition.inner, And | Or)
        return f"not{space}({inner})" if needs else f"not {inner}"
    if isinstance(condition, And):
        parts = [
            f"({minimal_text(p, space)})" if isinstance(p, Or | And) else minimal_text(p, space)
            for p in condition.parts
        ]
        return f"{space}and ".join(parts)
    parts = [
        f"({minimal_text(p, space)})" if isinstance(p, Or) else minimal_text(p, space)
        for p in condition.parts
    ]
    return f"{space}or ".join(parts)


@settings(max_examples=200, deadline=None)
@given(trees, meter_values, spaces)
def test_random_trees_evaluate_as_the_reference(
    tree: Condition, meters: dict[str, int], space: str
) -> None:
    expected = reference(tree, meters)
    assert evaluate(tree, meters) is expected
    assert evaluate(parse_condition(full_text(tree)), meters) is expected
    assert evaluate(parse_condition(minimal_text(tree, space)), meters) is expected


@settings(max_examples=200, deadline=None)
@given(trees)
def test_fully_parenthesised_text_parses_back_to_the_same_tree(tree: Condition) -> None:
    def flatten(condition: Condition) -> Condition:
        """Merge nested and-of-and and or-of-or, which the text cannot tell apart."""
        if isinstance(condition, Not):
            return Not(flatten(condition.inner))
        if isinstance(condition, And | Or):
            kind = type(condition)
            parts: list[Condition] = []
            for part in map(flatten, condition.parts):
                parts.extend(part.parts if type(part) is kind else (part,))  # type: ignore[union-attr]
            return kind(tuple(parts))
        return condition

    parsed = parse_condition(full_text(tree))
    assert parsed == tree
    assert flatten(parse_condition(minimal_text(tree))) == flatten(tree)
