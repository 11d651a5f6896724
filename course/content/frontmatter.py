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
                self.fail(key_node, Code.FM_YAML, "keys must be plain names")
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
                error(reader.path, line, Code.FM_ALIAS, "YAML anchors and aliases are not allowed")
            )
            ok = False
        tag = getattr(event, "tag", None)
        if tag and not getattr(event, "implicit", (True,))[0] and tag not in {_STR, "!"}:
            reader.diagnostics.append(
                error(reader.path, line, Code.FM_YAML, f"YAML tag {tag!r} is not allowed")
            )
            ok = False
    return ok


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
        mark = exc.problem_mark or exc.context_mark
        line = (int(mark.line) + 1 + reader.offset) if mark else first_line
        problem = exc.problem or exc.context or "cannot be read"
        return None, [error(path, line, Code.FM_YAML, f"YAML {problem}")]
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error we know is marked
        return None, [error(path, first_line, Code.FM_YAML, f"YAML cannot be read: {exc}")]
    if root is None:
        return YamlDocument({}, {}), []
    if not isinstance(root, MappingNode):
        return None, [error(path, reader.line(root), Code.FM_YAML, "expected key: value lines")]
    data = reader.mapping(root, "")
    return YamlDocument(data, reader.lines), reader.diagnostics
