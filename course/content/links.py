"""Links and images in a content file that point to local files, and the ones that are missing.

Only files that hold a link other than a `#` anchor are tokenised again, so a course without
local links pays nothing for this check.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import unquote

from markdown_it.token import Token

from course.content.markdown import parse_tokens
from course.domain.diagnostics import Code, Diagnostic, warning

#: A link or image to something other than an anchor, inline or as a reference definition.
_MAYBE_LOCAL = re.compile(r"\]\(\s*<?(?!#)|^ {0,3}\[[^\]]+\]:", re.MULTILINE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def is_local(target: str) -> bool:
    """Tell whether a link target names a file of the course rather than a site or an anchor."""
    return bool(target) and not target.startswith(("#", "/", "\\")) and not _SCHEME.match(target)


class LocalTarget(NamedTuple):
    """A link or image of a file: what it points to, on which line, and which of the two it is."""

    target: str
    line: int
    kind: str  # "link" or "image"


def _targets(children: Sequence[Token], first_line: int) -> Iterator[LocalTarget]:
    line = first_line
    for child in children:
        if child.type in {"softbreak", "hardbreak"}:
            line += 1
        elif child.type == "link_open":
            yield LocalTarget(str(child.attrs.get("href", "")), line, "link")
        elif child.type == "image":
            yield LocalTarget(str(child.attrs.get("src", "")), line, "image")


@lru_cache(maxsize=4096)
def local_targets(text: str) -> tuple[LocalTarget, ...]:
    """Return each local link and image of a file.

    Cached by text: the loader asks on every load, to know which linked files exist.
    """
    if not _MAYBE_LOCAL.search(text):
        return ()
    found: list[LocalTarget] = []
    for token in parse_tokens(text):
        if token.type == "inline" and token.map:
            found += [t for t in _targets(token.children or [], token.map[0] + 1) if is_local(t.target)]
    return tuple(found)


def resolve(source: str, target: str) -> str | None:
    """Return the course path a local target names from the file `source`, or None outside it."""
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return source
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    return None if joined == ".." or joined.startswith("../") else joined


def _hint(source: str, target: str, existing: frozenset[str]) -> str:
    """Say how to fix a missing target: relative to the file when it was written from the root."""
    from_root = resolve("", target)
    if from_root is not None and from_root in existing:
        relative = posixpath.relpath(from_root, posixpath.dirname(source) or ".")
        return f"links are relative to the file that holds them: write '{relative}'"
    return "check the spelling and the case of every letter"


def check_links(source: str, text: str, existing: frozenset[str]) -> list[Diagnostic]:
    """Report each local link or image of a file whose target is not a file of the course."""
    problems = []
    for target, line, kind in local_targets(text):
        path = resolve(source, target)
        if path is None:
            problems.append(warning(source, line, Code.LINK_MISSING,
                                  f"the {kind} to '{target}' leads outside the course folder; copy "
                                  "the file into the course (such as media/) and link to it there"))
        elif path not in existing:
            problems.append(warning(source, line, Code.LINK_MISSING,
                                    f"the {kind} to '{target}' names no file of the course (looked "
                                    f"for {path}); {_hint(source, target, existing)}"))
    return problems
