"""Background jobs: what runs, how often, and a runner that is safe to start on every host.

Each job has a row in the database (`job_lease`). A runner takes a due job with one atomic
UPDATE, runs it, and records when it is next due; runners on other hosts find the job taken or
not yet due and skip it. While a job runs, its runner renews the lease every third of it, so a
long run keeps the job; a runner killed mid-job stops renewing and holds it only until its lease
expires, then another runner takes it over. Jobs should therefore be idempotent (a purge is).

Later work adds a job by appending a factory to `JOB_FACTORIES`: a function of the settings
returning a `Job`, or None when the job is switched off by those settings. A job that talks to
an outside system through an adapter of course/integrations (which services may not import) is
built by the runner's command instead, with the adapter passed in: the mail outbox
(`outbox.mail_job`) and the LMS gradebook scores (`lti_grades.grade_job`), in course/cli/jobs.py.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from course.services.accounts import SessionPolicy, ThrottlePolicy, purge_security_records
from course.settings import Settings
from course.store import jobs as leases
from course.store.engine import (
    UNAVAILABLE_ERRORS,
    Engine,
    describe_unavailable,
    read_session,
    write_transaction,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Job:
    """A named piece of background work, run at most once per `every` across all runners."""

    name: str
    every: timedelta
    #: How long a runner holds the job; it must exceed the longest run.
    lease: timedelta
    #: Do the work; return a one-line summary for the log and `jobs list`.
    run: Callable[[Engine, datetime], str]
    #: After a failure, try again this soon (not a whole `every` later).
    retry: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if not 0 < len(self.name) <= 64:
            raise ValueError(f"job name {self.name!r}: 1 to 64 characters")
        if min(self.every, self.lease, self.retry) <= timedelta(0):
            raise ValueError(f"job {self.name}: every, lease and retry must be positive")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one runner did with one job in one pass."""

    job: str
    #: "ran", "failed", "not due", "held" (another runner is on it), "lost lease".
    status: str
    message: str = ""


def _purge_job(settings: Settings) -> Job:
    keep_attempts = timedelta(days=settings.retain_sign_in_days)
    keep_sessions = timedelta(days=settings.retain_session_days)

    def purge(engine: Engine, now: datetime) -> str:
        attempts, ended = purge_security_records(
            engine,
            throttling=ThrottlePolicy(),
            policy=SessionPolicy.from_settings(settings),
            keep_attempts=keep_attempts,
            keep_sessions=keep_sessions,
            now=now,
        )
        return f"deleted {attempts} sign-in attempt(s) and {ended} session(s)"

    return Job(name="purge-security-records", every=timedelta(hours=1),
               lease=timedelta(minutes=10), run=purge)


def _reminder_job(settings: Settings) -> Job:
    # Imported here: the reminder service builds on this module's Job.
    from course.services.reminders import reminder_job_for

    return reminder_job_for(settings)


#: Every job the runner knows: each factory builds its job from the settings (None: switched off).
JOB_FACTORIES: tuple[Callable[[Settings], Job | None], ...] = (_purge_job, _reminder_job)


def configured_jobs(settings: Settings) -> list[Job]:
    """Return the jobs to run with these settings, in the order they are tried."""
    built = (factory(settings) for factory in JOB_FACTORIES)
    return [job for job in built if job is not None]


def new_holder() -> str:
    """Return a name for this runner that no other runner shares: host, process, random."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def run_due_jobs(
    engine: Engine, jobs: Sequence[Job], *, holder: str, clock: Clock = _utc_now
) -> list[Outcome]:
    """Run each job that is due and free, once; return what happened to each.

    A failing job is logged in one line and recorded; the others still run.
    """
    return [_run_one(engine, job, holder=holder, clock=clock) for job in jobs]


def _run_one(engine: Engine, job: Job, *, holder: str, clock: Clock) -> Outcome:
    now = clock()
    with write_transaction(engine, durable=False) as session:
        leases.ensure_job(session, job.name, due_at=now)
        taken = leases.take_lease(session, job.name, holder=holder, now=now, until=now + job.lease)
        other = None if taken else leases.current_holder(session, job.name, now=now)
    if other is not None:
        return Outcome(job.name, "held", f"by {other}")
    if not taken:
        return Outcome(job.name, "not due")
    done = threading.Event()
    renewer = threading.Thread(target=_renew_while_running, args=(engine, job, holder, clock, done),
                               name=f"lease-{job.name}", daemon=True)
    renewer.start()
    try:
        message = job.run(engine, now)
    except Exception as error:  # a job's failure is recorded and logged; the runner goes on
        message = f"{type(error).__name__}: {error}".splitlines()[0]
        status, next_due = "failed", clock() + min(job.retry, job.every)
        log.error("job %s failed: %s", job.name, message)
    else:
        status, next_due = "ran", now + job.every
        log.info("job %s: %s", job.name, message)
    finally:
        done.set()
        renewer.join()
    finished = clock()
    with write_transaction(engine, durable=False) as session:
        released = leases.release_lease(
            session, job.name, holder=holder, now=finished, next_due_at=next_due,
            outcome="ok" if status == "ran" else "failed", message=message,
        )
    if not released:  # the lease expired during the run and another runner took the job
        log.warning("job %s outlived its lease of %s; another runner took it over", job.name, job.lease)
        return Outcome(job.name, "lost lease", message)
    return Outcome(job.name, status, message)


def _renew_while_running(engine: Engine, job: Job, holder: str, clock: Clock,
                         done: threading.Event) -> None:
    """Extend the lease every third of it until the run is done (or the lease was lost)."""
    while not done.wait(job.lease.total_seconds() / 3):
        now = clock()
        try:
            with write_transaction(engine, durable=False) as session:
                kept = leases.renew_lease(session, job.name, holder=holder, now=now, until=now + job.lease)
        except UNAVAILABLE_ERRORS as error:  # the next beat tries again, within the lease
            log.warning("job %s: lease not renewed: %s", job.name, describe_unavailable(error))
            continue
        if not kept:
            log.warning("job %s: lease lost while running; another runner may take it", job.name)
            return


def run_forever(
    engine: Engine,
    jobs: Sequence[Job],
    *,
    holder: str,
    stop: threading.Event,
    poll: timedelta = timedelta(seconds=30),
    clock: Clock = _utc_now,
) -> None:
    """Run due jobs every `poll` until `stop` is set (a signal handler sets it).

    A pass that cannot reach the database is logged in one line and the runner keeps polling,
    so a database restart needs no restart of the runner.
    """
    while not stop.is_set():
        try:
            run_due_jobs(engine, jobs, holder=holder, clock=clock)
        except UNAVAILABLE_ERRORS as error:
            log.error("job runner: %s; trying again in %g s", describe_unavailable(error),
                      poll.total_seconds())
        stop.wait(poll.total_seconds())


def list_job_states(engine: Engine) -> list[leases.JobState]:
    """Return what the database knows of every job (holder, next due, last outcome)."""
    with read_session(engine) as session:
        return leases.list_jobs(session)
