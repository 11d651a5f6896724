"""Real-browser fixtures: the app served by `streamlit run` on a free port, driven by Playwright.

The app runs as a subprocess with demo mode on and a fresh SQLite database in a temporary
folder, once per test session (`app_url`, for the learner tests). The studio and dashboard tests
use servers of their own on a copy of the course with a seeded database (`seeded_app`, shared
by the read-only tests; the trainer journey, which edits content, starts one for itself).
Playwright drives Debian's chromium at /usr/bin/chromium and never downloads a browser of its
own (`chromium_path`, in tests/conftest.py). Without chromium the browser tests skip, unless
NTS_REQUIRE_BROWSER=1 (CI sets it): then they fail, so a missing browser is never a silent pass.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Error, Page, expect, sync_playwright

from bench.load import free_port
from tests.browser.seeding import Seeded, copy_course, seed_database, server_settings
from tests.lti_platform import lti_platform

__all__ = ["lti_platform"]  # the real LTI platform, for tests/browser/test_lti_launch.py

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: How long the server may take to answer its health check (first start imports a lot).
STARTUP_SECONDS = 60
#: Default wait for anything to appear on a page: Streamlit reruns are asynchronous.
WAIT_MS = 20_000

expect.set_options(timeout=WAIT_MS)

#: Requests for anything but the app's own server (and inline data).
_ELSEWHERE = re.compile(r"^(?!https?://127\.0\.0\.1:\d+/|data:|blob:)")
#: True once the script has stopped running and every element on screen is current.
_SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
    && document.querySelector('[data-stale="true"]') === null;
}"""


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling a server that is starting up, not waiting on the page
    raise RuntimeError(f"streamlit did not answer within {STARTUP_SECONDS}s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def serve_app(
    data: Path,
    *,
    content: Path | None = None,
    environment: dict[str, str] | None = None,
    database_url: str | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """Serve app.py in demo mode on a free port, with its database in `data`; yield its base URL.

    `content` is the course folder to serve (COURSE_CONTENT); None serves the bundled course.
    `environment` adds or overrides variables (SMTP settings, for example).
    `database_url` replaces the SQLite file in `data` (say, with one that cannot be reached).
    `port` is the port to serve on, for a test that must know its address beforehand (default: a
    free one).
    The server is stopped when the block ends.
    """
    log = data / "streamlit.log"
    port = port or free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "COURSE_CONTENT"} and not key.startswith("STREAMLIT_")}
    env.update({
        "NTS_DEMO": "1",
        "NTS_DATA_DIR": str(data),
        "DATABASE_URL": database_url or f"sqlite:///{data / 'browser.db'}",
        "PYTHONUNBUFFERED": "1",
    })
    if content is not None:
        env["COURSE_CONTENT"] = str(content)
    env.update(environment or {})
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(url, process, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


@pytest.fixture(scope="session")
def app_url(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve app.py with demo mode on and a fresh temporary database; yield its base URL."""
    with serve_app(tmp_path_factory.mktemp("nts-data")) as url:
        yield url


@dataclass(frozen=True, slots=True)
class ServedCourse:
    """A server on its own copy of the course and its own seeded database."""

    url: str
    data: Path
    content: Path
    seeded: Seeded


@contextlib.contextmanager
def serve_seeded_copy(root: Path) -> Iterator[ServedCourse]:
    """Copy the bundled course into root, seed a database beside it, and serve both."""
    content = copy_course(root / "content")
    data = root / "data"
    data.mkdir()
    seeded = seed_database(server_settings(data, content))
    with serve_app(data, content=content) as url:
        yield ServedCourse(url, data, content, seeded)


@pytest.fixture(scope="session")
def seeded_app(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedCourse]:
    """Serve a copy of the course with a seeded database, shared by the read-only studio tests.

    The shared `app_url` server stays fresh for the learner tests; the trainer journey, which
    edits content, starts a server of its own.
    """
    with serve_seeded_copy(tmp_path_factory.mktemp("nts-seeded")) as served:
        yield served


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Browser]:
    """Launch one headless chromium (Debian's, never a downloaded one) for the whole session."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder for debugging screenshots (never asserted)."""
    return tmp_path_factory.mktemp("screenshots")


ContextFactory = Callable[[], BrowserContext]
PageFactory = Callable[[], Page]


def open_isolated_context(browser: Browser, app_url: str) -> BrowserContext:
    """Open a browser context on the app (its own cookies, so its own app session), offline.

    The app needs nothing beyond its own server (its favicon would come from a font CDN):
    every other request is refused, so no test depends on or reaches the network.
    """
    context = browser.new_context(base_url=app_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    context.route(_ELSEWHERE, lambda route: route.abort())
    return context


@pytest.fixture
def context_on(browser: Browser) -> Iterator[Callable[[str], BrowserContext]]:
    """Return a function that opens a fresh browser context on the server at a base URL.

    Every context opened here is closed at the end of the test; a test may close one earlier.
    """
    opened: list[BrowserContext] = []

    def open_context(url: str) -> BrowserContext:
        context = open_isolated_context(browser, url)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        with contextlib.suppress(Error):  # the test may have closed it already
            context.close()


@pytest.fixture
def new_context(context_on: Callable[[str], BrowserContext], app_url: str) -> ContextFactory:
    """Return a function that opens a fresh browser context: its own cookies, its own app session."""
    return lambda: context_on(app_url)


def open_sign_in(context: BrowserContext, path: str = "/") -> Page:
    """Open a page of the app in the context and wait for the sign-in page it shows first."""
    page = context.new_page()
    page.goto(path)
    expect(page.get_by_role("heading", name="Need to Share", exact=True)).to_be_visible(timeout=WAIT_MS * 2)
    settle(page)
    return page


@pytest.fixture
def new_page(new_context: ContextFactory) -> PageFactory:
    """Return a function that opens a page in a fresh context, showing the app's sign-in page."""
    return lambda: open_sign_in(new_context())


def settle(page: Page) -> None:
    """Wait until Streamlit has finished its current run and no element is shown as stale.

    Call it after waiting for the text a run should produce: straight after a click the
    script may not have started yet.
    """
    page.wait_for_function(_SETTLED, timeout=WAIT_MS)


def choose(page: Page, box: str, option: str) -> None:
    """Pick an option of a Streamlit select box by its visible label, typed as a person would.

    Long option lists are drawn only as far as they are scrolled: typing narrows the list to
    the option wanted, so it is on screen whatever its position.
    """
    combobox = page.get_by_role("combobox", name=box, exact=True)
    if combobox.input_value() == option:  # already chosen: a typed filter would list nothing new
        return
    combobox.click()
    combobox.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.get_by_role("combobox", name=box, exact=True)).to_have_value(option)
    settle(page)


def sign_in_as_demo(page: Page, label: str, *, name: str, lands_on: str | None = None) -> None:
    """Press the demo button with this label on the sign-in page and wait for the landing page.

    A learner lands on their path ("Welcome, <name>"); other roles land on the heading given as
    `lands_on` (a trainer on "Content health", a leader on "Literacy dashboard", an admin on
    "People"). A sign-in sends the browser through the cookie route and back: wait for that
    return, so the next click lands on the page that stays.
    """
    follow_sign_in(page, lambda: page.get_by_role("button", name=f"Demo: {label}", exact=True).click())
    heading = lands_on or f"Welcome, {name}"
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    settle(page)


def follow_sign_in(page: Page, action: Callable[[], None]) -> None:
    """Do what signs in, and wait until the browser is back from the cookie route."""
    with page.expect_navigation(timeout=WAIT_MS), page.expect_request(
        lambda request: "/auth/session?" in request.url, timeout=WAIT_MS
    ):
        action()


def shoot(page: Page, folder: Path, name: str) -> None:
    """Save a full-page screenshot for debugging; never let it fail a test."""
    with contextlib.suppress(Error):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
