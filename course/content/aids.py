"""Job aid files (aids/*.md): front matter, then one printable page of Markdown.

A job aid uses the module Markdown subset (headings, paragraphs, lists, checklists, tables and
the admonitions) and is read twice: once to sanitised HTML blocks for the screen, by the same
renderer as modules, and once to plain-text parts for print, so the PDF never interprets markup.
Role blocks, players and images are refused: a printed page is the same for everyone and holds text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from course.content.common import (
    Parsed,
    check_jurisdictions,
    content_version,
    foreign_containers,
    jurisdictions_of,
    line_of,
    split_body,
    stray_attrs,
    stray_containers,
    top_level,
    unclosed_containers,
)
from course.content.markdown import ADMONITIONS, plain_text, render_blocks
from course.content.schema import AidMatter, parse_review_date, validate_matter
from course.domain.diagnostics import Code, Diagnostic, error, has_errors
from course.domain.model import Aid, AidPart, AidPartKind, Block, BlockKind

#: The word a printed note starts with, per admonition kind (as the module page labels them).
NOTE_LABELS = {"key": "Key idea", "tip": "Tip", "warning": "Watch out", "example": "Example"}


def _box(child: Token) -> Token:
    """Return a checklist's checkbox as a box character (the sanitiser would drop the input)."""
    if child.type == "html_inline" and "task-list-item-checkbox" in child.content:
        return Token("text", "", 0, content="\u2611" if "checked" in child.content else "\u2610")
    return child


def _demote(tokens: Sequence[Token]) -> list[Token]:
    """Return the tokens ready for the screen: headings one level down (`#`/`##` become h3, as the
    page holds the h2), and checklist boxes drawn as characters."""
    out = []
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            level = min(max(int(token.tag[1]) + 1, 3), 6)
            token = token.copy(tag=f"h{level}")
        elif token.type == "inline" and token.children:
            token = token.copy(children=[_box(child) for child in token.children])
        out.append(token)
    return out


def _screen_blocks(tokens: Sequence[Token]) -> tuple[Block, ...]:
    """Render the body for the screen: prose runs and admonitions, each sanitised."""
    blocks: list[Block] = []
    prose: list[Token] = []
    for start, end in top_level(tokens):
        token = tokens[start]
        name = token.type.removeprefix("container_").removesuffix("_open")
        if token.type.startswith("container_") and name in ADMONITIONS:
            if prose:
                blocks.append(Block(BlockKind.TEXT, render_blocks(_demote(prose))))
                prose = []
            blocks.append(Block(BlockKind(name), render_blocks(_demote(tokens[start + 1 : end - 1]))))
        else:
            prose.extend(tokens[start:end])
    if prose:
        blocks.append(Block(BlockKind.TEXT, render_blocks(_demote(prose))))
    return tuple(b for b in blocks if b.html)


@dataclass
class _PrintWalk:
    """The state of one pass over the body that collects the printable parts."""

    parts: list[AidPart] = field(default_factory=list)
    lists: list[list[int]] = field(default_factory=list)  # [ordered (0/1), count] per open list
    pending: AidPart | None = None  # a list item waiting for its text
    note: tuple[str, list[str]] | None = None
    rows: list[list[str]] | None = None
    heading: int = 0

    def text(self, value: str) -> None:
        if self.rows is not None:
            if self.rows and self.rows[-1]:
                self.rows[-1][-1] = value
        elif not value:
            return
        elif self.heading:
            self.parts.append(AidPart(AidPartKind.HEADING, value, depth=self.heading))
        elif self.note is not None:
            self.note[1].append(f"- {value}" if self.pending is not None else value)
            self.pending = None
        elif self.pending is not None:
            self.parts.append(AidPart(self.pending.kind, value, number=self.pending.number,
                                      depth=self.pending.depth))
            self.pending = None
        else:
            self.parts.append(AidPart(AidPartKind.PARAGRAPH, value))

    def item(self, token: Token) -> None:
        ordered, count = self.lists[-1] if self.lists else (0, 0)
        if self.lists:
            self.lists[-1][1] = count = count + 1
        check = "task-list-item" in str(token.attrs.get("class", ""))
        kind = AidPartKind.CHECK if check else AidPartKind.NUMBERED if ordered else AidPartKind.BULLET
        self.pending = AidPart(kind, number=count, depth=max(len(self.lists) - 1, 0))


def _print_parts(tokens: Sequence[Token]) -> tuple[AidPart, ...]:
    """Walk the body once and return its visible text as printable parts, in order."""
    walk = _PrintWalk()
    for token in tokens:
        kind = token.type
        if kind.startswith("container_") and kind.endswith("_open"):
            walk.note = (NOTE_LABELS.get(kind.removeprefix("container_").removesuffix("_open"), ""), [])
        elif kind.startswith("container_") and kind.endswith("_close") and walk.note is not None:
            walk.parts.append(AidPart(AidPartKind.NOTE, "\n".join(walk.note[1]), label=walk.note[0]))
            walk.note = None
        elif kind == "heading_open":
            walk.heading = int(token.tag[1])
        elif kind == "heading_close":
            walk.heading = 0
        elif kind in {"bullet_list_open", "ordered_list_open"}:
            start = int(str(token.attrs.get("start", 1))) if kind == "ordered_list_open" else 1
            walk.lists.append([int(kind == "ordered_list_open"), start - 1])
        elif kind in {"bullet_list_close", "ordered_list_close"} and walk.lists:
            walk.lists.pop()
        elif kind == "list_item_open":
            walk.item(token)
        elif kind == "table_open":
            walk.rows = []
        elif kind == "tr_open" and walk.rows is not None:
            walk.rows.append([])
        elif kind in {"th_open", "td_open"} and walk.rows is not None and walk.rows:
            walk.rows[-1].append("")  # the cell's text fills it; an empty cell keeps its column
        elif kind == "table_close" and walk.rows is not None:
            walk.parts.append(AidPart(AidPartKind.TABLE, rows=tuple(tuple(row) for row in walk.rows if row)))
            walk.rows = None
        elif kind == "inline":
            walk.text(plain_text(token.children or []))
        elif kind in {"fence", "code_block"}:
            walk.text(token.content.strip())
    return tuple(walk.parts)


def _images(tokens: Sequence[Token], *, path: str) -> list[Diagnostic]:
    """Refuse images: a job aid is printed as text on one page."""
    return [error(path, line_of(token), Code.AID_IMAGE,
                  "a job aid holds text only, so it prints the same everywhere; describe the "
                  "picture in words, or link the module that shows it")
            for token in tokens
            if token.type == "inline" and any(c.type == "image" for c in token.children or [])]


def parse_aid(text: str, *, source: str) -> Parsed[Aid]:
    """Parse a job aid file into an Aid, or None with the reasons when it has errors."""
    body = split_body(text, path=source)
    problems = body.diagnostics
    matter = None
    if body.document is not None:
        matter, found = validate_matter(AidMatter, body.document, path=source, line=body.matter_line)
        problems += found
        if matter is not None:
            problems += check_jurisdictions(matter, body.document, path=source)
    problems += stray_attrs(body.tokens, path=source)
    problems += stray_containers(body.tokens, path=source, allowed=ADMONITIONS)
    problems += foreign_containers(body.tokens, path=source, allowed=ADMONITIONS)
    problems += unclosed_containers(body.tokens, text.splitlines(), path=source)
    problems += _images(body.tokens, path=source)
    blocks = _screen_blocks(body.tokens)
    if not blocks:
        problems.append(error(source, len(text.splitlines()) or 1, Code.NO_SECTIONS,
                              "the job aid has no text; write it below the front matter"))
    lines = dict(body.document.lines) if body.document else {}
    if matter is None or has_errors(problems):
        return Parsed(None, tuple(problems), lines)
    aid = Aid(id=matter.id, title=matter.title, summary=matter.summary, source=source,
              version=content_version(text), blocks=blocks, parts=_print_parts(body.tokens),
              jurisdiction=jurisdictions_of(matter), reviewed=parse_review_date(matter.reviewed))
    return Parsed(aid, tuple(problems), lines)
