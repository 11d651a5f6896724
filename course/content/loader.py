"""Read a content root: discover files, parse each (cached by content hash), cross-check all.

Loading never raises on bad content: every valid item is returned with the diagnostics for the
rest, so the app can serve what is valid while trainers see what is not.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.content.common import Parsed, Vocabulary
from course.content.crosscheck import Item, check_course
from course.content.manifest import MANIFEST, parse_manifest, vocabulary_of
from course.content.modules import parse_module
from course.content.quizzes import parse_quiz
from course.content.scenarios import parse_scenario
from course.domain.diagnostics import Code, Diagnostic, error, has_errors
from course.domain.model import Course, frozen_map

#: Files larger than this are refused unread: pathological Markdown can take ~200x longer to
#: parse than prose, and no real module comes near this size.
MAX_FILE_BYTES = 256 * 1024

KINDS = ("modules", "quizzes", "scenarios")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A loaded course (None when course.yaml is unusable) and every diagnostic, sorted."""

    course: Course | None
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...]
    fingerprint: str


@dataclass
class ParseCache:
    """Parsed files keyed by (kind, content hash, vocabulary), and the last whole result.

    Unchanged files are not parsed again, and a course whose every file is unchanged is not
    cross-checked again either: its fingerprint (a hash over every file's hash) finds it.
    """

    entries: dict[tuple[str, str, int], Parsed[Any]] = field(default_factory=dict)
    last: LoadResult | None = None

    def get_or_parse(
        self, key: tuple[str, str, int], parse: Callable[..., Parsed[Any]], *args: Any
    ) -> Parsed[Any]:
        """Return the cached result for key, calling parse(*args) and storing it on a miss."""
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = parse(*args)
        return found

    def retain(self, keys: set[tuple[str, str, int]]) -> None:
        """Forget entries for content that no longer exists."""
        for key in set(self.entries) - keys:
            del self.entries[key]


@dataclass(frozen=True, slots=True)
class _Source:
    kind: str
    relative: str
    text: str | None
    digest: str
    problem: Diagnostic | None


def find_content_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Yield (kind, path) for every Markdown file, sorted, skipping drafts (`_` or `.` names)."""
    for kind in KINDS:
        folder = root / kind
        found = []
        for directory, subfolders, names in os.walk(folder):
            subfolders[:] = [d for d in subfolders if not d.startswith(("_", "."))]
            found += [os.path.join(directory, n) for n in names
                      if n.endswith(".md") and not n.startswith(("_", "."))]
        for path in sorted(found):
            yield kind, Path(path)


def read_text(path: Path, *, relative: str) -> tuple[str | None, Diagnostic | None]:
    """Read a file as UTF-8 within the size cap, or return the diagnostic saying why not."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, error(relative, 1, Code.FILE_TOO_LARGE,
                               f"the file has {size:,} bytes; the limit is {MAX_FILE_BYTES:,}. "
                               "Split it into smaller files")
        data = path.read_bytes()
    except OSError as exc:
        return None, error(relative, 1, Code.FILE_UNREADABLE, f"cannot be read: {exc.strerror}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, error(relative, line, Code.NOT_UTF8,
                           f"byte {exc.start} is not UTF-8; save the file as UTF-8")
    return text.removeprefix("\ufeff").replace("\r\n", "\n"), None


def _parse(kind: str, text: str, relative: str, vocabulary: Vocabulary, pass_mark: int) -> Parsed[Any]:
    if kind == "modules":
        return parse_module(text, source=relative, vocabulary=vocabulary)
    if kind == "quizzes":
        return parse_quiz(text, source=relative, vocabulary=vocabulary, default_pass_mark=pass_mark)
    return parse_scenario(text, source=relative, vocabulary=vocabulary)


def _declared_id(result: Parsed[Any], text: str) -> str | None:
    """Guess the id a broken file meant to declare, so links to it are not reported twice."""
    if result.item is not None:
        return None
    for line in text.splitlines()[1:40]:
        if line.startswith("id:"):
            return line[3:].strip().strip("'\"") or None
    return None


def _read_sources(root: Path) -> list[_Source]:
    sources = []
    prefix = len(str(root)) + 1
    for kind, path in find_content_files(root):
        relative = str(path)[prefix:].replace(os.sep, "/")
        text, problem = read_text(path, relative=relative)
        digest = hashlib.sha256(text.encode()).hexdigest() if text is not None else ""
        sources.append(_Source(kind, relative, text, digest, problem))
    return sources


def _fingerprint(manifest_text: str, sources: list[_Source]) -> str:
    hasher = hashlib.sha256(manifest_text.encode())
    for source in sources:
        hasher.update(f"\0{source.relative}\0{source.digest}".encode())
    return hasher.hexdigest()


def load_course(root: Path, *, cache: ParseCache | None = None) -> LoadResult:
    """Load and validate the course at `root`."""
    cache = cache if cache is not None else ParseCache()
    root = root.resolve()
    manifest_text, problem = read_text(root / MANIFEST, relative=MANIFEST)
    if manifest_text is None:
        if not (root / MANIFEST).exists():
            problem = error(MANIFEST, 1, Code.MANIFEST_MISSING,
                            f"no course.yaml in {root.name or root}; is this a content folder?")
        assert problem is not None
        return LoadResult(None, (problem,), (), "")
    sources = _read_sources(root)
    fingerprint = _fingerprint(manifest_text, sources)
    if cache.last is not None and cache.last.fingerprint == fingerprint:
        return cache.last
    result = _load(manifest_text, sources, fingerprint, cache)
    cache.last = result
    return result


def _load(manifest_text: str, sources: list[_Source], fingerprint: str, cache: ParseCache) -> LoadResult:
    manifest = parse_manifest(manifest_text)
    files = (MANIFEST, *(s.relative for s in sources))
    if manifest.item is None:
        return LoadResult(None, manifest.diagnostics, files, fingerprint)
    info = manifest.item
    vocabulary = vocabulary_of(info)
    vocab_key = hash((vocabulary, info.pass_mark))
    diagnostics: list[Diagnostic] = list(manifest.diagnostics)
    parsed: list[Parsed[Item]] = []
    declared: set[str] = set()
    keys = set()
    for source in sources:
        text = source.text
        if text is None:
            assert source.problem is not None
            diagnostics.append(source.problem)
            continue
        key = (source.kind, f"{source.relative}:{source.digest}", vocab_key)
        keys.add(key)
        result = cache.get_or_parse(key, _parse, source.kind, text, source.relative, vocabulary,
                                    info.pass_mark)
        diagnostics.extend(result.diagnostics)
        if result.item is not None:
            parsed.append(result)
        elif (guess := _declared_id(result, text)) is not None:
            declared.add(guess)
    cache.retain(keys)
    checked = check_course(info, manifest.lines, parsed, declared,
                           complete=not has_errors(diagnostics))
    diagnostics.extend(checked.diagnostics)
    course = Course(
        info=info,
        modules=frozen_map(checked.modules),
        quizzes=frozen_map(checked.quizzes),
        scenarios=frozen_map(checked.scenarios),
    )
    return LoadResult(course, tuple(sorted(set(diagnostics))), files, fingerprint)
