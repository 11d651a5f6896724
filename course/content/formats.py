"""The version of the course format, and the one place where converters between versions live.

`course.yaml` says which version of the format its course is written in (`format: 1`; a
course without the key is version 1, as every course was before the key existed). The engine
reads `CURRENT` only. When the format changes incompatibly, the change gets a new number and a
converter from the version before it in `CONVERTERS`, which rewrites the file texts of an old
course (`{relative path: text}`) into the next version; `upgrade` chains them, so old courses
keep loading while their authors upgrade at leisure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from course.content.frontmatter import read_yaml_mapping
from course.domain.diagnostics import Code, Diagnostic, error

#: The format version this engine reads.
CURRENT = 1

Texts = Mapping[str, str]

#: CONVERTERS[n] turns the texts of a version-n course into version n + 1. None exist yet:
#: version 1 is the first.
CONVERTERS: dict[int, Callable[[Texts], Texts]] = {}


def format_of(manifest_text: str) -> object:
    """Return the `format` course.yaml declares (1 when absent), or None when it cannot be read."""
    document, _ = read_yaml_mapping(manifest_text, path="course.yaml")
    if document is None:
        return None
    return document.data.get("format", 1)


def known_versions() -> list[int]:
    """Return every version the engine can load: the current one and each it can convert."""
    versions = {CURRENT}
    version = CURRENT - 1
    while version in CONVERTERS:
        versions.add(version)
        version -= 1
    return sorted(versions)


def check_format(manifest_text: str) -> list[Diagnostic]:
    """Report a `format` this engine cannot load; unreadable YAML is left to the manifest check."""
    declared = format_of(manifest_text)
    if declared is None or (declared in known_versions() and type(declared) is int):
        return []
    document, _ = read_yaml_mapping(manifest_text, path="course.yaml")
    line = document.line_of("format") if document else 1
    if type(declared) is int and declared > CURRENT:
        message = (f"this course is written in format {declared}, but this engine reads format "
                   f"{CURRENT} at most; update the engine, or write the course in format {CURRENT}")
    else:
        versions = ", ".join(map(str, known_versions()))
        message = (f"format {declared!r} is not a version of the course format; write "
                   f"'format: {CURRENT}' (known: {versions})")
    return [error("course.yaml", line, Code.FORMAT_UNKNOWN, message)]


def upgrade(texts: Texts, version: int) -> Texts:
    """Return the texts of a course of `version` converted, step by step, to the current version."""
    while version < CURRENT:
        texts = CONVERTERS[version](texts)
        version += 1
    return texts
