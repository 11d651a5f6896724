"""The reminder planner: what is due when, quiet hours, the daily cap, and keys that never repeat."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from course.domain.messages import MessageKind
from course.domain.reminders import (
    Enrolled,
    ReminderSettings,
    check_reminder_settings,
    cycle_of,
    parse_reminder_key,
    plan_reminders,
    reminder_key,
)

START, DUE = date(2026, 5, 1), date(2026, 6, 1)
ANYTIME = ReminderSettings(quiet_start=0, quiet_end=0)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def row(person: int = 1, *, done: bool = False, manager: int | None = 9, opted_out: bool = False,
        retake: int | None = None, assignment: int = 1) -> Enrolled:
    return Enrolled(assignment, person, START, DUE, retake, done, manager, opted_out)


def plan(rows: list[Enrolled], now: datetime, *, queued: set[str] | None = None,
         today: dict[int, int] | None = None, settings: ReminderSettings = ANYTIME) -> list[tuple[str, int]]:
    found = plan_reminders(rows, queued=queued or set(), queued_today=today or {}, now=now,
                           settings=settings, days_before=7)
    return [(p.kind.value, p.recipient_id) for p in found]


def test_a_reminder_goes_in_the_week_before_then_on_the_day_then_to_the_manager() -> None:
    assert plan([row()], at(date(2026, 5, 24))) == []
    assert plan([row()], at(date(2026, 5, 25))) == [("reminder-before", 1)]
    assert plan([row()], at(DUE)) == [("reminder-due", 1)]
    assert plan([row()], at(date(2026, 6, 2))) == [("overdue-manager", 9)]
    assert plan([row()], at(date(2026, 9, 2))) == [("overdue-manager", 9)]  # until it is queued


def test_nothing_goes_to_someone_done_or_before_the_start() -> None:
    assert plan([row(done=True)], at(DUE)) == []
    early = Enrolled(1, 1, date(2026, 5, 30), DUE, None, False, 9)
    assert plan([early], at(date(2026, 5, 29))) == []


def test_without_a_manager_nobody_is_told_and_nobody_manages_themselves() -> None:
    assert plan([row(manager=None)], at(date(2026, 6, 5))) == []
    assert plan([row(manager=1)], at(date(2026, 6, 5))) == []


def test_an_opt_out_stops_only_the_optional_reminder() -> None:
    assert plan([row(opted_out=True)], at(date(2026, 5, 28))) == []
    assert plan([row(opted_out=True)], at(DUE)) == [("reminder-due", 1)]
    assert plan([row(opted_out=True)], at(date(2026, 6, 3))) == [("overdue-manager", 9)]


def test_a_queued_key_is_never_planned_again() -> None:
    key = reminder_key(MessageKind.REMINDER_BEFORE, 1, 1, 0)
    assert plan([row()], at(date(2026, 5, 26)), queued={key}) == []


def test_the_daily_cap_counts_what_went_today_and_sends_the_most_urgent_first() -> None:
    rows = [row(assignment=1), Enrolled(2, 1, START, date(2026, 5, 28), None, False, 9)]
    assert plan(rows, at(date(2026, 5, 28))) == [("reminder-due", 1)]
    assert plan(rows, at(date(2026, 5, 28)), today={1: 1}) == []
    two = ReminderSettings(quiet_start=0, quiet_end=0, daily_cap=2)
    assert sorted(plan(rows, at(date(2026, 5, 28)), settings=two)) == [("reminder-before", 1),
                                                                        ("reminder-due", 1)]


def test_a_manager_of_many_hears_of_all_of_them_on_the_first_day_in_one_place_under_the_cap() -> None:
    rows = [row(person=p) for p in range(1, 4)] + [row(person=4, assignment=2)]
    found = plan_reminders(rows, queued=set(), queued_today={}, now=at(date(2026, 6, 2)),
                           settings=ANYTIME, days_before=7)
    assert sorted((p.kind.value, p.recipient_id, p.person_id) for p in found) == [
        ("overdue-manager", 9, 1), ("overdue-manager", 9, 2), ("overdue-manager", 9, 3),
        ("overdue-manager", 9, 4)]
    again = plan_reminders(rows, queued={p.key for p in found}, queued_today={9: 1},
                           now=at(date(2026, 6, 3)), settings=ANYTIME, days_before=7)
    assert again == []  # each person and assignment is named once


def test_a_managers_notes_wait_when_the_day_is_already_used_and_take_one_place_together() -> None:
    late = [row(person=p) for p in range(1, 4)]
    # The manager (9) is also a learner whose own assignment is due today: that goes first.
    own = Enrolled(2, 9, START, date(2026, 6, 2), None, False, None)
    found = plan([*late, own], at(date(2026, 6, 2)))
    assert found == [("reminder-due", 9)]
    two = ReminderSettings(quiet_start=0, quiet_end=0, daily_cap=2)
    assert sorted(plan([*late, own], at(date(2026, 6, 2)), settings=two)) == [
        ("overdue-manager", 9), ("overdue-manager", 9), ("overdue-manager", 9), ("reminder-due", 9)]
    # Notes already gathered today used the manager's place: a new late person waits a day.
    assert plan(late, at(date(2026, 6, 2)), today={9: 1}) == []


@pytest.mark.parametrize(("hour", "quiet"), [(19, False), (20, True), (23, True), (3, True), (8, False)])
def test_quiet_hours_wrap_midnight_in_the_organisations_time_zone(hour: int, quiet: bool) -> None:
    settings = ReminderSettings(time_zone="Europe/Paris", quiet_start=20, quiet_end=8)
    # 1 June 2026 in Paris is UTC+2: local `hour` is UTC hour - 2.
    moment = datetime(2026, 6, 1, hour - 2, tzinfo=UTC)
    assert settings.is_quiet(moment) is quiet
    assert plan([row()], moment, settings=settings) == ([] if quiet else [("reminder-due", 1)])


def test_the_local_day_decides_what_is_due() -> None:
    tokyo = ReminderSettings(time_zone="Asia/Tokyo", quiet_start=0, quiet_end=0)
    # 16:00 UTC on 31 May is 1 June in Tokyo: the due day there.
    assert plan([row()], datetime(2026, 5, 31, 16, tzinfo=UTC), settings=tokyo) == [("reminder-due", 1)]


def test_each_retake_cycle_has_its_own_keys() -> None:
    assert cycle_of(START, 12, date(2027, 4, 30)) == 0
    assert cycle_of(START, 12, date(2027, 5, 1)) == 1
    first = plan_reminders([row(retake=12)], queued=set(), queued_today={}, now=at(DUE), settings=ANYTIME,
                           days_before=7)
    later = plan_reminders([row(retake=12)], queued={first[0].key}, queued_today={},
                           now=at(date(2027, 6, 1)), settings=ANYTIME, days_before=7)
    assert [p.key for p in first] == ["reminder-due:1:1:0"]
    assert [(p.key, p.due_on) for p in later] == [("reminder-due:1:1:1", date(2027, 6, 1))]


def test_keys_round_trip_and_foreign_keys_are_refused() -> None:
    ref = parse_reminder_key("overdue-manager:12:34:2")
    assert ref is not None and (ref.kind, ref.assignment_id, ref.person_id, ref.cycle) == (
        MessageKind.OVERDUE_MANAGER, 12, 34, 2)
    for bad in ("assigned:1:2", "welcome:1:2:0", "reminder-due:x:2:0", "reminder-due:1:2:0:9", ""):
        assert parse_reminder_key(bad) is None


def test_settings_are_checked_in_plain_words() -> None:
    assert check_reminder_settings("Europe/Paris", 20, 8, 1) == []
    problems = check_reminder_settings("Mars/Olympus", 24, -1, 0)
    assert len(problems) == 4 and "Unknown time zone" in problems[0]
    assert check_reminder_settings("UTC", True, 8, 1) != []  # type: ignore[arg-type]
    assert ReminderSettings(time_zone="Not/AZone").zone.key == "UTC"
