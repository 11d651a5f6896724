"""The organisation's settings: privacy (read by the dashboards and item analysis) and the
dashboard's literacy target and organisation name; administrators alone change them, audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from course.domain.org_settings import (
    DEFAULT_MIN_GROUP,
    LEADER_FILTERS,
    MIN_GROUP_FLOOR,
    PrivacySettings,
    check_privacy_settings,
)
from course.domain.permissions import Action, Actor
from course.domain.targets import DEFAULT_TARGET, check_organisation_name, check_target
from course.services.permissions import require
from course.store import audit, org_settings
from course.store.engine import Engine, Session, read_session, write_transaction

#: The organisation's name on the board report until an administrator gives one.
DEFAULT_ORGANISATION = "Your organisation"


class SettingsError(ValueError):
    """The settings asked for are not allowed; the message says why, in plain words."""


Before = TypeVar("Before")


def save_settings(
    engine: Engine,
    actor: Actor,
    values: Mapping[str, Any],
    *,
    read: Callable[[Session], Before],
    event: str,
    target: str,
    detail: Callable[[Before], dict[str, Any]],
    now: datetime | None = None,
) -> None:
    """Write settings and their audit event in one transaction, the event holding old and new.

    The caller has checked the permission and the values; `read` gives the settings in force
    before the change (read in the same transaction) and `detail` turns them into the event's
    detail beside the new values.
    """
    when = now or datetime.now(UTC)
    with write_transaction(engine) as session:
        before = read(session)
        for key, value in values.items():
            org_settings.put_setting(session, key, value, now=when, by=actor.person_id)
        audit.record_event(session, event, now=when, actor_id=actor.person_id, actor_label=actor.email,
                           target=target, detail=detail(before))


def read_privacy(session: Session) -> PrivacySettings:
    """Return the privacy settings in force, never below the floor whatever the table holds."""
    stored = org_settings.get_settings(session)
    size = stored.get("min_group_size", DEFAULT_MIN_GROUP)
    size = size if isinstance(size, int) and not isinstance(size, bool) else DEFAULT_MIN_GROUP
    filters = stored.get("leader_filters", list(LEADER_FILTERS))
    listed = filters if isinstance(filters, list) else []
    allowed = frozenset(f for f in listed if f in LEADER_FILTERS)
    return PrivacySettings(max(size, MIN_GROUP_FLOOR), allowed)


def get_privacy(engine: Engine) -> PrivacySettings:
    """Return the organisation's privacy settings (what every dashboard and analysis applies)."""
    with read_session(engine) as session:
        return read_privacy(session)


def update_privacy(
    engine: Engine,
    actor: Actor,
    *,
    min_group_size: int,
    leader_filters: Iterable[str],
    now: datetime | None = None,
) -> PrivacySettings:
    """Change the privacy settings (administrators only), audited with the old and new values."""
    require(engine, actor, Action.MANAGE_PRIVACY)
    chosen = sorted(set(leader_filters), key=lambda f: LEADER_FILTERS.index(f) if f in LEADER_FILTERS else 99)
    problems = check_privacy_settings(min_group_size, chosen)
    if problems:
        raise SettingsError(" ".join(problems))
    save_settings(
        engine, actor, {"min_group_size": min_group_size, "leader_filters": chosen},
        read=read_privacy, event="privacy_settings_changed", target="privacy", now=now,
        detail=lambda before: {"min_group_size": [before.min_group_size, min_group_size],
                               "leader_filters": [sorted(before.leader_filters), chosen]},
    )
    return PrivacySettings(min_group_size, frozenset(chosen))


@dataclass(frozen=True, slots=True)
class DashboardSettings:
    """What the executive dashboard and its board report measure against, and whose they are."""

    target: int = DEFAULT_TARGET
    organisation: str = DEFAULT_ORGANISATION


def read_dashboard_settings(session: Session) -> DashboardSettings:
    """Return the target and organisation name in force (defaults for anything unset or invalid)."""
    stored = org_settings.get_settings(session)
    target = stored.get("literacy_target", DEFAULT_TARGET)
    name = stored.get("organisation_name", DEFAULT_ORGANISATION)
    return DashboardSettings(
        target if not check_target(target) else DEFAULT_TARGET,
        name if isinstance(name, str) and not check_organisation_name(name) else DEFAULT_ORGANISATION,
    )


def get_dashboard_settings(engine: Engine) -> DashboardSettings:
    """Return the dashboard's target and the organisation's name."""
    with read_session(engine) as session:
        return read_dashboard_settings(session)


def update_dashboard_settings(
    engine: Engine, actor: Actor, *, target: int, organisation: str, now: datetime | None = None
) -> DashboardSettings:
    """Change the literacy target and organisation name (administrators only), audited."""
    require(engine, actor, Action.SET_DASHBOARD_TARGET)
    name = organisation.strip()
    problems = check_target(target) + check_organisation_name(name)
    if problems:
        raise SettingsError(" ".join(problems))
    save_settings(
        engine, actor, {"literacy_target": target, "organisation_name": name},
        read=read_dashboard_settings, event="dashboard_target_changed", target="dashboard", now=now,
        detail=lambda before: {"target": [before.target, target],
                               "organisation": [before.organisation, name]},
    )
    return DashboardSettings(target, name)
