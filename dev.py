#!/usr/bin/env python3
"""Set up and run Need to Share with one command each.

    python3 dev.py run    create .venv, install the locked runtime packages, start the app
    python3 dev.py test   create .venv with the locked test tools, run ruff, mypy and the whole
                          test suite in two phases (most tests on two workers, then the browser,
                          slow and serial tests one at a time); under CI=true (or NTS_LOWEST=1)
                          also one pass of the fast tests in .venv-lowest, at the lowest versions
                          requirements*.txt allow
    python3 dev.py lock   regenerate requirements.lock, requirements-dev.lock and
                          requirements-lowest.lock from requirements*.txt (uses uv, from PyPI)

`run` and `test` install from the lock files with plain pip (`--require-hashes`), so a fresh
machine needs nothing but Python. Only the standard library is used here, so it works on any
machine with Python 3.11 or newer.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOWEST_VENV = ROOT / ".venv-lowest"
PYPI = "https://pypi.org/simple"
#: The files a person edits (lower bounds, with a comment saying why), in the order hashed.
INPUTS = ("requirements.txt", "requirements-dev.txt")
#: Lock file made from each input; the dev lock is constrained by the runtime one, so they agree.
LOCKS = {"requirements.txt": "requirements.lock", "requirements-dev.txt": "requirements-dev.lock"}
LOWEST_LOCK = "requirements-lowest.lock"
#: Tools of requirements-dev.txt that the lowest-versions pass does not use (it runs no linter,
#: no browser and no single sign-on provider), left out to keep its install small.
LOWEST_LEFT_OUT = frozenset({"playwright", "axe-playwright-python", "ruff", "mypy", "types-pyyaml",
                             "vulture", "oidc-provider-mock", "pytest-xdist"})
#: The fast tests run at the lowest versions: every layer below the UI, migrations on SQLite;
#: in two shares of about equal time, run side by side.
LOWEST_SHARES = (("tests/services",), ("tests/domain", "tests/content", "tests/store"))
LOWEST_MARKERS = "not slow and not browser and not postgres"
#: The tests `dev.py test` runs one at a time after the others: real browsers, the scale-out
#: deployment and every test that waits on other processes against a clock (pyproject.toml).
SERIAL_MARKERS = "browser or slow or serial"
#: The other tests run first on two pytest-xdist workers, one per core of a CI machine. Each
#: worker takes whole files, so a module's fixtures are made once, by one worker.
PARALLEL_OPTIONS = ("-n", "2", "--dist", "loadfile")
#: pytest's exit status when the selection holds no test at all.
NOTHING_SELECTED = 5
INPUTS_LINE = "# inputs-sha256: "
UV_BOUND = "uv>=0.5"


def _bin(environment: Path) -> Path:
    return environment / ("Scripts" if os.name == "nt" else "bin")


def _python(environment: Path) -> Path:
    return _bin(environment) / ("python.exe" if os.name == "nt" else "python")


PYTHON = _python(VENV)


def inputs_digest(root: Path = ROOT) -> str:
    """The SHA-256 of requirements*.txt, which every lock file records in its header."""
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return digest.hexdigest()


def recorded_digest(lock: Path) -> str | None:
    """The inputs digest a lock file was made from (None when it has none)."""
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.startswith(INPUTS_LINE):
            return line[len(INPUTS_LINE):].strip()
    return None


def _stamp(lock: Path) -> str:
    """What an environment installed from `lock` was made from: the lock's own text."""
    return hashlib.sha256(lock.read_bytes()).hexdigest()


def _check_python() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may run on an older Python
        sys.exit(f"Need to Share needs Python 3.11 or newer; this is {sys.version.split()[0]}")


def _create(environment: Path) -> None:
    if not _python(environment).exists():
        print(f"Creating the virtual environment in {environment.name} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(environment)


def ensure_environment(lock_name: str, environment: Path = VENV, *, compile_all: bool = True) -> None:
    """Create the environment and install the lock file unless that exact lock is installed.

    Without `compile_all`, pip writes no bytecode ahead: Python compiles only what is imported.
    """
    _check_python()
    _create(environment)
    lock = ROOT / lock_name
    if recorded_digest(lock) != inputs_digest():
        print(f"warning: requirements*.txt changed since {lock_name} was made; "
              "run `python3 dev.py lock` (installing the old lock for now)", flush=True)
    marker = environment / f".installed-{lock.name}"
    if marker.exists() and marker.read_text() == _stamp(lock):
        return
    print(f"Installing {lock_name} into {environment.name} ...", flush=True)
    python = str(_python(environment))
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    compiling = [] if compile_all else ["--no-compile"]
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--require-hashes", *compiling,
                    "-r", str(lock)], check=True)
    marker.write_text(_stamp(lock))


def run_app(extra: list[str]) -> int:
    """Start the app on the bundled course with a local SQLite database and demo accounts."""
    ensure_environment(LOCKS["requirements.txt"])
    env = {**os.environ}
    env.setdefault("NTS_DEMO", "1")
    env.setdefault("NTS_DEMO_LEARNERS", "60")
    command = [str(PYTHON), "-m", "streamlit", "run", str(ROOT / "app.py"), *extra]
    return subprocess.call(command, cwd=ROOT, env=env)


def _wants_lowest() -> bool:
    chosen = os.environ.get("NTS_LOWEST", "").strip()
    if chosen in {"0", "1"}:
        return chosen == "1"
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def _split_markers(extra: list[str]) -> tuple[str | None, list[str]]:
    """Take the caller's `-m EXPRESSION` (the last one, as pytest does) out of the arguments."""
    chosen, rest, i = None, [], 0
    while i < len(extra):
        if extra[i] == "-m" and i + 1 < len(extra):
            chosen, i = extra[i + 1], i + 2
            continue
        if extra[i].startswith("-m") and len(extra[i]) > 2 and not extra[i].startswith("--"):
            chosen = extra[i][2:]
        else:
            rest.append(extra[i])
        i += 1
    return chosen, rest


def phase_commands(extra: list[str], python: Path = PYTHON) -> list[list[str]]:
    """The two pytest runs of `dev.py test`: the parallel phase, then the serial one.

    Both get the caller's arguments; a caller's `-m` is combined with each phase's own.
    """
    chosen, rest = _split_markers(extra)

    def markers(own: str) -> list[str]:
        return ["-m", f"({chosen}) and ({own})" if chosen else own]

    base = [str(python), "-m", "pytest"]
    return [[*base, *PARALLEL_OPTIONS, *markers(f"not ({SERIAL_MARKERS})"), *rest],
            [*base, *markers(SERIAL_MARKERS), *rest]]


def phases_outcome(codes: list[int]) -> int:
    """One exit status for the phases: a phase that selects nothing is fine, unless none selects."""
    if all(code == NOTHING_SELECTED for code in codes):
        return NOTHING_SELECTED
    return max((code for code in codes if code != NOTHING_SELECTED), default=0)


def with_hash_seed(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment with one PYTHONHASHSEED for every worker, new each run unless given.

    pytest-xdist refuses to run when its workers collect different tests, and a set's order
    (so any id or parameter list made from one) changes with the seed.
    """
    seed = environ.get("PYTHONHASHSEED") or str(random.SystemRandom().randrange(1, 2**32))
    print(f"PYTHONHASHSEED={seed} (set it to repeat this run's hashing)", flush=True)
    return {**environ, "PYTHONHASHSEED": seed}


def _show(step: list[str]) -> None:
    print("$", " ".join(Path(part).name if i == 0 else part for i, part in enumerate(step)),
          flush=True)


def run_tests(extra: list[str]) -> int:
    """Run the linters and the whole test suite, then (in CI) the lowest-versions pass."""
    ensure_environment(LOCKS["requirements-dev.txt"])
    linters = [
        [str(PYTHON), "-m", "ruff", "check", "course", "tests", "bench", "app.py", "dev.py"],
        [str(PYTHON), "-m", "mypy"],
    ]
    for step in linters:
        _show(step)
        code = subprocess.call(step, cwd=ROOT)
        if code != 0:
            return code
    codes = []
    env = with_hash_seed(os.environ)
    for name, step in zip(("parallel", "serial"), phase_commands(extra), strict=True):
        started = time.monotonic()
        _show(step)
        codes.append(subprocess.call(step, cwd=ROOT, env=env))
        print(f"Tests, {name} phase: exit status {codes[-1]} in {time.monotonic() - started:.0f} s",
              flush=True)
        if codes[-1] not in {0, NOTHING_SELECTED}:
            return codes[-1]
    code = phases_outcome(codes)
    if code != 0:
        return code
    return run_lowest() if _wants_lowest() else 0


def run_lowest() -> int:
    """Install requirements-lowest.lock into .venv-lowest and run the fast tests there.

    The tests run as two pytest processes at once (LOWEST_SHARES), one per core of a CI machine;
    each one's output is printed when it ends.
    """
    started = time.monotonic()
    print("Lowest allowed versions: the fast tests again in .venv-lowest", flush=True)
    ensure_environment(LOWEST_LOCK, LOWEST_VENV, compile_all=False)  # it imports a fraction
    # A fixed Hypothesis seed: this pass checks versions, the main pass explores new examples.
    base = [str(_python(LOWEST_VENV)), "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "--hypothesis-seed=0", "-m", LOWEST_MARKERS]
    codes = []
    with tempfile.TemporaryDirectory(prefix="nts-lowest-") as folder:
        running = []
        for n, share in enumerate(LOWEST_SHARES):
            print("$ python -m pytest", " ".join([*base[3:], *share]), flush=True)
            log = open(Path(folder) / f"{n}.log", "w+b")  # noqa: SIM115 - closed below
            running.append((subprocess.Popen([*base, *share], cwd=ROOT, stdout=log,
                                             stderr=subprocess.STDOUT), log))
        for process, log in running:
            codes.append(process.wait())
            log.seek(0)
            sys.stdout.write(log.read().decode(errors="replace"))
            log.close()
    code = max(codes)
    print(f"Lowest-versions pass: {'passed' if code == 0 else 'FAILED'} in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    return code


# -- lock -------------------------------------------------------------------------------------

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def lowest_input(root: Path = ROOT) -> str:
    """requirements-dev.txt without the tools the lowest pass leaves out (LOWEST_LEFT_OUT)."""
    kept = []
    for line in (root / "requirements-dev.txt").read_text(encoding="utf-8").splitlines():
        found = _NAME.match(line)
        name = found.group(1).lower() if found and not line.lstrip().startswith("-") else None
        if name not in LOWEST_LEFT_OUT:
            kept.append(line)
    return "\n".join(kept) + "\n"


def _uv() -> list[str]:
    """The uv command, installed into .venv with pip when it is not there yet."""
    _create(VENV)
    uv = _bin(VENV) / ("uv.exe" if os.name == "nt" else "uv")
    if not uv.exists():
        print("Installing uv into .venv ...", flush=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", UV_BOUND], check=True)
    return [str(uv)]


def _compile(uv: list[str], source: Path, output: Path, *options: str) -> None:
    """Resolve `source` on PyPI alone (no local indexes or configuration) into `output`."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("UV_") or key == "UV_CACHE_DIR"}
    command = [*uv, "pip", "compile", "--quiet", "--no-config", "--index-url", PYPI,
               "--universal", "--python-version", "3.11", "--generate-hashes",
               "--custom-compile-command", "python3 dev.py lock", *options,
               str(source), "-o", str(output)]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    text = output.read_text(encoding="utf-8")
    output.write_text(f"{INPUTS_LINE}{inputs_digest()}\n{text}", encoding="utf-8")


def lock() -> int:
    """Regenerate the three lock files from requirements*.txt."""
    _check_python()
    uv = _uv()
    runtime, dev = ROOT / LOCKS["requirements.txt"], ROOT / LOCKS["requirements-dev.txt"]
    _compile(uv, ROOT / "requirements.txt", runtime)
    _compile(uv, ROOT / "requirements-dev.txt", dev, "--constraint", str(runtime))
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "requirements-lowest.in"
        source.write_text(lowest_input().replace("-r requirements.txt",
                                                 f"-r {ROOT / 'requirements.txt'}"), encoding="utf-8")
        _compile(uv, source, ROOT / LOWEST_LOCK, "--resolution", "lowest-direct", "--no-annotate")
    for name in (*LOCKS.values(), LOWEST_LOCK):
        print(f"wrote {name}", flush=True)
    return 0


def main(argv: list[str]) -> int:
    """Dispatch `run`, `test` or `lock`."""
    if not argv or argv[0] not in {"run", "test", "lock"}:
        print(__doc__)
        return 2
    command, extra = argv[0], argv[1:]
    if command == "lock":
        return lock()
    return run_app(extra) if command == "run" else run_tests(extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
