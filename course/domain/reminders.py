"""Which reminder emails are due now: before the due date, on it, and to the manager after it.

Pure: given the enrolled people, what was already queued, the time and the organisation's
settings, `plan_reminders` returns the messages to queue. Each message has a key unique to
(person, assignment, cycle, kind), so the outbox stores it once however often the planner runs.
Quiet hours and the daily cap are read in the organisation's time zone. Stdlib only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from course.domain.assignments import add_months
from course.domain.messages import MessageKind

#: Reminder kinds the planner queues (the welcome is queued when a person is enrolled).
REMINDER_KINDS = (MessageKind.REMINDER_DUE, MessageKind.OVERDUE_MANAGER, MessageKind.REMINDER_BEFORE)
#: The welcome email's kind in the outbox (older than the templates, so named differently).
WELCOME_OUTBOX_KIND = "assigned"


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """The organisation's rules for reminders: its time zone, quiet hours and a daily cap."""

    time_zone: str = "UTC"
    #: No reminder is queued or sent from quiet_start until quiet_end (hours, local time); equal: none.
    quiet_start: int = 20
    quiet_end: int = 8
    #: At most this many emails to one person per local day (welcomes included).
    daily_cap: int = 1

    @property
    def zone(self) -> ZoneInfo:
        """Return the time zone (UTC when the name is not known here)."""
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def is_quiet(self, moment: datetime) -> bool:
        """Tell whether the moment falls in the quiet hours, in the organisation's time zone."""
        local = moment.astimezone(self.zone).time()
        start, end = time(self.quiet_start), time(self.quiet_end)
        if start == end:
            return False
        if start < end:
            return start <= local < end
        return local >= start or local < end

    def local_day(self, moment: datetime) -> date:
        """Return the organisation's calendar day at the moment."""
        return moment.astimezone(self.zone).date()


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the zone database once per process


def check_reminder_settings(time_zone: str, quiet_start: int, quiet_end: int, daily_cap: int) -> list[str]:
    """Return what is wrong with these settings, in plain words (empty when they are valid)."""
    problems = []
    if not isinstance(time_zone, str) or time_zone not in _zones():
        problems.append(f"Unknown time zone {str(time_zone)[:60]!r}: use a name such as Europe/Paris or UTC.")
    for label, hour in (("start", quiet_start), ("end", quiet_end)):
        if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
            problems.append(f"The quiet hours' {label} must be an hour from 0 to 23.")
    if isinstance(daily_cap, bool) or not isinstance(daily_cap, int) or not 1 <= daily_cap <= 10:
        problems.append("The daily cap must be a whole number of emails from 1 to 10.")
    return problems


@dataclass(frozen=True, slots=True)
class Enrolled:
    """One person enrolled in a running assignment, as the planner needs them."""

    assignment_id: int
    person_id: int
    starts_on: date
    due_on: date
    retake_months: int | None
    #: Whether the person has completed what was assigned.
    done: bool
    #: The person's manager (from the roster), who is told when they are overdue.
    manager_id: int | None
    #: Whether the person opted out of optional reminders.
    opted_out: bool = False


@dataclass(frozen=True, slots=True)
class Planned:
    """A reminder to queue: its unique key, its kind, who gets it and whom it is about."""

    key: str
    kind: MessageKind
    recipient_id: int
    person_id: int
    assignment_id: int
    cycle: int
    due_on: date


def cycle_of(starts_on: date, retake_months: int | None, today: date) -> int:
    """Return which cycle of the assignment runs today: 0, then 1 for the first re-take, ..."""
    if retake_months is None:
        return 0
    cycle = 0
    while add_months(starts_on, retake_months * (cycle + 1)) <= today:
        cycle += 1
    return cycle


def reminder_key(kind: MessageKind, assignment_id: int, person_id: int, cycle: int) -> str:
    """Return the outbox key of a reminder: the same however often it is planned."""
    return f"{kind.value}:{assignment_id}:{person_id}:{cycle}"


@dataclass(frozen=True, slots=True)
class ReminderRef:
    """What an outbox key of a reminder names."""

    kind: MessageKind
    assignment_id: int
    person_id: int
    cycle: int


def parse_reminder_key(key: str) -> ReminderRef | None:
    """Return what a reminder's key names, or None when it is not a reminder's key."""
    parts = key.split(":")
    if len(parts) != 4 or parts[0] not in {k.value for k in REMINDER_KINDS}:
        return None
    try:
        return ReminderRef(MessageKind(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]))
    except ValueError:
        return None


def _candidate(row: Enrolled, today: date, days_before: int, queued: Container[str]) -> Planned | None:
    """Return the reminder this enrolment is due for today and that is not queued yet, if any."""
    if row.done or today < row.starts_on:
        return None
    cycle = cycle_of(row.starts_on, row.retake_months, today)
    due = add_months(row.due_on, row.retake_months * cycle) if row.retake_months else row.due_on
    recipient: int | None = row.person_id
    if today == due:
        kind = MessageKind.REMINDER_DUE
    elif today > due:
        kind, recipient = MessageKind.OVERDUE_MANAGER, row.manager_id
    elif (due - today).days <= days_before and not row.opted_out:
        kind = MessageKind.REMINDER_BEFORE
    else:
        return None
    if recipient is None or (kind is MessageKind.OVERDUE_MANAGER and recipient == row.person_id):
        return None  # nobody to tell: no manager, or a person listed as their own manager
    key = reminder_key(kind, row.assignment_id, row.person_id, cycle)
    if key in queued:
        return None
    return Planned(key, kind, recipient, row.person_id, row.assignment_id, cycle, due)


_URGENCY = {kind: rank for rank, kind in enumerate(REMINDER_KINDS)}


def plan_reminders(
    enrolled: Iterable[Enrolled],
    *,
    queued: Container[str],
    queued_today: Mapping[int, int],
    now: datetime,
    settings: ReminderSettings,
    days_before: int,
) -> list[Planned]:
    """Return the reminders to queue now: none in quiet hours, none already queued, within the cap.

    `queued` holds the keys already in the outbox; `queued_today` counts the emails each person
    has been sent (or queued) since the start of the organisation's day. When the cap leaves no
    room, the most urgent message goes first (due today, then the manager's note, then the
    optional reminder) and the others wait for a later day, if they are still due then.

    A manager's notes of one pass are sent as one email (the mail job gathers them), so they
    take one place under the cap together: a manager of many late people hears of all of them
    at once, not of one a day.
    """
    if settings.is_quiet(now):
        return []
    today = settings.local_day(now)
    found = (_candidate(row, today, days_before, queued) for row in enrolled)
    wanted = [p for p in found if p is not None]
    wanted.sort(key=lambda p: (_URGENCY[p.kind], p.due_on, p.assignment_id, p.person_id))
    used: Counter[int] = Counter(queued_today)
    gathered: set[int] = set()  # managers whose notes of this pass go out as one email
    chosen = []
    for planned in wanted:
        digest = planned.kind is MessageKind.OVERDUE_MANAGER
        if digest and planned.recipient_id in gathered:
            chosen.append(planned)
        elif used[planned.recipient_id] < settings.daily_cap:
            used[planned.recipient_id] += 1
            chosen.append(planned)
            if digest:
                gathered.add(planned.recipient_id)
    return chosen
