"""Scale-out: nginx (the shipped config) in front of two app processes on one PostgreSQL database.

Thirty signed-in learners read sections, answer a quiz and make scenario choices through the
proxy for a bounded time while one app process is killed with SIGKILL. Its learners must carry on on the
other process with the same session cookie (never signing in again), and every write a learner
saw acknowledged must be in the database exactly once. Loopback only; every loop is bounded in
time and count.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.load import ROOT, ServerHandle, free_port, start_server
from bench.stclient import RunResult, StreamlitClient, StreamlitClientError
from course.domain.accounts import parse_capabilities
from course.services.accounts import Passwords, add_account, sign_in
from course.services.session_cookies import SESSION_COOKIE
from course.store.engine import create_store_engine
from tests.deploy.proxy import nginx_binary, running_nginx
from tests.scratch import DEFAULT_TEST_POSTGRES_URL, postgres_reachable

pytestmark = pytest.mark.slow

LEARNERS = 30
RUN_SECONDS = 35.0
LATE_SECONDS = 60.0
KILL_AFTER_SECONDS = 12.0
MAX_CLICKS = 120  # per learner: a bound whatever the speed of the machine
THINK_SECONDS = (0.3, 0.9)
MODULE_ID = "conversation-not-broadcast"
SCENARIO_ID = "viral-video"
QUIZ_ID = "conversation-not-broadcast-quiz"
PASSPHRASE = "a long scale-out passphrase 7"
_SECTION = re.compile(r"Section (\d+) of (\d+)")


@dataclass
class Journal:
    """What one learner did, as the learner saw it."""

    email: str
    reads: set[int] = field(default_factory=set)  # section indexes acknowledged
    uncertain_reads: set[int] = field(default_factory=set)  # sent when the connection broke
    choices: int = 0  # scenario choices acknowledged
    uncertain_choices: int = 0
    starts: int = 0  # scenario runs started and acknowledged
    uncertain_starts: int = 0
    answers: int = 0  # quiz answers checked
    attempts: int = 0  # quiz attempts submitted and acknowledged
    uncertain_attempts: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds per click
    clicks: int = 0
    reconnects: int = 0
    resumed_signed_in: int = 0
    asked_to_sign_in: int = 0
    errors: list[str] = field(default_factory=list)


# -- the database -----------------------------------------------------------------------------


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """Yield a fresh PostgreSQL database (or, without a server and outside CI, a SQLite file)."""
    server = os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_POSTGRES_URL
    if not postgres_reachable(server):
        if os.environ.get("NTS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is unreachable at {server} and NTS_REQUIRE_POSTGRES=1")
        yield f"sqlite:///{tmp_path / 'scale-out.db'}"
        return
    name = f"nts_scale_out_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _session_tokens(database_url: str) -> dict[str, str]:
    """Create the learners and sign each in through the service; return token by email."""
    engine = create_store_engine(database_url)
    passwords = Passwords(memory_kib=1024, time_cost=1)  # cheap: only this test's own accounts
    tokens = {}
    try:
        for n in range(LEARNERS):
            email = f"scale{n}@example.org"
            add_account(engine, email, name=f"Scale Learner {n}", grants=parse_capabilities("learner"),
                        by=None, passwords=passwords, passphrase=PASSPHRASE, department="legal",
                        tracks=("legal",))
            result = sign_in(engine, email, PASSPHRASE, passwords=passwords, address="127.0.0.1")
            assert result.token is not None, result.message
            tokens[email] = result.token
    finally:
        engine.dispose()
    return tokens


# -- one learner ------------------------------------------------------------------------------


def _buttons(client: StreamlitClient, key_part: str) -> list[str]:
    return [w.id for w in client.widgets() if w.kind == "button" and key_part in w.id]


def _labels(client: StreamlitClient) -> set[str]:
    return {w.label for w in client.widgets()}


def _open(client: StreamlitClient, page: str, item_id: str) -> RunResult:
    client.query_string = f"id={item_id}"
    return client.navigate(page)


_PAGES = {"read": ("module", MODULE_ID), "quiz": ("quiz", QUIZ_ID), "scenario": ("scenario", SCENARIO_ID)}


def _connect(url: str, token: str, journal: Journal, activity: str) -> StreamlitClient:
    """Open a tab with the session cookie at the activity's page; it must open signed in."""
    client = StreamlitClient(url, timeout=60, cookies={SESSION_COOKIE: token})
    client.open()
    result = _open(client, *_PAGES[activity])
    if "Sign out" not in _labels(client):  # the menu's button, drawn only for a signed-in person
        journal.asked_to_sign_in += 1
        raise AssertionError(f"{journal.email} was not signed in by the cookie: {result.text()[:200]}")
    return client


def _read_step(client: StreamlitClient, journal: Journal) -> str:
    """Mark the section on screen as read; return the next activity."""
    found = _SECTION.search(client.last.text() if client.last else "")
    labels = _labels(client)
    if found is None or not {"Mark as read and continue", "Finish reading"} & labels:
        _open(client, "quiz", QUIZ_ID)
        return "quiz"
    index = int(found.group(1)) - 1
    label = "Finish reading" if "Finish reading" in labels else "Mark as read and continue"
    journal.uncertain_reads.add(index)
    result = client.click(label)
    journal.latencies.append(result.latency_s)
    if result.ok:
        journal.uncertain_reads.discard(index)
        journal.reads.add(index)
    if label == "Finish reading":
        _open(client, "quiz", QUIZ_ID)
        return "quiz"
    return "read"


def _quiz_step(client: StreamlitClient, journal: Journal) -> str:
    """Answer the question on screen (its first option), or submit the attempt; then the scenario."""
    labels = _labels(client)
    if "Check answer" in labels:
        options = [w for w in client.widgets() if w.kind in {"radio", "checkbox"} and "opt-" in w.id]
        client.set_widgets({options[0].id: 0 if options[0].kind == "radio" else True})
        result = client.click("Check answer")
        journal.latencies.append(result.latency_s)
        journal.answers += result.ok
        return "quiz"
    if "Submit the attempt" in labels:
        journal.uncertain_attempts += 1
        result = client.click("Submit the attempt")
        journal.latencies.append(result.latency_s)
        if result.ok and ("You passed" in result.text() or "Not passed yet" in result.text()):
            journal.uncertain_attempts -= 1
            journal.attempts += 1
    _open(client, "scenario", SCENARIO_ID)
    return "scenario"


def _scenario_step(client: StreamlitClient, journal: Journal) -> str:
    """Make the first choice on offer, or start a new run; return the next activity."""
    choices = _buttons(client, "choice-")
    if choices:
        journal.uncertain_choices += 1
        result = client.rerun({choices[0]: True})
        journal.latencies.append(result.latency_s)
        if result.ok and "no longer open" not in result.text():
            journal.uncertain_choices -= 1
            journal.choices += 1
        return "scenario"
    labels = _labels(client)
    start = next((label for label in ("Start the scenario", "Play again") if label in labels), None)
    if start is None:
        _open(client, "scenario", SCENARIO_ID)
        return "scenario"
    journal.uncertain_starts += 1
    result = client.click(start)
    journal.latencies.append(result.latency_s)
    if result.ok and _buttons(client, "choice-"):
        journal.uncertain_starts -= 1
        journal.starts += 1
    return "scenario"


def _learner(url: str, token: str, journal: Journal, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    activity = "read"
    client: StreamlitClient | None = None
    # Past the deadline a learner goes on (at most a minute more) until it has read, answered and
    # played at least once: on a loaded machine the run's time alone may not get every one there.
    def going() -> bool:
        now = time.monotonic()
        done_each = bool(journal.reads and journal.answers and (journal.choices or journal.starts))
        return now < deadline or (not done_each and now < deadline + LATE_SECONDS)

    while going() and journal.clicks < MAX_CLICKS and journal.reconnects <= 3:
        try:
            if client is None:
                client = _connect(url, token, journal, activity)
                if journal.reconnects:
                    journal.resumed_signed_in += 1
            step = {"read": _read_step, "quiz": _quiz_step}.get(activity, _scenario_step)
            activity = step(client, journal)
            journal.clicks += 1
            time.sleep(rng.uniform(*THINK_SECONDS))
        except StreamlitClientError:
            if client is not None:
                client.close()
            client = None
            journal.reconnects += 1
        except Exception as error:  # recorded and asserted on: the target is no error at all
            journal.errors.append(repr(error))
            break
    if client is not None:
        client.close()


# -- the check against the database -----------------------------------------------------------


def _stored(database_url: str) -> dict[str, dict[str, object]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            reads = db.execute(text(
                "SELECT p.email, r.section_index, count(*) FROM section_read r "
                "JOIN person p ON p.id = r.person_id WHERE r.module_id = :m "
                "GROUP BY p.email, r.section_index"), {"m": MODULE_ID}).all()
            runs = db.execute(text(
                "SELECT p.email, count(*), coalesce(sum(r.steps), 0) FROM scenario_run r "
                "JOIN person p ON p.id = r.person_id GROUP BY p.email")).all()
            steps = db.execute(text(
                "SELECT p.email, count(*) FROM scenario_step s JOIN scenario_run r ON r.id = s.run_id "
                "JOIN person p ON p.id = r.person_id GROUP BY p.email")).all()
            attempts = db.execute(text(
                "SELECT p.email, count(*) FROM quiz_attempt a JOIN person p ON p.id = a.person_id "
                "GROUP BY p.email")).all()
            repeated = db.execute(text(
                "SELECT count(*) FROM (SELECT key FROM section_read UNION ALL SELECT key FROM scenario_step"
                " UNION ALL SELECT run_key FROM scenario_run UNION ALL SELECT key FROM quiz_attempt) k"
                " GROUP BY key HAVING count(*) > 1")).all()
    finally:
        engine.dispose()
    found: dict[str, dict[str, object]] = {}
    for email, index, count in reads:
        found.setdefault(email, {}).setdefault("reads", {})[index] = count  # type: ignore[index]
    for email, count, counted_steps in runs:
        found.setdefault(email, {}).update(runs=count, counted_steps=counted_steps)
    for email, count in steps:
        found.setdefault(email, {})["steps"] = count
    for email, count in attempts:
        found.setdefault(email, {})["attempts"] = count
    found["*"] = {"repeated_keys": len(repeated)}
    return found


def _check(journal: Journal, stored: dict[str, object]) -> list[str]:
    """Return what is wrong between what the learner saw acknowledged and what was stored."""
    problems = []
    reads: dict[int, int] = stored.get("reads", {})  # type: ignore[assignment]
    if missing := journal.reads - set(reads):
        problems.append(f"acknowledged reads of sections {sorted(missing)} are not stored")
    if twice := {index: count for index, count in reads.items() if count != 1}:
        problems.append(f"sections stored more than once: {twice}")
    if extra := set(reads) - journal.reads - journal.uncertain_reads:
        problems.append(f"reads of sections {sorted(extra)} stored but never sent")
    steps = int(stored.get("steps", 0))  # type: ignore[call-overload]
    if not journal.choices <= steps <= journal.choices + journal.uncertain_choices:
        problems.append(f"{journal.choices} choices acknowledged (+{journal.uncertain_choices} "
                        f"uncertain) but {steps} stored")
    if steps != int(stored.get("counted_steps", 0)):  # type: ignore[call-overload]
        problems.append("the runs' step counters disagree with their steps")
    runs = int(stored.get("runs", 0))  # type: ignore[call-overload]
    if not journal.starts <= runs <= journal.starts + journal.uncertain_starts:
        problems.append(f"{journal.starts} runs acknowledged (+{journal.uncertain_starts}) but {runs} stored")
    attempts = int(stored.get("attempts", 0))  # type: ignore[call-overload]
    if not journal.attempts <= attempts <= journal.attempts + journal.uncertain_attempts:
        problems.append(f"{journal.attempts} quiz attempts acknowledged (+{journal.uncertain_attempts}) "
                        f"but {attempts} stored")
    return [f"{journal.email}: {problem}" for problem in problems]


# -- the test ---------------------------------------------------------------------------------


def _kill(server: ServerHandle) -> None:
    os.kill(server.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


def test_learners_survive_a_killed_process_and_every_acknowledged_write_is_stored_once(
    tmp_path: Path, database_url: str,
) -> None:
    nginx = nginx_binary()
    env = {"NTS_DEMO": "1", "DATABASE_URL": database_url, "NTS_DATA_DIR": str(tmp_path / "data"),
           "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32), "NTS_DB_POOL_SIZE": "3",
           "NTS_DB_POOL_OVERFLOW": "10"}
    with start_server(ROOT / "app.py", env=env, cwd=ROOT, timeout_s=90) as first, \
            start_server(ROOT / "app.py", env=env, cwd=ROOT, timeout_s=90) as second, \
            running_nginx(nginx, tmp_path / "nginx", listen_port=free_port(),
                          app_ports=(first.port, second.port)) as url:
        assert _get(url + "/healthz") == (200, "ok\n")
        assert _get(url + "/readyz") == (200, "ready\n")
        assert _get(url + "/metrics")[0] == 404  # scraped per process, never through the proxy
        tokens = _session_tokens(database_url)
        journals = [Journal(email) for email in tokens]
        deadline = time.monotonic() + RUN_SECONDS
        threads = [threading.Thread(target=_learner, args=(url, tokens[j.email], j, deadline, n),
                                    name=f"learner-{n}", daemon=True) for n, j in enumerate(journals)]
        for thread in threads:
            thread.start()
            time.sleep(0.1)  # a gentle ramp, as people arrive
        time.sleep(max(0.0, KILL_AFTER_SECONDS - 0.1 * LEARNERS))
        rss_two = first.rss_bytes() + second.rss_bytes()
        _kill(first)
        time.sleep(max(0.0, deadline - time.monotonic() - 3))
        rss_one = second.rss_bytes()  # every learner is on this process now
        for thread in threads:
            thread.join(timeout=RUN_SECONDS + 90)
        assert not any(thread.is_alive() for thread in threads), "a learner did not stop in time"
        assert second.alive, second.log()
        scraped = _metrics(second.url)
    stored = _stored(database_url)
    errors = [f"{j.email}: {e}" for j in journals for e in j.errors]
    assert not errors, errors[:5]
    moved = [j for j in journals if j.reconnects]
    assert moved, "no learner was on the killed process: the proxy did not spread them"
    assert len(moved) < LEARNERS, "every learner was on one process: the proxy did not spread them"
    assert all(j.resumed_signed_in == j.reconnects and j.asked_to_sign_in == 0 for j in moved), \
        [(j.email, j.reconnects, j.resumed_signed_in) for j in moved]
    assert all(j.reads and j.answers and (j.choices or j.starts) for j in journals), \
        [(j.email, len(j.reads), j.answers, j.starts, j.choices) for j in journals]
    assert sum(j.attempts for j in journals) > 0, "no quiz attempt was submitted"
    problems = [p for j in journals for p in _check(j, stored.get(j.email, {}))]
    assert not problems, problems[:10]
    assert stored["*"]["repeated_keys"] == 0
    # The survivor's own metrics saw the page runs, and never more connections than its pools allow.
    assert scraped["nts_rerun_seconds_count"] > 0
    assert 0 <= scraped["nts_db_pool_in_use"] <= scraped["nts_db_pool_limit"]
    latencies = sorted(x for j in journals for x in j.latencies)
    p50, p95 = (latencies[int(q * (len(latencies) - 1))] * 1000 for q in (0.5, 0.95))
    print(f"\nscale-out: {len(moved)} of {LEARNERS} learners moved; "
          f"{len(latencies)} clicks (p50 {p50:.0f} ms, p95 {p95:.0f} ms), "
          f"{sum(len(j.reads) for j in journals)} reads, {sum(j.answers for j in journals)} answers, "
          f"{sum(j.attempts for j in journals)} attempts, {sum(j.starts for j in journals)} runs, "
          f"{sum(j.choices for j in journals)} choices; RSS {rss_two / 2**20:.0f} MiB for two processes "
          f"with {LEARNERS} learners, {rss_one / 2**20:.0f} MiB for one with all of them")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def _metrics(url: str) -> dict[str, float]:
    """Return the process's metrics summed over labels, read from its own address (loopback)."""
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        body = response.read().decode()
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if not sample.name.endswith("_bucket"):
                totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals
