"""Start-up in the server's lifespan: once, and one log line (not a crash) when the database is away."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from bench.load import free_port
from course.settings import load_settings
from course.store.engine import create_store_engine
from course.store.migrate import current_revision, head_revision
from course.web import lifespan
from tests.browser.conftest import _wait_healthy

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"


def test_start_up_migrates_and_prints_the_token_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    settings = load_settings({"DATABASE_URL": url})
    assert lifespan.try_start_up(settings)
    assert lifespan.try_start_up(settings)  # a second process
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [
        "Need to Share first-run setup token", "Need to Share first-run setup"]
    engine = create_store_engine(url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_an_unreachable_database_is_one_log_line_and_the_server_still_starts(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", NOWHERE)
    monkeypatch.setattr(lifespan, "RETRY_SECONDS", (3600.0,))

    async def serve() -> None:
        async with lifespan.lifespan(None):
            assert any(t.name == "nts-start-up" for t in threading.enumerate())

    with caplog.at_level("ERROR", logger="course.web.lifespan"):
        _run_in_own_thread(serve())
    [record] = caplog.records
    assert record.getMessage().startswith("start-up: cannot reach the database: connection failed")
    assert "\n" not in record.getMessage() and record.exc_info is None


def test_start_up_is_retried_until_the_database_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(lifespan, "RETRY_SECONDS", (0.01,))
    calls: list[bool] = []
    real = lifespan.try_start_up

    def flaky(settings: object) -> bool:
        calls.append(True)
        if len(calls) < 3:
            return False
        return real(load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'late.db'}"}))

    monkeypatch.setattr(lifespan, "try_start_up", flaky)
    with caplog.at_level("WARNING", logger="course.web.lifespan"):
        lifespan.retry_start_up(load_settings({}), stop=threading.Event())
    assert len(calls) == 3
    assert [r.getMessage() for r in caplog.records] == ["start-up: done after the database came back"]


def test_a_server_with_a_bad_setting_stops_with_one_line_and_exit_code_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NTS_", "STREAMLIT_"))}
    env.update({"NTS_DATA_DIR": str(tmp_path), "NTS_DB_POOL_SIZE": "zero"})
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", "0",
               "--server.address", "127.0.0.1", "--server.headless", "true"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["error: NTS_DB_POOL_SIZE='zero': expected a whole number"]
    assert "Traceback" not in done.stdout + done.stderr


def test_two_servers_starting_together_print_one_setup_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NTS_", "STREAMLIT_", "COURSE_"))}
    env.update({"NTS_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}",
                "PYTHONUNBUFFERED": "1"})
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"server-{port}.log" for port in ports]
    servers = []
    for port, log in zip(ports, logs, strict=True):
        command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                   "--server.address", "127.0.0.1", "--server.headless", "true"]
        with log.open("wb") as output:
            servers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                            stderr=subprocess.STDOUT))
    try:
        for port, server, log in zip(ports, servers, logs, strict=True):
            _wait_healthy(f"http://127.0.0.1:{port}", server, log)
        printed = [log.read_text() for log in logs]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    tokens = [t for text in printed for t in re.findall(r"first-run setup token: (\S+)", text)]
    assert len(tokens) == 1, printed
    assert sum("a setup token was already issued" in text for text in printed) == 1, printed


def _run_in_own_thread(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to its end on a fresh event loop in a thread of its own.

    The browser tests' Playwright (its sync API) keeps an event loop running in the main thread
    for the whole session, where asyncio.run() refuses to start another.
    """
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:  # handed back to the test's thread
            failures.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the lifespan did not finish"
    if failures:
        raise failures[0]
