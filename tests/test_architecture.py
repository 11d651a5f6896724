"""The layers import one way only (see docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "course"

#: What each layer may import from the project. Anything not listed is forbidden.
ALLOWED = {
    "domain": {"domain"},
    "content": {"domain", "content"},
    "store": {"domain", "store", "settings"},
    "services": {"domain", "content", "store", "services", "settings"},
    "charts": {"domain"},
    "ui": {"domain", "services", "ui", "settings", "charts", "integrations"},
    "cli": {"domain", "services", "cli", "settings", "integrations"},
    "web": {"domain", "services", "web", "settings"},
    "settings": set(),
    "integrations": {"domain", "integrations", "settings"},
}

#: Third-party packages that only one layer may use.
OWNED = {
    "markdown_it": "content", "mdit_py_plugins": "content", "yaml": "content", "nh3": "content",
    "sqlmodel": "store", "sqlalchemy": "store", "alembic": "store", "psycopg": "store",
    "streamlit": "ui", "plotly": "charts", "starlette": "web", "PIL": "content", "webvtt": "content",
}

#: The domain uses the standard library only.
DOMAIN_THIRD_PARTY: set[str] = set()


def _layer(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if relative.parts else ""


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if _layer(p) in ALLOWED)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_layers_import_one_way(path: Path) -> None:
    layer = _layer(path)
    wrong = []
    for line, name in _imports(path):
        parts = name.split(".")
        if parts[0] == "course" and len(parts) > 1:
            target = parts[1]
            if target not in ALLOWED[layer]:
                wrong.append(f"line {line}: {layer} imports {name}")
        elif parts[0] in OWNED and OWNED[parts[0]] != layer:
            wrong.append(f"line {line}: {layer} imports {name}, which only {OWNED[parts[0]]} may use")
    assert wrong == []


def test_the_domain_uses_the_standard_library_only() -> None:
    import sys

    stdlib = set(sys.stdlib_module_names)
    for path in (PACKAGE / "domain").rglob("*.py"):
        for line, name in _imports(path):
            top = name.split(".")[0]
            assert top in stdlib or top in {"course", "__future__"}, f"{path.name}:{line} imports {name}"


def test_no_pages_folder_next_to_the_app() -> None:
    # Streamlit serves any script in a pages/ folder beside the entry point, bypassing the gate.
    assert not (PACKAGE.parent / "pages").exists()
