"""The engine names nothing of the bundled course: any course is a first-class course.

Every role, competency, module, quiz and scenario id of the bundled course.yaml, and every
department of its demo organisation, is looked for in the string constants and names of
course/**/*.py (docstrings, being prose about the code, are left out). A hit means the engine
would behave differently, or read wrongly, for another course.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from course.services.catalog import load
from course.settings import BUNDLED_ROOT

ENGINE = Path(__file__).resolve().parents[1] / "course"
SLUG_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

#: Words that are also ordinary English (or names of something else) and clearly not ids there.
ALLOWED: dict[str, set[str]] = {
    # The pronoun, in every other message ("try it again"); the role id would read the same.
    "it": {"*"},
    # The noun, in messages about headers and sessions ("security headers").
    "security": {"*"},
    # The HTML horizontal-rule element in the sanitiser's list of tags.
    "hr": {"content/markdown.py", "ui/a11y.py"},
    # The product's own name: the default database file, sender and export format.
    "need-to-share": {"settings/core.py", "settings/mail.py", "services/privacy.py", "integrations/lti.py"},
}


def _bundled_words() -> tuple[set[str], set[str]]:
    course = load(BUNDLED_ROOT).course
    assert course is not None
    info = course.info
    ids = {*info.roles, *info.competencies, *course.modules, *course.quizzes, *course.scenarios}
    departments = {d.name for d in info.demo_departments}
    if info.demo_leader is not None:
        departments.add(info.demo_leader.department)
    return ids, departments


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _words(path: Path) -> Iterator[tuple[int, str, str]]:
    """Yield (line, slug-like word, whole text) of each string constant and name of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            for word in SLUG_WORD.findall(node.value):
                yield node.lineno, word, node.value
            yield node.lineno, "", node.value
        elif isinstance(node, ast.Name):
            yield node.lineno, node.id.replace("_", "-"), ""
        elif isinstance(node, ast.arg):
            yield node.lineno, node.arg.replace("_", "-"), ""
        elif isinstance(node, ast.Attribute):
            yield node.lineno, node.attr.replace("_", "-"), ""


def _allowed(word: str, relative: str) -> bool:
    places = ALLOWED.get(word, set())
    return "*" in places or relative in places


def test_the_engine_names_no_id_or_department_of_the_bundled_course() -> None:
    ids, departments = _bundled_words()
    patterns = {name: re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])") for name in departments}
    hits = []
    for path in sorted(ENGINE.rglob("*.py")):
        relative = path.relative_to(ENGINE).as_posix()
        for line, word, text in _words(path):
            if word in ids and not _allowed(word, relative):
                hits.append(f"course/{relative}:{line}: id {word!r}")
            hits += [f"course/{relative}:{line}: department {name!r}"
                     for name, pattern in patterns.items() if text and pattern.search(text)]
    assert not hits, "\n".join(sorted(set(hits)))


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    ids, departments = _bundled_words()
    assert {"legal", "leadership", "crisis"} <= ids and "Executive office" in departments
    sample = tmp_path / "sample.py"
    sample.write_text('"""Docstrings are prose: legal."""\nTRACK = "leadership"\n'
                      'WHO = "the Executive office"\n', encoding="utf-8")
    words = {(line, word) for line, word, _ in _words(sample)}
    assert (2, "leadership") in words and (1, "legal") not in words
    assert any("Executive office" in text for _, _, text in _words(sample))
