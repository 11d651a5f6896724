"""A real learning record store on 127.0.0.1 for the tests: Ralph with its file-system backend.

Ralph 5.1's file-system LRS backend stores only the first POST it receives: it writes every
batch in "create" mode, which refuses the file that the first batch made (the LRS answers 500
"Statements bulk indexation failed"). So the tests serve Ralph's own application (`ralph.api:app`,
its validation, duplicate checks and GET API unchanged) with uvicorn, after setting that
backend's default write mode to "append", the mode the backend already has for adding to a file.

Ralph's server pulls in dependencies that clash with Streamlit's, so it lives in a virtual
environment of its own, `<repo>/.venv-ralph` (git-ignored), made on first use and reused by
every later session. `ralph_lrs` starts one server per test session on a free port, with one
user made by `ralph auth`; a test can stop it and start it again on the same port and data.

Without the environment (no network to install it) the tests that need it are skipped, unless
NTS_REQUIRE_LRS=1 (set by CI), which turns that into a failure.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NoReturn

import pytest

from bench.load import free_port
from course.settings import LrsSettings

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-ralph"
#: Pinned: the CLI flags and environment variables below are Ralph 5's.
REQUIREMENTS = ("ralph-malph[lrs,cli]==5.1.0", "requests>=2.31")
USERNAME, PASSWORD = "nts-test", "ralph-test-passphrase"
#: Serve Ralph's application on host and port, its file-system backend appending each batch.
LAUNCH = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]), log_level="warning")
"""


#: Written once the install has finished, so a half-made environment is never used.
MARKER = VENV / "installed-ralph-5.1.0"


def _bin(name: str) -> Path:
    return VENV / "bin" / name


def ensure_venv() -> Path | str:
    """Return Ralph's command, making its environment if missing; or say why it cannot be made.

    A lock file makes a second test session (or a pytest-xdist worker) wait for the first one's
    install instead of installing over it.
    """
    ralph = _bin("ralph")
    if MARKER.exists():
        return ralph
    with (ROOT / ".venv-ralph.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return ralph if MARKER.exists() else _install(ralph)


def _install(ralph: Path) -> Path | str:
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True,
                       capture_output=True, timeout=300)
        subprocess.run([str(_bin("python")), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True,
                       capture_output=True, timeout=900)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", b"") or b""
        return f"could not install Ralph in {VENV}: {error} {detail.decode(errors='replace')[-400:]}"
    if not ralph.exists():
        return f"Ralph was installed but {ralph} is missing"
    MARKER.write_text(" ".join(REQUIREMENTS) + "\n", encoding="utf-8")
    return ralph


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a test server to stop, then kill it if it has not within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class RalphLrs:
    """One Ralph server: its address, its credentials, and its statements read back by its API."""

    def __init__(self, ralph: Path, home: Path, *, extra_env: Mapping[str, str] | None = None) -> None:
        self.ralph = ralph
        self.home = home
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.env = {**os.environ, "RALPH_APP_DIR": str(home / "app"), "RALPH_RUNSERVER_BACKEND": "fs",
                    "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(home / "data"),
                    **(extra_env or {})}
        (home / "data").mkdir(parents=True, exist_ok=True)
        subprocess.run([str(ralph), "auth", "-u", USERNAME, "-p", PASSWORD, "-s", "all",
                        "-A", "nts-test-lrs", "http://127.0.0.1", "-w"],
                       env=self.env, check=True, capture_output=True, timeout=120)

    @property
    def endpoint(self) -> str:
        """Return the xAPI endpoint (statements are at <endpoint>/statements)."""
        return f"http://127.0.0.1:{self.port}/xAPI"

    def settings(self, **changes: str) -> LrsSettings:
        """Return LRS settings that point at this server."""
        values = {"endpoint": self.endpoint, "username": USERNAME, "password": PASSWORD,
                  "actor_key": "test-actor-key-0123456789", "activity_base": "https://learn.example.org/xapi",
                  "home_page": "https://learn.example.org", **changes}
        return LrsSettings(**values)

    def start(self) -> None:
        """Start the server and wait until it answers."""
        log = (self.home / "server.log").open("ab")
        self.process = subprocess.Popen(
            [str(_bin("python")), "-c", LAUNCH, "127.0.0.1", str(self.port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph exited: {(self.home / 'server.log').read_text()[-800:]}")
            try:
                self._get("/__heartbeat__")
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError("Ralph did not answer within 90 s")

    def stop(self) -> None:
        """Stop the server (its statements stay on disk for the next start)."""
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def _get(self, path: str) -> dict[str, object]:
        token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers={
            "Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"})
        with urllib.request.urlopen(request, timeout=20) as response:
            loaded: dict[str, object] = json.loads(response.read() or b"{}")
            return loaded

    def statements(self) -> list[dict[str, object]]:
        """Return every statement the LRS holds, read through GET /xAPI/statements (all pages)."""
        found: list[dict[str, object]] = []
        path = "/xAPI/statements?limit=500"
        while path:
            page = self._get(path)
            batch = page.get("statements", [])
            assert isinstance(batch, list)
            found.extend(batch)
            more = page.get("more") or ""
            assert isinstance(more, str)
            path = more
        return found


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test for want of a real server, or fail it when NTS_REQUIRE_LRS=1 (CI)."""
    if os.environ.get("NTS_REQUIRE_LRS") == "1":
        pytest.fail(reason + " and NTS_REQUIRE_LRS=1")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ralph_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RalphLrs]:
    """Start Ralph once per session (installing it on first use), or skip (fail in CI)."""
    ralph = ensure_venv()
    if isinstance(ralph, str):
        skip_or_fail(ralph)
    server = RalphLrs(ralph, tmp_path_factory.mktemp("ralph"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def validate_with_ralph(documents: list[dict[str, object]]) -> list[str]:
    """Validate statements against Ralph's xAPI models (in Ralph's environment); return the problems."""
    ralph = ensure_venv()
    if isinstance(ralph, str):
        skip_or_fail(ralph)
    script = (
        "import json, sys\n"
        "from pydantic import ValidationError\n"
        "from ralph.models.xapi.base.statements import BaseXapiStatement\n"
        "problems = []\n"
        "for n, doc in enumerate(json.load(sys.stdin)):\n"
        "    try:\n"
        "        BaseXapiStatement(**doc)\n"
        "    except ValidationError as error:\n"
        "        problems.append(f'{n}: {error}')\n"
        "print(json.dumps(problems))\n"
    )
    done = subprocess.run([str(_bin("python")), "-c", script], input=json.dumps(documents).encode(),
                          capture_output=True, check=True, timeout=120)
    problems: list[str] = json.loads(done.stdout)
    return problems
