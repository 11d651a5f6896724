"""The editor's own text box in a real browser: numbers, highlighting and problem marks where one types,
and the plain text box that still edits when a browser refuses the box's script.

Both run on the shared seeded server and save nothing: typing only changes the session's text.
The box is a Streamlit component whose page lives in an open shadow root; Playwright's locators
reach into it as a person's tools do.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from course.domain.permissions import Capability
from tests.browser.conftest import ServedCourse, open_sign_in, settle, sign_in_as_demo
from tests.bundled import BUNDLED_DEMO_PEOPLE

pytestmark = pytest.mark.browser

RELATIVE = "modules/conversation-not-broadcast.md"
HEADING = "A heading typed at the end"
#: File text a careless or hostile author might write: it must stay text in the box.
HOSTILE = ('</textarea><script>window.__pwned = 1</script>\n'
           '<img src=x onerror="window.__pwned = 2"> <!-- a comment\n'
           'that goes on --> [a link](javascript:window.__pwned=3)\n')


def test_the_box_numbers_highlights_and_marks_the_lines_where_one_types(
    seeded_app: ServedCourse, context_on: Callable[[str], BrowserContext]
) -> None:
    trainer = next(p for p in BUNDLED_DEMO_PEOPLE if Capability.TRAINER in p.capabilities)
    page = open_sign_in(context_on(seeded_app.url))
    sign_in_as_demo(page, trainer.label, name=trainer.name, lands_on="Content health")
    page.goto(f"/studio_editor?file={RELATIVE}")
    text = (seeded_app.content / RELATIVE).read_text(encoding="utf-8")
    box = page.get_by_role("textbox", name="Content", exact=True)
    expect(box).to_have_value(text)
    settle(page)
    rows, lines = page.locator(".layer .row"), text.split("\n")
    expect(rows).to_have_count(len(lines))
    expect(rows.first.locator(".fence")).to_have_text("---")
    expect(page.locator(".layer .key").first).to_have_text("id")
    expect(page.locator(".layer .heading").first).to_have_text(next(s for s in lines if s.startswith("## ")))

    # Typed at the end of the file: a new numbered line, in view, highlighted as a heading; after
    # a pause the live preview draws it and the validator's warning marks its number.
    box.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(f"\n## {HEADING}")
    last = rows.nth(len(lines))
    expect(rows).to_have_count(len(lines) + 1)
    expect(last.locator(".number")).to_have_text(str(len(lines) + 1))
    expect(last.locator(".heading")).to_have_text(f"## {HEADING}")
    expect(last).to_be_in_viewport()
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()  # no blur, no Ctrl+Enter
    expect(last).to_have_class("row warning")
    expect(last.locator(".number")).to_have_attribute("title", "warning: " + _said(page, len(lines) + 1))
    expect(page.locator(".marks")).to_have_text(f"Problems on line {len(lines) + 1} (warning).")
    expect(box).to_be_focused()  # the reruns that followed the typing left the caret where it was

    # Tab leaves the box: no keyboard trap.
    page.keyboard.press("Tab")
    expect(page.get_by_role("textbox", name="What changed (optional, shown in the history)")).to_be_focused()

    # The page replaces the text (here: the file reopened): the box takes it, once, and typing
    # goes on from there.
    page.get_by_role("button", name="Reload the file").click()
    expect(box).to_have_value(text)
    expect(rows).to_have_count(len(lines))
    settle(page)
    box.press("Control+End")
    page.keyboard.type("!")
    box.press("Control+Enter")
    settle(page)
    expect(box).to_have_value(text + "!")

    # Hostile text: sent to the server, then drawn afresh from it (the plain box and back).
    box.fill(HOSTILE)
    box.press("Control+Enter")
    expect(page.get_by_text("Nothing to preview", exact=False)).to_be_visible()
    plain = page.get_by_label("Plain text box", exact=True)
    plain.check(force=True)
    expect(box).to_have_count(1)
    expect(box).to_have_value(HOSTILE)  # the plain text area now
    settle(page)
    plain.uncheck(force=True)
    expect(page.locator(".layer .row")).to_have_count(4)
    expect(box).to_have_value(HOSTILE)
    expect(page.locator(".layer .comment")).to_have_text(["<!-- a comment", "that goes on -->"])
    expect(page.locator(".layer .link")).to_have_text("[a link](javascript:window.__pwned=3)")
    assert page.locator("img[src='x'], .layer script, .layer a").count() == 0
    assert page.evaluate("() => window.__pwned === undefined")


def _said(page: Page, line: int) -> str:
    """Return what the preview's list says about a line, without its "Line N: " opening."""
    return page.get_by_text(f"Line {line}: ", exact=False).first.inner_text().removeprefix(f"Line {line}: ")


#: Refuses the browser the one kind of blob Streamlit loads a component's script from, as a
#: script policy without `blob:` or a blocking extension would.
NO_COMPONENT_SCRIPTS = """(() => {
  const make = URL.createObjectURL;
  URL.createObjectURL = (blob) => (blob && /javascript/.test(blob.type) ? "blob:refused" : make(blob));
})();"""


def test_the_plain_text_box_edits_when_the_box_cannot_start(
    seeded_app: ServedCourse, context_on: Callable[[str], BrowserContext]
) -> None:
    trainer = next(p for p in BUNDLED_DEMO_PEOPLE if Capability.TRAINER in p.capabilities)
    page = open_sign_in(context_on(seeded_app.url))
    sign_in_as_demo(page, trainer.label, name=trainer.name, lands_on="Content health")
    page.add_init_script(NO_COMPONENT_SCRIPTS)
    page.goto(f"/studio_editor?file={RELATIVE}")
    expect(page.get_by_text("BidiComponent Error", exact=False)).to_be_visible()  # Streamlit's own words
    box = page.get_by_role("textbox", name="Content", exact=True)
    expect(box).to_have_count(0)
    page.get_by_label("Plain text box", exact=True).check(force=True)
    text = (seeded_app.content / RELATIVE).read_text(encoding="utf-8")
    expect(box).to_have_value(text)
    box.fill(text + f"\n## {HEADING}\n\nWritten in the plain box.\n")
    box.press("Control+Enter")
    expect(page.get_by_role("heading", name=HEADING)).to_be_visible()
    expect(page.get_by_role("tab", name="Numbered lines")).to_be_visible()
