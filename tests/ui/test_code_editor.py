"""The editor's text box, its pure parts: problem marks, what the browser reports, what it is sent."""

from __future__ import annotations

import json

import pytest

from course.domain.diagnostics import Code, Diagnostic, Severity
from course.ui import code_editor
from course.ui.code_editor import ProblemLine, Report

PATH = "quizzes/q.md"


def _found(line: int, severity: Severity, message: str, code: Code = Code.FM_TYPE) -> Diagnostic:
    return Diagnostic(PATH, line, severity, message, code)


def test_problem_lines_mark_each_line_once_in_order_and_the_error_wins() -> None:
    marks = code_editor.problem_lines([
        _found(9, Severity.WARNING, "thin", Code.SECTION_EMPTY),
        _found(3, Severity.WARNING, "odd"),
        _found(9, Severity.ERROR, "no correct option", Code.QUESTION_NO_CORRECT),
    ])
    assert marks == (
        ProblemLine(3, "warning", "warning: odd [fm-type]"),
        ProblemLine(9, "error",
                    "warning: thin [section-empty]; error: no correct option [question-no-correct]"),
    )


def test_a_problem_about_the_whole_file_marks_no_line() -> None:
    assert code_editor.problem_lines([_found(0, Severity.ERROR, "not UTF-8", Code.NOT_UTF8)]) == ()
    assert code_editor.problem_lines([]) == ()


def test_a_well_formed_report_is_read() -> None:
    sent = {"report": {"text": "---\nid: q\n---\n", "seq": 4}}
    assert code_editor.read_report(sent) == Report("---\nid: q\n---\n", 4)
    assert code_editor.read_report({"report": {"text": "", "seq": 0}}) == Report("", 0)


@pytest.mark.parametrize("forged", [
    None, "text", 3, [], {}, {"report": None}, {"report": "text"}, {"value": {"text": "a", "seq": 1}},
    {"report": {"text": 5, "seq": 1}}, {"report": {"text": None, "seq": 1}},
    {"report": {"text": "a"}}, {"report": {"seq": 1}}, {"report": {"text": "a", "seq": "2"}},
    {"report": {"text": "a", "seq": True}}, {"report": {"text": "a", "seq": 1.5}},
    {"report": {"text": "a", "seq": -1}}, {"report": {"text": ["a"], "seq": 1}},
])
def test_a_malformed_or_forged_report_is_refused(forged: object) -> None:
    assert code_editor.read_report(forged) is None


def test_the_box_is_told_when_the_text_is_its_own_echo() -> None:
    drawn = code_editor.payload("abc", Report("abc", 7), problems=(), label="Content", hint="h",
                                language="markdown")
    assert drawn["echo"] is True and drawn["base"] == 7


def test_the_box_is_told_when_the_page_replaced_its_text() -> None:
    replaced = code_editor.payload("draft", Report("typed", 7), problems=(), label="Content", hint="",
                                   language="markdown")
    assert replaced["echo"] is False and replaced["base"] == 7 and replaced["text"] == "draft"
    first = code_editor.payload("file", None, problems=(), label="Content", hint="", language="yaml")
    assert first["echo"] is False and first["base"] == 0 and first["language"] == "yaml"


def test_hostile_file_text_goes_to_the_box_as_data_unchanged() -> None:
    hostile = '</textarea><script>window.__pwned=1</script><img src=x onerror=alert(1)> &amp; <!--'
    marks = (ProblemLine(1, "error", "error: <b>bad</b> [fm-type]"),)
    drawn = code_editor.payload(hostile, None, problems=marks, label="Content", hint="", language="markdown")
    assert json.loads(json.dumps(drawn))["text"] == hostile
    assert drawn["problems"] == [{"line": 1, "severity": "error", "said": "error: <b>bad</b> [fm-type]"}]
