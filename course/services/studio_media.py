"""The media files of a course for the studio: what each is, who uses it, and which nothing uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from course.content.loader import read_course_files
from course.content.media import find_media_files, media_usage, read_media_facts
from course.domain.permissions import Action, Actor
from course.services.database import Engine
from course.services.permissions import require


@dataclass(frozen=True, slots=True)
class MediaEntry:
    """One file of the media folder: its kind by content (in words), size in bytes, and users."""

    path: str
    kind: str
    size: int
    used_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MediaReport:
    """Every file of the media folder, in path order."""

    files: tuple[MediaEntry, ...]

    @property
    def unused(self) -> tuple[MediaEntry, ...]:
        """Return the files no module, quiz or scenario names."""
        return tuple(entry for entry in self.files if not entry.used_by)


def _label(kind: str | None) -> str:
    if kind == "svg":
        return "SVG (refused: it can carry script)"
    return kind.upper() if kind else "not an accepted kind"


def list_media(root: Path) -> MediaReport:
    """Return the media folder's files with their kind and the content files that name them."""
    usage = media_usage(read_course_files(root).texts)
    entries = []
    for path in find_media_files(root):
        facts = read_media_facts(root, path)
        kind = _label(facts.kind if facts is not None else None)
        entries.append(MediaEntry(path, kind, facts.size if facts else 0, usage.get(path, ())))
    return MediaReport(tuple(entries))


def get_media(engine: Engine, actor: Actor, root: Path) -> MediaReport:
    """Return the course's media files for the content health page, for trainers and admins."""
    require(engine, actor, Action.VALIDATE_CONTENT)
    return list_media(root)
