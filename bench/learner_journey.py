"""`learner_journey`: signed-in learners read, answer and choose through nginx to two app processes.

Each simulated learner is one browser tab speaking Streamlit's websocket protocol (bench/stclient.py)
through Debian's nginx running the shipped deploy/nginx.conf, in front of two `streamlit run app.py`
processes sharing one database: a fresh PostgreSQL database on 127.0.0.1 that the benchmark
creates and drops (a SQLite file when no server answers). A learner signs in with the form,
then goes round module, quiz and scenario (each learner starts at a different one): opens the
module and marks sections read, opens the quiz, answers and submits it, opens the scenario,
starts it and chooses until an ending. Between clicks it waits a think time.

Anchor: the same number of sessions pressing the one button of bench/apps/anchor.py, through the
same nginx configuration, with the same think time, measured in the same run.
Target: p95 per click under 500 ms, no error shown by the app, no failed request, and every kind
of click measured. Also reported: each kind's count, median and p95, server memory per session,
CPU per click and the most database connections seen at once.

    python bench/run.py --only learner_journey [--quick] [--json]
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import random
import re
import secrets
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.load import (
    ANCHOR,
    ANCHOR_APP,
    ROOT,
    ServerHandle,
    drive,
    free_port,
    process_cpu_s,
    process_rss,
    start_server,
)
from bench.stclient import RunResult, StreamlitClient, StreamlitClientError
from course.domain.accounts import parse_capabilities
from course.services.accounts import Passwords, add_account
from course.store.engine import create_store_engine
from course.store.migrate import upgrade_database
from tests.deploy.proxy import running_nginx
from tests.scratch import DEFAULT_TEST_POSTGRES_URL, postgres_reachable

NAME = "learner_journey"
TARGET_P95_MS = 500.0
#: The kinds of click the target names; each must be measured at least once.
KINDS = ("sign-in", "open module", "mark read", "answer", "submit quiz", "scenario choice")
MODULE_ID = "conversation-not-broadcast"
QUIZ_ID = "conversation-not-broadcast-quiz"
SCENARIO_ID = "viral-video"
PASSPHRASE = "a long learner journey passphrase 5"
ACTIVITIES = ("module", "quiz", "scenario")
MAX_CLICKS = 400  # per learner: a bound whatever the speed of the machine
MAX_STEPS_PER_VISIT = 12  # sections, questions or choices in one visit of a page
LATE_S = 90.0  # past the run, a learner goes on this long at most until it made every kind of click
CLICK_TIMEOUT_S = 60.0
SAMPLES_KEPT = 5
_SECTION = re.compile(r"Section (\d+) of (\d+)")


@dataclass(frozen=True)
class Plan:
    """How big a run is: learners, seconds of journey, think time between clicks (a range)."""

    sessions: int
    run_s: float
    think_s: tuple[float, float]
    anchor_s: float
    ramp_s: float


FULL = Plan(sessions=50, run_s=90.0, think_s=(2.0, 6.0), anchor_s=30.0, ramp_s=10.0)
QUICK = Plan(sessions=10, run_s=20.0, think_s=(0.5, 1.5), anchor_s=10.0, ramp_s=2.0)


@dataclass
class Tally:
    """One learner's clicks by kind (seconds), and what went wrong."""

    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # the app showed an exception, or a wrong page
    failures: list[str] = field(default_factory=list)  # the request itself failed (timeout, socket)

    @property
    def clicks(self) -> int:
        return sum(len(values) for values in self.by_kind.values())

    def covered(self) -> bool:
        return all(self.by_kind.get(kind) for kind in KINDS)


class Journey:
    """One learner's tab: every click waits a think time, is timed by kind and checked."""

    def __init__(self, client: StreamlitClient, tally: Tally, rng: random.Random,
                 think_s: tuple[float, float], deadline: float) -> None:
        self.client, self.tally, self.rng = client, tally, rng
        self.think_s, self.deadline = think_s, deadline

    def going(self) -> bool:
        now = time.monotonic()
        late = not self.tally.covered() and now < self.deadline + LATE_S
        return (now < self.deadline or late) and self.tally.clicks < MAX_CLICKS

    def act(self, kind: str, action: Callable[[], RunResult]) -> RunResult:
        """Think, do one click, and record its latency under `kind` (and any exception shown)."""
        self.client.idle(self.rng.uniform(*self.think_s))
        result = action()
        self.tally.by_kind.setdefault(kind, []).append(result.latency_s)
        for exc in result.exceptions:
            self.error(f"{kind}: {exc.type}: {exc.message}")
        return result

    def error(self, message: str) -> None:
        if len(self.tally.errors) < SAMPLES_KEPT:
            self.tally.errors.append(message[:300])
        else:
            self.tally.errors.append("")

    def labels(self) -> set[str]:
        return {w.label for w in self.client.widgets()}

    def open(self, kind: str, page: str, item_id: str) -> RunResult:
        self.client.query_string = f"id={item_id}"
        return self.act(kind, lambda: self.client.navigate(page))

    # -- the journey ------------------------------------------------------------------------

    def sign_in(self, email: str) -> None:
        self.client.open()
        fields = {w.label: w.id for w in self.client.widgets()}
        self.client.set_widgets({fields["Email"]: email, fields["Passphrase"]: PASSPHRASE})
        self.act("sign-in", lambda: self.client.click("Sign in"))
        if "Sign out" not in self.labels():  # the menu's button, drawn only for a signed-in person
            self.error(f"sign-in: {email} is not signed in: {self.client.text()[:200]}")
            raise LookupError("not signed in")

    def module(self) -> None:
        self.open("open module", "module", MODULE_ID)
        for _ in range(MAX_STEPS_PER_VISIT):
            labels = self.labels()
            label = next((x for x in ("Mark as read and continue", "Finish reading") if x in labels), None)
            if label is None or not self.going() or not _SECTION.search(self.client.text()):
                return
            self.act("mark read", functools.partial(self.client.click, label))
            if label == "Finish reading":
                return

    def quiz(self) -> None:
        self.open("open quiz", "quiz", QUIZ_ID)
        if "Start a new attempt" in self.labels():
            self.act("new attempt", lambda: self.client.click("Start a new attempt"))
        for _ in range(MAX_STEPS_PER_VISIT):
            labels = self.labels()
            if not self.going():
                return
            answer = next((x for x in ("Check answer", "Save and continue") if x in labels), None)
            if answer is not None:
                self.client.set_widgets(self.answers())
                self.act("answer", functools.partial(self.client.click, answer))
                continue
            if "Submit the attempt" in labels:
                result = self.act("submit quiz", lambda: self.client.click("Submit the attempt"))
                if result.ok and not any(word in result.text() for word in ("You passed", "Not passed yet")):
                    self.error(f"submit quiz: no result shown: {result.text()[:200]}")
            return

    def answers(self) -> dict[str, Any]:
        """A plausible answer to the question on screen: some option of each, or a few words."""
        values: dict[str, Any] = {}
        for widget in self.client.widgets():
            if widget.kind == "radio" and widget.options:
                values[widget.id] = self.rng.randrange(len(widget.options))
            elif widget.kind == "checkbox" and "opt-" in widget.id:
                values[widget.id] = self.rng.random() < 0.5
            elif widget.kind == "selectbox" and widget.options:
                values[widget.id] = self.rng.randrange(len(widget.options))
            elif widget.kind == "text_area":
                values[widget.id] = "I would answer the people who asked, in public, within the hour."
        return values

    def scenario(self) -> None:
        self.open("open scenario", "scenario", SCENARIO_ID)
        start = next((x for x in ("Start the scenario", "Play again") if x in self.labels()), None)
        if start is not None and self.going():
            self.act("start scenario", functools.partial(self.client.click, start))
        for _ in range(MAX_STEPS_PER_VISIT):
            choices = [w.id for w in self.client.widgets() if w.kind == "button" and "choice-" in w.id]
            if not choices or not self.going():
                return
            pick = self.rng.choice(choices)
            result = self.act("scenario choice", functools.partial(self.client.rerun, {pick: True}))
            if "no longer open" in result.text():
                self.error("scenario choice: the choice was refused as no longer open")


def learner(url: str, email: str, index: int, plan: Plan, deadline: float, tally: Tally) -> None:
    """One learner's whole life: sign in, then module, quiz and scenario in turn until done."""
    rng = random.Random(index)
    client = StreamlitClient(url, timeout=CLICK_TIMEOUT_S)
    try:
        journey = Journey(client, tally, rng, plan.think_s, deadline)
        journey.sign_in(email)
        turn = index % len(ACTIVITIES)
        while journey.going():
            getattr(journey, ACTIVITIES[turn])()
            turn = (turn + 1) % len(ACTIVITIES)
    except (StreamlitClientError, LookupError, ValueError, TypeError) as exc:
        if len(tally.failures) < SAMPLES_KEPT:
            tally.failures.append(f"{email}: {type(exc).__name__}: {exc}"[:300])
    finally:
        client.close()


# -- the database and the servers ---------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """Yield the URL of a new PostgreSQL database dropped afterwards, or of a SQLite file."""
    server = os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_POSTGRES_URL
    if not server.startswith("postgresql") or not postgres_reachable(server):
        yield f"sqlite:///{folder / 'journey.db'}"
        return
    name = f"nts_journey_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add_learners(database_url: str, count: int) -> list[str]:
    """Migrate the database and add `count` learners on the legal track; return their emails."""
    engine = create_store_engine(database_url)
    passwords = Passwords()  # the production parameters, so each sign-in costs what it costs
    emails = [f"journey{n}@example.org" for n in range(count)]
    try:
        upgrade_database(engine)
        for n, email in enumerate(emails):
            add_account(engine, email, name=f"Journey Learner {n}", grants=parse_capabilities("learner"),
                        by=None, passwords=passwords, passphrase=PASSPHRASE, department="legal",
                        tracks=("legal",))
    finally:
        engine.dispose()
    return emails


@contextlib.contextmanager
def app_servers(env: dict[str, str], count: int) -> Iterator[list[ServerHandle]]:
    """Start `count` app processes at once (start-up is mostly waiting); stop them all after."""
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(start_server, ROOT / "app.py", env=env, timeout_s=120)
                   for _ in range(count)]
        servers, problems = [], []
        for future in futures:
            try:
                servers.append(stack.enter_context(future.result()))
            except RuntimeError as exc:
                problems.append(exc)
        if problems:
            raise problems[0]  # the processes that did start are stopped on the way out
        yield servers


def warm_up(url: str, email: str) -> None:
    """Sign one learner in directly on a process and open each page once, then leave."""
    plan = Plan(sessions=1, run_s=0.0, think_s=(0.0, 0.0), anchor_s=0.0, ramp_s=0.0)
    with StreamlitClient(url, timeout=CLICK_TIMEOUT_S) as client:
        journey = Journey(client, Tally(), random.Random(0), plan.think_s, time.monotonic())
        journey.sign_in(email)
        for page, item_id in (("module", MODULE_ID), ("quiz", QUIZ_ID), ("scenario", SCENARIO_ID)):
            journey.open("warm-up", page, item_id)


def nginx_binary() -> str:
    """Debian's nginx, or RuntimeError saying how to install it."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("learner_journey needs nginx (apt-get install nginx-light)")
    return found


class Sampler:
    """Samples the app processes' memory and the database's open connections in the background."""

    def __init__(self, pids: list[int], database_url: str) -> None:
        self.pids, self.database_url = pids, database_url
        self.peak_rss, self.peak_connections = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="journey-sampler", daemon=True)

    def rss(self) -> int:
        return sum(process_rss(pid) for pid in self.pids)

    def _connections(self, engine: Any) -> int:
        with engine.connect() as connection:
            name = make_url(self.database_url).database
            return int(connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
                {"d": name}).scalar_one())

    def _loop(self) -> None:
        postgres = self.database_url.startswith("postgresql")
        engine = create_engine(self.database_url, pool_size=1) if postgres else None
        try:
            while not self._stop.wait(0.5):
                self.peak_rss = max(self.peak_rss, self.rss())
                if engine is not None:
                    self.peak_connections = max(self.peak_connections, self._connections(engine))
        finally:
            if engine is not None:
                engine.dispose()

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


# -- figures ----------------------------------------------------------------------------------


def percentile_ms(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of latencies in seconds, in milliseconds."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000 if ordered else math.nan


def _kind_figures(by_kind: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {kind: {"count": len(values), "median_ms": round(statistics.median(values) * 1000, 1),
                   "p95_ms": round(percentile_ms(values, 95), 1)}
            for kind, values in sorted(by_kind.items()) if values}


def measure_anchor(nginx: str, folder: Path, plan: Plan) -> dict[str, Any]:
    """The anchor's clicks through nginx (the shipped configuration) with the journey's think time."""
    low, high = plan.think_s
    with start_server(ANCHOR_APP) as anchor, \
            running_nginx(nginx, folder / "nginx-anchor", listen_port=free_port(),
                          app_ports=(anchor.port,)) as url:
        report = drive(url, ANCHOR, sessions=plan.sessions, duration_s=plan.anchor_s,
                       think_s=(low + high) / 2, think_jitter=(high - low) / (high + low),
                       timeout_s=CLICK_TIMEOUT_S, ramp_s=plan.ramp_s, warmup=0)
    return {"p95_ms": report.p95_ms or math.nan, "median_ms": report.median_ms or math.nan,
            "clicks": report.reruns, "failures": report.failures + report.app_errors,
            "samples": report.failure_samples + report.error_samples}


def measure(plan: Plan) -> dict[str, Any]:
    """Run the anchor, then the journey, and return the benchmark's result dictionary."""
    nginx = nginx_binary()
    with tempfile.TemporaryDirectory(prefix="nts-bench-journey-") as name:
        folder = Path(name)
        anchor = measure_anchor(nginx, folder, plan)
        with fresh_database(folder) as database_url:
            journey = _journey(nginx, folder, database_url, plan)
    return _result(plan, anchor, journey)


def _journey(nginx: str, folder: Path, database_url: str, plan: Plan) -> dict[str, Any]:
    emails = add_learners(database_url, plan.sessions + 2)  # two warm up the processes
    env = {"DATABASE_URL": database_url, "NTS_DATA_DIR": str(folder / "data"), "NTS_DEMO": "0",
           "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    with app_servers(env, 2) as (first, second), \
            running_nginx(nginx, folder / "nginx", listen_port=free_port(),
                          app_ports=(first.port, second.port)) as url, \
            Sampler([first.pid, second.pid], database_url) as sampler:
        for server in (first, second):  # load the course and the pages once, as in production
            warm_up(server.url, emails.pop())
        rss_before = sampler.rss()
        cpu_before = process_cpu_s(first.pid) + process_cpu_s(second.pid)
        tallies = [Tally() for _ in emails]
        started = time.monotonic()
        deadline = started + plan.ramp_s + plan.run_s
        threads = [threading.Thread(target=learner, name=f"journey-{n}", daemon=True,
                                    args=(url, email, n, plan, deadline, tallies[n]))
                   for n, email in enumerate(emails)]
        for n, thread in enumerate(threads):
            thread.start()
            time.sleep(max(0.0, started + plan.ramp_s * (n + 1) / len(threads) - time.monotonic()))
        for thread in threads:
            thread.join(timeout=max(1.0, deadline + LATE_S + 2 * CLICK_TIMEOUT_S - time.monotonic()))
        rss_after = sampler.rss()
        cpu_used = process_cpu_s(first.pid) + process_cpu_s(second.pid) - cpu_before
        elapsed = time.monotonic() - started
        alive = first.alive and second.alive
        stuck = sum(thread.is_alive() for thread in threads)
    return {"tallies": tallies, "rss_before": rss_before, "rss_after": rss_after,
            "rss_peak": max(sampler.peak_rss, rss_after), "cpu_s": cpu_used, "elapsed_s": elapsed,
            "connections_peak": sampler.peak_connections, "alive": alive, "stuck": stuck,
            "postgres": database_url.startswith("postgresql")}


def _result(plan: Plan, anchor: dict[str, Any], journey: dict[str, Any]) -> dict[str, Any]:
    tallies: list[Tally] = journey["tallies"]
    by_kind: dict[str, list[float]] = {}
    for tally in tallies:
        for kind, values in tally.by_kind.items():
            by_kind.setdefault(kind, []).extend(values)
    clicks = [value for values in by_kind.values() for value in values]
    p95 = percentile_ms(clicks, 95)
    errors = sum(len(t.errors) for t in tallies)
    failures = sum(len(t.failures) for t in tallies) + journey["stuck"] + (not journey["alive"])
    missing = [kind for kind in KINDS if not by_kind.get(kind)]
    mib = 2**20
    value, anchor_p95 = round(p95, 1), round(anchor["p95_ms"], 1)
    return {
        "value": value,
        "anchor": anchor_p95,
        "ratio": round(value / anchor_p95, 2) if anchor_p95 else math.nan,
        "target": f"p95 per click < {TARGET_P95_MS:.0f} ms, no error, every kind of click measured",
        "unit": "ms p95",
        "pass": p95 < TARGET_P95_MS and not errors and not failures and not missing
        and not anchor["failures"],
        "median_ms": round(statistics.median(clicks) * 1000, 1) if clicks else math.nan,
        "clicks": len(clicks),
        "clicks_per_s": round(len(clicks) / journey["elapsed_s"], 1),
        "sessions": plan.sessions,
        "think_s": f"{plan.think_s[0]:g}-{plan.think_s[1]:g}",
        "database": "postgresql" if journey["postgres"] else "sqlite",
        "kinds": _kind_figures(by_kind),
        "missing_kinds": missing,
        "errors": errors,
        "failures": failures,
        "samples": [s for t in tallies for s in (*t.errors, *t.failures) if s][:SAMPLES_KEPT],
        "anchor_median_ms": round(anchor["median_ms"], 1),
        "anchor_clicks": anchor["clicks"],
        "anchor_failures": anchor["failures"],
        "rss_two_processes_mib": round(journey["rss_after"] / mib, 1),
        "rss_peak_mib": round(journey["rss_peak"] / mib, 1),
        "per_session_kib": round((journey["rss_after"] - journey["rss_before"]) / plan.sessions / 1024, 1),
        "server_cpu_ms_per_click": round(journey["cpu_s"] * 1000 / len(clicks), 1) if clicks else math.nan,
        "db_connections_peak": journey["connections_peak"],
    }


def run(*, quick: bool) -> dict[str, Any]:
    """Measure the anchor and the learner journey (10 learners with --quick, 50 without)."""
    return measure(QUICK if quick else FULL)
