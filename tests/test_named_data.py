"""Data is read by name, not by position: no tuple unpacked with placeholders for its other parts.

A target such as `for path, _, _, _ in PAGES.values()` breaks silently when the tuple gains or
reorders a field; a named tuple or a dataclass makes the same read explicit and checked by mypy.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def positional_reads(source: str) -> list[str]:
    """Return every unpacking target in the source that skips two or more parts with `_`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.For | ast.comprehension):
            targets = [node.target]
        elif isinstance(node, ast.Assign):
            targets = list(node.targets)
        for target in targets:
            if isinstance(target, ast.Tuple) and sum(map(_is_placeholder, target.elts)) >= 2:
                found.append(f"line {target.lineno}: {ast.unparse(target)}")
    return found


def _is_placeholder(element: ast.expr) -> bool:
    if isinstance(element, ast.Starred):
        element = element.value
    return isinstance(element, ast.Name) and element.id == "_"


SOURCES = sorted((ROOT / "course").rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_tuple_is_read_by_position(path: Path) -> None:
    assert positional_reads(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "for path, _, _, _ in PAGES.values():\n    pass\n",
        "names = [a for a, _, _, _ in links]\n",
        "_, ok, _ = answer()\n",
        "rows = {t: n for _, t, *_ in table}\n",
    ],
)
def test_the_check_finds_a_positional_read(source: str) -> None:
    assert len(positional_reads(source)) == 1


def test_the_check_allows_reads_by_name_and_single_placeholders() -> None:
    source = "for link in PAGES.values():\n    pass\nfor key, _ in pairs:\n    pass\nfirst, *rest = items\n"
    assert positional_reads(source) == []
