"""Scenario files: `## ` nodes, choice lists of links with effects, conditions and endings."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from markdown_it.token import Token

from course.content.common import (
    Parsed,
    Vocabulary,
    build_meta,
    content_version,
    foreign_containers,
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
from course.content.condition_checks import can_hold
from course.content.item_writing import check_scenario
from course.content.markdown import plain_text, render_blocks, render_inline, slugify
from course.content.scenario_checks import check_graph
from course.content.schema import ScenarioMatter
from course.content.suggest import did_you_mean
from course.domain.conditions import Condition, ConditionError, meters_used, parse_condition
from course.domain.diagnostics import Code, Diagnostic, error, has_errors
from course.domain.model import Choice, EndingKind, Meter, Node, Scenario, frozen_map

_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,8})")
_RESERVED = {"href", "score", "when"}


def _opens_with_node_link(item: Sequence[Token]) -> bool:
    """Tell whether a list item opens with a link to '#...' (a choice)."""
    inline = item[2] if len(item) > 2 and item[2].type == "inline" else None
    children = (inline.children if inline is not None else None) or []
    return bool(children) and children[0].type == "link_open" and \
        str(children[0].attrs.get("href", "")).startswith("#")


def _list_items(tokens: Sequence[Token]) -> list[Sequence[Token]]:
    """Return a bullet list's top-level items (none for anything else)."""
    if tokens[0].type != "bullet_list_open":
        return []
    return [tokens[1 + start : 1 + end] for start, end in top_level(tokens[1:-1])]


def _is_choice_list(tokens: Sequence[Token]) -> bool:
    """Tell whether a bullet list is a choice list: every item opens with a link to '#...'."""
    items = _list_items(tokens)
    return bool(items) and all(_opens_with_node_link(item) for item in items)


def _attempts_choice(item: Sequence[Token]) -> bool:
    """Tell whether a list item's source starts like a choice ('[label](#...') without being one.

    An unclosed or spaced link, such as '- [Reply](#reply' or '- [Reply] (#reply)', is plain
    text to Markdown; read as narrative, the choice it was meant to be would vanish unreported.
    """
    inline = item[2] if len(item) > 2 and item[2].type == "inline" else None
    source = (inline.content if inline is not None else "").lstrip()
    label_end = source.find("]")
    return source.startswith("[") and label_end > 0 and source[label_end + 1 :].lstrip().startswith("(#")


def _not_choices(tokens: Sequence[Token]) -> list[int]:
    """Return the lines of the items that break a choice list (the rest link to nodes).

    A list of choices with one empty or plain item would otherwise be read as narrative, and
    its choices would vanish without a word; so would a list whose items only look like
    choices (a link left unclosed).
    """
    items = _list_items(tokens)
    if not any(_opens_with_node_link(item) for item in items):
        return [line_of(item[0]) for item in items if _attempts_choice(item)]
    return [line_of(item[0]) for item in items if not _opens_with_node_link(item)]


def _never_message(text: str, when: Condition, meters: Mapping[str, Meter]) -> str:
    bounds = ", ".join(f"{name} {meters[name].min} to {meters[name].max}"
                       for name in sorted(meters_used(when)))
    return (f"condition \"{text}\" can never hold, since meters stay within their bounds "
            f"({bounds}), so this choice is never offered; check the numbers and the operators")


class _ChoiceReader:
    """Reads choices; `meters` is None when the front matter failed, so meters are unknown."""

    def __init__(self, meters: Mapping[str, Meter] | None, path: str, problems: list[Diagnostic]) -> None:
        self.known = meters is not None
        self.meters = meters or {}
        self.path = path
        self.problems = problems

    def fail(self, line: int, code: Code, message: str) -> None:
        self.problems.append(error(self.path, line, code, message))

    def integer(self, line: int, key: str, raw: str) -> int | None:
        if not _INTEGER.fullmatch(raw):
            shown = raw if len(raw) <= 20 else f"{raw[:12]}..."
            self.fail(line, Code.EFFECT_INVALID,
                      f"'{key}={shown}' must be a whole number of at most 9 digits without a plus "
                      f"sign, such as {key}=10")
            return None
        return int(raw)

    def read(self, item: Sequence[Token], index: int) -> Choice:
        line = line_of(item[0])
        children = list(item[2].children or [])
        close = next(i for i, c in enumerate(children) if c.type == "link_close")
        link = children[0]
        trailing = "".join(c.content for c in children[close + 1 :]).strip()
        if trailing.startswith("{"):
            self.fail(line, Code.ATTRS_UNREADABLE,
                      f"the attributes {trailing} after the link could not be read; write them "
                      "as {reputation=10 score=2 when=\"trust >= 40\"}, whole numbers without '+'")
        elif trailing:
            self.fail(line, Code.CHOICE_MALFORMED,
                      f"a choice is one link and nothing else; move '{trailing}' into the link text "
                      "or into the consequence ('> ' line)")
        attrs = {str(k): str(v) for k, v in link.attrs.items()}
        effects: dict[str, int] = {}
        for key, raw in attrs.items():
            if key in _RESERVED:
                continue
            if key not in self.meters and self.known:
                self.fail(line, Code.EFFECT_UNKNOWN_METER,
                          f"'{key}' is not a meter of this scenario (declared: "
                          f"{', '.join(self.meters) or 'none'}){did_you_mean(key, self.meters)}")
                continue
            value = self.integer(line, key, raw)
            if value is not None:
                effects[key] = value
        score = self.integer(line, "score", attrs["score"]) if "score" in attrs else 0
        when_text = attrs.get("when", "")
        when = None
        if "when" in attrs:
            try:
                when = parse_condition(when_text)
            except ConditionError as exc:
                self.fail(line, Code.CONDITION_INVALID, f"condition \"{when_text}\": {exc}")
            else:
                unknown = meters_used(when) - set(self.meters) if self.known else set()
                for name in sorted(unknown):
                    self.fail(line, Code.CONDITION_INVALID,
                              f"condition \"{when_text}\" reads '{name}', which is not a meter of "
                              f"this scenario{did_you_mean(name, self.meters)}")
                if self.known and not unknown and not can_hold(when, self.meters):
                    self.fail(line, Code.CONDITION_NEVER, _never_message(when_text, when, self.meters))
        consequence = [t for t in item[4:-1] if t.type not in {"blockquote_open", "blockquote_close"}]
        return Choice(
            index=index,
            label_html=render_inline(children[1:close]),
            target=str(link.attrs["href"])[1:],
            line=line,
            effects=frozen_map(effects),
            score=score or 0,
            when=when,
            when_text=when_text,
            consequence_html=render_blocks(consequence),
            label_text=plain_text(children[1:close]),
        )


def _node(
    heading: Token, inline: Token, body: list[Token], *, node_id: str, reader: _ChoiceReader,
) -> Node:
    line = line_of(heading)
    attrs = {str(k): str(v) for k, v in heading.attrs.items()}
    for key in sorted(set(attrs) - {"id", "ending"}):
        reader.fail(line, Code.UNKNOWN_ATTRIBUTE,
                    f"unknown node attribute '{key}'; use id and ending{did_you_mean(key, ('id', 'ending'))}")
    ending = None
    if "ending" in attrs:
        try:
            ending = EndingKind(attrs["ending"])
        except ValueError:
            reader.fail(line, Code.ENDING_INVALID,
                        f"ending={attrs['ending']} must be one of good, mixed, bad")
    narrative: list[Token] = []
    choices: list[Choice] = []
    for start, end in top_level(body):
        run = body[start:end]
        if _is_choice_list(run):
            for item_start, item_end in top_level(run[1:-1]):
                item = run[1 + item_start : 1 + item_end]
                choices.append(reader.read(item, len(choices)))
        elif broken := _not_choices(run):
            for item_line in broken:
                reader.fail(item_line, Code.CHOICE_MALFORMED,
                            "this item of a list of choices is not a link to a node; make every item "
                            "one link such as '- [Reply in public](#reply)', or take it out")
            choices.extend(reader.read(item, len(choices)) for item in _list_items(run)
                           if _opens_with_node_link(item))
        else:
            narrative.extend(run)
    return Node(id=node_id, title=heading_text(inline), line=line, body_html=render_blocks(narrative),
                choices=tuple(choices), ending=ending)


def _stray_choices(intro: Sequence[Token], *, path: str) -> list[Diagnostic]:
    """Report choice lists before the first node: no node owns them, so no learner sees them."""
    return [error(path, line_of(intro[start]), Code.CHOICE_OUTSIDE_NODE,
                  "these choices come before the first '## ' node, so no node offers them; put a "
                  "'## ' heading above them (with its {#id} line) or move them under a node")
            for start, end in top_level(intro)
            if _is_choice_list(intro[start:end]) or _not_choices(intro[start:end])]


def _meters(matter: ScenarioMatter, lines: Mapping[str, int], path: str,
            problems: list[Diagnostic]) -> dict[str, Meter]:
    meters = {}
    for name, spec in matter.meters.items():
        line = lines.get(f"meters.{name}", 1)
        if not spec.min <= spec.start <= spec.max:
            problems.append(error(path, line, Code.METER_INVALID,
                                  f"meter '{name}' must satisfy min <= start <= max "
                                  f"(got {spec.min} <= {spec.start} <= {spec.max})"))
        meters[name] = Meter(name, spec.label, spec.start, spec.min, spec.max)
    return meters


def _nodes(parts: list[tuple[Token, Token, list[Token]]], reader: _ChoiceReader) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for heading, inline, body in parts:
        explicit = heading.attrs.get("id")
        node_id = str(explicit) if explicit else slugify(heading_text(inline))
        if explicit and node_id in nodes:
            reader.fail(line_of(heading), Code.NODE_DUPLICATE_ID,
                        f"node id '{node_id}' is already used on line {nodes[node_id].line}")
            continue
        base, suffix = node_id, 1
        while node_id in nodes:  # Git hosts number repeated heading anchors the same way
            node_id, suffix = f"{base}-{suffix}", suffix + 1
        nodes[node_id] = _node(heading, inline, body, node_id=node_id, reader=reader)
    return nodes


def parse_scenario(text: str, *, source: str, vocabulary: Vocabulary | None = None) -> Parsed[Scenario]:
    """Parse a scenario file into a Scenario, or None with the reasons when it has errors."""
    body = split_body(text, path=source)
    matter = read_matter(ScenarioMatter, body, path=source, vocabulary=vocabulary)
    problems = body.diagnostics
    problems += stray_attrs(body.tokens, path=source)
    problems += stray_containers(body.tokens, path=source, allowed=())
    problems += foreign_containers(body.tokens, path=source, allowed=())
    problems += unclosed_containers(body.tokens, text.splitlines(), path=source)
    lines = dict(body.document.lines) if body.document else {}
    meters = _meters(matter, lines, source, problems) if matter else None
    intro, parts = split_sections(body.tokens)
    problems += _stray_choices(intro, path=source)
    nodes = _nodes(parts, _ChoiceReader(meters, source, problems))
    start = (matter.start if matter else None) or next(iter(nodes), "")
    if matter is not None and matter.start and matter.start not in nodes:
        problems.append(error(source, lines.get("start", 1), Code.START_UNKNOWN,
                              f"start node '{matter.start}' does not exist"
                              f"{did_you_mean(matter.start, nodes)}"))
    elif nodes:
        problems += check_graph(nodes, start=start, path=source)
    else:
        problems.append(error(source, len(text.splitlines()) or 1, Code.NO_SECTIONS,
                              "the scenario has no nodes; start each with a '## ' heading"))
    if matter is None or has_errors(problems):
        return Parsed(None, tuple(problems), lines)
    scenario = Scenario(
        meta=build_meta(matter, source=source, version=content_version(text)),
        start=start,
        meters=frozen_map(meters or {}),
        nodes=frozen_map(nodes),
        intro_html=render_blocks(intro),
    )
    problems += check_scenario(scenario, lines.get("id", 1))
    return Parsed(scenario, tuple(problems), lines)
