"""The organisation's reminder rules: time zone, quiet hours and daily cap (admins set them, audited)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from course.domain.permissions import Action, Actor
from course.domain.reminders import ReminderSettings, check_reminder_settings
from course.services.org_settings import SettingsError, save_settings
from course.services.permissions import require
from course.store import org_settings
from course.store.engine import Engine, Session, read_session

#: The organisation setting that holds the rules, as one JSON object.
SETTING = "reminders"


def read_reminder_settings(session: Session) -> ReminderSettings:
    """Return the rules in force: the stored ones when valid, else the defaults."""
    stored = org_settings.get_settings(session).get(SETTING)
    if not isinstance(stored, dict):
        return ReminderSettings()
    default = ReminderSettings()
    values = {
        "time_zone": stored.get("time_zone", default.time_zone),
        "quiet_start": stored.get("quiet_start", default.quiet_start),
        "quiet_end": stored.get("quiet_end", default.quiet_end),
        "daily_cap": stored.get("daily_cap", default.daily_cap),
    }
    if check_reminder_settings(values["time_zone"], values["quiet_start"], values["quiet_end"],
                               values["daily_cap"]):
        return default
    return ReminderSettings(**values)


def get_reminder_settings(engine: Engine) -> ReminderSettings:
    """Return the organisation's reminder rules."""
    with read_session(engine) as session:
        return read_reminder_settings(session)


def update_reminder_settings(engine: Engine, actor: Actor, *, time_zone: str, quiet_start: int,
                             quiet_end: int, daily_cap: int, now: datetime | None = None) -> ReminderSettings:
    """Change the reminder rules (administrators only), audited with the old and new values."""
    require(engine, actor, Action.SET_REMINDER_RULES)
    problems = check_reminder_settings(time_zone, quiet_start, quiet_end, daily_cap)
    if problems:
        raise SettingsError(" ".join(problems))
    chosen = ReminderSettings(time_zone, quiet_start, quiet_end, daily_cap)
    save_settings(engine, actor, {SETTING: asdict(chosen)}, read=read_reminder_settings,
                  event="reminder_settings_changed", target="reminders", now=now,
                  detail=lambda before: {"before": asdict(before), "after": asdict(chosen)})
    return chosen
