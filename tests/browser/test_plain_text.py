"""Streamlit's own front end shows escaped plain text exactly as typed, in every kind of call.

A small Streamlit page (tests/browser/apps/plain_text.py) shows each hostile string of the
catalogue through `literal` as Markdown, a caption, a header, a warning, a button label, a radio
option and an expander label. The browser must show the string's characters and nothing else:
no link, no image, no emphasis, no colour, no icon, no emoji, no formula, and no script run.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.load import free_port
from course.ui.text import JOINER, shown
from tests.browser.conftest import ROOT, WAIT_MS, _wait_healthy, open_isolated_context, settle
from tests.ui.hostile_text import CATALOGUE

pytestmark = pytest.mark.browser

APP = ROOT / "tests" / "browser" / "apps" / "plain_text.py"
#: Elements the escaped text must never turn into.
MARKUP = "a, img, strong, em, del, code, pre, h1, h4, ul, ol, li, blockquote, table, hr, script, " \
         ".katex, [data-testid='stIconMaterial'], span[style*='color']"
#: Each kind of call the catalogue page uses, and where its text is shown.
PLACES = {
    "markdown": "[data-testid='stMarkdownContainer']",
    "caption": "[data-testid='stCaptionContainer']",
    "subheader": "h3",
    "warning": "[data-testid='stAlertContentWarning'] [data-testid='stMarkdownContainer']",
    "button": "button [data-testid='stMarkdownContainer']",
    "radio": "[role='radiogroup'] [data-testid='stMarkdownContainer']",
    "expander": "summary [data-testid='stMarkdownContainer']",
}


@contextlib.contextmanager
def _serve(data: Path) -> Iterator[str]:
    port = free_port()
    log = data / "streamlit.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("STREAMLIT_")}
    env.update({"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(url, process, log)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def catalogue_page(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """Open the catalogue page in a fresh context; fail the test on any dialog."""
    with _serve(tmp_path_factory.mktemp("plain-text")) as url:
        context = open_isolated_context(browser, url)
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto("/")
        expect(page.locator(f".st-key-case-{len(CATALOGUE) - 1}-expander summary")).to_be_visible(
            timeout=WAIT_MS * 2)
        settle(page)
        yield page
        assert dialogs == []
        context.close()


@pytest.mark.parametrize("number", range(len(CATALOGUE)))
def test_each_kind_of_call_shows_the_typed_characters_only(catalogue_page: Page, number: int) -> None:
    expected = shown(CATALOGUE[number])
    for place, selector in PLACES.items():
        found = catalogue_page.locator(f".st-key-case-{number}-{place} {selector}")
        expect(found, place).to_have_count(1)
        assert found.inner_text().replace(JOINER, "").strip() == expected, place
        assert found.locator(MARKUP).count() == 0, place


def test_no_script_ran_and_nothing_was_fetched_elsewhere(catalogue_page: Page) -> None:
    assert catalogue_page.evaluate("() => window.__pwned === undefined")
    assert catalogue_page.locator("img[src*='evil'], a[href*='evil']").count() == 0


def test_sanitised_html_is_shown_without_a_second_markdown_pass(catalogue_page: Page) -> None:
    shown_once = catalogue_page.locator(".st-key-prose-html")
    parsed_twice = catalogue_page.locator(".st-key-prose-markdown")
    # What the second pass did: after a blank line in a code block the text was Markdown again
    # (a formula, a link), and an icon shortcode in plain prose was rewritten.
    assert parsed_twice.locator(".katex").count() >= 1
    assert parsed_twice.locator("a[href='https://example.org/inside-code']").count() == 1
    assert ":material_home:" in parsed_twice.inner_text()
    made = ".katex, [data-testid='stIconMaterial'], a[href*='inside-code'], a[href*='bare']"
    assert shown_once.locator(made).count() == 0
    assert "It costs $5 or $6, :red[not red] and :material/home: stay text" in shown_once.inner_text()
    assert "$x$ and $y$ [a link](https://example.org/inside-code)" in shown_once.locator("pre").inner_text()
    link = shown_once.get_by_role("link", name="link", exact=True)
    assert link.get_attribute("href") == "https://example.org/page"
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    for selector in ("strong", "em", "code", "ul li", "table td"):
        assert shown_once.locator(selector).count() >= 1, selector
    # The same type as Markdown text: size and family match, paragraphs keep a gap, cells a border.
    style = "e => { const s = getComputedStyle(e); return [s.fontSize, s.fontFamily]; }"
    assert shown_once.locator("p").first.evaluate(style) == parsed_twice.locator("p").first.evaluate(style)
    assert shown_once.locator("p").first.evaluate("e => parseFloat(getComputedStyle(e).marginBottom)") > 0
    assert shown_once.locator("td").first.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
