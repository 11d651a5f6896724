"""Learning records for an LRS: statements queued with their events, sent in batches by a job.

When an LRS is configured, `open_database` connects it to the engine (`connect_lrs`); from then
on every learning event's service builds its xAPI statements (course/domain/xapi.py) and queues
them in the event's own transaction, so an event and its statements are stored together or not
at all. With no LRS nothing is built and no statement is written.

`send_statements` claims due statements (held for a lease, so a second sender skips them),
posts them to the LRS, and marks them sent; a failure is kept with its error and tried again
later, each time after a longer wait, for ever. Statement ids are deterministic, so a batch that
reached the LRS but whose answer was lost is sent again harmlessly: the LRS answers 409 for an id
it holds, which counts as sent.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from course.domain.model import Course
from course.domain.permissions import Action, Actor
from course.domain.xapi import LrsError, Statement, XapiContext
from course.services.jobs import Job
from course.services.permissions import require
from course.settings import LrsSettings
from course.store import xapi_outbox
from course.store.engine import Engine, Session, read_session, write_transaction

#: The engines that record statements, each with its deployment's context (weak: a disposed
#: engine's entry goes with it). Configuration only; no security state lives here.
_CONTEXTS: weakref.WeakKeyDictionary[Engine, XapiContext] = weakref.WeakKeyDictionary()


def connect_lrs(engine: Engine, lrs: LrsSettings) -> None:
    """Record statements for this engine's learning events (nothing happens when no LRS is set)."""
    if lrs.configured:
        _CONTEXTS[engine] = XapiContext(activity_base=lrs.activity_base, home_page=lrs.home_page,
                                        actor_key=lrs.actor_key)


def context_for(engine: Engine, course: Course) -> XapiContext | None:
    """Return the context of this course's statements, or None when no LRS is connected."""
    base = _CONTEXTS.get(engine)
    if base is None:
        return None
    return replace(base, course_id=course.info.id, course_title=course.info.title)


def queue(session: Session, statements: Sequence[Statement], *, now: datetime) -> None:
    """Queue statements in the caller's (the event's) transaction."""
    xapi_outbox.queue_statements(session, statements, now=now)


class StatementSender(Protocol):
    """What services need of an LRS adapter: post statements (JSON documents), or raise LrsError."""

    def send(self, documents: Sequence[str]) -> None:
        """Post the statements in one request."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When a statement the LRS did not take is tried again: doubling waits, up to a ceiling."""

    first_delay: timedelta = timedelta(minutes=1)
    longest_delay: timedelta = timedelta(hours=1)
    #: How long a claimed statement is held before another sender may take it (if this one died).
    lease: timedelta = timedelta(minutes=10)

    def delay(self, attempts: int) -> timedelta:
        """Return the wait after the given number of failed tries."""
        doubled: timedelta = self.first_delay * 2 ** min(max(attempts - 1, 0), 20)
        return min(doubled, self.longest_delay)


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one run of the sender did."""

    sent: int
    failed: int
    errors: tuple[str, ...]


#: Answers after which the same statements may well be taken later: sending them one by one
#: would not help (the LRS or the credentials are the problem, not a statement).
_WHOLE_BATCH = frozenset({401, 403, 404, 408, 429})


def _deliver(sender: StatementSender, due: Sequence[xapi_outbox.DueStatement]) -> dict[int, str | None]:
    """Post the statements; return each row's error (None: the LRS holds it)."""
    try:
        sender.send([d.document for d in due])
    except LrsError as error:
        status = error.status
        if status == 409 and len(due) == 1:  # the LRS holds this id already: sent before
            return {due[0].id: None}
        if status is not None and 400 <= status < 500 and status not in _WHOLE_BATCH and len(due) > 1:
            # One statement (or one already held) spoils the batch: each goes on its own.
            return {row: outcome for d in due for row, outcome in _deliver(sender, [d]).items()}
        return {d.id: str(error)[:500] for d in due}
    return {d.id: None for d in due}


def send_statements(
    engine: Engine, sender: StatementSender, *, batch: int = 100, limit: int | None = None,
    retry: RetryPolicy = RetryPolicy(), now: datetime | None = None,
) -> SendReport:
    """Send due statements in batches (or up to `limit`); failures wait and are tried again.

    Safe to run from several processes at once: each statement is claimed before it is sent.
    """
    when = now or datetime.now(UTC)
    sent = failed = done = 0
    errors: list[str] = []
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        with write_transaction(engine, durable=False) as session:
            due = xapi_outbox.claim_due(session, now=when, limit=size, hold_until=when + retry.lease)
        if not due:
            break
        done += len(due)
        outcomes = _deliver(sender, due)
        attempts = {d.id: d.attempts for d in due}
        with write_transaction(engine, durable=False) as session:
            xapi_outbox.mark_sent(session, [row for row, error in outcomes.items() if error is None],
                                  now=when)
            for row, error in outcomes.items():
                if error is not None:
                    xapi_outbox.mark_not_sent(session, row, error=error,
                                              retry_at=when + retry.delay(attempts[row]))
        batch_errors = sorted({error for error in outcomes.values() if error is not None})
        sent += sum(error is None for error in outcomes.values())
        failed += len(outcomes) - sum(error is None for error in outcomes.values())
        errors.extend(batch_errors)
        if batch_errors and all(error is not None for error in outcomes.values()):
            break  # the LRS takes nothing now; the rest waits for the next run
    return SendReport(sent, failed, tuple(errors))


def outbox_state(engine: Engine, *, by: Actor | None) -> xapi_outbox.OutboxState:
    """Return how many statements wait, were sent and are failing (administrators only).

    `by` is None only for the command line, which runs with the server's own rights.
    """
    if by is not None:
        require(engine, by, Action.VIEW_LEARNING_RECORDS)
    with read_session(engine) as session:
        return xapi_outbox.get_state(session)


#: How long a statement the LRS took stays in the outbox (for the counts and privacy exports).
KEEP_SENT = timedelta(days=30)


def xapi_job(sender: StatementSender, *, batch: int = 100, limit: int = 2000) -> Job:
    """Return the job that sends queued statements to the LRS, for the job runner.

    Each run sends at most `limit` statements so that it ends well within its lease; the next
    run (a minute later) carries on. Statements sent more than KEEP_SENT ago are deleted (the
    LRS holds them). The edge passes the adapter in (course/integrations/lrs.py).
    """

    def send(engine: Engine, now: datetime) -> str:
        report = send_statements(engine, sender, batch=batch, limit=limit, now=now)
        with write_transaction(engine, durable=False) as session:
            purged = xapi_outbox.purge_sent(session, before=now - KEEP_SENT)
        detail = f"; last error: {report.errors[-1]}" if report.errors else ""
        return (f"{report.sent} statement(s) sent, {report.failed} to retry, "
                f"{purged} old sent statement(s) deleted{detail}")

    return Job(name="send-xapi", every=timedelta(minutes=1), lease=timedelta(minutes=10), run=send)
