#!/usr/bin/env python3
"""Set up and run Need to Share with one command each.

    python3 dev.py run    create .venv, install the app, start it on the bundled course
    python3 dev.py test   create .venv with test tools, run ruff, mypy and the whole test suite

Only the standard library is used here, so it works on any machine with Python 3.11 or newer.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _stamp(requirements: Path) -> str:
    text = requirements.read_text() + (ROOT / "requirements.txt").read_text()
    return hashlib.sha256(text.encode()).hexdigest()


def ensure_environment(requirements: str) -> None:
    """Create .venv and install the requirements unless they are already installed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may run on an older Python
        sys.exit(f"Need to Share needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    path = ROOT / requirements
    marker = VENV / f".installed-{path.stem}"
    if marker.exists() and marker.read_text() == _stamp(path):
        return
    print(f"Installing {requirements} ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-r", str(path)], check=True)
    marker.write_text(_stamp(path))


def run_app(extra: list[str]) -> int:
    """Start the app on the bundled course with a local SQLite database and demo accounts."""
    ensure_environment("requirements.txt")
    env = {**os.environ}
    env.setdefault("NTS_DEMO", "1")
    env.setdefault("NTS_DEMO_LEARNERS", "60")
    command = [str(PYTHON), "-m", "streamlit", "run", str(ROOT / "app.py"), *extra]
    return subprocess.call(command, cwd=ROOT, env=env)


def run_tests(extra: list[str]) -> int:
    """Run the linters and the whole test suite."""
    ensure_environment("requirements-dev.txt")
    steps = [
        [str(PYTHON), "-m", "ruff", "check", "course", "tests", "bench", "app.py", "dev.py"],
        [str(PYTHON), "-m", "mypy"],
        [str(PYTHON), "-m", "pytest", *extra],
    ]
    for step in steps:
        print("$", " ".join(Path(part).name if i == 0 else part for i, part in enumerate(step)),
              flush=True)
        code = subprocess.call(step, cwd=ROOT)
        if code != 0:
            return code
    return 0


def main(argv: list[str]) -> int:
    """Dispatch `run` or `test`."""
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, extra = argv[0], argv[1:]
    return run_app(extra) if command == "run" else run_tests(extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
