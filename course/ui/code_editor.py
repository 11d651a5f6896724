"""The content editor's text box: line numbers, highlighting and the validator's problem lines.

A Streamlit custom component (Components v2: inline HTML, CSS and JavaScript, no build step, no
third-party script, nothing fetched): a real <textarea>, so typing, input methods, undo,
screen readers and test drivers work as in any text box, over a layer that draws the same text
with a number beside each line and the front matter, headings, block markers, attributes,
links and comments highlighted. The lines the validator complains about are marked in the
number column and listed in words below the box. Tab leaves the box as in any text box: the
editor sets no keyboard trap.

The text stays where the plain text area keeps it (the page's own session key): the component
reports {text, seq} after a pause in typing, on leaving the box and on Ctrl+Enter, and the
page copies a well-formed report there. What a browser reports is checked here, as any widget
value: a forged message can send anything.

File text is user content: it goes to the browser as data (JSON), and the script only ever
puts it in the page through `.value` and `textContent`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import streamlit as st

from course.domain.diagnostics import Diagnostic, Severity

_HERE = Path(__file__).resolve().parent

#: Shown until the script runs; the script hides it. If it stays, the browser did not run the
#: component (a blocked script, an old browser) and the page's plain text box is the way to edit.
_HTML = """<p class="stalled">The editor is starting. If this message stays, this
browser did not run it: switch on “Plain text box” above to edit the file.</p>
<div class="editor" hidden>
  <label for="nts-editor-text">Content</label>
  <p class="hint" id="nts-editor-hint"></p>
  <div class="scroller">
    <div class="sheet">
      <div class="layer" aria-hidden="true"></div>
      <textarea id="nts-editor-text" spellcheck="false" autocapitalize="off" autocomplete="off"
        wrap="soft" aria-describedby="nts-editor-hint nts-editor-marks"></textarea>
    </div>
  </div>
  <p class="marks" id="nts-editor-marks"></p>
</div>"""

_COMPONENT = st.components.v2.component(
    "nts_code_editor",
    html=_HTML,
    css=(_HERE / "code_editor.css").read_text(encoding="utf-8"),
    js=(_HERE / "code_editor.js").read_text(encoding="utf-8"),
)


@dataclass(frozen=True, slots=True)
class ProblemLine:
    """A line the validator complains about: its worst severity and every message, in words."""

    line: int
    severity: str
    said: str


@dataclass(frozen=True, slots=True)
class Report:
    """What the box last sent: its text, and a number that grows with each send."""

    text: str
    seq: int


def problem_lines(diagnostics: Iterable[Diagnostic]) -> tuple[ProblemLine, ...]:
    """Return one mark per line with a problem, in line order: errors win over warnings.

    A problem about the whole file (line 0) marks no line; the list beside the box names it.
    """
    by_line: dict[int, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.line > 0:
            by_line.setdefault(diagnostic.line, []).append(diagnostic)
    marks = []
    for line, found in sorted(by_line.items()):
        worst = Severity.ERROR if any(d.severity is Severity.ERROR for d in found) else Severity.WARNING
        said = "; ".join(f"{d.severity}: {d.message} [{d.code}]" for d in found)
        marks.append(ProblemLine(line, worst.value, said))
    return tuple(marks)


def read_report(value: object) -> Report | None:
    """Return the box's last report from its component state, or None if it is not well formed.

    The state is {"report": {"text": str, "seq": int}} when the box sent it; anything else
    (nothing sent yet, or a forged message) is refused rather than guessed at. (Not "value":
    Streamlit reads a state of that one name as a wrapper and calls no change callback for it.)
    """
    sent = value.get("report") if isinstance(value, dict) else None
    if not isinstance(sent, dict):
        return None
    text, seq = sent.get("text"), sent.get("seq")
    if not isinstance(text, str) or type(seq) is not int or seq < 0:
        return None
    return Report(text, seq)


def payload(text: str, last: Report | None, *, problems: tuple[ProblemLine, ...], label: str, hint: str,
            language: str) -> dict[str, object]:
    """Return the data the box is drawn with.

    `echo` tells the box the text is the one it last sent, so it keeps what was typed since;
    otherwise the page replaced the text (a draft loaded, the file reopened) and the box takes it.
    """
    return {"text": text, "echo": last is not None and last.text == text,
            "base": last.seq if last is not None else 0, "label": label, "hint": hint,
            "language": language, "problems": [asdict(p) for p in problems]}


def text_box(key: str, text: str, *, last: Report | None, problems: tuple[ProblemLine, ...],
             label: str, hint: str, language: str, on_report: Callable[[], None]) -> None:
    """Draw the box holding `text`; `on_report` runs before the rerun that a report starts."""
    _COMPONENT(key=key, data=payload(text, last, problems=problems, label=label, hint=hint,
                                     language=language),
               default={"report": {"text": text, "seq": last.seq if last is not None else 0}},
               on_report_change=on_report)
