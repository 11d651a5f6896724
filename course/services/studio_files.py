"""Edit content files in the app: open, validate with the edit, save atomically, draft, restore.

Every action checks its permission here, on the server. A saved file is written to a temporary
file in the same folder, flushed to disk and renamed over the original, so a crash leaves either
the old file or the new one, never half of one. The version replaced is kept in a history folder
so it can be restored, and every save, draft and restore is audited with the content hashes.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from course.content.common import content_version
from course.content.loader import KINDS, ParseCache, load_files, read_course_files, read_edit
from course.content.manifest import MANIFEST
from course.domain.diagnostics import Diagnostic, Severity
from course.domain.permissions import Action, Actor
from course.services.database import Engine
from course.services.permissions import audit_denial, record_audit_event, require

SUFFIXES = (".md", ".yaml")
#: Serialises check-then-write within this process, so two saves of the same file cannot both
#: pass the concurrent-edit guard. Not security state: losing it only loosens that guard.
_WRITING = threading.Lock()
_STAMP = "%Y%m%dT%H%M%S%fZ"


class PathRefused(ValueError):
    """The path is not a content file inside the content root."""


class EditRefused(ValueError):
    """The edit adds errors to the course; nothing was written."""

    def __init__(self, added: tuple[Diagnostic, ...]) -> None:
        super().__init__(f"the edit adds {len(added)} error(s) to the course")
        self.added = added


class EditConflict(ValueError):
    """The file changed on disk since it was opened; nothing was written."""


@dataclass(frozen=True, slots=True)
class ContentFile:
    """A content file as opened in the editor, with the hash of what is on disk."""

    relative: str
    text: str
    hash: str
    exists: bool


@dataclass(frozen=True, slots=True)
class EditCheck:
    """The course's diagnostics with the edit in place, and the errors the edit adds."""

    relative: str
    diagnostics: tuple[Diagnostic, ...]
    added_errors: tuple[Diagnostic, ...]

@dataclass(frozen=True, slots=True)
class SavedVersion:
    """A previous version kept in the history folder."""

    name: str
    hash: str
    saved_at: datetime


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


def draft_name(relative: str) -> str:
    """Return the path of the draft beside a content file (`_<name>`)."""
    published = published_name(relative)
    folder, _, name = published.rpartition("/")
    return f"{folder}/_{name}" if folder else f"_{name}"


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
    """Open a content file (or draft) for editing."""
    path = _checked_path(engine, actor, root, relative, Action.EDIT_CONTENT)
    text = _read(path)
    return ContentFile(relative, text or "", text_hash(text) if text is not None else "", text is not None)


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


def _history_folder(history: Path, relative: str) -> Path:
    return history / relative


def _keep(history: Path, relative: str, text: str, now: datetime) -> None:
    """Keep a version of a file in the history folder."""
    folder = _history_folder(history, relative)
    suffix = Path(relative).suffix
    write_atomically(folder / f"{now.strftime(_STAMP)}-{text_hash(text)}{suffix}", text)


def list_history(engine: Engine, actor: Actor, root: Path, relative: str, *,
                 history: Path) -> tuple[SavedVersion, ...]:
    """Return the previous versions of a file, newest first."""
    _checked_path(engine, actor, root, relative, Action.EDIT_CONTENT)
    folder = _history_folder(history, published_name(relative))
    versions = []
    if folder.is_dir():
        for entry in folder.iterdir():
            stamp, _, rest = entry.stem.partition("-")
            try:
                when = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
            except ValueError:
                continue
            versions.append(SavedVersion(entry.name, rest, when))
    return tuple(sorted(versions, key=lambda v: v.saved_at, reverse=True))


def _write_version(engine: Engine, actor: Actor, path: Path, relative: str, text: str, *,
                   kind: str, history: Path | None, now: datetime | None, address: str) -> str:
    when = now or datetime.now(UTC)
    previous = _read(path)
    text = normalise(text)
    if history is not None and previous is not None:
        _keep(history, relative, previous, when)
    write_atomically(path, text)
    new_hash = text_hash(text)
    record_audit_event(engine, actor, kind, target=relative, address=address, now=when,
                       detail={"hash": new_hash,
                               "previous": text_hash(previous) if previous is not None else ""})
    return new_hash


def save(engine: Engine, actor: Actor, root: Path, relative: str, text: str, *, base_hash: str,
         history: Path, now: datetime | None = None, address: str = "",
         cache: ParseCache | None = None) -> str:
    """Publish an edit to the file's published path and return its new hash.

    Refuses (EditConflict) when the file on disk is no longer the version the edit started
    from (`base_hash`, "" for a new file), and (EditRefused) when the edit adds errors to the
    course. The previous version is kept in `history`.
    """
    _checked_path(engine, actor, root, relative, Action.PUBLISH_CONTENT)
    with _WRITING:
        return _save(engine, actor, root, relative, text, base_hash=base_hash, history=history,
                     now=now, address=address, cache=cache)


def _save(engine: Engine, actor: Actor, root: Path, relative: str, text: str, *, base_hash: str,
          history: Path, now: datetime | None, address: str, cache: ParseCache | None) -> str:
    target = published_name(relative)
    path = resolve_path(root, target)
    if current_hash(root, target) != base_hash:
        audit_denial(engine, actor, Action.PUBLISH_CONTENT, reason=f"{target} changed on disk",
                     address=address)
        raise EditConflict(f"{target} changed on disk since it was opened; reopen it and edit again")
    check = check_edit(root, target, text, cache=cache)
    if check.added_errors:
        raise EditRefused(check.added_errors)
    return _write_version(engine, actor, path, target, text, kind="content_published",
                          history=history, now=now, address=address)


def save_draft(engine: Engine, actor: Actor, root: Path, relative: str, text: str, *,
               now: datetime | None = None, address: str = "") -> str:
    """Save the edit as a draft beside the file (`_<name>`, which the loader skips); return its hash."""
    _checked_path(engine, actor, root, relative, Action.EDIT_CONTENT)
    target = draft_name(relative)
    path = resolve_path(root, target)
    with _WRITING:
        return _write_version(engine, actor, path, target, text, kind="content_draft_saved",
                              history=None, now=now, address=address)


def restore(engine: Engine, actor: Actor, root: Path, relative: str, name: str, *, history: Path,
            now: datetime | None = None, address: str = "") -> str:
    """Put a previous version back in place (keeping the current one in history); return its hash."""
    _checked_path(engine, actor, root, relative, Action.PUBLISH_CONTENT)
    target = published_name(relative)
    path = resolve_path(root, target)
    folder = _history_folder(history, target)
    if "/" in name or name.startswith(".") or not (folder / name).is_file():
        raise PathRefused(f"no previous version named {name!r}")
    text = (folder / name).read_text(encoding="utf-8")
    with _WRITING:
        return _write_version(engine, actor, path, target, text, kind="content_restored",
                              history=history, now=now, address=address)
