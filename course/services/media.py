"""The course's media files as the app serves them: which file a request names, and what it is.

Only a file inside the course's media/ folder, reached without `..`, hidden or draft folders, or a link
leading elsewhere, and whose content is an accepted image, video, audio or captions kind, is
ever served. Its kind and hash are read once per version of the file (modification time and
size), so serving it again costs a `stat`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from course.content.markdown import MEDIA_ROUTE
from course.content.media import CONTENT_TYPES, MAX_PLAYER_BYTES, MEDIA_FOLDER, facts_of

__all__ = ["MEDIA_ROUTE", "MediaFile", "find_media_file"]


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A media file that may be served: where it is, its content type, and its content's hash."""

    path: Path
    content_type: str
    etag: str
    size: int


def _safe_parts(relative: str) -> list[str] | None:
    """Split a requested path into its names, or None if any could leave or reach hidden files."""
    if not relative or "\\" in relative or "\0" in relative or relative.startswith("/"):
        return None
    parts = relative.split("/")
    if len(parts) < 2 or parts[0] != MEDIA_FOLDER:
        return None
    if any(not part or part in {".", ".."} or part.startswith((".", "_")) for part in parts):
        return None
    return parts


@lru_cache(maxsize=512)
def _describe(path: str, mtime_ns: int, size: int) -> tuple[str, str] | None:
    """Return (content type, hash) of a file's content, or None when it is not served media."""
    with open(path, "rb") as handle:
        data = handle.read()
    content_type = CONTENT_TYPES.get(facts_of(data).kind or "")
    if content_type is None:
        return None
    return content_type, hashlib.sha256(data).hexdigest()[:32]


def find_media_file(root: Path, relative: str) -> MediaFile | None:
    """Return the media file a request names under the course folder `root`, or None to refuse."""
    parts = _safe_parts(relative)
    if parts is None:
        return None
    base = (root / MEDIA_FOLDER).resolve()
    try:
        target = base.joinpath(*parts[1:]).resolve(strict=True)
        status = target.stat()
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file() or status.st_size > MAX_PLAYER_BYTES:
        return None
    described = _describe(str(target), status.st_mtime_ns, status.st_size)
    if described is None:
        return None
    return MediaFile(target, described[0], described[1], status.st_size)
