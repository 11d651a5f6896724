"""The content editor: open a file, validate the edit against the whole course, save or draft."""

from __future__ import annotations

import streamlit as st

from course.domain.diagnostics import Diagnostic, Severity
from course.domain.permissions import Page
from course.services.permissions import PermissionDenied
from course.services.studio_files import (
    ContentFile,
    EditConflict,
    EditRefused,
    PathRefused,
    list_history,
    open_file,
    published_name,
    restore,
    save,
    save_draft,
    validate_edit,
)
from course.ui import a11y, auth, resources, state
from course.ui.text import literal


def _show(diagnostics: tuple[Diagnostic, ...], *, relative: str, text: str) -> None:
    mine = [d for d in diagnostics if d.path == relative]
    others = [d for d in diagnostics if d.path != relative]
    if not diagnostics:
        st.success("The course validates with this text: no error, no warning.")
    lines = text.splitlines()
    for diagnostic in mine:
        say = st.error if diagnostic.severity is Severity.ERROR else st.warning
        say(literal(f"Line {diagnostic.line}: {diagnostic.message} [{diagnostic.code}]"))
        if 0 < diagnostic.line <= len(lines) and lines[diagnostic.line - 1].strip():
            st.code(f"{diagnostic.line:>4} | {lines[diagnostic.line - 1]}", language=None)
    if others:
        with st.expander(f"{len(others)} problem(s) in other files"):
            st.code("\n".join(d.format() for d in others), language=None)


def _verdict(diagnostics: tuple[Diagnostic, ...], *, relative: str) -> str:
    """Say what a validation found, for the live region: "Validated: 2 errors, 1 warning in this file."."""
    if not diagnostics:
        return "Validated: no error, no warning."
    mine = [d for d in diagnostics if d.path == relative]
    errors = sum(d.severity is Severity.ERROR for d in mine)
    others = len(diagnostics) - len(mine)
    said = f"Validated: {_count(errors, 'error')}, {_count(len(mine) - errors, 'warning')} in this file"
    return said + (f"; {_count(others, 'problem')} in other files." if others else ".")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _opened(relative: str) -> ContentFile:
    """Return the file as opened in this session (its hash is the base of the next save)."""
    if not state.has(state.EDITOR_FILE, relative):
        actor = auth.require_page(Page.STUDIO_EDITOR)
        opening = open_file(resources.engine(), actor, resources.settings().content_root, relative)
        state.put(state.EDITOR_FILE, relative, value=opening)
    opened = state.get(state.EDITOR_FILE, relative)
    assert isinstance(opened, ContentFile)
    return opened


def _reopen(relative: str) -> None:
    state.take(state.EDITOR_FILE, relative)
    state.take(state.EDITOR_TEXT, relative)


def _actions(relative: str, opened: ContentFile, text: str) -> None:
    engine, root = resources.engine(), resources.settings().content_root
    history = resources.settings().data_dir / "content-history"
    address = auth.client_address()
    check, publish, draft = st.columns(3)
    if check.button("Validate", icon=":material/rule:"):
        actor = auth.require_page(Page.STUDIO_EDITOR)
        result = validate_edit(engine, actor, root, relative, text, cache=resources.parse_cache())
        a11y.step(_verdict(result.diagnostics, relative=result.relative))
        a11y.heading("Validation result", level=2)
        _show(result.diagnostics, relative=result.relative, text=text)
    if publish.button("Save", type="primary", icon=":material/save:"):
        actor = auth.require_page(Page.STUDIO_EDITOR)
        try:
            new_hash = save(engine, actor, root, relative, text, base_hash=opened.hash,
                            history=history, address=address, cache=resources.parse_cache())
        except EditConflict as exc:
            st.error(f"Not saved: {literal(exc)}.")
        except EditRefused as exc:
            st.error("Not saved: this version adds errors to the course. Fix them, or save it "
                     "as a draft.")
            _show(exc.added, relative=published_name(relative), text=text)
        else:
            _reopen(relative)
            state.put(state.EDITOR_NOTICE, value=f"Saved. Version {new_hash}.")
            st.rerun()
    if draft.button("Save as draft", icon=":material/draft:"):
        actor = auth.require_page(Page.STUDIO_EDITOR)
        new_hash = save_draft(engine, actor, root, relative, text, address=address)
        st.success(f"Draft saved beside the file (learners do not see it). Version {new_hash}.")


def _history(relative: str) -> None:
    engine, root = resources.engine(), resources.settings().content_root
    history = resources.settings().data_dir / "content-history"
    actor = auth.require_page(Page.STUDIO_EDITOR)
    versions = list_history(engine, actor, root, relative, history=history)
    with st.expander(f"Previous versions ({len(versions)})"):
        if not versions:
            st.caption("No previous version has been kept yet: each save keeps the one it replaces.")
            return
        labels = {v.name: f"{v.saved_at:%Y-%m-%d %H:%M:%S} UTC · {v.hash}" for v in versions}
        chosen = st.selectbox("Version", list(labels), format_func=labels.__getitem__)
        if st.button("Restore", icon=":material/history:") and chosen is not None:
            actor = auth.require_page(Page.STUDIO_EDITOR)
            new_hash = restore(engine, actor, root, relative, chosen, history=history,
                               address=auth.client_address())
            _reopen(relative)
            state.put(state.EDITOR_NOTICE, value=f"Restored version {new_hash}.")
            st.rerun()


def _pointed_line(relative: str, text: str) -> None:
    """Show the lines a link pointed at (`?file=...&line=N`, from item analysis) above the editor."""
    asked = st.query_params.get("line", "")
    if relative != st.query_params.get("file", "") or not asked.isdigit():
        return
    lines, line = text.splitlines(), int(asked)
    if not 0 < line <= len(lines):
        st.caption(f"The link pointed at line {line}, which this file does not have any more.")
        return
    shown = range(line, min(len(lines), line + 4) + 1)
    st.caption(f"The link pointed here, at line {line}:")
    st.code("\n".join(f"{n:>4} | {lines[n - 1]}" for n in shown), language=None)


def render() -> None:
    """Draw the editor."""
    auth.require_page(Page.STUDIO_EDITOR)
    a11y.page("Edit content")
    st.title("Edit content", anchor=False)
    relative = st.text_input("File (relative to the content folder)",
                             value=st.query_params.get("file", ""),
                             placeholder="quizzes/example.md").strip()
    notice = state.take(state.EDITOR_NOTICE)
    if notice:
        st.success(notice)
    if not relative:
        st.caption("Open a file from the content health page, or type its path.")
        return
    try:
        opened = _opened(relative)
    except PathRefused as exc:
        st.error(f"That file cannot be edited here: {literal(exc)}.")
        return
    except PermissionDenied:
        st.error("You do not have access to this page.")
        return
    st.caption(("Version on disk " + opened.hash) if opened.exists else "A new file")
    _pointed_line(relative, opened.text)
    text = st.text_area("Content", value=opened.text, height=480, key=state.EDITOR_TEXT.slot(relative))
    _actions(relative, opened, text)
    _history(relative)


render()
