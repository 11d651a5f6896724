"""A real OAuth 2.0 authorization server and a Ralph LRS that takes its tokens, on 127.0.0.1.

The authorization server is panva's `oidc-provider` (Node), pinned by tests/oauth_provider/
package.json and package-lock.json and installed with `npm ci` into `<repo>/.node-oauth`
(git-ignored): made on first use, reused by later sessions while the lock file is the same, with
a lock file against two sessions installing at once. tests/oauth_provider/server.mjs registers
the clients below and one resource server, Ralph, whose access tokens are JWTs for Ralph's
audience carrying the scope Ralph checks.

The LRS is a second Ralph (its own data folder) with Ralph's OpenID Connect backend: it finds
the server's keys through its discovery document and checks each bearer token's signature,
expiry and audience itself (RALPH_RUNSERVER_AUTH_OIDC_*), and its scopes
(RALPH_LRS_RESTRICT_BY_SCOPES: writing needs `statements/write`).

Without npm or the registry, or without Ralph, the tests that need them are skipped, unless
NTS_REQUIRE_LRS=1 (CI), which turns that into a failure.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.load import free_port
from course.settings import LrsSettings
from tests.ralph_lrs import ROOT, RalphLrs, ensure_venv, skip_or_fail, stop_process

SOURCE = ROOT / "tests" / "oauth_provider"
MODULES = ROOT / ".node-oauth"
#: What Ralph calls itself in the tokens' `aud`, and the resource the client asks for.
AUDIENCE = "https://lrs.example.org/xAPI"
#: Ralph's scopes (ralph/api/auth/user.py): writing statements, and reading one's own.
SCOPES = "statements/write statements/read/mine"
#: The client the app is: its secret holds what RFC 6749 §2.3.1's form-encoding is for.
CLIENT_ID, CLIENT_SECRET = "need-to-share", "s3cr:t %+/ client-secret"
#: A client whose tokens live two seconds, to reach expiry without a long wait.
SHORT_LIVED_ID, SHORT_LIVED_SECRET, SHORT_LIFETIME = "need-to-share-brief", "brief-client-secret", 2
#: How long one start may take on a loaded machine before it is tried again.
START_WITHIN = 60


def _lock_digest() -> str:
    return hashlib.sha256((SOURCE / "package-lock.json").read_bytes()).hexdigest()


def ensure_node_modules() -> Path | str:
    """Return the folder holding oidc-provider, installing it if missing; or say why it cannot be.

    The marker records the lock file's digest: a changed lock file installs again.
    """
    marker = MODULES / "installed.sha256"
    if marker.exists() and marker.read_text(encoding="utf-8").strip() == _lock_digest():
        return MODULES
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        return "node and npm are needed to run the OAuth authorization server (oidc-provider)"
    with (ROOT / ".node-oauth.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text(encoding="utf-8").strip() == _lock_digest():
            return MODULES
        return _install(npm, marker)


def _install(npm: str, marker: Path) -> Path | str:
    shutil.rmtree(MODULES, ignore_errors=True)
    MODULES.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(SOURCE / name, MODULES / name)
    try:
        subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=MODULES, check=True, capture_output=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = (getattr(error, "stderr", b"") or b"").decode(errors="replace")[-400:]
        return f"could not install oidc-provider in {MODULES}: {error} {detail}"
    marker.write_text(_lock_digest() + "\n", encoding="utf-8")
    return MODULES


@dataclass
class OAuthServer:
    """A running oidc-provider: its issuer and token endpoint."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def issuer(self) -> str:
        """Return the issuer identifier (the server is mounted at /oidc)."""
        return f"http://127.0.0.1:{self.port}/oidc"

    @property
    def token_url(self) -> str:
        """Return the token endpoint."""
        return f"{self.issuer}/token"

    def answers(self) -> bool:
        """Say whether the server serves its discovery document (so it is ready for Ralph)."""
        try:
            discovery = f"{self.issuer}/.well-known/openid-configuration"
            with urllib.request.urlopen(discovery, timeout=10) as response:
                return bool(json.loads(response.read()).get("token_endpoint"))
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def stop(self) -> None:
        """Stop the server."""
        stop_process(self.process)


def start_oauth_server(modules: Path, home: Path) -> OAuthServer:
    """Start the server on a free port and wait until its discovery document answers.

    Readiness is asked of the server over HTTP, as Ralph will ask it, rather than read from its
    log: a log line that never reaches the file would otherwise look like a server that never
    started. It starts in about 1 s, and 3 s with every core busy; a start that has not answered
    in START_WITHIN seconds is stopped and tried once more, and a second such start fails with
    both logs' ends and whether the process still ran.
    """
    failures = []
    for attempt in (1, 2):
        started = _start_once(modules, home / f"oauth-server-{attempt}.log")
        if isinstance(started, OAuthServer):
            return started
        failures.append(started)
    raise RuntimeError("the OAuth server did not start: " + " | ".join(failures))


def _start_once(modules: Path, log_path: Path) -> OAuthServer | str:
    clients = [{"id": CLIENT_ID, "secret": CLIENT_SECRET, "ttl": 600},
               {"id": SHORT_LIVED_ID, "secret": SHORT_LIVED_SECRET, "ttl": SHORT_LIFETIME}]
    env = {**os.environ, "NTS_OAUTH_AUDIENCE": AUDIENCE, "NTS_OAUTH_SCOPE": SCOPES,
           "NTS_OAUTH_CLIENTS": json.dumps(clients)}
    port = free_port()
    with log_path.open("ab") as log:
        command = [shutil.which("node") or "node", str(SOURCE / "server.mjs"), str(modules), str(port)]
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server, started = OAuthServer(process, port), time.monotonic()
    while time.monotonic() - started < START_WITHIN:
        if process.poll() is not None:
            return f"it exited with {process.returncode}; its log ends: {_tail(log_path)!r}"
        if server.answers():
            return server
        time.sleep(0.2)
    running = "still running" if process.poll() is None else f"exited with {process.returncode}"
    server.stop()
    return f"no answer on port {port} within {START_WITHIN} s ({running}); its log ends: {_tail(log_path)!r}"


def _tail(log_path: Path) -> str:
    return log_path.read_text(encoding="utf-8", errors="replace")[-800:]


@dataclass
class OAuthLrs:
    """The authorization server and the Ralph that trusts it, with settings for the app."""

    server: OAuthServer
    lrs: RalphLrs

    def settings(self, **changes: str) -> LrsSettings:
        """Return LRS settings that sign in to this Ralph with OAuth client credentials."""
        values = {"username": "", "password": "", "oauth_token_url": self.server.token_url,
                  "oauth_client_id": CLIENT_ID, "oauth_client_secret": CLIENT_SECRET,
                  "oauth_scope": "statements/write", "oauth_resource": AUDIENCE, **changes}
        return self.lrs.settings(**values)


@pytest.fixture(scope="session")
def oauth_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAuthLrs]:
    """Start the authorization server and an OIDC Ralph once per session, or skip (fail in CI)."""
    ralph = ensure_venv()
    if isinstance(ralph, str):
        skip_or_fail(ralph)
    modules = ensure_node_modules()
    if isinstance(modules, str):
        skip_or_fail(modules)
    home = tmp_path_factory.mktemp("oauth-lrs")
    server = start_oauth_server(modules, home)
    try:
        lrs = RalphLrs(ralph, home / "ralph", extra_env={
            "RALPH_RUNSERVER_AUTH_BACKENDS": "basic,oidc",
            "RALPH_RUNSERVER_AUTH_OIDC_ISSUER_URI": server.issuer,
            "RALPH_RUNSERVER_AUTH_OIDC_AUDIENCE": AUDIENCE,
            "RALPH_LRS_RESTRICT_BY_SCOPES": "true", "RALPH_LRS_RESTRICT_BY_AUTHORITY": "true"})
        lrs.start()
        try:
            yield OAuthLrs(server, lrs)
        finally:
            lrs.stop()
    finally:
        server.stop()
