"""Moving through a page the way a keyboard user does: Tab until the wanted control has the focus.

Shared by the keyboard-only journeys (tests/browser/test_keyboard_journeys.py) and the learner's
focus and live-region journey (tests/browser/test_focus_and_live_region.py), so that every step
of them is reached by Tab from wherever the focus was left, never by focusing a control directly.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page

#: The most Tab presses a step may take to reach its control (the sidebar menu comes first).
MOST_TABS = 150

#: What the focused element is, by the names a screen reader would use.
FOCUSED = """() => { const e = document.activeElement; if (!e) { return null; }
  const labelled = e.getAttribute('aria-labelledby');
  const byId = labelled ? document.getElementById(labelled) : null;
  const label = e.getAttribute('aria-label') || (byId && byId.textContent)
    || (e.labels && e.labels.length ? e.labels[0].textContent : '') || e.textContent || '';
  return {tag: e.tagName, role: e.getAttribute('role') || '', name: label.replace(/\\s+/g, ' ').trim(),
          text: (e.textContent || '').replace(/\\s+/g, ' ').trim()}; }"""


def focused(page: Page) -> dict[str, str]:
    """Return the focused element's tag, role, accessible name and text."""
    found = page.evaluate(FOCUSED)
    assert found is not None
    return dict(found)


def tab_to(page: Page, target: Locator, *, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the control, found by role and name, has the focus."""
    key = "Shift+Tab" if back else "Tab"
    target.wait_for(state="visible")
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        if target.evaluate("(e) => e === document.activeElement || e.contains(document.activeElement)"):
            return
    raise AssertionError(f"{MOST_TABS} presses of {key} never reached {target}; at {focused(page)}")


def tab_and_press(page: Page, target: Locator, key: str = "Enter") -> None:
    """Tab forward to a control and press a key on it (Enter for a button or a link)."""
    tab_to(page, target)
    page.keyboard.press(key)
