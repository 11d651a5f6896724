"""What every content file shares: front matter, identity, vocabulary checks, token walking."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Generic, TypeVar

from markdown_it.token import Token

from course.content.frontmatter import YamlDocument, read_yaml_mapping
from course.content.markdown import parse_tokens, plain_text
from course.content.posts import check_posts
from course.content.schema import CommonMatter, Reviewed, parse_review_date, validate_matter
from course.content.suggest import did_you_mean
from course.domain.diagnostics import Code, Diagnostic, error
from course.domain.law import JURISDICTIONS, canonical_jurisdiction
from course.domain.model import ALL_ROLES, ItemMeta

T = TypeVar("T")
C = TypeVar("C", bound=CommonMatter)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The role and competency ids course.yaml declares; items may only use these."""

    roles: frozenset[str]
    competencies: frozenset[str]


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    """The result of parsing one file: the item (None when it has errors) and every problem.

    `lines` holds the line of each front-matter key, for checks made later across files.
    """

    item: T | None
    diagnostics: tuple[Diagnostic, ...]
    lines: Mapping[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Body:
    """A file split into its validated front matter and its Markdown body tokens."""

    matter_line: int
    document: YamlDocument | None
    tokens: list[Token]
    diagnostics: list[Diagnostic]


def content_version(text: str) -> str:
    """Return the version of a file's content: the start of its SHA-256 hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def split_body(text: str, *, path: str) -> Body:
    """Parse a file and read its front matter strictly; the body tokens follow it."""
    tokens = parse_tokens(text, source=path)
    if not tokens or tokens[0].type != "front_matter":
        problem = error(path, 1, Code.FM_MISSING, "the file must start with front matter between --- lines")
        return Body(1, None, tokens, [problem])
    matter = tokens[0]
    document, diagnostics = read_yaml_mapping(matter.content, path=path, first_line=2)
    return Body(1, document, tokens[1:],
                diagnostics + empty_headings(tokens, path=path) + check_posts(tokens, path=path))


def empty_headings(tokens: Sequence[Token], *, path: str) -> list[Diagnostic]:
    """Report headings with no text: a section, question or node with a blank title."""
    return [error(path, line_of(token), Code.HEADING_EMPTY,
                  f"this '{token.markup} ' heading has no text; write its title after the "
                  f"'{token.markup} ', on the same line")
            for token, inline in pairwise(tokens)
            if token.type == "heading_open" and inline.type == "inline" and not inline.content.strip()]


def read_matter(
    model: type[C], body: Body, *, path: str, vocabulary: Vocabulary | None
) -> C | None:
    """Validate the front matter against its schema and the course vocabulary."""
    if body.document is None:
        return None
    matter, problems = validate_matter(model, body.document, path=path, line=body.matter_line)
    body.diagnostics.extend(problems)
    if matter is not None:
        body.diagnostics.extend(check_jurisdictions(matter, body.document, path=path))
    if matter is not None and vocabulary is not None:
        body.diagnostics.extend(check_vocabulary(matter, body.document, vocabulary, path=path))
    return matter


def check_jurisdictions(matter: Reviewed, document: YamlDocument, *, path: str) -> list[Diagnostic]:
    """Report jurisdiction codes the course does not know."""
    problems = []
    for code in matter.jurisdictions():
        if canonical_jurisdiction(code) is None:
            hint = ("; write UK for the United Kingdom" if code.upper() in {"GB", "GBR"}
                    else did_you_mean(code.upper(), JURISDICTIONS))
            problems.append(error(path, document.line_of("jurisdiction"), Code.JURISDICTION_UNKNOWN,
                                  f"unknown jurisdiction '{code}'; use 'global' or a code such as "
                                  f"US, UK or EU{hint}"))
    return problems


def jurisdictions_of(matter: Reviewed) -> tuple[str, ...]:
    """Return the known jurisdiction codes of validated front matter, as the course writes them."""
    codes = (canonical_jurisdiction(code) for code in matter.jurisdictions())
    return tuple(dict.fromkeys(code for code in codes if code is not None))


def check_vocabulary(
    matter: CommonMatter, document: YamlDocument, vocabulary: Vocabulary, *, path: str
) -> list[Diagnostic]:
    """Report roles and competencies that course.yaml does not declare."""
    problems = []
    for role in matter.roles:
        if role != ALL_ROLES and role not in vocabulary.roles:
            problems.append(error(path, document.line_of("roles"), Code.UNKNOWN_ROLE,
                                  f"unknown role '{role}' (course.yaml declares "
                                  f"{', '.join(sorted(vocabulary.roles))})"
                                  f"{did_you_mean(role, vocabulary.roles)}"))
    for competency in matter.competencies:
        if competency not in vocabulary.competencies:
            problems.append(unknown_competency(path, document.line_of("competencies"),
                                               competency, vocabulary))
    return problems


def unknown_competency(path: str, line: int, competency: str, vocabulary: Vocabulary) -> Diagnostic:
    """Make the diagnostic for a competency course.yaml does not declare."""
    known = ", ".join(sorted(vocabulary.competencies))
    return error(path, line, Code.UNKNOWN_COMPETENCY,
                 f"unknown competency '{competency}' (course.yaml declares {known})"
                 f"{did_you_mean(competency, vocabulary.competencies)}")


def build_meta(matter: CommonMatter, *, source: str, version: str) -> ItemMeta:
    """Turn validated front matter into the item's immutable metadata."""
    return ItemMeta(
        id=matter.id,
        title=matter.title,
        roles=tuple(matter.roles),
        competencies=tuple(matter.competencies),
        source=source,
        version=version,
        summary=matter.summary.strip(),
        minutes=matter.minutes,
        order=matter.order,
        requires=tuple(matter.requires),
        objectives=tuple(matter.objectives),
        jurisdiction=jurisdictions_of(matter),
        reviewed=parse_review_date(matter.reviewed),
    )


def line_of(token: Token, default: int = 1) -> int:
    """Return the 1-based file line where a block token starts."""
    return token.map[0] + 1 if token.map else default


def split_sections(tokens: Sequence[Token]) -> tuple[list[Token], list[tuple[Token, Token, list[Token]]]]:
    """Split body tokens at each top-level `## ` heading: the text before, then (open, inline, body).

    A heading inside a block (such as one a never-closed `:::` swallowed) stays in that block,
    so every section holds balanced tokens.
    """
    before: list[Token] = []
    sections: list[tuple[Token, Token, list[Token]]] = []
    depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if depth == 0 and token.type == "heading_open" and token.tag == "h2" and i + 1 < len(tokens):
            sections.append((token, tokens[i + 1], []))
            i += 3
            continue
        depth = max(depth + token.nesting, 0)
        (sections[-1][2] if sections else before).append(token)
        i += 1
    return before, sections


def top_level(tokens: Sequence[Token]) -> Iterator[tuple[int, int]]:
    """Yield (start, end) index ranges of each top-level block in a token run.

    A run cut short (a block whose closing token is missing) ends its last block at the end of
    the run rather than failing.
    """
    i = 0
    while i < len(tokens):
        depth = 0
        j = i
        while j < len(tokens):
            depth += tokens[j].nesting
            if depth <= 0:
                break
            j += 1
        end = min(j + 1, len(tokens))
        yield i, end
        i = end


def stray_attrs(tokens: Sequence[Token], *, path: str) -> list[Diagnostic]:
    """Report paragraphs that are an attrs line the parser could not read, such as `{#a b}`."""
    problems = []
    for index, token in enumerate(tokens):
        if token.type != "inline" or index == 0 or tokens[index - 1].type != "paragraph_open":
            continue
        text = token.content.strip()
        if text.startswith("{") and text.endswith("}") and "\n" not in text:
            problems.append(error(path, line_of(token), Code.ATTRS_UNREADABLE,
                                  f"the attribute line {text} could not be read; write it as "
                                  "{#id key=value} with quotes around values that hold spaces"))
    return problems


def stray_containers(tokens: Sequence[Token], *, path: str, allowed: Sequence[str]) -> list[Diagnostic]:
    """Report `:::` blocks of a kind the format does not have (left as text by the parser)."""
    problems = []
    for index, token in enumerate(tokens):
        if token.type != "inline" or index == 0 or tokens[index - 1].type != "paragraph_open":
            continue
        first = token.content.split("\n", 1)[0].strip()
        if not first.startswith(":::"):
            continue
        kind = first.strip(":").strip()
        if kind and not allowed:
            message = f"unknown block '::: {kind}'; this kind of file has no ':::' blocks"
        elif kind:
            names = [name.split()[0] for name in allowed]
            message = (f"unknown block '::: {kind}'; use one of {', '.join(allowed)}"
                       f"{did_you_mean(kind.split()[0], names)}")
        else:
            message = ("this ':::' line closes no block; to put a block inside another, "
                       "open the outer one with more colons, such as '::::'")
        problems.append(error(path, line_of(token), Code.UNKNOWN_BLOCK, message))
    return problems


def foreign_containers(tokens: Sequence[Token], *, path: str, allowed: Sequence[str]) -> list[Diagnostic]:
    """Report `:::` blocks the parser knows but this kind of file does not use."""
    problems = []
    for token in tokens:
        if token.type.startswith("container_") and token.type.endswith("_open"):
            name = token.type.removeprefix("container_").removesuffix("_open")
            if name not in allowed:
                problems.append(error(path, line_of(token), Code.UNKNOWN_BLOCK,
                                      f"unknown block '::: {name}'; "
                                      + (f"use one of {', '.join(allowed)}" if allowed
                                         else "this kind of file has no ':::' blocks")))
    return problems


def unclosed_containers(tokens: Sequence[Token], lines: Sequence[str], *, path: str) -> list[Diagnostic]:
    """Report `:::` blocks that run to the end of their parent because no `:::` closes them.

    A block left open inside another of the same size ends where its parent ends, on the
    parent's closing line: one closing line closes one block, the outermost, so the blocks
    sharing it are reported.
    """
    problems = []
    fences_taken: set[int] = set()
    for token in tokens:
        if token.type.startswith("container_") and token.type.endswith("_open") and token.map:
            end = token.map[1]
            closing = lines[end].strip() if end < len(lines) else ""
            if end in fences_taken or not closing.startswith(":::") or closing.strip(":").strip():
                problems.append(error(path, line_of(token), Code.BLOCK_UNCLOSED,
                                      f"'{token.markup}{token.info}' is not closed by a ':::' line"))
            fences_taken.add(end)
    return problems


def heading_text(inline: Token) -> str:
    """Return the plain text of a heading."""
    return plain_text(inline.children or [])
