"""The reminder job: queue the reminders and managers' notes that are due, each exactly once.

Planning is pure (course/domain/reminders.py); this reads what it needs, then queues the chosen
messages in the mail outbox in one write transaction that also re-reads what is already queued.
The outbox key is unique per (person, assignment, cycle, kind), so a second runner, a restart or
a run repeated after a crash adds nothing; the mail job sends what is queued, with retries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from course.content.loader import ParseCache, load_course
from course.content.messages import MessageSet, load_messages
from course.domain.assignments import Completion, Progress, completion
from course.domain.messages import MessageKind
from course.domain.model import Course
from course.domain.records import ProgressKind
from course.domain.reminders import (
    REMINDER_KINDS,
    Enrolled,
    Planned,
    ReminderSettings,
    plan_reminders,
)
from course.services.assignments import counted_progress, cycle_of, read_cycle_work
from course.services.jobs import Job
from course.services.reminder_settings import read_reminder_settings
from course.settings import Settings
from course.store import assignments as assignment_store
from course.store import reminders as store
from course.store.engine import Engine, read_session, write_transaction

#: Returns the course and its messages as they are now (the job reloads them on each run).
CourseSource = Callable[[], tuple[Course, MessageSet]]


@dataclass(frozen=True, slots=True)
class ReminderRun:
    """What one pass of the reminder job did."""

    queued: int
    #: True when the pass fell in quiet hours and queued nothing.
    quiet: bool = False


def _progress_by_person(rows: list[assignment_store.ProgressRow]) -> dict[int, Progress]:
    sections: dict[int, dict[str, int]] = defaultdict(dict)
    quizzes: dict[int, set[str]] = defaultdict(set)
    scenarios: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        if r.kind == ProgressKind.MODULE.value:
            sections[r.person_id][r.item_id] = r.events
        elif r.kind == ProgressKind.QUIZ.value and r.passed:
            quizzes[r.person_id].add(r.item_id)
        elif r.kind == ProgressKind.SCENARIO.value and r.events > 0:
            scenarios[r.person_id].add(r.item_id)
    people = sections.keys() | quizzes.keys() | scenarios.keys()
    return {p: Progress(sections[p], frozenset(quizzes[p]), frozenset(scenarios[p])) for p in people}


def _enrolled(engine: Engine, course: Course, today: date) -> list[Enrolled]:
    """Read every running enrolment and whether its person has completed what was assigned.

    In a re-take cycle only the work done since the cycle began counts, as on the learner's home.
    """
    with read_session(engine) as session:
        facts = store.running_enrolments(session, optional_kind=MessageKind.REMINDER_BEFORE.value)
        running = {row.id: row for row in assignment_store.list_assignments(session, running_only=True)}
        progress = _progress_by_person(assignment_store.enrolled_progress(session)) if facts else {}
        retaking = {f.person_id for f in facts
                    if (row := running.get(f.assignment_id)) is not None and cycle_of(row, today).retake}
        work = read_cycle_work(session, retaking, [cycle_of(r, today) for r in running.values()]) \
            if retaking else {}

    def is_done(row: assignment_store.AssignmentRow, person_id: int) -> bool:
        found = progress.get(person_id)  # no progress at all: not done
        if found is None:
            return False
        counted = counted_progress(cycle_of(row, today), found, work.get(person_id, []))
        return completion(course, row.kind, row.target_id, counted) is Completion.DONE

    return [Enrolled(f.assignment_id, f.person_id, row.starts_on, row.due_on, row.retake_months,
                     is_done(row, f.person_id), f.manager_id, f.opted_out)
            for f in facts if (row := running.get(f.assignment_id)) is not None]


def _start_of_day(settings: ReminderSettings, now: datetime) -> datetime:
    """Return when the organisation's day began, in UTC (as every stored time is)."""
    return datetime.combine(settings.local_day(now), time(0), tzinfo=settings.zone).astimezone(UTC)


def _rows(planned: list[Planned], recipients: dict[int, str], *, now: datetime) -> list[dict[str, object]]:
    return [{"key": p.key, "kind": p.kind.value, "person_id": p.recipient_id, "link_id": None,
             "recipient": recipients[p.recipient_id], "created_at": now, "next_attempt_at": now,
             "attempts": 0, "sent_at": None, "failed_at": None, "last_error": ""}
            for p in planned if p.recipient_id in recipients]


def queue_reminders(engine: Engine, course: Course, *, days_before: int, now: datetime) -> ReminderRun:
    """Queue every reminder due now, within quiet hours and the daily cap; return how many."""
    with read_session(engine) as session:
        settings = read_reminder_settings(session)
    if settings.is_quiet(now):
        return ReminderRun(0, quiet=True)
    enrolled = _enrolled(engine, course, settings.local_day(now))
    if not enrolled:
        return ReminderRun(0)
    with write_transaction(engine) as session:
        store.lock_planner(session)  # the counts below must not change before this pass queues
        planned = plan_reminders(
            enrolled, queued=store.queued_keys(session, [k.value for k in REMINDER_KINDS]),
            queued_today=store.count_queued_since(session, _start_of_day(settings, now)),
            now=now, settings=settings, days_before=days_before)
        recipients = store.find_emails(session, sorted({p.recipient_id for p in planned}))
        added = store.queue_mail(session, _rows(planned, recipients, now=now))
    return ReminderRun(added)


def reminder_job(load: CourseSource, *, every: timedelta = timedelta(minutes=15)) -> Job:
    """Return the job that queues due reminders, for the job runner (the mail job sends them)."""

    def run(engine: Engine, now: datetime) -> str:
        course, messages = load()
        days = messages.get(MessageKind.REMINDER_BEFORE).days_before
        outcome = queue_reminders(engine, course, days_before=days, now=now)
        return "quiet hours: nothing queued" if outcome.quiet else f"{outcome.queued} reminder(s) queued"

    return Job(name="queue-reminders", every=every, lease=timedelta(minutes=10), run=run)


def reminder_job_for(settings: Settings) -> Job:
    """Return the reminder job over the course in the settings' content folder."""
    root = settings.content_root
    cache = ParseCache()

    def load() -> tuple[Course, MessageSet]:
        result = load_course(root, cache=cache)
        if result.course is None:
            raise RuntimeError(f"the course at {root.name} does not load; run python -m course validate")
        return result.course, load_messages(root)

    return reminder_job(load)
