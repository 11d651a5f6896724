"""Module files: front matter, then `## ` sections of prose, admonitions and role blocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markdown_it.token import Token

from course.content.common import (
    Parsed,
    Vocabulary,
    build_meta,
    content_version,
    heading_text,
    line_of,
    read_matter,
    split_body,
    split_sections,
    stray_attrs,
    stray_containers,
    top_level,
    unclosed_containers,
)
from course.content.markdown import ADMONITIONS, render_blocks, sanitize, slugify
from course.content.media import PLAYERS, render_player
from course.content.schema import ModuleMatter
from course.content.suggest import did_you_mean
from course.domain.diagnostics import Code, Diagnostic, error, has_errors, warning
from course.domain.model import Block, BlockKind, Module, Section

_ALLOWED = (*ADMONITIONS, *PLAYERS, "for <roles>")


def _container_name(token: Token) -> str:
    return token.type.removeprefix("container_").removesuffix("_open")


def _role_block_roles(
    token: Token, *, path: str, vocabulary: Vocabulary | None, problems: list[Diagnostic]
) -> frozenset[str]:
    roles = token.info.split()[1:]
    if not roles:
        problems.append(error(path, line_of(token), Code.BLOCK_NO_ROLES,
                              "'::: for' needs at least one role, such as '::: for board finance'"))
    if vocabulary is not None:
        for role in roles:
            if role not in vocabulary.roles:
                problems.append(error(path, line_of(token), Code.UNKNOWN_ROLE,
                                      f"unknown role '{role}' in '::: for' (course.yaml declares "
                                      f"{', '.join(sorted(vocabulary.roles))})"
                                      f"{did_you_mean(role, vocabulary.roles)}"))
    return frozenset(roles)


def _blocks(
    tokens: Sequence[Token],
    *,
    roles: frozenset[str] | None,
    path: str,
    vocabulary: Vocabulary | None,
    problems: list[Diagnostic],
    transcripts: Mapping[str, str],
) -> list[Block]:
    """Turn a section's tokens into blocks: prose runs, admonitions and role-limited blocks."""
    blocks: list[Block] = []
    prose: list[Token] = []

    def flush() -> None:
        if prose:
            html = render_blocks(prose)
            if html:
                blocks.append(Block(BlockKind.TEXT, html, roles))
            prose.clear()

    for start, end in top_level(tokens):
        token = tokens[start]
        name = _container_name(token) if token.type.startswith("container_") else ""
        inner = tokens[start + 1 : end - 1]
        if name in ADMONITIONS:
            flush()
            for nested in inner:
                if nested.type == "container_for_open":
                    problems.append(error(path, line_of(nested), Code.BLOCK_MISPLACED,
                                          f"'::: for' inside '::: {name}' would be shown to every "
                                          f"learner; put the '::: {name}' inside the role block instead"))
            blocks.append(Block(BlockKind(name), render_blocks(inner), roles))
        elif name in PLAYERS:
            flush()
            html = render_player(token.info, render_blocks(inner), source=path,
                                 transcripts=transcripts)
            blocks.append(Block(BlockKind.TEXT, sanitize(html), roles))
        elif name == "for":
            flush()
            limited = _role_block_roles(token, path=path, vocabulary=vocabulary, problems=problems)
            both = limited if roles is None else roles & limited
            blocks.extend(_blocks(inner, roles=both, path=path, vocabulary=vocabulary,
                                  problems=problems, transcripts=transcripts))
        elif name:
            problems.append(error(path, line_of(token), Code.UNKNOWN_BLOCK,
                                  f"'::: {name}' belongs in quizzes; modules use "
                                  f"{', '.join(_ALLOWED)}"))
        else:
            prose.extend(tokens[start:end])
    flush()
    return blocks


def _sections(
    tokens: Sequence[Token], *, title: str, path: str, vocabulary: Vocabulary | None,
    problems: list[Diagnostic], transcripts: Mapping[str, str],
) -> tuple[Section, ...]:
    before, parts = split_sections(tokens)
    sections: list[Section] = []
    seen: set[str] = set()
    intro = _blocks(before, roles=None, path=path, vocabulary=vocabulary, problems=problems,
                     transcripts=transcripts)
    if intro:
        sections.append(Section(0, "introduction", title, line_of(before[0]), tuple(intro)))
        seen.add("introduction")
    for heading, inline, body in parts:
        name = heading_text(inline)
        slug = base = slugify(name) or "section"
        suffix = 1
        while slug in seen:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        seen.add(slug)
        blocks = _blocks(body, roles=None, path=path, vocabulary=vocabulary, problems=problems,
                     transcripts=transcripts)
        if not blocks:
            problems.append(warning(path, line_of(heading), Code.SECTION_EMPTY,
                                    f"section '{name}' has no text, so learners would page to an "
                                    "empty screen; write under the heading, or remove it"))
        sections.append(Section(len(sections), slug, name, line_of(heading), tuple(blocks)))
    return tuple(sections)


def parse_module(text: str, *, source: str, vocabulary: Vocabulary | None = None,
                 transcripts: Mapping[str, str] | None = None) -> Parsed[Module]:
    """Parse a module file into a Module, or None with the reasons when it has errors.

    `transcripts` maps each captions file as the file names it to the text of its cues, shown
    under its player on request.
    """
    body = split_body(text, path=source)
    matter = read_matter(ModuleMatter, body, path=source, vocabulary=vocabulary)
    problems = body.diagnostics
    problems += stray_attrs(body.tokens, path=source)
    problems += stray_containers(body.tokens, path=source, allowed=_ALLOWED)
    problems += unclosed_containers(body.tokens, text.splitlines(), path=source)
    title = matter.title if matter else ""
    sections = _sections(body.tokens, title=title, path=source, vocabulary=vocabulary,
                         problems=problems, transcripts=transcripts or {})
    if not sections:
        problems.append(error(source, len(text.splitlines()) or 1, Code.NO_SECTIONS,
                              "the module has no text; start each section with a '## ' heading"))
    lines = dict(body.document.lines) if body.document else {}
    if matter is None or has_errors(problems):
        return Parsed(None, tuple(problems), lines)
    meta = build_meta(matter, source=source, version=content_version(text))
    module = Module(meta=meta, sections=sections, quiz=matter.quiz, scenario=matter.scenario,
                    aids=tuple(dict.fromkeys(matter.aids)))
    return Parsed(module, tuple(problems), lines)
