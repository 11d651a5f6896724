"""Dashboard suppression and CSV rules, on hand-made tables."""

from __future__ import annotations

import csv
import io
import random

import numpy

from course.domain.dashboard import (
    TOTAL,
    Aggregate,
    Cell,
    Dimension,
    Suppression,
    Table,
    build_table,
    neutralise,
    render_csv,
    suppress,
    suppress_rows,
    table_rows,
)

K = 5


def _table(counts: dict[tuple[str, str], int]) -> Table:
    """Build a department x competency table whose estimates are 0.5 and totals are sums."""
    cells = [Aggregate(r, c, n, 0.5, float(n)) for (r, c), n in counts.items()]
    rows = sorted({r for r, _ in counts})
    columns = sorted({c for _, c in counts})
    row_totals = [
        Aggregate(r, TOTAL, sum(n for (rr, _), n in counts.items() if rr == r), 0.5, 0.0) for r in rows
    ]
    column_totals = [
        Aggregate(TOTAL, c, sum(n for (_, cc), n in counts.items() if cc == c), 0.5, 0.0) for c in columns
    ]
    grand = Aggregate(TOTAL, TOTAL, sum(counts.values()), 0.5, 0.0)
    return build_table(
        cells,
        rows_are=Dimension.DEPARTMENT,
        columns_are=Dimension.COMPETENCY,
        min_group_size=K,
        row_totals=row_totals,
        column_totals=column_totals,
        grand_total=grand,
    )


def test_a_cell_below_the_minimum_group_is_hidden_and_says_why() -> None:
    hidden, totals = suppress(
        {("hr", "crisis"): 4, ("it", "crisis"): 9, ("legal", "crisis"): 5},
        min_group_size=K,
        row_totals=False,
        column_totals=False,
    )
    assert hidden == {("hr", "crisis"): Suppression.SMALL_GROUP}
    assert totals == set()


def test_a_lone_hidden_cell_in_a_line_with_a_total_takes_the_next_smallest_with_it() -> None:
    hidden, totals = suppress(
        {("hr", "crisis"): 4, ("it", "crisis"): 9, ("legal", "crisis"): 6},
        min_group_size=K,
        row_totals=False,
        column_totals=True,
    )
    assert hidden == {
        ("hr", "crisis"): Suppression.SMALL_GROUP,
        ("legal", "crisis"): Suppression.COMPLEMENTARY,
    }
    assert totals == set()


def test_complementary_suppression_repeats_until_every_line_is_safe() -> None:
    # hr/crisis is small; its column partner legal/crisis is hidden, which leaves legal's row
    # with one hidden cell, so legal/listening goes too, which then needs a partner in its column.
    counts = {
        ("hr", "crisis"): 2,
        ("hr", "listening"): 20,
        ("legal", "crisis"): 6,
        ("legal", "listening"): 7,
        ("it", "crisis"): 30,
        ("it", "listening"): 8,
    }
    hidden, _ = suppress(counts, min_group_size=K)
    for line in _lines(counts):
        assert sum(k in hidden for k in line) != 1
    assert hidden[("hr", "crisis")] is Suppression.SMALL_GROUP
    assert set(hidden) == {("hr", "crisis"), ("legal", "crisis"), ("legal", "listening"), ("hr", "listening")}


def test_a_total_that_equals_a_hidden_cell_is_hidden_instead() -> None:
    hidden, totals = suppress({("hr", "crisis"): 3, ("it", "listening"): 9}, min_group_size=K)
    assert hidden == {("hr", "crisis"): Suppression.SMALL_GROUP}
    assert totals == {("hr", TOTAL), (TOTAL, "crisis")}
    table = _table({("hr", "crisis"): 3, ("it", "listening"): 9})
    assert [c.suppressed for c in table.row_totals] == [True, False]


def test_empty_cells_are_not_secrets_and_are_never_chosen_as_partners() -> None:
    hidden, _ = suppress(
        {("hr", "crisis"): 3, ("it", "crisis"): 0, ("legal", "crisis"): 12},
        min_group_size=K,
        row_totals=False,
    )
    assert hidden == {
        ("hr", "crisis"): Suppression.SMALL_GROUP,
        ("legal", "crisis"): Suppression.COMPLEMENTARY,
    }


def test_a_hidden_cell_carries_no_numbers() -> None:
    table = _table(
        {("hr", "crisis"): 3, ("hr", "listening"): 8, ("it", "crisis"): 9, ("it", "listening"): 10}
    )
    cell = table.cell("hr", "crisis")
    assert cell is not None and cell.suppressed
    assert (cell.learners, cell.estimate, cell.evidence) == (None, None, None)
    assert table.keys(cell) == {"department": "hr", "competency": "crisis"}
    assert table.learners == 30


def _lines(counts: dict[tuple[str, str], int]) -> list[list[tuple[str, str]]]:
    rows = {r for r, _ in counts}
    columns = {c for _, c in counts}
    return [[k for k in counts if k[0] == r] for r in rows] + [
        [k for k in counts if k[1] == c] for c in columns
    ]


def _recoverable(table: Table) -> list[tuple[str, str]]:
    """Return the hidden cells an attacker can solve for from the shown totals.

    Each shown row or column total gives one linear equation over the hidden cells of its line
    (the visible cells are known). A hidden cell is pinned down exactly when every solution of
    the equations gives it the same value, that is when no direction in the equations' null
    space moves it. The null space comes from a singular value decomposition, a method the
    implementation does not use, so the two cannot share a mistake.
    """
    hidden = [(c.row, c.column) for c in table.cells if c.suppressed]
    equations = [
        [float(total.row in (TOTAL, r) and total.column in (TOTAL, c)) for r, c in hidden]
        for total in (*table.row_totals, *table.column_totals)
        if not total.suppressed
    ]
    if not hidden or not equations:
        return []
    _, singular, directions = numpy.linalg.svd(numpy.array(equations))
    rank = int((singular > 1e-9).sum())
    null_space = directions[rank:]
    return [key for i, key in enumerate(hidden) if numpy.all(numpy.abs(null_space[:, i]) < 1e-9)]


def test_hidden_values_cannot_be_recovered_from_the_visible_cells_and_totals() -> None:
    counts = {
        ("hr", "crisis"): 2,
        ("hr", "listening"): 9,
        ("hr", "policy"): 7,
        ("it", "crisis"): 6,
        ("it", "listening"): 3,
        ("it", "policy"): 12,
        ("legal", "crisis"): 8,
        ("legal", "listening"): 10,
        ("legal", "policy"): 5,
    }
    table = _table(counts)
    hidden = [(c.row, c.column) for c in table.cells if c.suppressed]
    assert ("hr", "crisis") in hidden and ("it", "listening") in hidden
    assert _recoverable(table) == []


def test_the_recovery_attack_does_succeed_without_complementary_suppression() -> None:
    # The same attack against primary suppression alone finds the small cell: the test has teeth.
    counts = {("hr", "crisis"): 2, ("it", "crisis"): 6, ("legal", "crisis"): 8}
    table = _table(counts)
    primary_only = Table(
        table.rows_are,
        table.columns_are,
        table.rows,
        table.columns,
        tuple(
            c if c.suppression is not Suppression.COMPLEMENTARY else Cell(c.row, c.column, 6, 0.5, 6.0)
            for c in table.cells
        ),
        table.row_totals,
        table.column_totals,
        table.grand_total,
    )
    assert _recoverable(primary_only) == [("hr", "crisis")]
    assert _recoverable(table) == []


def test_random_tables_never_leave_a_recoverable_cell() -> None:
    generator = random.Random(7)
    for _ in range(200):
        rows, columns = generator.randint(1, 5), generator.randint(1, 4)
        counts = {
            (f"d{r}", f"c{c}"): generator.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 40])
            for r in range(rows)
            for c in range(columns)
        }
        counts = {k: n for k, n in counts.items() if n > 0} or {("d0", "c0"): 7}
        assert _recoverable(_table(counts)) == [], counts


def test_hidden_means_cannot_be_recovered_from_a_weighted_total() -> None:
    # Two hidden cells share one column total: count-weighted means admit many solutions.
    table = _table({("hr", "crisis"): 2, ("it", "crisis"): 6, ("legal", "crisis"): 30})
    hidden = [c for c in table.cells if c.suppressed]
    assert len(hidden) == 2


def test_one_way_tables_hide_a_partner_too() -> None:
    assert suppress_rows({"hr": 3, "it": 40, "legal": 8}, min_group_size=K) == {
        "hr": Suppression.SMALL_GROUP,
        "legal": Suppression.COMPLEMENTARY,
    }
    assert suppress_rows({"hr": 6, "it": 40}, min_group_size=K) == {}
    # One group with learners: the total is that group, so it goes too.
    assert suppress_rows({"hr": 3, "it": 0}, min_group_size=K) == {
        "hr": Suppression.SMALL_GROUP,
        TOTAL: Suppression.COMPLEMENTARY,
    }


def test_formula_text_is_neutralised_and_numbers_are_left_as_numbers() -> None:
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [neutralise(v) for v in ("+1", "-2", "@SUM", "\tx", "plain")] == [
        "'+1",
        "'-2",
        "'@SUM",
        "'\tx",
        "plain",
    ]
    assert neutralise(-0.25) == "-0.2500"
    assert neutralise(None) == ""
    text = render_csv(["department", "score"], [["=cmd|' /C calc'!A0", 0.5], ["HR", None]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["department", "score"],
        ["'=cmd|' /C calc'!A0", "0.5000"],
        ["HR", ""],
    ]


def test_a_table_exports_with_the_same_suppression() -> None:
    table = _table({("=evil", "crisis"): 3, ("hr", "crisis"): 8, ("it", "crisis"): 9})
    rows = list(csv.reader(io.StringIO(render_csv(*table_rows(table)))))
    assert rows[0] == ["department", "competency", "learners", "estimate", "evidence", "shown"]
    evil = next(r for r in rows if r[0] == "'=evil")
    assert evil[2:5] == ["", "", ""] and evil[5] == "hidden (small group)"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
