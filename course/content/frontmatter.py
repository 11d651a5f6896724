"""A strict YAML reader for front matter and course.yaml.

PyYAML's defaults read `no` as False, `2024-01-01` as a date and `010` as 8, keep the last of
two equal keys and expand aliases. Here each of those is a diagnostic instead: the reader walks
the composed node tree itself, so every value keeps the line it came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from course.domain.diagnostics import Code, Diagnostic, error

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_PLAIN_INT = re.compile(r"-?(0|[1-9][0-9]{0,14})")
_PLAIN_FLOAT = re.compile(r"-?(0|[1-9][0-9]{0,14})\.[0-9]{1,15}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: Keys whose value is a date by design: an unquoted YYYY-MM-DD there is what the author meant,
#: so it is kept as its text (the schema checks it is a real date) instead of being refused.
DATE_KEYS = frozenset({"reviewed"})


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A YAML mapping read strictly: plain values, and the line of every key (dotted paths)."""

    data: Mapping[str, Any]
    lines: Mapping[str, int]

    def line_of(self, *keys: str | int, default: int = 1) -> int:
        """Return the line of a key path such as ("meters", "trust"), or the nearest parent's."""
        parts = [str(k) for k in keys]
        while parts:
            found = self.lines.get(".".join(parts))
            if found is not None:
                return found
            parts.pop()
        return default


class _Reader:
    def __init__(self, path: str, first_line: int) -> None:
        self.path = path
        self.offset = first_line - 1
        self.lines: dict[str, int] = {}
        self.diagnostics: list[Diagnostic] = []

    def line(self, node: Node) -> int:
        return int(node.start_mark.line) + 1 + self.offset

    def fail(self, node: Node, code: Code, message: str) -> None:
        self.diagnostics.append(error(self.path, self.line(node), code, message))

    def value(self, node: Node, where: str) -> Any:
        if isinstance(node, MappingNode):
            return self.mapping(node, where)
        if isinstance(node, SequenceNode):
            return [self.value(item, f"{where}.{i}") for i, item in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self.scalar(node, where)
        self.fail(node, Code.FM_YAML, f"'{where}': unsupported YAML node")  # pragma: no cover
        return None  # pragma: no cover

    def mapping(self, node: MappingNode, where: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, Code.FM_YAML, "keys must be plain names; write a word followed by ': '")
                continue
            key = str(key_node.value)
            path = f"{where}.{key}" if where else key
            if key in result:
                first = self.lines.get(path, self.line(key_node))
                self.fail(key_node, Code.FM_DUPLICATE_KEY, f"'{path}' is given twice (first on line {first})")
                continue
            self.lines[path] = self.line(key_node)
            result[key] = self.value(value_node, path)
        return result

    def scalar(self, node: ScalarNode, where: str) -> Any:
        text = str(node.value)
        if node.style is not None and node.style != "":  # quoted, literal or folded: a string
            return text
        tag = node.tag
        if tag == _STR:
            return text
        if tag == _BOOL:
            if text in {"true", "false"}:
                return text == "true"
            self.fail(node, Code.FM_COERCION, f"'{where}': {text!r} would be read as a yes/no value; "
                      "write true or false, or quote it if you mean the text")
            return text
        if tag == _INT and _PLAIN_INT.fullmatch(text):
            return int(text)
        if tag == _FLOAT and _PLAIN_FLOAT.fullmatch(text):
            return float(text)
        if tag == _NULL and text in {"", "~", "null"}:
            return None
        if tag == _TIMESTAMP and where in DATE_KEYS and _ISO_DATE.fullmatch(text):
            return text
        kind = {_TIMESTAMP: "a date", _INT: "a number", _FLOAT: "a number", _NULL: "empty"}
        what = kind.get(tag, f"a {tag.rsplit(':', 1)[-1]} value")
        if tag in {_INT, _FLOAT} and len(text) > 15:
            self.fail(node, Code.FM_TYPE, f"'{where}': the number {text[:12]}... is too large")
            return text
        self.fail(node, Code.FM_COERCION, f"'{where}': {text!r} would be read as {what}; quote it")
        return text


def _check_events(text: str, reader: _Reader) -> bool:
    """Refuse aliases, anchors and explicit tags before composing the document."""
    ok = True
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = int(event.start_mark.line) + 1 + reader.offset if event.start_mark else reader.offset + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            reader.diagnostics.append(
                error(reader.path, line, Code.FM_ALIAS,
                      "YAML anchors (&name) and aliases (*name) are not allowed; write each value "
                      "out in full, and quote a value that starts with & or *")
            )
            ok = False
        tag = getattr(event, "tag", None)
        if tag and not getattr(event, "implicit", (True,))[0] and tag not in {_STR, "!"}:
            reader.diagnostics.append(
                error(reader.path, line, Code.FM_YAML, f"YAML tag {tag!r} is not allowed; remove "
                      "it, or quote the value if the ! is part of the text")
            )
            ok = False
    return ok


def _at(mark: Any) -> tuple[int, int]:
    return int(mark.line) + 1, int(mark.column) + 1


def explain_yaml_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """Turn a PyYAML error into (line, column, a sentence saying what to change) within `text`."""
    problem, context = exc.problem or "", exc.context or ""
    line, column = _at(exc.problem_mark) if exc.problem_mark else (1, 1)
    opened = _at(exc.context_mark) if exc.context_mark else (line, column)
    lines = text.splitlines()
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    if "'\\t'" in problem or "\t" in problem:
        sentence = "a tab character; indent with spaces, not tabs"
    elif problem == "mapping values are not allowed here" and current[:1].isspace():
        sentence = ("this line is indented under the key above, so YAML reads it as part of that "
                    "value; start every key of the same level at the same column")
    elif problem == "mapping values are not allowed here":
        sentence = ("a colon followed by a space inside a value starts a new key; quote a value that "
                    "contains a colon, such as title: \"Crisis: the first hour\"")
    elif "quoted scalar" in context:
        line, column = opened
        sentence = "the quote opened here is never closed; add the closing quote"
    elif "flow" in context and (opened[0] < line or "stream end" in problem):
        line, column = opened
        closing = "]" if "sequence" in context else "}"
        sentence = (f"the '{'[' if closing == ']' else '{'}' opened here is not closed on its line; "
                    f"end it with '{closing}', and quote items that contain a colon or a comma")
    elif "flow" in context:
        sentence = ("unexpected text inside [ ] or { }; separate items with ', ' and quote items that "
                    "contain a colon, a comma or a bracket")
    elif problem.startswith("found character") and "cannot start any token" in problem:
        sentence = (f"a value cannot start with {problem.split()[2]}; put the whole value in quotes")
    elif "could not find expected ':'" in problem:
        line, column = opened
        sentence = ("this line is not a 'key: value' line; write a colon and a space after the key, "
                    "or, to continue a long value, put the whole value in quotes")
    elif "but found '-'" in problem:
        sentence = ("a list item where a key was expected; put '- ' items under their key, indented, "
                    "or write the list as [a, b]")
    elif "but found '<scalar>'" in problem:
        sentence = "text follows a quoted value; put the whole value inside the quotes"
    elif "<block end>" in problem:
        sentence = ("this line's indentation matches no key above it; start every key of the same "
                    "level at the same column, with spaces")
    else:
        sentence = f"YAML cannot read this ({problem or context}); check quotes, colons and indentation"
    return line, column, f"{sentence} (column {column})"


def read_yaml_mapping(
    text: str, *, path: str, first_line: int = 1
) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """Read YAML text that must be a mapping; `first_line` is the file line the text starts on."""
    reader = _Reader(path, first_line)
    try:
        if not _check_events(text, reader):
            return None, reader.diagnostics
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line, column, message = explain_yaml_error(exc, text)
        return None, [error(path, line + reader.offset, Code.FM_YAML, message, column=column)]
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error we know is marked
        return None, [error(path, first_line, Code.FM_YAML, f"YAML cannot be read: {exc}")]
    if root is None:
        return YamlDocument({}, {}), []
    if not isinstance(root, MappingNode):
        return None, [error(path, reader.line(root), Code.FM_YAML,
                            "expected key: value lines, such as title: My module")]
    data = reader.mapping(root, "")
    return YamlDocument(data, reader.lines), reader.diagnostics
