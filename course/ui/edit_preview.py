"""The editor's live preview: an edited item drawn as learners see it, nothing recorded.

The item comes from the content layer's own parser (the same the app serves from), so what is
shown here is what learners get once the text is saved. Questions and choices are listed, not
playable: the preview page plays them.
"""

from __future__ import annotations

from html import escape

import streamlit as st

from course.domain.diagnostics import Diagnostic, Severity
from course.domain.model import Module, Question, QuestionKind, Quiz, Scenario
from course.ui import widgets
from course.ui.text import literal


def diagnostics(found: tuple[Diagnostic, ...]) -> None:
    """List the edited file's problems, each with its line, errors first."""
    if not found:
        st.success("No error, no warning in this file.")
        return
    for diagnostic in sorted(found, key=lambda d: (d.severity is not Severity.ERROR, d.line)):
        say = st.error if diagnostic.severity is Severity.ERROR else st.warning
        say(literal(f"Line {diagnostic.line}: {diagnostic.message} [{diagnostic.code}]"))


def item(shown: Module | Quiz | Scenario | None) -> None:
    """Draw the item as learners see it, or say why there is nothing to draw."""
    if shown is None:
        st.info("Nothing to preview: fix the errors listed above, or this kind of file "
                "(course.yaml, a job aid, the glossary) has no learner page of its own.")
    elif isinstance(shown, Module):
        _module(shown)
    elif isinstance(shown, Quiz):
        _quiz(shown)
    else:
        _scenario(shown)


def _title(title: str, summary: str) -> None:
    st.subheader(literal(title), anchor=False)
    widgets.html(f"<p>{escape(summary)}</p>" if summary else "")


def _module(module: Module) -> None:
    _title(module.meta.title, module.meta.summary)
    for section in module.sections:
        st.caption(f"Section {section.index + 1} of {len(module.sections)} · line {section.line}")
        st.markdown(f"#### {literal(section.title)}")
        for block in section.blocks:
            widgets.block(block)


def _answers(question: Question) -> str:
    if question.kind is QuestionKind.CHOICE:
        marks = [f"<li>{'☑' if o.correct else '☐'} {o.html}</li>" for o in question.options]
        return f"<ul>{''.join(marks)}</ul>"
    if question.kind is QuestionKind.ORDER:
        return f"<ol>{''.join(f'<li>{e.html}</li>' for e in question.items)}</ol>"
    if question.kind is QuestionKind.MATCH:
        return f"<ul>{''.join(f'<li>{e.html} → {e.match_html}</li>' for e in question.items)}</ul>"
    return "<p><em>Answered in the learner's own words; never scored.</em></p>"


def _quiz(quiz: Quiz) -> None:
    _title(quiz.meta.title, quiz.meta.summary)
    st.caption(f"Pass mark {quiz.pass_mark}% · {len(quiz.questions)} question(s)"
               + (f", {quiz.pick} drawn per attempt" if quiz.pick else ""))
    widgets.html(quiz.intro_html)
    for number, question in enumerate(quiz.questions, start=1):
        where = f" · teaches: {question.section}" if question.section else ""
        st.caption(literal(f"Question {number} · {question.id} · line {question.line}{where}"))
        widgets.html(f"<p><strong>{question.stem_html}</strong></p>{question.context_html}"
                     f"{_answers(question)}")
        if question.explain_html:
            with st.expander(f"Explanation of question {number}"):
                widgets.html(question.explain_html)


def _scenario(scenario: Scenario) -> None:
    _title(scenario.meta.title, scenario.meta.summary)
    widgets.html(scenario.intro_html)
    for node in scenario.nodes.values():
        ending = f" · ending ({node.ending.value})" if node.ending else ""
        st.caption(literal(f"{node.id} · line {node.line}{ending}"))
        st.markdown(f"#### {literal(node.title)}")
        widgets.html(node.body_html)
        if node.choices:
            listed = "".join(f"<li>{c.label_html} → {escape(scenario.title_of(c.target))}</li>"
                             for c in node.choices)
            widgets.html(f"<ul>{listed}</ul>")
