"""A load-test harness for Streamlit pages: start a real server, drive many sessions, measure.

`start_server` runs `python -m streamlit run APP` as a subprocess, headless on 127.0.0.1, waits
for `/_stcore/health`, reads the server's RSS from /proc and stops it cleanly. `drive` opens N
simulated sessions (one thread each, speaking the websocket protocol through bench.stclient),
each running a scripted sequence of reruns with think time between them for a bounded time, and
reports per-rerun latency, exceptions the app showed, client failures, and the server memory
before and after the sessions connected (hence memory per connected session).

Every loop is bounded in count and time and stops by itself; only loopback URLs are accepted.

    python -m bench.load [--sessions 10] [--duration 10] [--think 0.5]   # against the anchor
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.stclient import (
    HEALTH_PATH,
    RunResult,
    StreamlitClient,
    StreamlitClientError,
)

ROOT = Path(__file__).resolve().parent.parent
ANCHOR_APP = Path(__file__).resolve().parent / "apps" / "anchor.py"

#: Headless, loopback-only, no file watching: what every benchmark server runs with. The app's
#: own .streamlit/config.toml (read from `cwd`) supplies everything else.
SERVER_OPTIONS: dict[str, str] = {
    "server.headless": "true",
    "server.address": "127.0.0.1",
    "browser.gatherUsageStats": "false",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
}
MAX_RERUNS_PER_SESSION = 10_000
MAX_RECONNECTS_PER_SESSION = 3
SAMPLES_KEPT = 5


# -- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_rss(pid: int) -> int:
    """Resident memory of a process in bytes, from /proc/PID/status (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def process_cpu_s(pid: int) -> float:
    """User plus system CPU seconds a process has used, from /proc/PID/stat (0 when gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class ServerHandle:
    """A running `streamlit run` subprocess; use as a context manager or call `stop`."""

    process: subprocess.Popen[bytes]
    port: int
    app_path: Path
    log_path: Path
    started_s: float = 0.0  # seconds from spawn to a healthy /_stcore/health

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_bytes(self) -> int:
        """The server process's resident memory now, in bytes."""
        return process_rss(self.pid) if self.alive else 0

    def log(self, limit: int = 4000) -> str:
        """The last `limit` characters of the server's stdout and stderr."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-limit:]
        except OSError:
            return ""

    def stop(self, timeout_s: float = 10.0) -> int | None:
        """SIGTERM (Streamlit shuts down its sessions), then SIGKILL after `timeout_s`."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        with contextlib.suppress(OSError):
            self.log_path.unlink()
        return self.process.returncode

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_server(app_path: str | Path, env: Mapping[str, str] | None = None,
                 port: int | None = None, *, cwd: str | Path = ROOT,
                 options: Mapping[str, str] | None = None, timeout_s: float = 60.0,
                 python: str = sys.executable) -> ServerHandle:
    """Start `python -m streamlit run app_path` on 127.0.0.1 and wait until it is healthy.

    `env` is laid over the current environment; `port` defaults to a free one; `cwd` (the
    repository root by default) is where Streamlit reads .streamlit/config.toml and where page
    paths resolve; `options` are extra `--section.option=value` flags over SERVER_OPTIONS.
    Raises RuntimeError with the server's log when it exits or stays unhealthy.
    """
    port = port or free_port()
    flags = {**SERVER_OPTIONS, **(options or {}), "server.port": str(port)}
    if flags["server.address"] not in {"127.0.0.1", "localhost"}:
        raise ValueError("benchmark servers listen on 127.0.0.1 only")
    command = [python, "-m", "streamlit", "run", str(app_path),
               *(f"--{key}={value}" for key, value in flags.items())]
    log_fd, log_name = tempfile.mkstemp(prefix="nts-streamlit-", suffix=".log")
    start = time.monotonic()
    with os.fdopen(log_fd, "wb") as log:
        process = subprocess.Popen(
            command, cwd=str(cwd), env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    handle = ServerHandle(process, port, Path(app_path), Path(log_name))
    deadline = start + timeout_s
    while time.monotonic() < deadline:
        if not handle.alive:
            log_text = handle.log()
            handle.stop()
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log_text}")
        if _healthy(handle.url):
            handle.started_s = time.monotonic() - start
            return handle
        time.sleep(0.1)
    log_text = handle.log()
    handle.stop()
    raise RuntimeError(f"streamlit was not healthy within {timeout_s:.0f} s:\n{log_text}")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=2.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


# -- scenarios -----------------------------------------------------------------------------------

#: A step's action: given the session's client and its index (0..sessions-1), do one request.
Action = Callable[[StreamlitClient, int], RunResult]


@dataclass(frozen=True)
class Step:
    """One scripted request of a simulated session, named for the latency report."""

    name: str
    action: Action


@dataclass(frozen=True)
class Scenario:
    """What each session does: open `page`, run `setup` once, then repeat `steps` in order."""

    steps: Sequence[Step]
    setup: Sequence[Step] = ()
    page: str | None = None
    name: str = "scenario"


def rerun(name: str = "rerun") -> Step:
    """Rerun the current page unchanged (as a widget with no effect would)."""
    return Step(name, lambda client, _: client.rerun())


def click(label: str, *, name: str | None = None, kind: str | None = None) -> Step:
    """Press the button with this label."""
    return Step(name or f"click {label}", lambda client, _: client.click(label, kind=kind))


def fill(label: str, text: str | Callable[[int], str], *, name: str | None = None) -> Step:
    """Type into the text input with this label; `text` may depend on the session index."""
    def action(client: StreamlitClient, index: int) -> RunResult:
        return client.fill(label, text(index) if callable(text) else text)
    return Step(name or f"fill {label}", action)


def choose(label: str, option: int | str, *, name: str | None = None) -> Step:
    """Pick an option (index or text) of the radio or selectbox with this label."""
    return Step(name or f"choose {label}", lambda client, _: client.choose(label, option))


def goto(page: str, *, name: str | None = None) -> Step:
    """Navigate to an st.navigation page by title, URL path or hash."""
    return Step(name or f"goto {page}", lambda client, _: client.navigate(page))


#: The anchor: press the one button of bench/apps/anchor.py, again and again.
ANCHOR = Scenario(steps=(click("Click me", name="click"),), name="anchor")


# -- driving -------------------------------------------------------------------------------------


@dataclass
class _SessionLog:
    latencies: list[float] = field(default_factory=list)  # loop steps only
    by_step: dict[str, list[float]] = field(default_factory=dict)
    app_errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    failures: int = 0
    failure_samples: list[str] = field(default_factory=list)
    connected: bool = False

    def record(self, step: str, result: RunResult, *, loop: bool) -> None:
        self.by_step.setdefault(step, []).append(result.latency_s)
        if loop:
            self.latencies.append(result.latency_s)
        self.app_errors += len(result.exceptions)
        for exc in result.exceptions[: SAMPLES_KEPT - len(self.error_samples)]:
            self.error_samples.append(f"{step}: {exc.type}: {exc.message}"[:300])

    def fail(self, step: str, exc: BaseException) -> None:
        self.failures += 1
        if len(self.failure_samples) < SAMPLES_KEPT:
            self.failure_samples.append(f"{step}: {type(exc).__name__}: {exc}"[:300])


@dataclass
class LoadReport:
    """The figures of one `drive`: latency in seconds, memory in bytes."""

    scenario: str
    sessions: int
    duration_s: float
    latencies_s: list[float]
    by_step: dict[str, list[float]]
    app_errors: int
    error_samples: list[str]
    failures: int
    failure_samples: list[str]
    connected_at_end: int
    rss_before: int | None
    rss_after: int | None
    rss_peak: int | None
    server_cpu_s: float | None = None  # CPU the server used during the load phase

    @property
    def reruns(self) -> int:
        return len(self.latencies_s)

    @property
    def requests(self) -> int:
        """Every request of the load phase: opens and setup steps as well as the loop's."""
        return sum(len(values) for values in self.by_step.values())

    @property
    def per_session_bytes(self) -> float | None:
        """Server memory growth per session still connected at the end."""
        if self.rss_before is None or self.rss_after is None or not self.connected_at_end:
            return None
        return (self.rss_after - self.rss_before) / self.connected_at_end

    def percentile_ms(self, p: float, step: str | None = None) -> float | None:
        """The p-th percentile (nearest rank) of the loop latencies, or of one step's."""
        values = sorted(self.by_step.get(step, []) if step else self.latencies_s)
        if not values:
            return None
        return values[max(0, math.ceil(p / 100 * len(values)) - 1)] * 1000

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.latencies_s) * 1000 if self.latencies_s else None

    @property
    def p95_ms(self) -> float | None:
        return self.percentile_ms(95)

    def as_dict(self) -> dict[str, Any]:
        """Rounded figures, ready for a benchmark's result dictionary."""
        def ms(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        def mib(value: float | None) -> float | None:
            return None if value is None else round(value / 2**20, 2)

        return {
            "scenario": self.scenario, "sessions": self.sessions,
            "duration_s": round(self.duration_s, 1), "reruns": self.reruns,
            "reruns_per_s": round(self.reruns / self.duration_s, 1) if self.duration_s else 0.0,
            "median_ms": ms(self.median_ms), "p95_ms": ms(self.p95_ms),
            "p99_ms": ms(self.percentile_ms(99)),
            "max_ms": ms(max(self.latencies_s) * 1000 if self.latencies_s else None),
            "steps_median_ms": {name: ms(statistics.median(v) * 1000)
                                for name, v in self.by_step.items() if v},
            "app_errors": self.app_errors, "failures": self.failures,
            "connected_at_end": self.connected_at_end,
            "rss_before_mib": mib(self.rss_before), "rss_after_mib": mib(self.rss_after),
            "rss_peak_mib": mib(self.rss_peak),
            "server_cpu_s": None if self.server_cpu_s is None else round(self.server_cpu_s, 2),
            "server_cpu_ms_per_request": None if self.server_cpu_s is None or not self.requests
            else round(self.server_cpu_s * 1000 / self.requests, 1),
            "per_session_kib": None if self.per_session_bytes is None
            else round(self.per_session_bytes / 1024, 1),
            "error_samples": self.error_samples, "failure_samples": self.failure_samples,
        }


def drive(url: str, scenario: Scenario | Sequence[Step], sessions: int, duration_s: float,
          think_s: float = 1.0, think_jitter: float = 0.5, *, pid: int | None = None,
          timeout_s: float = 30.0, ramp_s: float = 1.0, warmup: int = 3,
          max_reruns: int = MAX_RERUNS_PER_SESSION, seed: int = 0) -> LoadReport:
    """Run `sessions` simulated sessions against `url` for about `duration_s` seconds.

    Each session opens the page, runs the scenario's setup, then its steps in a loop, waiting
    `think_s` x uniform(1 - think_jitter, 1 + think_jitter) before each request, until
    `duration_s` has passed or it made `max_reruns` requests. Session starts are spread over
    `ramp_s`. A request that fails (timeout, closed socket, widget not found) counts as a
    failure; the session reconnects at most MAX_RECONNECTS_PER_SESSION times.

    With `pid` (the server's), RSS is read after `warmup` reruns of a throwaway session (before),
    continuously (peak), and once every session has finished while all are still connected
    (after). Nothing outlives the call: it returns within about duration_s + 2 x timeout_s.
    """
    plan = scenario if isinstance(scenario, Scenario) else Scenario(steps=tuple(scenario))
    if not plan.steps or sessions < 1 or duration_s <= 0:
        raise ValueError("drive needs at least one step, one session and a positive duration")
    StreamlitClient(url)  # refuses anything but a loopback URL, before any thread starts

    if warmup and pid is not None:
        with StreamlitClient(url, timeout=timeout_s) as client:
            client.open(plan.page)
            for _ in range(warmup):
                client.rerun()
        time.sleep(0.3)
    rss_before = process_rss(pid) if pid is not None else None
    cpu_before = process_cpu_s(pid) if pid is not None else None

    start = time.monotonic()
    deadline = start + duration_s
    logs = [_SessionLog() for _ in range(sessions)]
    finished = threading.Semaphore(0)
    release = threading.Event()
    threads = [
        threading.Thread(
            target=_session, name=f"load-session-{i}", daemon=True,
            args=(url, plan, i, logs[i], random.Random(seed * 100_003 + i),
                  start + ramp_s * i / sessions, deadline, think_s, think_jitter, timeout_s,
                  max_reruns, finished, release),
        )
        for i in range(sessions)
    ]
    for thread in threads:
        thread.start()

    rss_peak = rss_before
    done = 0
    give_up = deadline + 2 * timeout_s + 5
    while done < sessions and time.monotonic() < give_up:
        if finished.acquire(timeout=0.2):
            done += 1
        if pid is not None:
            rss_peak = max(rss_peak or 0, process_rss(pid))
    rss_after = process_rss(pid) if pid is not None else None
    cpu_used = process_cpu_s(pid) - cpu_before if pid is not None and cpu_before is not None else None
    if rss_peak is not None and rss_after is not None:
        rss_peak = max(rss_peak, rss_after)
    connected = sum(log.connected for log in logs)
    elapsed = time.monotonic() - start
    release.set()
    for thread in threads:
        thread.join(timeout=max(0.1, give_up + 5 - time.monotonic()))

    by_step: dict[str, list[float]] = {}
    for log in logs:
        for name, values in log.by_step.items():
            by_step.setdefault(name, []).extend(values)
    return LoadReport(
        scenario=plan.name, sessions=sessions, duration_s=elapsed,
        latencies_s=[v for log in logs for v in log.latencies], by_step=by_step,
        app_errors=sum(log.app_errors for log in logs),
        error_samples=[s for log in logs for s in log.error_samples][:SAMPLES_KEPT],
        failures=sum(log.failures for log in logs),
        failure_samples=[s for log in logs for s in log.failure_samples][:SAMPLES_KEPT],
        connected_at_end=connected, rss_before=rss_before, rss_after=rss_after,
        rss_peak=rss_peak, server_cpu_s=cpu_used,
    )


def _session(url: str, plan: Scenario, index: int, log: _SessionLog, rng: random.Random,
             start_at: float, deadline: float, think_s: float, jitter: float, timeout_s: float,
             max_reruns: int, finished: threading.Semaphore, release: threading.Event) -> None:
    """One simulated session's life; always signals `finished`, then waits for `release`."""
    client: StreamlitClient | None = None
    try:
        time.sleep(max(0.0, min(start_at, deadline) - time.monotonic()))
        client = _connect(url, plan, index, log, timeout_s, deadline)
        reconnects, requests = 0, 0
        while client is not None and requests < max_reruns:
            step = plan.steps[requests % len(plan.steps)]
            pause = max(0.0, think_s * rng.uniform(1 - jitter, 1 + jitter))
            if time.monotonic() + pause >= deadline:
                break
            try:
                client.idle(pause)
                log.record(step.name, step.action(client, index), loop=True)
            except StreamlitClientError as exc:
                log.fail(step.name, exc)
                client.close()
                client = None
                if reconnects < MAX_RECONNECTS_PER_SESSION and time.monotonic() < deadline:
                    reconnects += 1
                    client = _connect(url, plan, index, log, timeout_s, deadline)
            except (LookupError, ValueError, TypeError) as exc:  # the page was not as scripted
                log.fail(step.name, exc)
            requests += 1
        log.connected = client is not None and client.connected
    except Exception as exc:
        log.fail("session", exc)
    finally:
        finished.release()
        release.wait(timeout=max(1.0, deadline - time.monotonic() + 2 * timeout_s + 10))
        if client is not None:
            client.close()


def _connect(url: str, plan: Scenario, index: int, log: _SessionLog, timeout_s: float,
             deadline: float) -> StreamlitClient | None:
    """Open a session and run the scenario's setup; None when that failed."""
    client = StreamlitClient(url, timeout=timeout_s)
    try:
        log.record("open", client.open(plan.page), loop=False)
        for step in plan.setup:
            if time.monotonic() >= deadline:
                break
            log.record(step.name, step.action(client, index), loop=False)
    except (StreamlitClientError, LookupError, ValueError, TypeError) as exc:
        log.fail("open", exc)
        client.close()
        return None
    return client


def main(argv: list[str] | None = None) -> int:
    """Drive the anchor app (or another app with one button per click) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default=str(ANCHOR_APP))
    parser.add_argument("--button", default="Click me", help="label of the button to press")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--think", type=float, default=0.5)
    parser.add_argument("--jitter", type=float, default=0.5)
    args = parser.parse_args(argv)
    scenario = Scenario(steps=(click(args.button, name="click"),), name=Path(args.app).stem)
    with start_server(args.app) as server:
        report = drive(server.url, scenario, args.sessions, args.duration, args.think,
                       args.jitter, pid=server.pid)
    for key, value in report.as_dict().items():
        print(f"{key:>18}: {value}")
    return 0 if not report.failures and not report.app_errors else 1


if __name__ == "__main__":
    sys.exit(main())
