"""The content editor: open a file, validate the edit against the whole course, save or draft.

Saved versions and each trainer's draft live in the database: the history below the editor
lists who saved each version, when and why, shows what changed since, and restores one.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from course.domain.diagnostics import Diagnostic, Severity
from course.domain.permissions import Page
from course.services.permissions import PermissionDenied
from course.services.studio_files import (
    ContentFile,
    DraftTooLarge,
    EditConflict,
    EditPreview,
    EditRefused,
    FileStatus,
    PathRefused,
    Revision,
    diff_version,
    discard_draft,
    get_draft,
    list_files,
    list_history,
    open_file,
    preview_edit,
    published_name,
    restore,
    save,
    save_draft,
    validate_edit,
)
from course.ui import a11y, auth, code_editor, edit_preview, resources, state, tables
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
    state.take(state.EDITOR_MESSAGE, relative)


def _actions(relative: str, opened: ContentFile, text: str) -> None:
    engine, root = resources.engine(), resources.settings().content_root
    address = auth.client_address()
    message = st.text_input("What changed (optional, shown in the history)", max_chars=500,
                            key=state.EDITOR_MESSAGE.slot(relative))
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
                            base_number=opened.number, message=message, address=address,
                            cache=resources.parse_cache())
        except EditConflict as exc:
            st.error(f"Not saved: {literal(exc)}.")
            a11y.step(f"Not saved: {exc}.")
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
        try:
            new_hash = save_draft(engine, actor, root, relative, text, base_number=opened.number,
                                  address=address)
        except DraftTooLarge as exc:
            st.error(f"Draft not saved: {literal(exc)}.")
        else:
            st.success(f"Draft saved: only you see it, learners never do. Version {new_hash}.")


def _draft(relative: str, opened: ContentFile) -> None:
    """Offer the trainer's own draft of the file, if they have one that differs from the editor."""
    actor = auth.require_page(Page.STUDIO_EDITOR)
    engine, root = resources.engine(), resources.settings().content_root
    kept = get_draft(engine, actor, root, relative)
    if kept is None or kept.text == state.get(state.EDITOR_TEXT, relative, default=opened.text):
        return
    behind = " It was started from an older version of the file." if kept.base_number != opened.number else ""
    st.info(f"You have a draft of this file from {kept.updated_at:%Y-%m-%d %H:%M} UTC.{behind}")
    load, drop = st.columns(2)
    if load.button("Load my draft", icon=":material/edit_note:"):
        state.put(state.EDITOR_TEXT, relative, value=kept.text)
        st.rerun()
    if drop.button("Discard my draft", icon=":material/delete:"):
        discard_draft(engine, auth.require_page(Page.STUDIO_EDITOR), root, relative)
        st.rerun()


def _label(version: Revision) -> str:
    who = version.author or ("imported" if version.kind == "imported" else "on disk"
                             if version.kind == "found" else "someone")
    said = f" · {version.message}" if version.message else ""
    return f"Version {version.number} · {version.saved_at:%Y-%m-%d %H:%M} UTC · {who} · {version.kind}{said}"


def _history(relative: str, opened: ContentFile) -> None:
    engine, root = resources.engine(), resources.settings().content_root
    actor = auth.require_page(Page.STUDIO_EDITOR)
    versions = list_history(engine, actor, root, relative)
    with st.expander(f"History ({len(versions)} saved version{'' if len(versions) == 1 else 's'})"):
        if not versions:
            st.caption("No version saved yet: each save is kept here, with who saved it and why.")
            return
        # A save's message is the trainer's own text: shown through the helper that defuses formulas.
        tables.show([{"Version": v.number, "Saved (UTC)": f"{v.saved_at:%Y-%m-%d %H:%M}",
                      "By": v.author or "—", "Kind": v.kind, "Message": v.message}
                     for v in versions], hide_index=True, width="stretch")
        labels = {v.number: _label(v) for v in versions}
        chosen = st.selectbox("Version", list(labels), format_func=labels.__getitem__)
        if chosen is None:
            return
        show, back = st.columns(2)
        if show.button("Show changes since", icon=":material/difference:"):
            changes = diff_version(engine, actor, root, relative, chosen)
            st.code(changes or "No difference: the file is this version now.", language="diff")
        if back.button("Restore", icon=":material/history:"):
            actor = auth.require_page(Page.STUDIO_EDITOR)
            try:
                new_hash = restore(engine, actor, root, relative, chosen, base_hash=opened.hash,
                                   base_number=opened.number, address=auth.client_address())
            except EditConflict as exc:
                st.error(f"Not restored: {literal(exc)}.")
                return
            _reopen(relative)
            state.put(state.EDITOR_NOTICE, value=f"Restored version {chosen}. Version on disk {new_hash}.")
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


_FOLDER_NAMES = {"": "Course settings", "modules": "Modules", "quizzes": "Quizzes",
                 "scenarios": "Scenarios", "aids": "Job aids", "glossary": "Glossary"}


def _file_label(status: FileStatus) -> str:
    found = [_count(n, noun) for n, noun in ((status.errors, "error"), (status.warnings, "warning")) if n]
    return f"{status.relative} — {', '.join(found) if found else 'clean'}"


def _folder_label(folder: str, files: list[FileStatus]) -> str:
    broken = sum(1 for f in files if f.errors)
    said = f"{_count(len(files), 'file')}" + (f", {broken} with errors" if broken else "")
    return f"{_FOLDER_NAMES.get(folder, folder)} ({said})"


def _listed() -> dict[str, list[FileStatus]]:
    actor = auth.require_page(Page.STUDIO_EDITOR)
    statuses = list_files(resources.engine(), actor, resources.settings().content_root,
                          cache=resources.parse_cache())
    grouped: dict[str, list[FileStatus]] = {}
    for status in statuses:
        grouped.setdefault(status.folder, []).append(status)
    return grouped


def _choose(grouped: dict[str, list[FileStatus]]) -> str:
    """Pick a file from the list, by folder; or type a path for a new file. `?file=` preselects."""
    asked = st.query_params.get("file", "")
    known = {f.relative: f for files in grouped.values() for f in files}
    if asked and state.get(state.EDITOR_ASKED) != asked:
        state.put(state.EDITOR_ASKED, value=asked)
        if asked in known:
            state.put(state.EDITOR_FOLDER, value=known[asked].folder)
            state.put(state.EDITOR_PICKED, value=asked)
            state.put(state.EDITOR_PATH, value="")
        else:
            state.put(state.EDITOR_PATH, value=asked)
    folders = list(grouped)
    pick_folder, pick_file = st.columns([1, 2])
    folder = pick_folder.selectbox("Folder", folders, key=state.EDITOR_FOLDER.slot(),
                                   format_func=lambda f: _folder_label(f, grouped[f]))
    files = grouped.get(folder or "", [])
    if state.get(state.EDITOR_PICKED) not in {f.relative for f in files}:
        state.put(state.EDITOR_PICKED, value=None)  # another folder: nothing opens until a file is chosen
    picked = pick_file.selectbox("File", [f.relative for f in files], key=state.EDITOR_PICKED.slot(),
                                 format_func=lambda r: _file_label(known[r]), placeholder="Choose a file")
    with st.expander("Another file, by its path (to create a new one)",
                     expanded=bool(state.get(state.EDITOR_PATH))):
        typed = st.text_input("File (relative to the content folder)", key=state.EDITOR_PATH.slot(),
                              placeholder="quizzes/example.md",
                              help="Leave empty to edit the file chosen above.").strip()
    return typed or picked or ""


def _side_by_side(relative: str, text: str, shown: EditPreview, *, plain: bool) -> None:
    """The live preview beside the editor; and, beside the plain box, the numbered lines."""
    preview, *numbered = st.tabs(["Live preview", *(["Numbered lines"] if plain else [])])
    with preview:
        st.caption("What learners would see with this text, read by the app's own parser. "
                   "Updated on each change; nothing is saved.")
        edit_preview.diagnostics(shown.diagnostics)
        with st.container(height=640, border=True):
            edit_preview.item(shown.item)
    for tab in numbered:  # the editor's own box numbers and highlights the lines where one types
        with tab:
            st.code(text, language=_language(relative), line_numbers=True, height=640)


def _language(relative: str) -> str:
    return "yaml" if relative.endswith((".yaml", ".yml")) else "markdown"


def _box_key(relative: str) -> str:
    """Return the text box's component key for the file: a digest, as a path may hold "__"."""
    return hashlib.sha256(relative.encode("utf-8")).hexdigest()[:16]


def _reported(relative: str) -> None:
    """Keep the text the box just sent, if well formed, where the plain text area keeps it."""
    sent = code_editor.read_report(state.get(state.EDITOR_BOX, _box_key(relative)))
    if sent is not None:
        state.put(state.EDITOR_TEXT, relative, value=sent.text)


def _editor(relative: str, shown: EditPreview, *, plain: bool) -> str:
    """Draw the text box (or the plain one the trainer chose) and return the text it holds."""
    if plain:
        return str(st.text_area("Content", height=640, key=state.EDITOR_TEXT.slot(relative),
                                help="The preview beside updates when you leave the box or press "
                                     "Ctrl+Enter."))
    # Kept as a plain value: a widget's value is dropped on a rerun that does not draw the widget.
    text = str(state.get(state.EDITOR_TEXT, relative))
    state.put(state.EDITOR_TEXT, relative, value=text)
    box = _box_key(relative)
    code_editor.text_box(
        state.EDITOR_BOX.slot(box), text,
        last=code_editor.read_report(state.get(state.EDITOR_BOX, box)),
        problems=code_editor.problem_lines(shown.diagnostics), label="Content",
        hint="Numbers and marks beside the lines show the problems listed under “Live preview”. "
             "Tab moves on to the next control. The preview updates after a pause in typing, "
             "when you leave the box, or on Ctrl+Enter.",
        language=_language(relative),
        on_report=lambda: _reported(relative))
    return text


def render() -> None:
    """Draw the editor."""
    auth.require_page(Page.STUDIO_EDITOR)
    a11y.page("Edit content")
    st.title("Edit content", anchor=False)
    try:
        relative = _choose(_listed())
    except PermissionDenied:
        st.error("You do not have access to this page.")
        return
    notice = state.take(state.EDITOR_NOTICE)
    if notice:
        st.success(notice)
    if not relative:
        st.caption("Choose a file above, or type the path of a new one.")
        return
    try:
        opened = _opened(relative)
    except PathRefused as exc:
        st.error(f"That file cannot be edited here: {literal(exc)}.")
        return
    except PermissionDenied:
        st.error("You do not have access to this page.")
        return
    saved = f" · saved version {opened.number}" if opened.number else ""
    st.caption((f"Version on disk {opened.hash}{saved}") if opened.exists else "A new file")
    if st.button("Reload the file", icon=":material/refresh:",
                 help="Open the file as it is now; your unsaved text stays in your draft if you saved one"):
        _reopen(relative)
        st.rerun()
    _pointed_line(relative, opened.text)
    with st.container():  # always drawn: the draft's notice coming and going must not move the editor
        _draft(relative, opened)
    if not state.has(state.EDITOR_TEXT, relative):
        state.put(state.EDITOR_TEXT, relative, value=opened.text)
    actor = auth.require_page(Page.STUDIO_EDITOR)
    shown = preview_edit(resources.engine(), actor, resources.settings().content_root, relative,
                         state.get(state.EDITOR_TEXT, relative), cache=resources.parse_cache())
    editing, beside = st.columns(2)
    with editing:
        plain = st.toggle("Plain text box", key=state.EDITOR_PLAIN.slot(),
                          help="A plain box, without line numbers or highlighting: for a browser that "
                               "does not start the editor, or if you prefer it. The text is the same.")
        text = _editor(relative, shown, plain=plain)
        _actions(relative, opened, text)
    with beside:
        _side_by_side(relative, text, shown, plain=plain)
    _history(relative, opened)


render()
