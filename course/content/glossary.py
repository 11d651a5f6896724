"""Glossary files (glossary/*.md): front matter with a title, then one `## ` heading per term.

The text under a term's heading is its definition, in the module Markdown subset. Each file is
checked on its own (a term with no definition, text no term owns); terms defined twice, in one
file or in two, are found once every file is read.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token

from course.content.common import (
    Parsed,
    foreign_containers,
    heading_text,
    line_of,
    split_body,
    split_sections,
    stray_attrs,
    stray_containers,
    top_level,
    unclosed_containers,
)
from course.content.markdown import plain_text, render_blocks, slugify
from course.content.schema import GlossaryMatter, validate_matter
from course.domain.diagnostics import Code, Diagnostic, error, has_errors, warning
from course.domain.model import GlossaryEntry


def _definition_text(tokens: Sequence[Token]) -> str:
    return " ".join(plain_text(t.children) for t in tokens if t.type == "inline" and t.children)


def _entry(heading: Token, inline: Token, body: list[Token], *, path: str,
           problems: list[Diagnostic]) -> GlossaryEntry:
    term = heading_text(inline)
    html = render_blocks(body)
    if not html:
        problems.append(error(path, line_of(heading), Code.GLOSSARY_EMPTY,
                              f"the term '{term}' has no definition; write it under the heading"))
    return GlossaryEntry(term=term, id=slugify(term) or "term", html=html, text=_definition_text(body),
                         source=path, line=line_of(heading))


def parse_glossary(text: str, *, source: str) -> Parsed[tuple[GlossaryEntry, ...]]:
    """Parse a glossary file into its entries, or None with the reasons when it has errors."""
    body = split_body(text, path=source)
    problems = body.diagnostics
    if body.document is not None:
        problems += validate_matter(GlossaryMatter, body.document, path=source, line=body.matter_line)[1]
    problems += stray_attrs(body.tokens, path=source)
    problems += stray_containers(body.tokens, path=source, allowed=())
    problems += foreign_containers(body.tokens, path=source, allowed=())
    problems += unclosed_containers(body.tokens, text.splitlines(), path=source)
    before, parts = split_sections(body.tokens)
    for start, _ in list(top_level(before))[:1]:
        problems.append(warning(source, line_of(before[start]), Code.CONTENT_IGNORED,
                                "text before the first '## ' term is not shown; put it under a term, "
                                "or remove it"))
    entries = tuple(_entry(heading, inline, rest, path=source, problems=problems)
                    for heading, inline, rest in parts)
    if not entries:
        problems.append(error(source, len(text.splitlines()) or 1, Code.NO_SECTIONS,
                              "the glossary has no terms; start each with a '## ' heading"))
    if has_errors(problems):
        return Parsed(None, tuple(problems))
    return Parsed(entries, tuple(problems))


def _key(term: str) -> str:
    return " ".join(term.casefold().split())


def check_glossary(entries: Sequence[GlossaryEntry]) -> tuple[tuple[GlossaryEntry, ...], list[Diagnostic]]:
    """Return the terms in alphabetical order, each once, and an error for each term defined again."""
    first: dict[str, GlossaryEntry] = {}
    problems = []
    for entry in sorted(entries, key=lambda e: (e.source, e.line)):
        seen = first.get(_key(entry.term))
        if seen is None:
            first[_key(entry.term)] = entry
            continue
        where = f"line {seen.line}" if seen.source == entry.source else f"{seen.source} line {seen.line}"
        problems.append(error(entry.source, entry.line, Code.GLOSSARY_DUPLICATE,
                              f"the term '{entry.term}' is already defined ({where}); keep one definition"))
    return tuple(sorted(first.values(), key=lambda e: _key(e.term))), problems
