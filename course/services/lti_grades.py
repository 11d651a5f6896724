"""Scores for LMS gradebooks: queued with the learning event, sent by a job, retried, never lost.

A passed quiz or a finished scenario of a person launched from a graded link queues one row per
line item, in the same transaction as the attempt or the run's end, under a key derived from the
work (so a repeated submit queues nothing new). The job claims due rows, asks the platform for a
token and posts each score (LTI Assignment and Grade Services); a failure is kept with its error
and tried again after a doubling delay, up to `RetryPolicy.max_attempts`. A score posted twice
(a sender dying after the post) only overwrites the same value at the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from course.domain.lti import GRADED_KINDS, OutgoingScore, ScoreNotSent, ToolKey, score_key
from course.services.jobs import Job
from course.services.lti import tool_keys
from course.services.outbox import RetryPolicy
from course.settings import LtiSettings
from course.store import lti as store
from course.store.engine import Engine, Session, read_session, write_transaction


class ScoreSender(Protocol):
    """What the outbox needs of a gradebook adapter: post one score, or raise ScoreNotSent."""

    def send(self, score: OutgoingScore, *, key: ToolKey) -> None:
        """Post the score."""


@dataclass(frozen=True, slots=True)
class GradeReport:
    """What one run of the grade outbox did."""

    sent: int
    retrying: int
    failed: int
    errors: tuple[str, ...]


def queue_scores(session: Session, *, person_id: int, item_kind: str, item_id: str, score: float,
                 work_key: str, earned_at: datetime) -> int:
    """Queue the score of one piece of work for every line item of the item; return how many.

    Runs in the caller's transaction, beside the attempt or run it reports.
    """
    if item_kind not in GRADED_KINDS:
        return 0
    queued = 0
    items = store.line_items_of(session, person_id, item_kind=item_kind, item_id=item_id)
    for line_item_id, subject in items:
        queued += store.queue_grade(session, key=score_key(line_item_id, work_key), line_item_id=line_item_id,
                                    person_id=person_id, subject=subject, score=min(max(score, 0.0), 1.0),
                                    earned_at=earned_at, now=earned_at)
    return queued


#: When an unsent score is tried again (the mail outbox's doubling delays, up to 8 attempts).
RETRY = RetryPolicy()


def send_scores(engine: Engine, sender: ScoreSender, *, key: ToolKey, retry: RetryPolicy = RETRY,
                limit: int = 100, now: datetime | None = None) -> GradeReport:
    """Send the due scores (at most `limit`) and record each outcome."""
    when = now or datetime.now(UTC)
    with write_transaction(engine, durable=False) as session:
        claimed = store.claim_due_grades(session, now=when, hold=retry.lease, limit=limit)
    sent = retrying = failed = 0
    errors: list[str] = []
    for grade in claimed:
        outgoing = OutgoingScore(issuer=grade.issuer, client_id=grade.client_id,
                                 line_item_url=grade.line_item_url, subject=grade.subject,
                                 score=grade.score, earned_at=grade.earned_at)
        try:
            sender.send(outgoing, key=key)
        except ScoreNotSent as error:
            errors.append(str(error))
            with write_transaction(engine, durable=False) as session:
                if grade.attempts >= retry.max_attempts:
                    store.mark_grade_failed(session, grade.id, error=str(error), now=when)
                    failed += 1
                else:
                    store.mark_grade_retry(session, grade.id, error=str(error),
                                           next_attempt_at=when + retry.delay(grade.attempts))
                    retrying += 1
            continue
        with write_transaction(engine, durable=False) as session:
            store.mark_grade_sent(session, grade.id, now=when)
        sent += 1
    return GradeReport(sent, retrying, failed, tuple(errors))


def score_counts(engine: Engine) -> store.GradeCounts:
    """Return how many scores wait, were sent, or were given up on (for `jobs list`)."""
    with read_session(engine) as session:
        return store.count_grades(session)


def grade_job(settings: LtiSettings, sender: ScoreSender, *, batch: int = 100) -> Job | None:
    """Return the job that sends queued scores to LMS gradebooks (None when LTI is off)."""
    if not settings.enabled:
        return None

    def send(engine: Engine, now: datetime) -> str:
        report = send_scores(engine, sender, key=tool_keys(engine, settings)[0], limit=batch, now=now)
        return f"{report.sent} score(s) sent, {report.retrying} to retry, {report.failed} given up"

    return Job(name="send-lti-scores", every=timedelta(minutes=1), lease=timedelta(minutes=10), run=send)
