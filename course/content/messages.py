"""Email templates as content files: messages/<kind>.md in the course, or the built-in defaults.

Each file has front matter (`subject`, and `days_before` for reminder-before) and a Markdown
body with placeholders such as `{name}`. The body is rendered once, at load time, to a plain-text
part and a sanitised HTML part that keep the placeholders; values are filled in when sending
(course/domain/messages.py), so nothing a person types is ever read as Markdown or HTML.
A course without a messages/ folder, or without one of the files, uses the default for that kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it.token import Token

from course.content.frontmatter import read_yaml_mapping
from course.content.markdown import build_parser, sanitize
from course.content.suggest import did_you_mean
from course.domain.diagnostics import Code, Diagnostic, error, warning
from course.domain.messages import (
    BLOCK_PLACEHOLDERS,
    DEFAULT_DAYS_BEFORE,
    PLACEHOLDER,
    REQUIRED,
    MessageKind,
    MessageTemplate,
    allowed_placeholders,
)

#: The folder of a course that holds its messages.
FOLDER = "messages"
#: The built-in messages, written as the same kind of files.
DEFAULTS = Path(__file__).resolve().parent / "default_messages"
#: The largest message file read (an email, not a module).
MAX_MESSAGE_CHARS = 20_000
_KEYS = {"subject", "days_before"}
_LINKS = frozenset({"link", "unsubscribe_link"})


@dataclass(frozen=True, slots=True)
class MessageSet:
    """Every kind of message, from the course's files or the defaults, and the problems found."""

    templates: Mapping[MessageKind, MessageTemplate]
    diagnostics: tuple[Diagnostic, ...]
    #: How many of the course's own message files were read.
    files: int = 0

    def get(self, kind: MessageKind) -> MessageTemplate:
        """Return the template of a kind."""
        return self.templates[kind]


def _front_matter_end(lines: Sequence[str]) -> int | None:
    """Return the index of the line closing the front matter, or None when there is none."""
    if not lines or lines[0].strip() != "---":
        return None
    return next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)


def _placeholders(body_lines: Sequence[str], first_line: int, kind: MessageKind, *,
                  path: str, body: bool = True) -> tuple[set[str], list[Diagnostic]]:
    """Return the placeholder names the body uses, and a diagnostic per unknown or misplaced one.

    A list placeholder must stand on a line of its own in the body: it becomes a bulleted list.
    """
    allowed = allowed_placeholders(kind)
    used: set[str] = set()
    problems = []
    for number, line in enumerate(body_lines, start=first_line):
        for match in PLACEHOLDER.finditer(line):
            name = match.group(1)
            if name is None:
                continue
            if name in allowed:
                used.add(name)
                if body and name in BLOCK_PLACEHOLDERS and line.strip() != match.group(0):
                    problems.append(error(path, number, Code.PLACEHOLDER_PLACE,
                                          f"{{{name}}} stands for a list, one item per line: put it on "
                                          "a line of its own, with nothing else on that line",
                                          column=match.start() + 1))
                continue
            shown = name.strip()[:40]
            problems.append(error(path, number, Code.PLACEHOLDER_UNKNOWN,
                                  f"unknown placeholder {{{shown}}} in a {kind} message"
                                  f"{did_you_mean(shown, allowed)}; use one of "
                                  f"{', '.join('{' + p + '}' for p in sorted(allowed))}, or write "
                                  "{{ and }} for a literal brace", column=match.start() + 1))
    return used, problems


def _to_sentinels(text: str) -> tuple[str, dict[str, str]]:
    """Replace each placeholder by a word Markdown leaves alone (letters and digits only)."""
    names: dict[str, str] = {}

    def one(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)
        sentinel = f"ntsph{len(names)}x"
        names[sentinel] = "{" + match.group(1) + "}"
        return sentinel

    return PLACEHOLDER.sub(one, text), names


def _plain_inline(children: Sequence[Token]) -> str:
    parts: list[str] = []
    href: str | None = None
    label: list[str] = []
    for child in children:
        if child.type == "link_open":
            href, label = str(child.attrs.get("href", "")), []
        elif child.type == "link_close":
            words = "".join(label).strip()
            parts.append(href or "" if not words or words == href else f"{words} ({href})")
            href = None
        elif child.type in {"softbreak", "hardbreak"}:
            (label if href is not None else parts).append("\n")
        elif child.type in {"text", "code_inline"} or child.children:
            text = child.content if not child.children else _plain_inline(child.children)
            (label if href is not None else parts).append(text)
    return "".join(parts)


def render_plain(tokens: Sequence[Token]) -> str:
    """Return the body as plain text: paragraphs apart, list items marked, links as 'words (address)'."""
    blocks: list[tuple[str, bool]] = []  # (text, is a list item)
    prefix: list[str] = []
    counters: list[int] = []
    for token in tokens:
        if token.type in {"bullet_list_open", "ordered_list_open"}:
            counters.append(0 if token.type == "bullet_list_open" else 1)
        elif token.type in {"bullet_list_close", "ordered_list_close"}:
            counters.pop()
        elif token.type == "list_item_open":
            number = counters[-1] if counters else 0
            prefix.append("- " if number == 0 else f"{number}. ")
            counters[-1] += 1 if number else 0
        elif token.type == "list_item_close":
            prefix.pop()
        elif token.type == "inline":
            marker = prefix[-1] if prefix else ""
            text = _plain_inline(token.children or []).replace("\n", "\n" + " " * len(marker))
            blocks.append((marker + text, bool(prefix)))
        elif token.type in {"fence", "code_block"}:
            blocks.append((token.content.rstrip("\n"), False))
    out = ""
    for index, (text, listed) in enumerate(blocks):
        if index:
            out += "\n" if listed and blocks[index - 1][1] else "\n\n"
        out += text
    return out.strip() + "\n"


def _render(body: str, *, path: str) -> tuple[str, str]:
    """Return the body as plain text and as sanitised HTML, both keeping the placeholders."""
    text, names = _to_sentinels(body)
    md = build_parser()
    tokens = md.parse(text, {"source": path})
    html = sanitize(md.renderer.render(tokens, md.options, {}))
    plain = render_plain(tokens)
    for sentinel, placeholder in names.items():
        plain = plain.replace(sentinel, placeholder)
        html = html.replace(f'href="{sentinel}"', f'href="{placeholder}"')
        if placeholder[1:-1] in _LINKS:  # a bare address becomes a link
            html = html.replace(sentinel, f'<a href="{placeholder}">{placeholder}</a>')
        html = html.replace(sentinel, placeholder)
    return plain, html


def _matter(text: str, lines: Sequence[str], end: int, kind: MessageKind, *,
            path: str) -> tuple[str | None, int, list[Diagnostic]]:
    """Read and check the front matter: the subject and the days before (for reminder-before)."""
    document, problems = read_yaml_mapping("\n".join(lines[1:end]), path=path, first_line=2)
    if document is None:
        return None, DEFAULT_DAYS_BEFORE, problems
    data = document.data
    for key in sorted(set(data) - _KEYS):
        problems.append(error(path, document.line_of(key), Code.FM_UNKNOWN_KEY,
                              f"unknown key '{key}' in a message{did_you_mean(key, _KEYS)}; a message "
                              "has subject and, for reminder-before, days_before"))
    subject = data.get("subject")
    if subject is None:
        problems.append(error(path, 1, Code.FM_MISSING_KEY, "the message has no subject: add "
                              "'subject: ...' to its front matter"))
    elif not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
        problems.append(error(path, document.line_of("subject"), Code.FM_TYPE,
                              "subject must be one line of text, up to 200 characters"))
        subject = None
    days = data.get("days_before", DEFAULT_DAYS_BEFORE)
    if "days_before" in data and kind is not MessageKind.REMINDER_BEFORE:
        problems.append(error(path, document.line_of("days_before"), Code.FM_UNKNOWN_KEY,
                              f"days_before belongs in reminder-before.md, not in a {kind} message"))
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
        problems.append(error(path, document.line_of("days_before"), Code.FM_TYPE,
                              "days_before must be a whole number of days from 1 to 60"))
        days = DEFAULT_DAYS_BEFORE
    if isinstance(subject, str):
        _, bad = _placeholders([subject], document.line_of("subject"), kind, path=path, body=False)
        problems += bad
    return (subject.strip() if isinstance(subject, str) else None), days, problems


def parse_message(text: str, kind: MessageKind, *, source: str) -> tuple[MessageTemplate | None,
                                                                         list[Diagnostic]]:
    """Parse one message file; the template is None when the file has errors."""
    if len(text) > MAX_MESSAGE_CHARS:
        return None, [error(source, 1, Code.FILE_TOO_LARGE, f"a message may hold up to "
                            f"{MAX_MESSAGE_CHARS:,} characters; this one has {len(text):,}")]
    lines = text.splitlines()
    end = _front_matter_end(lines)
    if end is None:
        return None, [error(source, 1, Code.FM_MISSING, "the message must start with front matter "
                            "between --- lines, with its subject")]
    subject, days, problems = _matter(text, lines, end, kind, path=source)
    body_lines = lines[end + 1:]
    used, unknown = _placeholders(body_lines, end + 2, kind, path=source)
    problems += unknown
    missing = sorted(REQUIRED[kind] - used)
    if missing:
        problems.append(error(source, end + 2, Code.PLACEHOLDER_MISSING,
                              f"a {kind} message must use {', '.join('{' + m + '}' for m in missing)} "
                              "in its body"))
    if problems or subject is None:
        return None, problems
    plain, html = _render("\n".join(body_lines), path=source)
    return MessageTemplate(kind, subject, plain, html, days, source), problems


def _read(path: Path, relative: str) -> tuple[str | None, Diagnostic | None]:
    try:
        if path.stat().st_size > MAX_MESSAGE_CHARS * 4:
            return None, error(relative, 1, Code.FILE_TOO_LARGE, "a message file this large is not read")
        return path.read_text(encoding="utf-8"), None
    except UnicodeDecodeError:
        return None, error(relative, 1, Code.NOT_UTF8, "the file is not UTF-8 text; save it as UTF-8")
    except OSError as problem:
        return None, error(relative, 1, Code.FILE_UNREADABLE, f"the file cannot be read: {problem.strerror}")


def _course_files(root: Path) -> tuple[dict[MessageKind, Path], list[Diagnostic]]:
    folder = root / FOLDER
    found: dict[MessageKind, Path] = {}
    problems: list[Diagnostic] = []
    if not folder.is_dir():
        return found, problems
    kinds = {k.value for k in MessageKind}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("_", ".")) or not path.is_file():
            continue
        stem = path.name.removesuffix(".md")
        if path.name.endswith(".md") and stem in kinds:
            found[MessageKind(stem)] = path
            continue
        problems.append(warning(f"{FOLDER}/{path.name}", 1, Code.MESSAGE_UNKNOWN,
                                f"'{path.name}' is not a message this course sends"
                                f"{did_you_mean(stem, kinds)}; name it one of "
                                f"{', '.join(sorted(k + '.md' for k in kinds))}, or start its name with "
                                "'_' to keep it as a draft"))
    return found, problems


def _default(kind: MessageKind) -> MessageTemplate:
    text = (DEFAULTS / f"{kind.value}.md").read_text(encoding="utf-8")
    template, problems = parse_message(text, kind, source=f"(built-in) {kind.value}.md")
    if template is None:  # the shipped defaults are tested; this is a packaging fault
        raise RuntimeError("; ".join(p.format() for p in problems))
    return template


@cache
def built_in_messages() -> MessageSet:
    """Return the built-in messages alone (for a course that is not at hand)."""
    return MessageSet({kind: _default(kind) for kind in MessageKind}, ())


def load_messages(root: Path) -> MessageSet:
    """Load the course's messages: its own files where valid, the built-in default otherwise."""
    found, problems = _course_files(root)
    templates: dict[MessageKind, MessageTemplate] = {}
    for kind in MessageKind:
        path = found.get(kind)
        template = None
        if path is not None:
            relative = f"{FOLDER}/{path.name}"
            text, unreadable = _read(path, relative)
            if unreadable is not None:
                problems.append(unreadable)
            if text is not None:
                template, found_problems = parse_message(text, kind, source=relative)
                problems += found_problems
        templates[kind] = template or _default(kind)
    return MessageSet(templates, tuple(sorted(problems)), len(found))
