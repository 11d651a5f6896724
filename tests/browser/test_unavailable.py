"""A real server: readiness that means something, and a plain page when the database is away.

Streamlit answers any unknown path with its index page and status 200, so every check here
reads the body, not only the status.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from course.ui.router import UNAVAILABLE_TEXT, UNAVAILABLE_TITLE
from tests.browser.conftest import open_sign_in, serve_app, settle, sign_in_as_demo

NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"

pytestmark = pytest.mark.browser


def _get(url: str) -> tuple[int, str, str]:
    """Return the status, body and Cache-Control header of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode(), response.headers.get("Cache-Control", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("Cache-Control", "")


@pytest.fixture(scope="module")
def broken(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Serve the app with a database URL that points nowhere; yield its URL and its log file."""
    data = tmp_path_factory.mktemp("nts-broken")
    with serve_app(data, database_url=NOWHERE) as url:
        yield url, data / "streamlit.log"


def test_liveness_and_readiness_of_a_process_without_its_database(broken: tuple[str, Path]) -> None:
    url, _ = broken
    assert _get(f"{url}/healthz") == (200, "ok\n", "no-store")
    status, body, cache = _get(f"{url}/readyz")
    assert status == 503
    assert body.startswith("not ready: cannot reach the database: connection failed")
    assert body.count("\n") == 1 and body.endswith("\n")
    assert cache == "no-store"


def test_learners_see_a_plain_page_and_the_log_one_line_per_view(
    broken: tuple[str, Path], context_on: Callable[[str], BrowserContext]
) -> None:
    url, log = broken
    before = log.read_text()
    page = context_on(url).new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name=UNAVAILABLE_TITLE, exact=True)).to_be_visible()
    expect(page.get_by_text(UNAVAILABLE_TEXT)).to_be_visible()
    settle(page)
    assert "Manage app" not in page.content()
    written = log.read_text()[len(before):]
    refused = [line for line in written.splitlines() if "page view refused" in line]
    assert len(refused) == 1, written
    assert "cannot reach the database: connection failed" in refused[0]
    assert "Traceback" not in written


def test_a_working_process_is_ready_and_serves_its_pages(
    tmp_path: Path, context_on: Callable[[str], BrowserContext]
) -> None:
    with serve_app(tmp_path) as url:
        assert _get(f"{url}/readyz") == (200, "ready\n", "no-store")
        assert _get(f"{url}/nothing-here")[1] != "ready\n"  # Streamlit's catch-all is not readiness
        # The guard around every page changes nothing while the database answers.
        page = open_sign_in(context_on(url))
        sign_in_as_demo(page, "Administrator", name="Ada Admin (demo)", lands_on="People")
        expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
        expect(page.get_by_text("page 1 of 1")).to_be_visible()
        assert UNAVAILABLE_TITLE not in page.content()
        log = (tmp_path / "streamlit.log").read_text()
        assert "Traceback" not in log and "page view refused" not in log
