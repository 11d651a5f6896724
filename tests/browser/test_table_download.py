"""The table toolbar's "Download as CSV", in a real browser: no cell of it runs as a formula.

An administrator opens the audit log, whose table holds text typed by others (here a
formula-looking name and address planted in the database before the server starts), and
downloads the table through Streamlit's own toolbar. The file Chromium saves is read back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from course.services import database
from course.settings import BUNDLED_ROOT, load_settings
from course.store import audit
from course.store.engine import write_transaction
from course.ui.tables import FORMULA_STARTS
from tests.browser.conftest import WAIT_MS, open_sign_in, serve_app, settle, sign_in_as_demo
from tests.bundled import BUNDLED_DEMO_PEOPLE

pytestmark = pytest.mark.browser

FORMULA = '=HYPERLINK("http://evil.invalid","Click me")'


@pytest.fixture(scope="module")
def planted_app(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the app on a database whose audit log already holds formula-looking text."""
    data = tmp_path_factory.mktemp("nts-formulas")
    settings = load_settings({"NTS_DEMO": "1", "NTS_DATA_DIR": str(data),
                              "DATABASE_URL": f"sqlite:///{data / 'browser.db'}",
                              "COURSE_CONTENT": str(BUNDLED_ROOT)})
    engine = database.open_database(settings)
    try:
        with write_transaction(engine) as session:
            audit.record_event(session, "account_created", now=datetime.now(UTC), actor_label=FORMULA,
                               subject_label="@SUM(A1:A9)", target="-1+2", address="-1+2")
    finally:
        database.close_database(engine)
    with serve_app(data) as url:
        yield url


def test_the_audit_table_downloads_without_a_live_formula(
        context_on: Callable[[str], BrowserContext], planted_app: str, tmp_path: Path) -> None:
    context = context_on(planted_app)
    # The toolbar saves through the File System Access API when the browser has it; without it,
    # through an ordinary download, which Playwright can catch.
    context.add_init_script("delete window.showSaveFilePicker;")
    page = open_sign_in(context)
    admin = next(p for p in BUNDLED_DEMO_PEOPLE if p.local == "admin")
    sign_in_as_demo(page, admin.label, name=admin.name, lands_on="People")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
    settle(page)
    table = page.get_by_test_id("stDataFrame").first
    table.hover()
    with page.expect_download(timeout=WAIT_MS) as caught:
        page.get_by_role("button", name="Download as CSV").first.click()
    saved = tmp_path / "table.csv"
    caught.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    # The sentence starts with who acted, so it is defused as a whole.
    assert f"'{FORMULA} added @SUM(A1:A9)." in cells and "'-1+2" in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]


def test_the_filtered_audit_download_holds_the_raw_facts_defused(
        context_on: Callable[[str], BrowserContext], planted_app: str, tmp_path: Path) -> None:
    page = open_sign_in(context_on(planted_app))
    admin = next(p for p in BUNDLED_DEMO_PEOPLE if p.local == "admin")
    sign_in_as_demo(page, admin.label, name=admin.name, lands_on="People")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
    person = page.get_by_role("textbox", name="Person (email or name)")
    person.fill("SUM(")
    person.press("Enter")
    settle(page)
    button = page.get_by_role("button", name="Download the 1 matching events as CSV")
    expect(button).to_be_visible()
    with page.expect_download(timeout=WAIT_MS) as caught:
        button.click()
    saved = tmp_path / "audit.csv"
    caught.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert [(r["Kind"], r["Who"], r["Whom"], r["Target"], r["Address"]) for r in rows] == [
        ("account_created", f"'{FORMULA}", "'@SUM(A1:A9)", "'-1+2", "'-1+2")]
    assert rows[0]["Event"] == f"'{FORMULA} added @SUM(A1:A9)."
