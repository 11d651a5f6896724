"""Privacy settings belong to administrators: changed only by them, never below the floor, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from course.domain.org_settings import LEADER_FILTERS, PrivacySettings
from course.domain.permissions import Action
from course.services.org_settings import SettingsError, get_privacy, update_privacy
from course.services.permissions import PermissionDenied
from course.store import audit, org_settings
from course.store.engine import read_session, write_transaction
from tests.databases import MakePerson

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_a_new_database_starts_with_groups_of_five_and_every_filter(engine: Engine) -> None:
    assert get_privacy(engine) == PrivacySettings(5, frozenset(LEADER_FILTERS))


def test_an_admin_changes_the_settings_and_the_change_is_audited(
    engine: Engine, make_person: MakePerson
) -> None:
    admin = make_person("admin@x.org", capabilities="admin")
    saved = update_privacy(engine, admin, min_group_size=7, leader_filters=["period", "departments"], now=NOW)
    assert saved == get_privacy(engine) == PrivacySettings(7, frozenset({"departments", "period"}))
    with read_session(engine) as session:
        (event,) = audit.list_events(session, kind="privacy_settings_changed")
    assert (event.actor, event.target) == ("admin@x.org", "privacy")
    assert event.detail == {
        "min_group_size": [5, 7],
        "leader_filters": [sorted(LEADER_FILTERS), ["departments", "period"]],
    }


@pytest.mark.parametrize("capabilities", ["leader", "trainer", "learner"])
def test_anyone_but_an_admin_is_refused_and_nothing_changes(
    engine: Engine, make_person: MakePerson, capabilities: str
) -> None:
    person = make_person(f"{capabilities}@x.org", capabilities=capabilities)
    with pytest.raises(PermissionDenied):
        update_privacy(engine, person, min_group_size=3, leader_filters=[], now=NOW)
    assert get_privacy(engine).min_group_size == 5
    with read_session(engine) as session:
        (denied,) = audit.list_events(session, kind="action_denied")
    assert denied.target == Action.MANAGE_PRIVACY.value


@pytest.mark.parametrize(("size", "message"), [
    (2, "must be at least 3"), (0, "must be at least 3"), (-5, "must be at least 3"),
    (True, "whole number"), ("5", "whole number"),
])
def test_a_minimum_below_three_or_not_a_number_is_refused(
    engine: Engine, make_person: MakePerson, size: object, message: str
) -> None:
    admin = make_person("admin@x.org", capabilities="admin")
    with pytest.raises(SettingsError, match=message):
        update_privacy(engine, admin, min_group_size=size, leader_filters=[], now=NOW)  # type: ignore[arg-type]
    assert get_privacy(engine).min_group_size == 5


def test_an_unknown_filter_is_refused(engine: Engine, make_person: MakePerson) -> None:
    admin = make_person("admin@x.org", capabilities="admin")
    with pytest.raises(SettingsError, match="Unknown leader filter"):
        update_privacy(engine, admin, min_group_size=5, leader_filters=["people"], now=NOW)


def test_a_value_written_around_the_service_never_lowers_the_floor(engine: Engine) -> None:
    with write_transaction(engine) as session:
        org_settings.put_setting(session, "min_group_size", 1, now=NOW, by=None)
        org_settings.put_setting(session, "leader_filters", ["departments", "people"], now=NOW, by=None)
    assert get_privacy(engine) == PrivacySettings(3, frozenset({"departments"}))
