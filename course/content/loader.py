"""Read a content root: discover files, parse each (cached by content hash), cross-check all.

Loading never raises on bad content: every valid item is returned with the diagnostics for the
rest, so the app can serve what is valid while trainers see what is not.

Reading and checking are separate. `read_course_files` is the only part that touches the disk;
`load_files` and `load_texts` take file texts (`{relative path: text}`), so the command line,
the app and the editor's Validate (which overlays the edited text) share one pure entry.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from course.content.aids import parse_aid
from course.content.common import Parsed, Vocabulary
from course.content.crosscheck import Item, check_course
from course.content.formats import check_format, format_of, upgrade
from course.content.glossary import check_glossary, parse_glossary
from course.content.links import check_links, local_targets, resolve
from course.content.manifest import MANIFEST, parse_manifest, vocabulary_of
from course.content.media import MediaFacts, check_media, media_paths, read_media_facts, transcripts_for
from course.content.modules import parse_module
from course.content.quizzes import parse_quiz
from course.content.scenarios import parse_scenario
from course.content.suggest import closest
from course.domain.diagnostics import Code, Diagnostic, error, has_errors, warning
from course.domain.model import Aid, Course, CourseInfo, GlossaryEntry, frozen_map

#: Files larger than this are refused unread: pathological Markdown can take ~200x longer to
#: parse than prose, and no real module comes near this size.
MAX_FILE_BYTES = 256 * 1024

KINDS = ("modules", "quizzes", "scenarios", "aids", "glossary")

#: Endings trainers give Markdown or text files by mistake: the report says to rename them.
_TEXT_ENDINGS = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".txt", ".text")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A loaded course (None when course.yaml is unusable) and every diagnostic, sorted."""

    course: Course | None
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[str, ...]
    fingerprint: str


@dataclass(frozen=True, slots=True)
class CourseFiles:
    """What a content root holds: the texts to load, files that could not be read, all others.

    `texts` maps relative paths (with `/`) to text for course.yaml and every content file;
    `unread` holds the diagnostic of each such file that could not be read; `others` lists every
    other file in the folder (media, drafts, stray files), which links may name.
    """

    texts: Mapping[str, str]
    unread: tuple[Diagnostic, ...] = ()
    others: frozenset[str] = frozenset()
    media: Mapping[str, MediaFacts] = field(default_factory=dict)

    def with_text(self, relative: str, text: str | None) -> CourseFiles:
        """Return the files with `relative` replaced by text (None removes it); nothing is written."""
        texts = {path: value for path, value in self.texts.items() if path != relative}
        if text is not None:
            texts[relative] = text
        unread = tuple(d for d in self.unread if d.path != relative)
        return CourseFiles(texts, unread, self.others - {relative}, self.media)


@dataclass
class ParseCache:
    """Parsed files keyed by (kind, content hash, vocabulary), and the last whole result.

    Unchanged files are not parsed again, and a course whose every file is unchanged is not
    cross-checked again either: its fingerprint (a hash over every file's hash) finds it.
    """

    entries: dict[tuple[str, str, int], Parsed[Any]] = field(default_factory=dict)
    last: LoadResult | None = None
    #: The day `last` was judged on (review dates are warned about a year after them).
    last_day: date | None = None
    #: The text read from each file, with the modification time and size it had: a file whose
    #: stat is unchanged is not read or hashed again (see `read_course_files`).
    reads: dict[Path, tuple[int, int, str]] = field(default_factory=dict)
    #: The SHA-256 of each text seen, keyed by the text (Python keeps a string's hash, so a
    #: text served again from `reads` is looked up without being hashed again).
    digests: dict[str, str] = field(default_factory=dict)

    def digest(self, text: str) -> str:
        """Return the SHA-256 of a text, remembered."""
        found = self.digests.get(text)
        if found is None:
            found = self.digests[text] = _digest(text)
        return found

    def get_or_parse(
        self, key: tuple[str, str, int], parse: Callable[..., Parsed[Any]], *args: Any
    ) -> Parsed[Any]:
        """Return the cached result for key, calling parse(*args) and storing it on a miss."""
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = parse(*args)
        return found

    def retain(self, keys: set[tuple[str, str, int]], texts: Mapping[str, str] | None = None) -> None:
        """Forget entries for content that no longer exists (and digests of texts not current)."""
        for key in set(self.entries) - keys:
            del self.entries[key]
        if texts is not None:
            current = set(texts.values())
            for text in set(self.digests) - current:
                del self.digests[text]


def kind_of(relative: str) -> str | None:
    """Return the kind of content a relative path holds, or None when the loader skips it.

    Content files end in `.md` inside modules/, quizzes/, scenarios/, aids/ or glossary/; a file or
    folder whose name starts with `_` or `.` is a draft and is skipped.
    """
    parts = relative.split("/")
    if len(parts) < 2 or parts[0] not in KINDS or any(p.startswith(("_", ".")) for p in parts):
        return None
    return parts[0] if parts[-1].endswith(".md") else None


def _ignored(relative: str) -> Diagnostic | None:
    """Warn about a file in a content folder that the loader will not read."""
    parts = relative.split("/")
    if len(parts) < 2 or parts[0] not in KINDS or any(p.startswith(("_", ".")) for p in parts):
        return None
    if kind_of(relative) is not None:
        return None
    name = parts[-1]
    stem, dot, ending = name.rpartition(".")
    if dot and f".{ending.lower()}" in _TEXT_ENDINGS:
        message = (f"'{name}' is not read: content files end in '.md' in lower case; rename it to "
                   f"'{stem}.md', or start its name with '_' to keep it as a draft")
    else:
        message = (f"'{name}' is not read: {parts[0]}/ holds only '.md' files; move it out (media "
                   "belong in media/), or start its name with '_' to keep it here unread")
    return warning(relative, 1, Code.FILE_IGNORED, message)


def find_content_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Yield (kind, path) for every content file, sorted, skipping drafts (`_` or `.` names)."""
    for relative in _walk(root):
        kind = kind_of(relative)
        if kind is not None:
            yield kind, root / relative


def _walk(root: Path) -> list[str]:
    """Return the relative path of every file in the content folders, sorted, hidden ones left out.

    Only modules/, quizzes/, scenarios/ and aids/ are walked: a course folder may also hold a large
    history or a database, which no load should list on every page.
    """
    found = []
    prefix = len(str(root)) + 1
    for kind in KINDS:
        for directory, subfolders, names in os.walk(root / kind):
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
            found += [os.path.join(directory, n)[prefix:].replace(os.sep, "/") for n in names]
    return sorted(found)


def _linked_files(root: Path, texts: Mapping[str, str]) -> set[str]:
    """Return the files of the course that local links and images name and that exist.

    A name must match letter for letter: a case-insensitive disk would find `Guide.pdf` for
    `guide.pdf`, but the server the course moves to will not.
    """
    listings: dict[Path, set[str]] = {}
    found: set[str] = set()
    for source, text in texts.items():
        for link in local_targets(text):
            # as written, and as if written from the course folder, for the message's hint
            candidates = {resolve(source, link.target), resolve("", link.target)}
            for path in {c for c in candidates if c is not None} - found:
                folder = (root / path).parent
                if folder not in listings:
                    listings[folder] = _file_names(folder)
                if path.rsplit("/", 1)[-1] in listings[folder]:
                    found.add(path)
    return found


def _file_names(folder: Path) -> set[str]:
    try:
        return {entry.name for entry in os.scandir(folder) if entry.is_file()}
    except OSError:
        return set()


#: A file changed this recently may change again within its timestamp's resolution without its
#: modification time moving (as git knows it): it is always read again.
RACY_SECONDS = 2.0


def _read_unchanged(path: Path, relative: str,
                    cache: ParseCache | None) -> tuple[str | None, Diagnostic | None]:
    """Read a file, or reuse the text read before when its modification time and size are the same."""
    if cache is None:
        return read_text(path, relative=relative)
    try:
        status = path.stat()
    except OSError:
        status = None
    if status is not None:
        known = cache.reads.get(path)
        if known is not None and known[:2] == (status.st_mtime_ns, status.st_size):
            return known[2], None
    text, problem = read_text(path, relative=relative)
    settled = status is not None and time.time() - status.st_mtime > RACY_SECONDS
    if text is not None and settled:
        cache.reads[path] = (status.st_mtime_ns, status.st_size, text)  # type: ignore[union-attr]
    else:
        cache.reads.pop(path, None)
    return text, problem


def read_text(path: Path, *, relative: str) -> tuple[str | None, Diagnostic | None]:
    """Read a file as UTF-8 within the size cap, or return the diagnostic saying why not."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, _too_large(relative, size)
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


def _too_large(relative: str, size: int) -> Diagnostic:
    return error(relative, 1, Code.FILE_TOO_LARGE,
                 f"the file has {size:,} bytes; the limit is {MAX_FILE_BYTES:,}. "
                 "Split it into smaller files")


def read_course_files(root: Path, *, cache: ParseCache | None = None) -> CourseFiles:
    """Read course.yaml and every content file under root; list other files and linked ones.

    With a cache, a file whose modification time and size are unchanged is not read again.
    """
    root = root.resolve()
    texts: dict[str, str] = {}
    unread: list[Diagnostic] = []
    others = set()
    for relative in [MANIFEST, *_walk(root)]:
        if relative != MANIFEST and kind_of(relative) is None:
            others.add(relative)
            continue
        if relative == MANIFEST and not (root / MANIFEST).exists():
            others |= {name for name in _file_names(root) if name.lower().startswith("course.")}
            continue
        text, problem = _read_unchanged(root / relative, relative, cache)
        if text is not None:
            texts[relative] = text
        elif problem is not None:
            unread.append(problem)
    media = _media_facts(root, texts)
    return CourseFiles(texts, tuple(unread), frozenset(others | _linked_files(root, texts) | media.keys()),
                       media)


def read_edit(root: Path, files: CourseFiles, relative: str, text: str | None) -> CourseFiles:
    """Return the files with an edit overlaid, and the files its links name that exist on disk."""
    edited = files.with_text(relative, text)
    if text is None:
        return edited
    linked = _linked_files(root.resolve(), {relative: text})
    media = {**files.media, **_media_facts(root.resolve(), {relative: text})}
    return CourseFiles(edited.texts, edited.unread, edited.others | linked | media.keys(), media)


def _media_facts(root: Path, texts: Mapping[str, str]) -> dict[str, MediaFacts]:
    """Return the facts of each media file the texts name that exists, letter for letter."""
    listings: dict[Path, set[str]] = {}
    found: dict[str, MediaFacts] = {}
    for source, text in texts.items():
        for path in media_paths(source, text) - found.keys():
            folder = (root / path).parent
            if folder not in listings:
                listings[folder] = _file_names(folder)
            if path.rsplit("/", 1)[-1] in listings[folder] and (facts := read_media_facts(root, path)):
                found[path] = facts
    return found


def _parse(kind: str, text: str, relative: str, vocabulary: Vocabulary, pass_mark: int,
           transcripts: Mapping[str, str]) -> Parsed[Any]:
    """Parse one file; an engine fault becomes a diagnostic, so loading never raises."""
    try:
        if kind == "modules":
            return parse_module(text, source=relative, vocabulary=vocabulary, transcripts=transcripts)
        if kind == "quizzes":
            return parse_quiz(text, source=relative, vocabulary=vocabulary,
                              default_pass_mark=pass_mark)
        if kind == "aids":
            return parse_aid(text, source=relative)
        if kind == "glossary":
            return parse_glossary(text, source=relative)
        return parse_scenario(text, source=relative, vocabulary=vocabulary)
    except Exception as exc:  # one file must never stop the course loading
        return Parsed(None, (error(relative, 1, Code.PARSE_FAILED,
                                   f"the engine failed while reading this file ({type(exc).__name__}); "
                                   "please report it with the file attached"),))


def _declared_id(result: Parsed[Any], text: str) -> str | None:
    """Guess the id a broken file meant to declare, so links to it are not reported twice."""
    if result.item is not None:
        return None
    for line in text.splitlines()[1:40]:
        if line.startswith("id:"):
            return line[3:].strip().strip("'\"") or None
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _fingerprint(files: CourseFiles, cache: ParseCache | None = None) -> str:
    digest = _digest if cache is None else cache.digest
    hasher = hashlib.sha256()
    for relative in sorted(files.texts):
        hasher.update(f"\0{relative}\0{digest(files.texts[relative])}".encode())
    for problem in files.unread:
        hasher.update(f"\0{problem.format()}".encode())
    for relative in sorted(files.others):
        hasher.update(f"\0{relative}".encode())
    for relative, facts in sorted(files.media.items()):
        said = f"{facts.kind}\0{facts.size}\0{facts.problem}\0{facts.seconds}\0{_digest(facts.transcript)}"
        hasher.update(f"\0{relative}\0{said}".encode())
    return hasher.hexdigest()


def load_course(root: Path, *, cache: ParseCache | None = None, today: date | None = None) -> LoadResult:
    """Load and validate the course at `root`; the cache keeps parsed files and the last result.

    `today` is the date review dates are judged against (default: the real date).
    """
    cache = cache if cache is not None else ParseCache()
    files = read_course_files(root, cache=cache)
    fingerprint = _fingerprint(files, cache)
    day = today or date.today()  # review dates age: a new day is a new result
    if cache.last is not None and cache.last.fingerprint == fingerprint and cache.last_day == day:
        return cache.last
    used: set[tuple[str, str, int]] = set()
    result = _load(files, fingerprint, cache, used, root_name=root.resolve().name, today=day)
    cache.retain(used, files.texts)
    cache.last_day = day
    cache.last = result
    return result


def load_files(files: CourseFiles, *, cache: ParseCache | None = None,
               today: date | None = None) -> LoadResult:
    """Load and validate a course from its file texts; nothing is read from disk.

    A cache is read and filled with parsed files but neither trimmed nor given this result as
    its last, so checking an edit leaves the served course's cache as it was.
    """
    return _load(files, _fingerprint(files), cache if cache is not None else ParseCache(), set(),
                 today=today)


def load_texts(texts: Mapping[str, str], *, cache: ParseCache | None = None,
               today: date | None = None) -> LoadResult:
    """Load and validate a course given as `{relative path: text}`."""
    return load_files(CourseFiles(dict(texts)), cache=cache, today=today)


def _missing_manifest(files: CourseFiles, root_name: str) -> Diagnostic:
    """Say why there is no manifest text: unreadable, saved under another name, or absent."""
    unreadable = next((d for d in files.unread if d.path == MANIFEST), None)
    if unreadable is not None:
        return unreadable
    near = closest(MANIFEST, [name for name in files.others if "/" not in name])
    hint = f"; rename {near} to course.yaml" if near else "; is this a content folder?"
    return error(MANIFEST, 1, Code.MANIFEST_MISSING, f"no course.yaml in {root_name or 'the course'}{hint}")


@dataclass
class _Collected:
    """What parsing every content file gathers for the cross-checks."""

    diagnostics: list[Diagnostic]
    parsed: list[Parsed[Item]] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)
    aids: list[Parsed[Aid]] = field(default_factory=list)
    declared_aids: set[str] = field(default_factory=set)
    glossary: list[GlossaryEntry] = field(default_factory=list)


def _parse_sources(files: CourseFiles, info: CourseInfo, cache: ParseCache,
                   used: set[tuple[str, str, int]], found: _Collected) -> None:
    """Parse every content file (from the cache when unchanged) and check its local links."""
    vocabulary = vocabulary_of(info)
    vocab_key = hash((vocabulary, info.pass_mark))
    existing = frozenset(files.texts) | files.others
    for relative, text in sorted(files.texts.items()):
        kind = kind_of(relative)
        if kind is None:
            continue
        if len(text) > MAX_FILE_BYTES // 4 and (size := len(text.encode())) > MAX_FILE_BYTES:
            found.diagnostics.append(_too_large(relative, size))
            continue
        transcripts = transcripts_for(relative, text, files.media)
        variant = hash((vocab_key, transcripts)) if transcripts else vocab_key
        key = (kind, f"{relative}:{cache.digest(text)}", variant)
        used.add(key)
        result = cache.get_or_parse(key, _parse, kind, text, relative, vocabulary, info.pass_mark,
                                    dict(transcripts))
        found.diagnostics += [*result.diagnostics, *check_links(relative, text, existing),
                              *check_media(relative, text, files.media)]
        if kind == "glossary":
            found.glossary.extend(result.item or ())
        elif result.item is not None:
            (found.aids if kind == "aids" else found.parsed).append(result)
        elif (guess := _declared_id(result, text)) is not None:
            (found.declared_aids if kind == "aids" else found.declared).add(guess)


def _load(files: CourseFiles, fingerprint: str, cache: ParseCache, used: set[tuple[str, str, int]],
          *, root_name: str = "", today: date | None = None) -> LoadResult:
    listed = (MANIFEST, *sorted((files.texts.keys() | {d.path for d in files.unread}) - {MANIFEST}))
    manifest_text = files.texts.get(MANIFEST)
    if manifest_text is None:
        return LoadResult(None, (_missing_manifest(files, root_name),), (), "")
    format_problems = check_format(manifest_text)
    if format_problems:
        return LoadResult(None, tuple(format_problems), listed, fingerprint)
    version = format_of(manifest_text)
    if isinstance(version, int):
        files = CourseFiles(upgrade(files.texts, version), files.unread, files.others, files.media)
    manifest = parse_manifest(files.texts[MANIFEST])
    if manifest.item is None:
        return LoadResult(None, manifest.diagnostics, listed, fingerprint)
    found = _Collected([*manifest.diagnostics, *files.unread])
    found.diagnostics += [d for d in map(_ignored, sorted(files.others | files.texts.keys())) if d]
    _parse_sources(files, manifest.item, cache, used, found)
    glossary, repeated = check_glossary(found.glossary)
    found.diagnostics += repeated
    checked = check_course(manifest.item, manifest.lines, found.parsed, found.declared,
                           complete=not has_errors(found.diagnostics),
                           aids=found.aids, declared_aids=found.declared_aids,
                           today=today or date.today())
    course = Course(
        info=manifest.item,
        modules=frozen_map(checked.modules),
        quizzes=frozen_map(checked.quizzes),
        scenarios=frozen_map(checked.scenarios),
        aids=frozen_map(dict(sorted(checked.aids.items()))),
        glossary=glossary,
    )
    diagnostics = found.diagnostics + checked.diagnostics
    return LoadResult(course, tuple(sorted(set(diagnostics))), listed, fingerprint)
