"""Dashboard values and the privacy rules that decide which of their cells may be shown.

Aggregates arrive here as plain counts and means (computed in SQL by course/store/analytics/);
this module turns them into typed tables and applies small-group suppression:

- primary: a cell with at least one but fewer than `min_group_size` learners is hidden;
- complementary: in a row or column whose total is shown, one hidden cell could be worked out
  from the total and the visible cells, so the next smallest visible cell is hidden too (or,
  when there is none, the total itself); this repeats until nothing changes;
- audit: row and column totals together can still pin a hidden cell down (a linear system),
  so any cell they determine gets one more partner; then the line rule runs again.

CSV rendering neutralises text that a spreadsheet would run as a formula. Stdlib only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

#: The key a row or column total is stored under.
TOTAL = "(all)"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Dimension(StrEnum):
    """What a table's rows or columns are."""

    DEPARTMENT = "department"
    TRACK = "track"
    LEVEL = "level"
    COMPETENCY = "competency"
    PERIOD = "period"
    MEASURE = "measure"


class Suppression(StrEnum):
    """Whether a cell is shown and, if not, why."""

    SHOWN = "shown"
    SMALL_GROUP = "small group"
    COMPLEMENTARY = "complementary"


@dataclass(frozen=True, slots=True)
class Aggregate:
    """One group's raw aggregate, before suppression: learners, mean estimate, evidence."""

    row: str
    column: str
    learners: int
    estimate: float | None
    evidence: float


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell of a dashboard table, as it may be shown.

    `row` and `column` are keys along the table's dimensions (a department and a competency,
    say); TOTAL marks a total. A suppressed cell carries no learner count, estimate or evidence.
    """

    row: str
    column: str
    learners: int | None
    estimate: float | None
    evidence: float | None
    suppression: Suppression = Suppression.SHOWN

    @property
    def suppressed(self) -> bool:
        """Tell whether the cell is hidden."""
        return self.suppression is not Suppression.SHOWN


@dataclass(frozen=True, slots=True)
class Table:
    """A two-way table (for example department x competency) with its totals, suppressed.

    `row_totals` holds one cell per row (column TOTAL), `column_totals` one per column (row
    TOTAL), `grand_total` the whole table; each may be suppressed like any cell.
    """

    rows_are: Dimension
    columns_are: Dimension
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[Cell, ...]
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    grand_total: Cell | None
    caption: str = ""

    def cell(self, row: str, column: str) -> Cell | None:
        """Return the cell at this row and column, or None when the group has no learners."""
        return next((c for c in self.cells if c.row == row and c.column == column), None)

    def keys(self, cell: Cell) -> dict[str, str]:
        """Return the cell's keys by dimension, for example {"department": "HR", ...}."""
        return {self.rows_are.value: cell.row, self.columns_are.value: cell.column}

    @property
    def learners(self) -> int | None:
        """Return the table's sample size (None when even the total is hidden)."""
        return None if self.grand_total is None else self.grand_total.learners


def _hideable(
    counts: Mapping[tuple[str, str], int],
    hidden: Mapping[tuple[str, str], Suppression],
    line: Sequence[tuple[str, str]],
) -> list[tuple[str, str]]:
    return sorted((k for k in line if k not in hidden and counts[k] > 0), key=lambda k: (counts[k], k))


def suppress(
    counts: Mapping[tuple[str, str], int],
    *,
    min_group_size: int,
    row_totals: bool = True,
    column_totals: bool = True,
) -> tuple[dict[tuple[str, str], Suppression], set[tuple[str, str]]]:
    """Decide which cells to hide: primary, then complementary until stable.

    `counts` maps (row, column) to learners. Returns the hidden cells with their reason and the
    totals that must be hidden as well, as (row, TOTAL) or (TOTAL, column) keys.
    """
    hidden: dict[tuple[str, str], Suppression] = {
        key: Suppression.SMALL_GROUP for key, n in counts.items() if 0 < n < min_group_size
    }
    hidden_totals: set[tuple[str, str]] = set()
    lines: list[tuple[tuple[str, str], list[tuple[str, str]]]] = []
    if row_totals:
        for row in sorted({r for r, _ in counts}):
            lines.append(((row, TOTAL), [k for k in counts if k[0] == row]))
    if column_totals:
        for column in sorted({c for _, c in counts}):
            lines.append(((TOTAL, column), [k for k in counts if k[1] == column]))
    while _complete_lines(counts, hidden, hidden_totals, lines) | _break_recoveries(
        counts, hidden, hidden_totals, lines
    ):
        pass
    return hidden, hidden_totals


_Key = tuple[str, str]
_Line = tuple[_Key, list[_Key]]


def _complete_lines(
    counts: Mapping[_Key, int], hidden: dict[_Key, Suppression], hidden_totals: set[_Key], lines: list[_Line]
) -> bool:
    """Give every line (with a shown total) holding one hidden cell a second one; say if changed."""
    changed = True
    any_change = False
    while changed:
        changed = False
        for total_key, line in lines:
            if total_key in hidden_totals:
                continue
            if sum(1 for k in line if k in hidden) != 1:
                continue
            candidates = _hideable(counts, hidden, line)
            if candidates:
                hidden[candidates[0]] = Suppression.COMPLEMENTARY
            else:  # the total is the hidden cell itself: hide the total instead
                hidden_totals.add(total_key)
            changed = any_change = True
    return any_change


def _break_recoveries(
    counts: Mapping[_Key, int], hidden: dict[_Key, Suppression], hidden_totals: set[_Key], lines: list[_Line]
) -> bool:
    """Hide one more cell if the shown totals, taken together, still pin down a hidden cell.

    Lines alone are not enough in two-way tables: combining row and column totals can solve
    for a hidden cell even when every line holds two. Each shown total is one linear equation
    over the hidden cells; a cell is recoverable when its unit vector lies in their span.
    """
    keys = sorted(hidden)
    equations = [
        [Fraction(int(k in line)) for k in keys]
        for total_key, line in lines
        if total_key not in hidden_totals
    ]
    base = _rank(equations)
    for index, key in enumerate(keys):
        unit = [Fraction(int(j == index)) for j in range(len(keys))]
        if _rank([*equations, unit]) != base:
            continue
        for total_key, line in lines:
            if key in line and total_key not in hidden_totals:
                candidates = _hideable(counts, hidden, line)
                if candidates:
                    hidden[candidates[0]] = Suppression.COMPLEMENTARY
                else:
                    hidden_totals.add(total_key)
                return True
    return False


def _rank(matrix: list[list[Fraction]]) -> int:
    """Return the rank of a small matrix by exact Gaussian elimination."""
    rows = [row[:] for row in matrix]
    rank = 0
    width = len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column] != 0:
                factor = rows[i][column] / rows[rank][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def _shown(aggregate: Aggregate | None, row: str, column: str, reason: Suppression) -> Cell:
    if reason is not Suppression.SHOWN or aggregate is None:
        return Cell(row, column, None, None, None, reason)
    return Cell(row, column, aggregate.learners, aggregate.estimate, aggregate.evidence)


def _total_cell(
    aggregate: Aggregate | None, row: str, column: str, *, min_group_size: int, hidden: bool
) -> Cell:
    learners = 0 if aggregate is None else aggregate.learners
    if hidden:
        return _shown(aggregate, row, column, Suppression.COMPLEMENTARY)
    if 0 < learners < min_group_size:
        return _shown(aggregate, row, column, Suppression.SMALL_GROUP)
    if aggregate is None:
        return Cell(row, column, 0, None, 0.0)
    return _shown(aggregate, row, column, Suppression.SHOWN)


def build_table(
    cells: Iterable[Aggregate],
    *,
    rows_are: Dimension,
    columns_are: Dimension,
    min_group_size: int,
    row_totals: Iterable[Aggregate] = (),
    column_totals: Iterable[Aggregate] = (),
    grand_total: Aggregate | None = None,
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    caption: str = "",
) -> Table:
    """Build a suppressed table from raw aggregates and their totals (totals are optional)."""
    raw = {(a.row, a.column): a for a in cells}
    by_row = {a.row: a for a in row_totals}
    by_column = {a.column: a for a in column_totals}
    row_keys = tuple(rows) if rows is not None else tuple(sorted({r for r, _ in raw}))
    column_keys = tuple(columns) if columns is not None else tuple(sorted({c for _, c in raw}))
    counts = {key: a.learners for key, a in raw.items()}
    hidden, hidden_totals = suppress(
        counts, min_group_size=min_group_size, row_totals=bool(by_row), column_totals=bool(by_column)
    )
    shown = tuple(
        _shown(a, a.row, a.column, hidden.get(key, Suppression.SHOWN)) for key, a in sorted(raw.items())
    )
    row_cells = (
        tuple(
            _total_cell(
                by_row.get(r), r, TOTAL, min_group_size=min_group_size, hidden=(r, TOTAL) in hidden_totals
            )
            for r in row_keys
        )
        if by_row
        else ()
    )
    column_cells = (
        tuple(
            _total_cell(
                by_column.get(c), TOTAL, c, min_group_size=min_group_size, hidden=(TOTAL, c) in hidden_totals
            )
            for c in column_keys
        )
        if by_column
        else ()
    )
    grand = (
        None
        if grand_total is None
        else _total_cell(grand_total, TOTAL, TOTAL, min_group_size=min_group_size, hidden=False)
    )
    return Table(rows_are, columns_are, row_keys, column_keys, shown, row_cells, column_cells, grand, caption)


# -- Result values of the other dashboard sections ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Headline:
    """The organisation (or the leader's scope) at a glance."""

    score: float | None
    learners: int | None
    active_learners: int | None
    participation: float | None
    previous_score: float | None
    change: float | None
    period_start: datetime | None
    period_end: datetime
    caption: str


@dataclass(frozen=True, slots=True)
class PrePost:
    """A group's mean estimate from its learners' first evidence and from their latest."""

    row: str
    column: str
    learners: int | None
    before: float | None
    after: float | None
    suppression: Suppression = Suppression.SHOWN

    @property
    def change(self) -> float | None:
        """Return after minus before, when both are shown."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True, slots=True)
class Completion:
    """A department's completion counts (never who): learners, started, completed, overdue."""

    department: str
    learners: int | None
    not_started: int | None
    in_progress: int | None
    completed: int | None
    overdue: int | None
    suppression: Suppression = Suppression.SHOWN


@dataclass(frozen=True, slots=True)
class ChoiceFlow:
    """How many learners of a department took a choice at a scenario node, and where it led."""

    scenario_id: str
    department: str
    node_id: str
    choice_index: int
    target_node: str
    steps: int
    learners: int
    choice_score: int | None
    #: A wrong turn: the scenario scores this choice below the best choice at the node.
    wrong: bool


@dataclass(frozen=True, slots=True)
class EndingCount:
    """How many runs of a department reached a scenario ending."""

    scenario_id: str
    department: str
    ending_node: str
    ending_kind: str
    runs: int
    learners: int


@dataclass(frozen=True, slots=True)
class QuestionFacility:
    """A question's share of correct answers (its facility), with its sample size."""

    quiz_id: str
    question_id: str
    competency: str
    answers: int
    correct: int
    learners: int

    @property
    def facility(self) -> float:
        """Return the share of answers that were correct."""
        return self.correct / self.answers if self.answers else 0.0


def suppress_rows(counts: Mapping[str, int], *, min_group_size: int) -> dict[str, Suppression]:
    """Hide groups of a one-way table (totals shown) by the same rules as a two-way one.

    The total is hidden too (key TOTAL) when it is too small or would give a hidden group away.
    """
    hidden, totals = suppress(
        {(key, TOTAL): n for key, n in counts.items()},
        min_group_size=min_group_size,
        row_totals=False,
        column_totals=True,
    )
    found = {row: reason for (row, _), reason in hidden.items()}
    total = sum(counts.values())
    if totals or 0 < total < min_group_size:
        found[TOTAL] = Suppression.COMPLEMENTARY if totals else Suppression.SMALL_GROUP
    return found


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """A period's pooled estimate for a department and competency (hidden below the minimum)."""

    period: str
    department: str
    competency: str
    learners: int | None
    answers: int | None
    estimate: float | None
    suppression: Suppression = Suppression.SHOWN


# -- CSV ---------------------------------------------------------------------------------------


def neutralise(value: object) -> str:
    """Render a value for CSV; text a spreadsheet would run as a formula gets a leading quote.

    Numbers are rendered by this code, never taken from input, so they are written as numbers
    (a negative change stays a number); every text value that begins with =, +, -, @, a tab
    or a carriage return is prefixed with an apostrophe.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:.4f}" if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def render_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Render rows as CSV with every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()


def table_rows(table: Table) -> tuple[list[str], list[list[object]]]:
    """Return a table as long-format CSV header and rows; hidden cells say why they are hidden."""
    header = [table.rows_are.value, table.columns_are.value, "learners", "estimate", "evidence", "shown"]
    out: list[list[object]] = []
    for cell in (
        *table.cells,
        *table.row_totals,
        *table.column_totals,
        *(() if table.grand_total is None else (table.grand_total,)),
    ):
        out.append(
            [
                cell.row,
                cell.column,
                cell.learners,
                cell.estimate,
                cell.evidence,
                "yes" if not cell.suppressed else f"hidden ({cell.suppression.value})",
            ]
        )
    return header, out

