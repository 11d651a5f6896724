"""Tables on the pages, made safe for the table toolbar's "Download as CSV".

Streamlit's `st.dataframe` offers a CSV download of whatever the table holds. A cell of text
taken from people (a name, a department, an email typed at sign-in, a problem quoting a roster
line) that starts with =, +, -, @, a tab or a carriage return would run as a formula in a
spreadsheet, so every such text cell is shown, and therefore downloaded, with a leading
apostrophe, as the app's own CSV exports do. Numbers, booleans and dates are left as they are.
Every page shows its tables through `show`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

#: A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """Return text a spreadsheet would run as a formula with a leading apostrophe; else the value."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return the rows with every text cell defused (the keys are the page's own headings)."""
    return [{key: defuse(value) for key, value in row.items()} for row in rows]


def show(rows: Iterable[Mapping[str, Any]], **options: Any) -> None:
    """Show rows as a table (st.dataframe options pass through), every text cell defused."""
    st.dataframe(safe_rows(rows), **options)
