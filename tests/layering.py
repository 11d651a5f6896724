"""Check the import rules of docs/architecture.md on source files.

The checker is plain data plus pure functions so that tests/test_architecture.py can run it on
the real code and on deliberately bad modules alike. Every import form counts: absolute and
relative imports, `from course import store`, imports inside functions, and
`importlib.import_module("...")` / `__import__("...")` with a literal name.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: What each layer may import from the project (`course.<layer>`). Anything not listed is forbidden.
PROJECT_RULES: dict[str, frozenset[str]] = {
    "domain": frozenset({"domain"}),
    "content": frozenset({"domain", "content"}),
    "store": frozenset({"domain", "store", "settings"}),
    "services": frozenset({"domain", "content", "store", "services", "settings"}),
    "charts": frozenset({"domain"}),
    "ui": frozenset({"domain", "services", "ui", "settings", "charts", "integrations"}),
    "cli": frozenset({"domain", "services", "cli", "settings", "integrations"}),
    "web": frozenset({"domain", "services", "web", "settings", "integrations"}),
    "integrations": frozenset({"domain", "integrations", "settings"}),
    "settings": frozenset({"settings"}),
    "package": frozenset(),
    "app": frozenset({"web", "ui"}),
}

#: The third-party packages (top-level import names) each layer may import. A package missing
#: here is forbidden everywhere, so adding a dependency means deciding which layer owns it.
THIRD_PARTY_RULES: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "content": frozenset({"markdown_it", "mdit_py_plugins", "yaml", "nh3", "networkx", "pydantic", "PIL",
                          "webvtt", "mutagen", "enzyme"}),
    "store": frozenset({"sqlmodel", "sqlalchemy", "alembic"}),
    "services": frozenset({"argon2", "prometheus_client", "fpdf", "cryptography"}),
    "charts": frozenset({"plotly"}),
    "ui": frozenset({"streamlit"}),
    "cli": frozenset(),
    "web": frozenset({"starlette", "prometheus_client"}),
    "integrations": frozenset({"pylti1p3", "jwt", "requests"}),
    "settings": frozenset({"pydantic", "pydantic_settings"}),
    "package": frozenset(),
    "app": frozenset({"streamlit"}),
}

STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


@dataclass(frozen=True)
class Violation:
    """One import a layer may not make, with where it is."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def find_sources(root: Path) -> list[Path]:
    """Return every file the rules apply to under `root`: the package and the entry point."""
    sources = sorted((root / "course").rglob("*.py"))
    app = root / "app.py"
    return [*sources, app] if app.exists() else sources


def layer_of(path: Path, *, root: Path) -> str:
    """Return the layer a source file belongs to."""
    parts = path.relative_to(root).parts
    if parts == ("app.py",):
        return "app"
    if len(parts) == 2:  # course/<name>.py
        name = parts[1].removesuffix(".py")
        return {"__init__": "package", "__main__": "cli"}.get(name, name)
    return parts[1]


def module_of(path: Path, *, root: Path) -> tuple[str, bool]:
    """Return the dotted module name of a source file, and whether it is a package's __init__."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def check_file(path: Path, *, root: Path) -> list[Violation]:
    """Return every import in `path` that its layer may not make."""
    layer = layer_of(path, root=root)
    module, is_package = module_of(path, root=root)
    shown = path.relative_to(root).as_posix()
    if layer not in PROJECT_RULES:
        return [Violation(shown, 1, f"{shown} belongs to no layer the rules know ({layer})")]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=shown)
    found = []
    for line, target in imported_names(tree, module=module, is_package=is_package):
        message = judge(layer, target)
        if message:
            found.append(Violation(shown, line, message))
    return found


def imported_names(tree: ast.AST, *, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """Yield (line, absolute dotted name) for every import in a module, relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module=module, is_package=is_package)
            if base == "course":  # `from course import store` imports the layer itself
                for alias in node.names:
                    yield node.lineno, f"course.{alias.name}"
            else:
                yield node.lineno, base
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, first.value
            else:
                yield node.lineno, "<computed name>"


def judge(layer: str, target: str) -> str:
    """Return why `layer` may not import `target`, or "" when it may."""
    parts = target.split(".")
    if target == "<computed name>":
        return f"{layer} imports a module by a computed name, which no rule can check"
    if parts[0] == "course":
        if len(parts) == 1:
            return f"{layer} imports the bare package `course`; import the layer it needs"
        wanted = parts[1]
        if wanted in PROJECT_RULES[layer]:
            return ""
        return f"{layer} imports {target}; {layer} may import {_listed(PROJECT_RULES[layer])}"
    if parts[0] in STDLIB or parts[0] in THIRD_PARTY_RULES[layer]:
        return ""
    owners = sorted(name for name, allowed in THIRD_PARTY_RULES.items() if parts[0] in allowed)
    owned = f"only {', '.join(owners)} may" if owners else "no layer may"
    return f"{layer} imports {target}, which {owned} use"


def _absolute(node: ast.ImportFrom, *, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*base, node.module] if node.module else base)


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in {"__import__", "import_module"}
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _listed(names: frozenset[str]) -> str:
    return ", ".join(f"course.{name}" for name in sorted(names)) or "nothing from the project"
