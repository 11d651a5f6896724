"""Edit content files in the app: open, validate with the edit, save atomically, draft, restore.

Every action checks its permission here, on the server. Every saved version of a file is kept in
the database (content_revision), numbered per file; a save names the number the edit was opened
at, and adding the next number is a compare-and-set in the same transaction, so of two saves
from the same version (in any process, on any host) the second is refused and its text is kept as
that trainer's draft. The file itself is then written to a temporary file in the same folder,
flushed to disk and renamed over the original, so a crash leaves either the old file or the new
one, never half of one. Every save, draft and restore is audited with the content hashes.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from course.content.common import content_version
from course.content.loader import (
    KINDS,
    MAX_FILE_BYTES,
    ParseCache,
    load_files,
    read_course_files,
    read_edit,
)
from course.content.manifest import MANIFEST
from course.domain.diagnostics import Diagnostic, Severity
from course.domain.model import Module, Quiz, Scenario
from course.domain.permissions import Action, Actor
from course.services.database import Engine
from course.services.permissions import audit_denial, record_audit_event, require
from course.store import content_history
from course.store.content_history import NewRevision, StudioDraftRow, VersionTaken
from course.store.content_history import Revision as Revision
from course.store.engine import read_session, write_transaction

SUFFIXES = (".md", ".yaml")
#: The longest message a trainer may give a saved version.
MAX_MESSAGE = 500
#: Version numbers are stored as 32-bit integers; a number outside 0..this names no version.
_MAX_NUMBER = 2**31 - 1


class PathRefused(ValueError):
    """The path is not a content file inside the content root."""


class EditRefused(ValueError):
    """The edit adds errors to the course; nothing was written."""

    def __init__(self, added: tuple[Diagnostic, ...]) -> None:
        super().__init__(f"the edit adds {len(added)} error(s) to the course")
        self.added = added


class DraftTooLarge(ValueError):
    """A draft longer than a content file may be; nothing was kept."""


class EditConflict(ValueError):
    """Someone else saved the file, or it changed on disk, since it was opened; nothing was written.

    `by` is the version saved meanwhile, when the database has it. The refused text was kept
    as the trainer's draft of the file.
    """

    def __init__(self, message: str, *, by: Revision | None = None) -> None:
        super().__init__(message)
        self.by = by


@dataclass(frozen=True, slots=True)
class ContentFile:
    """A content file as opened in the editor, with the hash of what is on disk."""

    relative: str
    text: str
    hash: str
    exists: bool
    #: The number of the newest saved version when the file was opened (0: none yet); a save
    #: is accepted only while it is still the newest.
    number: int = 0


@dataclass(frozen=True, slots=True)
class EditCheck:
    """The course's diagnostics with the edit in place, and the errors the edit adds."""

    relative: str
    diagnostics: tuple[Diagnostic, ...]
    added_errors: tuple[Diagnostic, ...]

@dataclass(frozen=True, slots=True)
class FileStatus:
    """One editable content file, the folder it is listed under and its validation counts."""

    relative: str
    folder: str
    errors: int
    warnings: int


@dataclass(frozen=True, slots=True)
class EditPreview:
    """An edit as the course would read it: the item it makes (None when it has errors or is
    not a module, quiz or scenario) and the diagnostics of the edited file."""

    relative: str
    item: Module | Quiz | Scenario | None
    diagnostics: tuple[Diagnostic, ...]


def normalise(text: str) -> str:
    """Return text as the loader reads it: no byte-order mark, Unix line ends."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def text_hash(text: str) -> str:
    """Return the content version hash of a text (the hash items carry as their version)."""
    return content_version(normalise(text))


def published_name(relative: str) -> str:
    """Return the path a draft publishes to: its name without the leading underscore."""
    folder, _, name = relative.rpartition("/")
    name = name.lstrip("_")
    return f"{folder}/{name}" if folder else name


def resolve_path(root: Path, relative: str) -> Path:
    """Return the file a relative path names inside the content root, or raise PathRefused.

    Refused: empty or absolute paths, `..` segments, names not ending in .md or .yaml, files
    outside course.yaml and the modules/quizzes/scenarios/aids folders, and symlinks leading out.
    """
    if not relative or "\\" in relative or "\0" in relative or relative.startswith("/") \
            or Path(relative).is_absolute():
        raise PathRefused(f"{relative!r} is not a relative path")
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise PathRefused(f"{relative!r} must not contain '..', '.' or empty segments")
    if not relative.endswith(SUFFIXES):
        raise PathRefused(f"{relative!r} is not a .md or .yaml content file")
    if not (relative == MANIFEST or (len(parts) > 1 and parts[0] in KINDS)):
        raise PathRefused(f"{relative!r} is not course.yaml or inside {', '.join(KINDS)}")
    base = root.resolve()
    path = base / relative
    resolved = path.resolve()
    if not resolved.is_relative_to(base) or resolved != path:
        raise PathRefused(f"{relative!r} leads outside the content folder")
    return path


def _checked_path(engine: Engine, actor: Actor, root: Path, relative: str, action: Action) -> Path:
    require(engine, actor, action)
    try:
        return resolve_path(root, relative)
    except PathRefused as exc:
        audit_denial(engine, actor, action, reason=str(exc))
        raise


def _read(path: Path) -> str | None:
    try:
        return normalise(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def open_file(engine: Engine, actor: Actor, root: Path, relative: str) -> ContentFile:
    """Open a content file for editing, with the number of its newest saved version."""
    path = _checked_path(engine, actor, root, relative, Action.EDIT_CONTENT)
    with read_session(engine) as session:
        newest = content_history.latest(session, published_name(relative))
    text = _read(path)
    return ContentFile(relative, text or "", text_hash(text) if text is not None else "", text is not None,
                       newest.number if newest else 0)


def current_hash(root: Path, relative: str) -> str:
    """Return the hash of a content file on disk, or "" when it does not exist."""
    text = _read(resolve_path(root, relative))
    return text_hash(text) if text is not None else ""


def check_edit(root: Path, relative: str, text: str | None, *,
               cache: ParseCache | None = None) -> EditCheck:
    """Return the course diagnostics with `text` at the published path of `relative`.

    The course's files are read once and loaded twice through the loader's pure entry, as they
    are and with the edit overlaid (None removes the file); nothing is copied or written. The
    diagnostics are exactly what `python -m course validate` prints for that text. With the
    app's parse cache, only the edited file is parsed again.
    """
    target = published_name(relative)
    resolve_path(root, target)
    files = read_course_files(root)
    baseline = load_files(files, cache=cache).diagnostics
    edited = read_edit(root, files, target, normalise(text) if text is not None else None)
    diagnostics = load_files(edited, cache=cache).diagnostics
    return EditCheck(target, diagnostics, _added_errors(baseline, diagnostics))


def _added_errors(before: tuple[Diagnostic, ...], after: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    """Return the errors of `after` that `before` did not have (lines ignored: edits move them)."""
    def key(d: Diagnostic) -> tuple[str, str, str]:
        return (d.path, str(d.code), d.message)

    remaining = Counter(key(d) for d in before if d.severity is Severity.ERROR)
    added = []
    for diagnostic in after:
        if diagnostic.severity is not Severity.ERROR:
            continue
        if remaining[key(diagnostic)] > 0:
            remaining[key(diagnostic)] -= 1
        else:
            added.append(diagnostic)
    return tuple(added)


def validate_edit(engine: Engine, actor: Actor, root: Path, relative: str, text: str, *,
                  cache: ParseCache | None = None) -> EditCheck:
    """Validate the whole course with the edited text in place of the file (nothing written)."""
    _checked_path(engine, actor, root, relative, Action.VALIDATE_CONTENT)
    return check_edit(root, relative, text, cache=cache)


def list_files(engine: Engine, actor: Actor, root: Path, *,
               cache: ParseCache | None = None) -> tuple[FileStatus, ...]:
    """List course.yaml and every content file the editor can open, each with its error and
    warning counts from validating the course as it is on disk, in folder then path order."""
    require(engine, actor, Action.EDIT_CONTENT)
    files = read_course_files(root)
    diagnostics = load_files(files, cache=cache).diagnostics
    errors = Counter(d.path for d in diagnostics if d.severity is Severity.ERROR)
    warnings = Counter(d.path for d in diagnostics if d.severity is not Severity.ERROR)
    listed = []
    for relative in sorted(set(files.texts) | {d.path for d in files.unread}):
        try:
            resolve_path(root, relative)
        except PathRefused:
            continue
        folder = relative.partition("/")[0] if "/" in relative else ""
        listed.append(FileStatus(relative, folder, errors[relative], warnings[relative]))
    return tuple(sorted(listed, key=lambda f: (f.folder, f.relative)))


def preview_edit(engine: Engine, actor: Actor, root: Path, relative: str, text: str, *,
                 cache: ParseCache | None = None) -> EditPreview:
    """Read the course with the edited text in place (nothing written) and return what the
    file becomes for learners, with its diagnostics: the editor's live preview."""
    _checked_path(engine, actor, root, relative, Action.VALIDATE_CONTENT)
    target = published_name(relative)
    resolve_path(root, target)
    files = read_course_files(root)
    loaded = load_files(read_edit(root, files, target, normalise(text)), cache=cache)
    mine = tuple(d for d in loaded.diagnostics if d.path == target)
    course = loaded.course
    if course is None:
        return EditPreview(target, None, mine)
    items: list[Module | Quiz | Scenario] = [*course.modules.values(), *course.quizzes.values(),
                                             *course.scenarios.values()]
    item = next((i for i in items if i.meta.source == target), None)
    return EditPreview(target, item, mine)


def write_atomically(path: Path, text: str) -> None:
    """Write text to path via a temporary file in the same folder, fsync and rename.

    If anything fails before the rename, the temporary file is removed and the original file
    is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed before the rename
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp",
        delete=False, newline="\n")
    temporary = Path(handle.name)
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    try:
        directory = os.open(path.parent, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename is done either way
        return
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@dataclass(frozen=True, slots=True)
class _Publish:
    """One version to publish: where, what, from which version, and who and why."""

    target: str
    path: Path
    text: str
    base_hash: str
    base_number: int
    kind: str
    message: str
    when: datetime


def _conflict_message(target: str, by: Revision | None) -> str:
    if by is None:
        return f"{target} changed on disk since it was opened; reload to see the change"
    who = by.author or "Someone else"
    return (f"{who} saved {target} at {by.saved_at:%H:%M} UTC (version {by.number}); reload to see "
            "their change. Your text is kept as your draft")


def _publish(engine: Engine, actor: Actor, job: _Publish) -> tuple[str, str]:
    """Add the version and write the file in one transaction; return (new hash, previous hash).

    Raises EditConflict when the newest saved version is no longer `base_number` (here or when
    another transaction adds that number first) or the file on disk is no longer `base_hash`.
    """
    new_hash, written, previous = text_hash(job.text), False, None
    try:
        with write_transaction(engine) as session:
            newest = content_history.latest(session, job.target)
            number = newest.number if newest else 0
            if number != job.base_number:
                raise EditConflict(_conflict_message(job.target, newest), by=newest)
            previous = _read(job.path)
            disk_hash = text_hash(previous) if previous is not None else ""
            if disk_hash != job.base_hash:
                raise EditConflict(_conflict_message(job.target, None))
            if previous is not None and (newest is None or newest.hash != disk_hash):
                number += 1  # keep what was on disk (a first save, or an edit made outside the app)
                content_history.add_revision(session, job.target, number, NewRevision(
                    previous, disk_hash, "found", None, "As it was on disk before this save", job.when))
            content_history.add_revision(session, job.target, number + 1, NewRevision(
                job.text, new_hash, job.kind, actor.person_id, job.message, job.when))
            content_history.drop_draft(session, actor.person_id, job.target)
            write_atomically(job.path, job.text)
            written = True
    except VersionTaken as exc:
        with read_session(engine) as session:
            by = content_history.latest(session, job.target)
        raise EditConflict(_conflict_message(job.target, by), by=by) from exc
    except BaseException:
        if written:  # the version was not recorded: put the file back as it was
            _put_back(job.path, previous)
        raise
    return new_hash, text_hash(previous) if previous is not None else ""


def _put_back(path: Path, previous: str | None) -> None:
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        write_atomically(path, previous)


def _clean_message(message: str) -> str:
    return " ".join(message.split())[:MAX_MESSAGE]


def _refused(engine: Engine, actor: Actor, job: _Publish, conflict: EditConflict, address: str) -> None:
    """Keep the refused text as the trainer's draft and audit the refusal."""
    with write_transaction(engine) as session:
        content_history.put_draft(session, actor.person_id, StudioDraftRow(
            job.target, job.text, text_hash(job.text), _stored_number(job.base_number), job.when))
    audit_denial(engine, actor, Action.PUBLISH_CONTENT, reason=f"{job.target}: {conflict}",
                 address=address)


def _run_publish(engine: Engine, actor: Actor, job: _Publish, *, address: str) -> str:
    try:
        new_hash, previous_hash = _publish(engine, actor, job)
    except EditConflict as conflict:
        _refused(engine, actor, job, conflict, address)
        raise
    published = job.kind == "published"  # else "restored"; the audit log names both in full
    record_audit_event(engine, actor, "content_published" if published else "content_restored",
                       target=job.target, address=address, now=job.when,
                       detail={"hash": new_hash, "previous": previous_hash})
    return new_hash


def save(engine: Engine, actor: Actor, root: Path, relative: str, text: str, *, base_hash: str,
         base_number: int, message: str = "", now: datetime | None = None, address: str = "",
         cache: ParseCache | None = None) -> str:
    """Publish an edit to the file's published path and return its new hash.

    Refuses (EditConflict) when someone saved the file since the edit was opened at version
    `base_number`, or the file on disk is no longer `base_hash` ("" for a new file); the text
    is then kept as the trainer's draft. Refuses (EditRefused) when the edit adds errors to the
    course. The new version, with `message`, joins the file's history in the database.
    """
    _checked_path(engine, actor, root, relative, Action.PUBLISH_CONTENT)
    target = published_name(relative)
    path = resolve_path(root, target)
    check = check_edit(root, target, text, cache=cache)
    if check.added_errors:
        raise EditRefused(check.added_errors)
    job = _Publish(target, path, normalise(text), base_hash, base_number, "published",
                   _clean_message(message), now or datetime.now(UTC))
    return _run_publish(engine, actor, job, address=address)


def list_history(engine: Engine, actor: Actor, root: Path, relative: str) -> tuple[Revision, ...]:
    """Return the saved versions of a file, newest first, with who saved each, when and why."""
    _checked_path(engine, actor, root, relative, Action.EDIT_CONTENT)
    with read_session(engine) as session:
        return content_history.history(session, published_name(relative))


def _stored_number(number: int) -> int:
    """Return a version number as it can be stored (a forged one is clamped, and names no version)."""
    return max(0, min(number, _MAX_NUMBER))


def _version_text(engine: Engine, target: str, number: int) -> str:
    if not 0 < number <= _MAX_NUMBER:
        raise PathRefused(f"{target} has no version {number}")
    with read_session(engine) as session:
        text = content_history.revision_text(session, target, number)
    if text is None:
        raise PathRefused(f"{target} has no version {number}")
    return text


def diff_version(engine: Engine, actor: Actor, root: Path, relative: str, number: int) -> str:
    """Return a unified diff from a saved version of the file to the file as it is now."""
    _checked_path(engine, actor, root, relative, Action.EDIT_CONTENT)
    target = published_name(relative)
    old = _version_text(engine, target, number)
    now = _read(resolve_path(root, target))
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), (now or "").splitlines(keepends=True),
        fromfile=f"{target} (version {number})", tofile=f"{target} (now)"))


def restore(engine: Engine, actor: Actor, root: Path, relative: str, number: int, *,
            base_hash: str, base_number: int, now: datetime | None = None, address: str = "") -> str:
    """Put a saved version back in place as a new version; return its hash.

    Like a save, it is refused (EditConflict) when someone saved the file since it was opened.
    """
    _checked_path(engine, actor, root, relative, Action.PUBLISH_CONTENT)
    target = published_name(relative)
    path = resolve_path(root, target)
    text = _version_text(engine, target, number)
    job = _Publish(target, path, text, base_hash, base_number, "restored",
                   f"Restored version {number}", now or datetime.now(UTC))
    return _run_publish(engine, actor, job, address=address)


def save_draft(engine: Engine, actor: Actor, root: Path, relative: str, text: str, *,
               base_number: int = 0, now: datetime | None = None, address: str = "") -> str:
    """Keep the edit as the trainer's own draft of the file (learners never see it); return its hash."""
    _checked_path(engine, actor, root, relative, Action.EDIT_CONTENT)
    target = published_name(relative)
    resolve_path(root, target)
    when, text = now or datetime.now(UTC), normalise(text)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise DraftTooLarge(f"the draft has {len(text.encode('utf-8')):,} bytes; a content file may "
                            f"have {MAX_FILE_BYTES:,}")
    new_hash = text_hash(text)
    with write_transaction(engine) as session:
        before = content_history.get_draft(session, actor.person_id, target)
        content_history.put_draft(session, actor.person_id,
                                  StudioDraftRow(target, text, new_hash, _stored_number(base_number), when))
    record_audit_event(engine, actor, "content_draft_saved", target=target, address=address, now=when,
                       detail={"hash": new_hash, "previous": before.hash if before else ""})
    return new_hash


def get_draft(engine: Engine, actor: Actor, root: Path, relative: str) -> StudioDraftRow | None:
    """Return the trainer's own draft of the file, if they have one."""
    _checked_path(engine, actor, root, relative, Action.EDIT_CONTENT)
    with read_session(engine) as session:
        return content_history.get_draft(session, actor.person_id, published_name(relative))


def discard_draft(engine: Engine, actor: Actor, root: Path, relative: str) -> None:
    """Remove the trainer's own draft of the file."""
    _checked_path(engine, actor, root, relative, Action.EDIT_CONTENT)
    with write_transaction(engine) as session:
        content_history.drop_draft(session, actor.person_id, published_name(relative))
