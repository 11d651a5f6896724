"""No table on a page holds a cell a spreadsheet would run: the toolbar's CSV download copies it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from course.domain.permissions import Capability, Grants, Page
from course.store import audit, people
from course.store.engine import write_transaction
from course.ui.links import PAGES
from course.ui.tables import FORMULA_STARTS, defuse, safe_rows
from tests.ui.conftest import AppFactory

FORMULA = '=HYPERLINK("http://evil.invalid","Click")'
DEPARTMENT = "@SUM(1+1)"
ROOT = Path(__file__).resolve().parents[2]


def _plant(engine: Engine) -> None:
    """Put formula-looking text where users put text: names, departments, the audit log."""
    now = datetime.now(UTC)
    learner = Grants(frozenset({Capability.LEARNER}))
    with write_transaction(engine) as session:
        for n in range(5):  # a reporting cell big enough for the dashboard to show it
            people.add_person(session, f"f{n}@x.org", name=f"{FORMULA}{n}", department=DEPARTMENT,
                              tracks=("hr",), grants=learner, now=now, level="staff")
        audit.record_event(session, "sign_in_failed", now=now, actor_label="-2+3", subject_label=FORMULA,
                           target="\tcmd")


def _cells(at: AppTest) -> list[object]:
    return [cell for frame in at.dataframe for row in frame.value.itertuples(index=False) for cell in row]


def test_every_table_holding_user_text_is_defused(app: AppFactory, database: Callable[[], Engine]) -> None:
    at = app(as_demo="admin")
    _plant(database())
    seen = []
    for page in (Page.ADMIN_PEOPLE, Page.ADMIN_AUDIT, Page.DASHBOARD):
        at.switch_page(PAGES[page][0]).run()
        assert not at.exception, (page, at.exception)
        cells = [c for c in _cells(at) if isinstance(c, str)]
        assert cells, page
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], page
        seen += cells
    assert f"'{FORMULA}0" in seen  # a name on the People page
    assert f"'{DEPARTMENT}" in seen  # a department, on the People page and the dashboard
    assert {f"'{FORMULA}", "'-2+3", "'\tcmd"} <= set(seen)  # the audit log


def test_numbers_stay_numbers_and_plain_text_is_untouched() -> None:
    assert [defuse(v) for v in (-3, 2.5, True, None, "Sales", "a=b", "+44 20", "")] == [
        -3, 2.5, True, None, "Sales", "a=b", "'+44 20", ""]
    assert safe_rows([{"Name": "=1+1", "Learners": 5}]) == [{"Name": "'=1+1", "Learners": 5}]


def test_every_page_shows_its_tables_through_the_safe_helper() -> None:
    direct = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "course").rglob("*.py"))
        if path.name != "tables.py" and re.search(r"\bst\.(dataframe|data_editor|table)\(", path.read_text())
    ]
    assert direct == []
