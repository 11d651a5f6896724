"""The layers import one way only, and each third-party package has owners (docs/architecture.md).

The rules and the checker live in tests/layering.py. The first tests run it on the real code;
the rest write a deliberately bad module into a temporary tree and show that each way of
breaking a rule is caught, so that a gap in the checker cannot pass unnoticed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.layering import (
    PROJECT_RULES,
    THIRD_PARTY_RULES,
    Violation,
    check_file,
    find_sources,
    layer_of,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCES = find_sources(ROOT)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_layers_import_one_way(path: Path) -> None:
    assert [str(v) for v in check_file(path, root=ROOT)] == []


def test_every_source_file_belongs_to_a_known_layer() -> None:
    layers = {layer_of(path, root=ROOT) for path in SOURCES}
    assert layers <= set(PROJECT_RULES)
    assert ROOT / "app.py" in SOURCES
    assert {"domain", "content", "store", "services", "ui", "cli", "web", "charts", "app"} <= layers


def test_the_rules_cover_the_same_layers() -> None:
    assert set(PROJECT_RULES) == set(THIRD_PARTY_RULES)


def test_every_runtime_dependency_has_an_owning_layer_or_is_indirect() -> None:
    indirect = {"psycopg", "uharfbuzz"}  # loaded by SQLAlchemy and by fpdf2, never imported
    owned = set().union(*THIRD_PARTY_RULES.values())
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    names = {_distribution(line) for line in lines if line.strip() and not line.startswith("#")}
    imports = {_IMPORT_NAMES.get(name, name.replace("-", "_")) for name in names}
    assert "streamlit" in imports
    assert imports - owned - indirect == set()


_IMPORT_NAMES = {"markdown-it-py": "markdown_it", "mdit-py-plugins": "mdit_py_plugins", "pyyaml": "yaml",
                 "argon2-cffi": "argon2", "pillow": "PIL", "webvtt-py": "webvtt",
                 "prometheus-client": "prometheus_client", "fpdf2": "fpdf", "pylti1p3next": "pylti1p3",
                 "pyjwt": "jwt"}


def _distribution(line: str) -> str:
    """Return a requirement's distribution name, without its version, comment or extras."""
    return line.split(">=")[0].split("#")[0].split("[")[0].strip().lower()


def test_the_rules_are_documented() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for layer, allowed in THIRD_PARTY_RULES.items():
        for package in allowed:
            assert f"`{package}`" in doc, f"docs/architecture.md does not give {package} to {layer}"
    for layer in PROJECT_RULES:
        assert f"`{layer}`" in doc, f"docs/architecture.md does not describe the layer {layer}"


def test_no_pages_folder_next_to_the_app() -> None:
    # Streamlit serves any script in a pages/ folder beside the entry point, bypassing the gate.
    assert not (ROOT / "pages").exists()


# --- The checker catches every way of breaking a rule -------------------------------------------


def _check(tmp_path: Path, relative: str, source: str) -> list[Violation]:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return check_file(path, root=tmp_path)


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        # absolute imports up the layers
        ("course/domain/bad.py", "import course.store.engine\n", "domain imports course.store.engine"),
        ("course/content/bad.py", "from course.services import catalog\n", "content imports course.services"),
        # `from course import <layer>` names the layer in the imported names, not the module
        ("course/store/bad.py", "from course import services\n", "store imports course.services"),
        ("course/domain/bad.py", "from course import store, domain\n", "domain imports course.store"),
        # relative imports, one and two levels up, and from a package's __init__
        ("course/domain/bad.py", "from ..store import engine\n", "domain imports course.store"),
        ("course/services/bad.py", "from .. import ui\n", "services imports course.ui"),
        ("course/store/__init__.py", "from ..services import catalog\n", "store imports course.services"),
        ("course/services/dashboard/bad.py", "from ...ui import widgets\n", "services imports course.ui"),
        # imports hidden inside a function, and dynamic ones
        ("course/store/bad.py", "def f():\n    import course.ui\n", "store imports course.ui"),
        ("course/domain/bad.py", "import importlib\nimportlib.import_module('course.store')\n",
         "domain imports course.store"),
        ("course/domain/bad.py", "__import__('sqlalchemy')\n", "domain imports sqlalchemy"),
        ("course/domain/bad.py", "import importlib\nimportlib.import_module(name)\n", "computed name"),
        # the entry point: course.web and course.ui only
        ("app.py", "from course.services import catalog\n", "app imports course.services"),
        ("app.py", "import course.store.engine\n", "app imports course.store"),
        ("app.py", "import sqlalchemy\n", "app imports sqlalchemy, which only store may use"),
        # the new web layer and the router
        ("course/web/bad.py", "from course.store import engine\n", "web imports course.store"),
        ("course/web/bad.py", "from course.ui import router\n", "web imports course.ui"),
        ("course/ui/router.py", "from course.store import engine\n", "ui imports course.store"),
        ("course/ui/router.py", "from course.web import routes\n", "ui imports course.web"),
        # third-party packages: owned ones, and ones no layer was given
        ("course/services/bad.py", "import streamlit as st\n", "only app, ui may use"),
        ("course/ui/bad.py", "from starlette.routing import Route\n", "only web may use"),
        ("course/services/bad.py", "from sqlmodel import select\n", "only store may use"),
        ("course/ui/bad.py", "import plotly.express\n", "only charts may use"),
        ("course/domain/bad.py", "import yaml\n", "only content may use"),
        ("course/domain/bad.py", "import pydantic\n", "only content, settings may use"),
        ("course/content/bad.py", "import flask\n", "no layer may use"),
        ("course/content/bad.py", "import requests\n", "only integrations may use"),
        ("course/__main__.py", "from course.store import engine\n", "cli imports course.store"),
        ("course/charts.py", "import course\n", "bare package"),
        ("course/extras.py", "import os\n", "belongs to no layer"),
    ],
)
def test_the_checker_catches_a_bad_import(tmp_path: Path, relative: str, source: str, expected: str) -> None:
    found = _check(tmp_path, relative, source)
    assert len(found) == 1, found
    assert expected in found[0].message
    assert found[0].path == relative
    assert found[0].line >= 1


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("course/domain/ok.py", "import dataclasses\nfrom . import model\n"),
        ("course/services/dashboard/ok.py", "from .. import catalog\nfrom ...store import engine\n"),
        ("course/ui/ok.py", "import streamlit as st\nfrom course import charts, services\n"),
        ("course/web/ok.py", "from starlette.routing import Route\nfrom course.services import catalog\n"),
        ("app.py", "import streamlit as st\nfrom course.web import routes\nfrom course.ui import router\n"),
    ],
)
def test_the_checker_accepts_allowed_imports(tmp_path: Path, relative: str, source: str) -> None:
    assert _check(tmp_path, relative, source) == []
