"""The reminder job over 20,000 assignments, with a fake clock stepping day by day over the cycle.

At most one email per person per local day, none twice, nothing in quiet hours, each overdue
person's manager told once, and a second runner or a restart queues nothing new.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select

from course.content.loader import load_course
from course.content.messages import built_in_messages
from course.domain.assignments import Plan, Rule, TargetKind
from course.domain.model import Course
from course.domain.permissions import Actor
from course.domain.reminders import parse_reminder_key
from course.services import assignments, jobs, reminder_settings
from course.services.reminders import queue_reminders, reminder_job
from course.settings import BUNDLED_ROOT
from course.store import bulk, people
from course.store.engine import read_session, write_transaction
from course.store.tables import MailOutbox, Progress
from tests.databases import parse_capabilities

PEOPLE = 20_000
MANAGERS = 2_000
PARIS = ZoneInfo("Europe/Paris")
START = date(2026, 5, 4)
DUE = START + timedelta(days=10)
DAYS = 24


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT)
    assert loaded.course is not None
    return loaded.course


def _local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS).astimezone(UTC)


def _organisation(engine: Engine) -> tuple[Actor, dict[int, int | None], set[int]]:
    """Store 20,000 learners (the first 2,000 manage the rest) and mark every tenth one done."""
    now = _local(START, 9)

    def row(n: int, manager: int | None) -> dict[str, object]:
        return {"email": f"p{n:05d}@example.org", "name": f"Person {n}", "department": "Legal",
                "tracks": "legal", "level": "", "manager_id": manager, "active": True,
                "passphrase_hash": None, "created_at": now, "updated_at": now}

    grants = parse_capabilities("admin")
    with write_transaction(engine) as session:
        managers = bulk.insert_people(session, [row(n, None) for n in range(MANAGERS)])
        reports = bulk.insert_people(session, [row(n, managers[n % MANAGERS])
                                               for n in range(MANAGERS, PEOPLE)])
        manager_of: dict[int, int | None] = {pid: None for pid in managers}
        manager_of |= {pid: managers[(n + MANAGERS) % MANAGERS] for n, pid in enumerate(reports)}
        done = set([*managers, *reports][::10])
        session.connection().execute(insert(Progress.__table__), [  # type: ignore[attr-defined]
            {"person_id": pid, "kind": "scenario", "item_id": "hijacked-account", "events": 1,
             "best_score": 0.9, "passed": True, "content_version": "x", "updated_at": now} for pid in done])
        admin_id = people.add_person(session, "admin@example.org", name="Admin", department="IT",
                                     tracks=(), grants=grants, now=now)
    return Actor(admin_id, "admin@example.org", grants), manager_of, done


def test_twenty_thousand_assignments_over_a_whole_cycle(sqlite_engine: Engine, course: Course) -> None:
    engine = sqlite_engine
    admin, manager_of, done = _organisation(engine)
    reminder_settings.update_reminder_settings(engine, admin, time_zone="Europe/Paris", quiet_start=20,
                                               quiet_end=8, daily_cap=1, now=_local(START, 9))
    created = assignments.create_assignment(
        engine, admin, course, Plan(TargetKind.SCENARIO, "hijacked-account", Rule.of(departments=["Legal"]),
                                    START, DUE), now=_local(START, 9))
    assert created.enrolled == PEOPLE
    messages = built_in_messages()
    job = reminder_job(lambda: (course, messages))
    runs: list[str] = []
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        for hour in (6, 10, 21):  # 06:00 and 21:00 are quiet hours in Paris
            moment = _local(day, hour)
            first = jobs.run_due_jobs(engine, [job], holder="host-a", clock=lambda m=moment: m)
            second = jobs.run_due_jobs(engine, [job], holder="host-b", clock=lambda m=moment: m)
            assert second[0].status == "not due"  # a second runner finds the job done
            runs.append(first[0].message)
    assert runs.count("quiet hours: nothing queued") == 2 * DAYS
    # A restart (a new runner, the same moment, straight after) queues nothing new.
    assert queue_reminders(engine, course, days_before=7, now=_local(START + timedelta(days=DAYS - 1), 11)
                           ).queued == 0

    with read_session(engine) as session:
        rows = session.connection().execute(select(
            MailOutbox.key, MailOutbox.kind, MailOutbox.person_id, MailOutbox.created_at)).all()  # type: ignore[call-overload]
    # One email per person per day, welcomes included; a manager's notes of a day are one email.
    emails = {(person, created.replace(tzinfo=UTC).astimezone(PARIS).date(),
               "notes" if kind == "overdue-manager" else key) for key, kind, person, created in rows}
    per_day = Counter((person, day) for person, day, _email in emails)
    assert max(per_day.values()) == 1
    hours = {created.replace(tzinfo=UTC).astimezone(PARIS).hour for *_rest, created in rows}
    assert hours == {9, 10}  # the welcome at 09:00, reminders only in the 10:00 runs
    reminders = [parse_reminder_key(key) for key, kind, *_ in rows if kind != "assigned"]
    assert all(r is not None for r in reminders)
    about = Counter((r.kind, r.person_id) for r in reminders if r is not None)
    assert max(about.values()) == 1  # none twice
    assert not {person for (_kind, person) in about} & done  # nobody done is reminded
    escalated = {(r.person_id, person) for (key, kind, person, _), r in zip(
        [row for row in rows if row[1] != "assigned"], reminders, strict=True)
        if r is not None and kind == "overdue-manager"}
    late_with_manager = {p for p, m in manager_of.items() if m is not None and p not in done}
    assert {subject for subject, _ in escalated} == late_with_manager  # every one, in the days after
    assert all(manager_of[subject] == recipient for subject, recipient in escalated)
    kinds = Counter(r.kind.value for r in reminders if r is not None)
    assert kinds["reminder-due"] > 0 and kinds["reminder-before"] > 0
