"""Accessibility helpers every page uses: title, headings, visible focus, focus after a step, live region.

- `page(title)` names the browser tab after the item shown ("Module: Spotting fakes - Need to
  Share"), draws the focus stylesheet, and asks for the page's h1 to take the focus when the
  page is new to this tab.
- `heading(text, level=...)` draws a heading without Streamlit's "Link to heading" anchor (one
  tab stop fewer per heading) and, when a step is waiting for its focus, marks it the target.
- `step(said, level=...)` is called by an action just before its `st.rerun()`: on the next rerun
  the new content's heading of that level takes the focus, the scroll goes back to the top, and
  `said` is put in the live region.
- Progress bars (the scenario's meters, a module's sections read) are named by the words drawn
  above them, not Streamlit's fixed "progress".
- `say(said)` puts words in the live region without moving the focus (a filter changed, a
  download made ready), for an action whose control should keep the focus.
- `finish()` runs after the page has drawn: it sends the one small script that moves the focus
  and fills the live region. The live region is a single `aria-live="polite"` element made once
  outside Streamlit's own tree, so it persists across reruns and a screen reader hears each change.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import streamlit as st

from course.ui import state
from course.ui.text import shown

SITE = "Need to Share"
LIVE_ID = "nts-live"
#: A container keyed GROUP + a suffix becomes a named group of inputs (role="group"), labelled
#: by the element whose id is GROUP_LABEL + the same suffix (a question's words, for its checkboxes).
GROUP = "nts-group-"
GROUP_LABEL = "nts-stem-"

#: A 3px outline, dark blue (#1a4fd6 on white is 6.7:1; with the white ring it stays visible on
#: the dark primary buttons too), on everything that takes the keyboard focus.
STYLE = """<style>
[data-testid="stAppViewContainer"] a:focus-visible,
[data-testid="stSidebar"] a:focus-visible,
button:focus-visible, [role="button"]:focus-visible, summary:focus-visible,
input:focus-visible, textarea:focus-visible, select:focus-visible,
[role="combobox"]:focus-visible, [role="tab"]:focus-visible, [role="slider"]:focus-visible,
[data-baseweb="select"]:focus-within,
label:has(> input[type="radio"]:focus-visible), label:has(> input[type="checkbox"]:focus-visible),
label:has(input[type="radio"]:focus-visible), label:has(input[type="checkbox"]:focus-visible),
h1[tabindex="-1"]:focus, h2[tabindex="-1"]:focus, h3[tabindex="-1"]:focus {
  outline: 3px solid #1a4fd6 !important;
  outline-offset: 2px !important;
  box-shadow: 0 0 0 5px #ffffff !important;
  border-radius: 4px;
}
/* A heatmap is two-dimensional content (WCAG 1.4.10 exempts it from reflow): on a narrow screen it
   keeps room for its values and scrolls sideways inside its own box, never the page. */
[class*="st-key-nts-heatmap-"] { overflow-x: auto; }
[class*="st-key-nts-heatmap-"] > * { min-width: 40rem; }
#nts-live { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
</style>"""

#: Make the live region once, then (when asked) focus the heading and put the scroll at the top.
#: The heading is looked for a few times: Streamlit draws elements one after another and keeps
#: the last rerun's elements on screen until they are replaced.
_SCRIPT = """<script>(() => {
const ask = %s;
const doc = document;
let live = doc.getElementById(ask.live);
if (!live) {
  live = doc.createElement("div");
  live.id = ask.live;
  live.setAttribute("aria-live", "polite");
  live.setAttribute("role", "status");
  doc.body.appendChild(live);
}
if (!window.ntsNamer) {
  // Streamlit names every progress bar "progress": give each the words drawn above it instead
  // ("Customer trust" with the value "70"), now and whenever the page changes.
  const name = () => {
    for (const box of doc.querySelectorAll('[data-testid="stProgress"]')) {
      const bar = box.querySelector('[role="progressbar"]');
      const words = box.textContent.replace(/\\s+/g, " ").trim();
      if (!bar || !words) { continue; }
      const cut = words.lastIndexOf(": ");
      const label = cut > 0 ? words.slice(0, cut) : words;
      if (bar.getAttribute("aria-label") !== label) { bar.setAttribute("aria-label", label); }
      if (cut > 0 && bar.getAttribute("aria-valuetext") !== words.slice(cut + 2)) {
        bar.setAttribute("aria-valuetext", words.slice(cut + 2));
      }
    }
  };
  // A multiple-answer question's checkboxes: one group, named by the question's words.
  const group = () => {
    for (const box of doc.querySelectorAll('[class*="st-key-%(group)s"]')) {
      const key = Array.from(box.classList).find((c) => c.startsWith("st-key-%(group)s"));
      const label = "%(label)s" + key.slice("st-key-%(group)s".length);
      if (box.getAttribute("role") !== "group") { box.setAttribute("role", "group"); }
      if (doc.getElementById(label) && box.getAttribute("aria-labelledby") !== label) {
        box.setAttribute("aria-labelledby", label);
      }
    }
  };
  window.ntsNamer = new MutationObserver(() => { name(); group(); });
  window.ntsNamer.observe(doc.body, {childList: true, subtree: true, characterData: true});
  name();
  group();
}
if (ask.title) { doc.title = ask.title; }
if (ask.said !== null) { live.textContent = ""; setTimeout(() => { live.textContent = ask.said; }, 100); }
// Each newer script that moves the focus ends the focus moving and keeping of the one before it
// (one that only speaks leaves them be).
if (ask.level === null) { return; }
const run = (window.ntsFocusRun || 0) + 1;
window.ntsFocusRun = run;
let tries = 0;
const find = () => {
  const main = doc.querySelector('[data-testid="stMain"]') || doc.body;
  const all = Array.from(main.querySelectorAll("h" + ask.level));
  const same = (h) => h.textContent.replace(/\\s+/g, " ").trim() === ask.text;
  return ask.text === null ? all[0] : all.find(same);
};
const go = () => {
  if (window.ntsFocusRun !== run) { return; }
  const target = find();
  if (!target && tries++ < 160) { setTimeout(go, 75); return; }  // up to 12 s on a slow machine
  if (!target) { return; }
  target.setAttribute("tabindex", "-1");
  target.focus({preventScroll: true});
  for (const box of [doc.querySelector('[data-testid="stMain"]'), doc.scrollingElement]) {
    if (box) { box.scrollTop = 0; }
  }
  window.scrollTo(0, 0);
  // Once the person presses a key or the pointer, the focus is theirs: a list box that blurs
  // for a moment while it takes their choice must not have the focus pulled back to the heading.
  for (const kind of ["keydown", "pointerdown"]) {
    doc.addEventListener(kind, () => { touched = true; }, {once: true, capture: true});
  }
  setTimeout(hold, 100);
};
// A long page (the dashboard) may redraw the heading after it took the focus, which drops the
// focus to the page body: for a few seconds, give it back, unless the person has moved it on.
let held = 0;
let touched = false;
const hold = () => {
  if (window.ntsFocusRun !== run || touched) { return; }
  const lost = !doc.activeElement || doc.activeElement === doc.body;
  const target = find();
  if (lost && target) {
    target.setAttribute("tabindex", "-1");
    target.focus({preventScroll: true});
  }
  if (held++ < 40) { setTimeout(hold, 100); }
};
setTimeout(go, 50);
})();</script>""".replace("%(group)s", GROUP).replace("%(label)s", GROUP_LABEL)


def page(title: str, *, kind: str = "") -> None:
    """Name the tab after the item shown, draw the focus style, and focus the h1 of a page new to this tab."""
    name = f"{kind}: {shown(title)}" if kind else shown(title)
    full = f"{name} - {SITE}" if name != SITE else SITE
    state.put(state.A11Y_TITLE, value=full)
    st.set_page_config(page_title=full)
    st.html(STYLE)
    if state.get(state.A11Y_PAGE) != full:
        state.put(state.A11Y_PAGE, value=full)
        state.keep_first(state.A11Y_FOCUS, value=1)


def heading(text: str, *, level: int = 1) -> None:
    """Draw a heading (text already made safe with `literal`) without an anchor tab stop."""
    draw = {1: st.title, 2: st.header, 3: st.subheader}[level]
    draw(text, anchor=False)
    if state.get(state.A11Y_FOCUS) == level:
        state.put(state.A11Y_TARGET, value=_unescaped(text))


def step(said: str, *, level: int = 2) -> None:
    """Ask for the focus on the next rerun's heading of `level`, and say `said` in the live region."""
    state.put(state.A11Y_FOCUS, value=level)
    state.put(state.A11Y_SAID, value=shown(said))
    state.put(state.A11Y_STEP, value=int(state.get(state.A11Y_STEP, default=0)) + 1)


def say(said: str) -> None:
    """Put `said` in the live region after this run, leaving the focus where it is (a filter, say)."""
    state.put(state.A11Y_SAID, value=shown(said))
    state.put(state.A11Y_STEP, value=int(state.get(state.A11Y_STEP, default=0)) + 1)


def finish() -> None:
    """Send the script that moves the focus where a step asked and fills the live region."""
    level = state.take(state.A11Y_FOCUS)
    target = state.take(state.A11Y_TARGET)
    said = state.take(state.A11Y_SAID)
    if level is None and said is None:
        return
    if level is not None and target is None:
        level = 1  # the step's heading is not on this page (a quiz's last answer): use the h1
    ask = {"live": LIVE_ID, "title": state.get(state.A11Y_TITLE), "said": said, "level": level,
           "text": target, "step": state.get(state.A11Y_STEP, default=0)}
    st.html(_SCRIPT % _json_for_script(ask), unsafe_allow_javascript=True)


def text_of(fragment: str) -> str:
    """Return the words of an HTML fragment, tags dropped and blanks collapsed (for the live region)."""
    reader = _Words()
    reader.feed(fragment)
    reader.close()
    return shown("".join(reader.words))


def meter_changes(labels: dict[str, str], before: dict[str, int], after: dict[str, int]) -> str:
    """Say how each meter moved: "Customer trust 50 to 70 (+20)." ("stays at" when unchanged)."""
    parts = []
    for meter_id, label in labels.items():
        old, new = before.get(meter_id), after.get(meter_id)
        if old is None or new is None:
            continue
        parts.append(f"{shown(label)} {old} to {new} ({new - old:+d})" if old != new
                     else f"{shown(label)} stays at {new}")
    return "; ".join(parts) + "." if parts else ""


def _json_for_script(value: object) -> str:
    """Return `value` as JSON that cannot close the script element it is written into."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _unescaped(text: str) -> str:
    """Return the characters a heading drawn from `text` (escaped by `literal`) shows."""
    out, escaping = [], False
    for char in text.replace("\u2060", ""):
        if char == "\\" and not escaping:
            escaping = True
            continue
        out.append(char)
        escaping = False
    return "".join(out)


#: Tags that start or end a block of text: a blank goes where they stand, so words do not run together.
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "br", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                     "tr", "td", "th", "table", "figure", "figcaption", "hr", "section", "pre"})


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.words.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.words.append(" ")

    def handle_data(self, data: str) -> None:
        self.words.append(data)
