"""Every module of the package imports on its own, whatever was imported before it.

A cycle between two modules can hide for months: the app happens to import one side first, and
only a new entry point (a script, a test helper) that starts from the other side breaks. Here
each module is imported first, into a package nothing of which is loaded yet.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Imports each module named on the command line first, each time from an empty package.
_SCRIPT = """
import importlib, sys, warnings
warnings.simplefilter("ignore")  # SQLAlchemy warns as each fresh copy of the tables replaces the last
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "course" or m.startswith("course.")]:
        del sys.modules[loaded]
    if "sqlmodel" in sys.modules:  # the tables are declared again on a clean slate
        sys.modules["sqlmodel"].SQLModel.metadata.clear()
    try:
        importlib.import_module(name)
    except Exception as error:  # noqa: BLE001 - report every module that fails, then fail
        failed.append(f"{name}: {type(error).__name__}: {error}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def _modules() -> list[str]:
    names = []
    for path in sorted((ROOT / "course").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts or parts[-1] == "__main__" or parts[:3] == ("course", "ui", "pages"):
            continue  # Alembic's scripts, and the pages, which Streamlit runs rather than imports
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_first() -> None:
    names = _modules()
    assert "course.services.studio_stats" in names and "course.services.dashboard" in names
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *names], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]


def test_a_cycle_is_found(tmp_path: Path) -> None:
    package = tmp_path / "course"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "one.py").write_text("from course.two import b\n\ndef a():\n    return 1\n", encoding="utf-8")
    (package / "two.py").write_text("from course.one import a\n\ndef b():\n    return 2\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _SCRIPT, "course.one"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "course.one: ImportError" in done.stdout

