"""The job runner: each job runs once across runners, a dead runner's lease expires, failures are kept."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from course.services import jobs
from course.services.jobs import Job
from course.settings import load_settings
from course.store.engine import create_store_engine, read_session, write_transaction
from course.store.tables import AuthSession, LoginAttempt
from tests.databases import MakePerson

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _counting_job(runs: list[str], *, name: str = "count", lease: timedelta = timedelta(minutes=10)) -> Job:
    lock = threading.Lock()

    def run(_engine: Engine, now: datetime) -> str:
        with lock:
            runs.append(now.isoformat())
        return f"run {len(runs)}"

    return Job(name=name, every=timedelta(hours=1), lease=lease, run=run)


def test_eight_runners_at_once_run_a_due_job_once(engine: Engine) -> None:
    runs: list[str] = []
    job = _counting_job(runs)
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def runner() -> None:
        start.wait()
        for outcome in jobs.run_due_jobs(engine, [job], holder=jobs.new_holder(), clock=Clock()):
            outcomes.append(outcome.status)
            assert outcome.status != "held" or outcome.message.startswith("by ")

    threads = [threading.Thread(target=runner) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 1
    # The others found the job taken (while it ran) or done (after): never ran it a second time.
    assert outcomes.count("ran") == 1
    assert set(outcomes) - {"ran"} <= {"held", "not due"} and len(outcomes) == 8


def test_a_job_runs_again_only_when_due(engine: Engine) -> None:
    runs: list[str] = []
    job = _counting_job(runs)
    clock = Clock()
    assert [o.status for o in jobs.run_due_jobs(engine, [job], holder="a", clock=clock)] == ["ran"]
    clock.now = T0 + timedelta(minutes=59)
    assert [o.status for o in jobs.run_due_jobs(engine, [job], holder="b", clock=clock)] == ["not due"]
    clock.now = T0 + timedelta(hours=1)
    assert [o.status for o in jobs.run_due_jobs(engine, [job], holder="b", clock=clock)] == ["ran"]
    (state,) = jobs.list_job_states(engine)
    assert (state.runs, state.last_outcome, state.last_message, state.holder) == (2, "ok", "run 2", "")


class Killed(BaseException):
    """Stands for the process dying mid-job: nothing after it runs, the lease is never released."""


def test_a_killed_runners_lease_expires_and_another_runner_takes_over(engine: Engine) -> None:
    runs: list[str] = []
    clock = Clock()

    def dies(_engine: Engine, _now: datetime) -> str:
        raise Killed

    doomed = Job(name="count", every=timedelta(hours=1), lease=timedelta(minutes=10), run=dies)
    with pytest.raises(Killed):
        jobs.run_due_jobs(engine, [doomed], holder="dead-host", clock=clock)
    survivor = _counting_job(runs)
    clock.now = T0 + timedelta(minutes=9, seconds=59)
    outcomes = jobs.run_due_jobs(engine, [survivor], holder="live", clock=clock)
    assert [(o.status, o.message) for o in outcomes] == [("held", "by dead-host")]
    assert runs == []
    (held,) = jobs.list_job_states(engine)
    assert held.holder == "dead-host"
    clock.now = T0 + timedelta(minutes=10)
    assert [o.status for o in jobs.run_due_jobs(engine, [survivor], holder="live", clock=clock)] == ["ran"]
    assert len(runs) == 1


def test_a_runner_that_outlives_its_lease_cannot_overwrite_the_new_holder(engine: Engine) -> None:
    clock = Clock()
    runs: list[str] = []
    late = _counting_job(runs)

    def slow(engine_: Engine, _now: datetime) -> str:
        clock.now = T0 + timedelta(minutes=11)  # past the lease: another runner takes the job
        assert [o.status for o in jobs.run_due_jobs(engine_, [late], holder="b", clock=clock)] == ["ran"]
        return "slow run"

    job = Job(name="count", every=timedelta(hours=1), lease=timedelta(minutes=10), run=slow)
    (outcome,) = jobs.run_due_jobs(engine, [job], holder="a", clock=clock)
    assert (outcome.status, outcome.message) == ("lost lease", "slow run")
    (state,) = jobs.list_job_states(engine)
    assert (state.runs, state.last_message) == (1, "run 1")  # b's record stands


def test_a_long_run_renews_its_lease_so_no_other_runner_takes_the_job(engine: Engine) -> None:
    """A run three times longer than its lease keeps the job: the lease is renewed as it runs."""
    lease = timedelta(seconds=0.6)
    others: list[str] = []
    rival = Job(name="long", every=timedelta(hours=1), lease=lease, run=lambda _e, _n: "rival ran")

    def long_run(engine_: Engine, _now: datetime) -> str:
        for _ in range(6):  # 1.8 s in all, checking the job's holder as a second runner would
            threading.Event().wait(0.3)
            (outcome,) = jobs.run_due_jobs(engine_, [rival], holder="b")
            others.append(outcome.status)
        return "long run done"

    job = Job(name="long", every=timedelta(hours=1), lease=lease, run=long_run)
    (outcome,) = jobs.run_due_jobs(engine, [job], holder="a")
    assert (outcome.status, outcome.message) == ("ran", "long run done")
    assert set(others) == {"held"}, others  # never free to take, never run twice
    (state,) = jobs.list_job_states(engine)
    assert (state.runs, state.last_message, state.holder) == (1, "long run done", "")


def test_a_failing_job_is_recorded_retried_soon_and_does_not_stop_the_others(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    runs: list[str] = []

    def broken(_engine: Engine, _now: datetime) -> str:
        raise RuntimeError("mail server refused\nsecond line of detail")

    failing = Job(name="broken", every=timedelta(hours=24), lease=timedelta(minutes=10), run=broken)
    with caplog.at_level("ERROR", logger="course.services.jobs"):
        outcomes = jobs.run_due_jobs(engine, [failing, _counting_job(runs)], holder="a", clock=clock)
    assert [(o.job, o.status) for o in outcomes] == [("broken", "failed"), ("count", "ran")]
    assert outcomes[0].message == "RuntimeError: mail server refused"
    logged = [r.getMessage() for r in caplog.records]
    assert logged == ["job broken failed: RuntimeError: mail server refused"]
    states = {s.name: s for s in jobs.list_job_states(engine)}
    assert (states["broken"].last_outcome, states["broken"].holder) == ("failed", "")
    clock.now = T0 + timedelta(minutes=5)  # retried after 5 minutes, not a day
    assert [o.status for o in jobs.run_due_jobs(engine, [failing], holder="a", clock=clock)] == ["failed"]


def _add_attempt(engine: Engine, *, age: timedelta) -> None:
    with write_transaction(engine) as session:
        session.add(LoginAttempt(account="ada@example.org", address="10.0.0.1", at=T0 - age,
                                 outcome="failed"))


def test_the_purge_job_keeps_records_for_the_retention_settings(
    engine: Engine, make_person: MakePerson
) -> None:
    settings = load_settings({"NTS_RETAIN_SIGN_IN_DAYS": "40", "NTS_RETAIN_SESSION_DAYS": "3"})
    for days in (29, 39, 41, 90):
        _add_attempt(engine, age=timedelta(days=days))
    person = make_person()
    with write_transaction(engine) as session:
        for i, days in enumerate((1, 2, 4)):
            seen = T0 - timedelta(days=days)
            session.add(AuthSession(id=f"s{i}", person_id=person.person_id, created_at=seen,
                                    last_seen_at=seen))
    purge, reminders = jobs.configured_jobs(settings)
    assert reminders.name == "queue-reminders"
    (outcome,) = jobs.run_due_jobs(engine, [purge], holder="a", clock=Clock())
    assert outcome.message == "deleted 2 sign-in attempt(s) and 1 session(s)"
    with read_session(engine) as session:
        ages = sorted((T0 - a.at.replace(tzinfo=UTC)).days for a in session.exec(select(LoginAttempt)))
        assert ages == [29, 39]
        assert sorted(s.id for s in session.exec(select(AuthSession))) == ["s0", "s1"]


@pytest.mark.parametrize(("name", "every", "lease"), [
    ("", timedelta(hours=1), timedelta(minutes=1)),
    ("x" * 65, timedelta(hours=1), timedelta(minutes=1)),
    ("purge", timedelta(0), timedelta(minutes=1)),
    ("purge", timedelta(hours=1), timedelta(seconds=-1)),
])
def test_a_job_that_cannot_be_stored_or_scheduled_is_refused_when_declared(
    name: str, every: timedelta, lease: timedelta
) -> None:
    with pytest.raises(ValueError, match="job"):
        Job(name=name, every=every, lease=lease, run=lambda _engine, _now: "")


_DOOMED_RUNNER = """
import sys, time
from datetime import timedelta
from course.services import jobs
from course.store.engine import create_store_engine

def hang(_engine, _now):
    print("started", flush=True)
    time.sleep(600)
    return "never"

job = jobs.Job(name="count", every=timedelta(hours=1), lease=timedelta(minutes=10), run=hang)
jobs.run_due_jobs(create_store_engine(sys.argv[1]), [job], holder="doomed")
"""


def test_a_runner_killed_with_sigkill_holds_the_job_only_until_its_lease_expires(
    engine: Engine, database_url: str
) -> None:
    doomed = subprocess.Popen([sys.executable, "-c", _DOOMED_RUNNER, database_url], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert doomed.stdout is not None and doomed.stdout.readline() == "started\n"
    finally:
        doomed.kill()  # SIGKILL: no clean-up, no release
        doomed.wait(timeout=30)
    runs: list[str] = []
    survivor = _counting_job(runs)
    (held,) = jobs.run_due_jobs(engine, [survivor], holder="live")
    assert (held.status, held.message) == ("held", "by doomed")
    later = Clock(datetime.now(UTC) + timedelta(minutes=10, seconds=1))
    assert [o.status for o in jobs.run_due_jobs(engine, [survivor], holder="live", clock=later)] == ["ran"]
    assert len(runs) == 1


def test_the_runner_keeps_polling_while_the_database_is_away(caplog: pytest.LogCaptureFixture) -> None:
    nowhere = create_store_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    stop = threading.Event()
    passes: list[datetime] = []

    def clock() -> datetime:
        passes.append(T0)
        if len(passes) == 2:
            stop.set()  # end the loop after its second pass
        return T0

    try:
        with caplog.at_level("ERROR", logger="course.services.jobs"):
            jobs.run_forever(nowhere, [_counting_job([])], holder="a", stop=stop,
                             poll=timedelta(milliseconds=10), clock=clock)
    finally:
        nowhere.dispose()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert all(m.startswith("job runner: cannot reach the database: connection failed") for m in messages)
    assert all(m.endswith("; trying again in 0.01 s") for m in messages)
