"""The `when` condition language of scenario choices: parsed to a small tree, never `eval`ed.

Grammar (keywords are case-sensitive, integers only):

    condition  := disjunct ("or" disjunct)*
    disjunct   := conjunct ("and" conjunct)*
    conjunct   := "not" conjunct | "(" condition ")" | operand OP operand
    operand    := meter-name | integer            OP := < <= > >= == !=
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op><=|>=|==|!=|<|>)|(?P<par>[()]))"
)
_KEYWORDS = {"and", "or", "not"}
#: Limits that keep hostile conditions cheap: meters are small numbers, conditions are short.
MAX_DIGITS = 9
MAX_DEPTH = 16
_OPERATORS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class ConditionError(ValueError):
    """A condition that does not follow the grammar; the message says where and what."""


@dataclass(frozen=True, slots=True)
class MeterRef:
    """A reference to a meter's current value."""

    name: str


@dataclass(frozen=True, slots=True)
class Number:
    """An integer literal."""

    value: int


Operand = MeterRef | Number


@dataclass(frozen=True, slots=True)
class Compare:
    """`left OP right`."""

    left: Operand
    op: str
    right: Operand


@dataclass(frozen=True, slots=True)
class Not:
    """`not inner`."""

    inner: Condition


@dataclass(frozen=True, slots=True)
class And:
    """All of the parts hold."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Any of the parts holds."""

    parts: tuple[Condition, ...]


Condition = Compare | Not | And | Or


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            column = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            raise ConditionError(f"unexpected character {text[column - 1]!r} at column {column}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        column = match.start(kind) + 1
        if kind == "name" and value in _KEYWORDS:
            kind = value
        tokens.append((kind, value, column))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str | None = None, value: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            wanted = value or {"op": "a comparison such as < or >="}.get(kind or "", kind or "more")
            raise ConditionError(f"expected {wanted} but the condition ended")
        if (kind and token[0] != kind) or (value and token[1] != value):
            raise ConditionError(f"unexpected {token[1]!r} at column {token[2]}")
        self.pos += 1
        return token

    def condition(self) -> Condition:
        parts = [self.disjunct()]
        while (token := self.peek()) and token[0] == "or":
            self.take()
            parts.append(self.disjunct())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def disjunct(self) -> Condition:
        parts = [self.conjunct()]
        while (token := self.peek()) and token[0] == "and":
            self.take()
            parts.append(self.conjunct())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def conjunct(self) -> Condition:
        token = self.peek()
        if token and token[0] == "not":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ConditionError(f"more than {MAX_DEPTH} nested 'not's and parentheses")
            inner = self.conjunct()
            self.depth -= 1
            return Not(inner)
        if token and token[1] == "(":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ConditionError(f"more than {MAX_DEPTH} levels of parentheses")
            inner = self.condition()
            self.take("par", ")")
            self.depth -= 1
            return inner
        left = self.operand()
        op = self.take("op")[1]
        return Compare(left, op, self.operand())

    def operand(self) -> Operand:
        token = self.peek()
        if token is None:
            raise ConditionError("expected a meter or a number but the condition ended")
        if token[0] == "num":
            self.take()
            if len(token[1].lstrip("-")) > MAX_DIGITS:
                raise ConditionError(f"the number at column {token[2]} has more than {MAX_DIGITS} digits")
            return Number(int(token[1]))
        if token[0] == "name":
            self.take()
            return MeterRef(token[1])
        raise ConditionError(f"expected a meter or a number at column {token[2]}, not {token[1]!r}")


def parse_condition(text: str) -> Condition:
    """Parse a `when` condition, or raise ConditionError saying where it goes wrong."""
    if not text.strip():
        raise ConditionError("the condition is empty")
    parser = _Parser(text)
    result = parser.condition()
    extra = parser.peek()
    if extra is not None:
        raise ConditionError(f"unexpected {extra[1]!r} at column {extra[2]}")
    return result


def meters_used(condition: Condition) -> frozenset[str]:
    """Return the names of the meters a condition reads."""
    match condition:
        case Compare(left, _, right):
            return frozenset(o.name for o in (left, right) if isinstance(o, MeterRef))
        case Not(inner):
            return meters_used(inner)
        case And(parts) | Or(parts):
            return frozenset().union(*(meters_used(p) for p in parts))
    raise TypeError(condition)  # pragma: no cover - the union above is exhaustive


def _value(operand: Operand, meters: Mapping[str, int]) -> int:
    return operand.value if isinstance(operand, Number) else meters[operand.name]


def evaluate(condition: Condition, meters: Mapping[str, int]) -> bool:
    """Tell whether the condition holds for these meter values."""
    match condition:
        case Compare(left, op, right):
            return bool(_OPERATORS[op](_value(left, meters), _value(right, meters)))
        case Not(inner):
            return not evaluate(inner, meters)
        case And(parts):
            return all(evaluate(p, meters) for p in parts)
        case Or(parts):
            return any(evaluate(p, meters) for p in parts)
    raise TypeError(condition)  # pragma: no cover
