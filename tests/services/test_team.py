"""Managers: a person with reports sees their team's assignments by name, and nobody else's.

Actors are read back through a stored session, as every page reads them, so the test covers
how "has reports" is found as well as the check in the action itself.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from course.domain.assignments import Completion, Plan, Rule, Standing, TargetKind
from course.domain.model import Course
from course.domain.permissions import Action, Actor, Capability, Grants
from course.services import assignments
from course.services.accounts import hash_token, resume_session
from course.services.permissions import PermissionDenied
from course.store import people, sessions
from course.store.engine import write_transaction
from tests.conftest import TreeWriter
from tests.services.test_certificates import finish_track
from tests.services.test_learning import NOW, PATH_TREE, AddPerson, add_person, events, load, read_all

__all__ = ["add_person"]  # the fixture, shared with the learning tests

L, T, D, A = Capability.LEARNER, Capability.TRAINER, Capability.LEADER, Capability.ADMIN
DUE = date(2026, 6, 1)


@pytest.fixture
def course(write_tree: TreeWriter) -> Course:
    return load(write_tree(PATH_TREE))


def resumed(engine: Engine, actor: Actor) -> Actor:
    """Return the actor as a page would read them: through a session, grants and reports afresh."""
    token = secrets.token_urlsafe(16)
    with write_transaction(engine) as session:
        sessions.create_session(session, hash_token(token), person_id=actor.person_id, now=datetime.now(UTC))
    found = resume_session(engine, token)
    assert found is not None
    return found


def manage(engine: Engine, manager: Actor | None, *reports: Actor) -> None:
    with write_transaction(engine) as session:
        people.set_managers(session, [(r.person_id, None if manager is None else manager.person_id)
                                      for r in reports], now=NOW)


@pytest.fixture
def org(engine: Engine, add_person: AddPerson, course: Course) -> dict[str, Actor]:
    """Two managers with their teams, a learner, a leader, an admin and a trainer; legal assigned."""
    made = {name: add_person(f"{name}@example.org", capabilities=caps) for name, caps in [
        ("mona", (L,)), ("ada", (L,)), ("bo", (L,)), ("otto", (L,)), ("cy", (L,)), ("lee", (L,)),
        ("lars", (D, L)), ("root", (A,)), ("tess", (T,))]}
    manage(engine, made["mona"], made["ada"], made["bo"])
    manage(engine, made["otto"], made["cy"])
    plan = Plan(TargetKind.TRACK, "legal", Rule.of(departments=["legal"]), date(2026, 5, 1), DUE)
    assignments.create_assignment(engine, made["root"], course, plan, now=NOW)
    return {name: resumed(engine, actor) for name, actor in made.items()}


def names(team: list[assignments.TeamMember]) -> list[str]:
    return [member.email.split("@")[0] for member in team]


def test_only_people_with_reports_see_a_team_and_only_their_own(
    engine: Engine, course: Course, org: dict[str, Actor]
) -> None:
    assert org["mona"].grants.has_reports and org["otto"].grants.has_reports
    assert names(assignments.my_team(engine, org["mona"], course, today=NOW.date())) == ["ada", "bo"]
    assert names(assignments.my_team(engine, org["otto"], course, today=NOW.date())) == ["cy"]
    refused = ["lee", "lars", "root", "tess", "ada"]  # no reports: a learner, leader, admin, trainer
    for name in refused:
        assert not org[name].grants.has_reports
        with pytest.raises(PermissionDenied, match="view_team"):
            assignments.my_team(engine, org[name], course, today=NOW.date())
    denied = [e for e in events(engine, "action_denied") if e.target == Action.VIEW_TEAM.value]
    assert sorted(e.actor.split("@")[0] for e in denied) == sorted(refused)


def test_a_manager_asking_for_someone_outside_their_team_is_refused_and_audited(
    engine: Engine, course: Course, org: dict[str, Actor]
) -> None:
    mine = assignments.team_member(engine, org["mona"], course, org["ada"].person_id, today=NOW.date())
    assert mine.email == "ada@example.org"
    for other in ("cy", "otto", "mona", "lars"):
        with pytest.raises(PermissionDenied, match="not one of your reports"):
            assignments.team_member(engine, org["mona"], course, org[other].person_id, today=NOW.date())
    with pytest.raises(PermissionDenied):
        assignments.team_member(engine, org["lars"], course, org["ada"].person_id, today=NOW.date())
    reasons = [e.detail.get("reason", "") for e in events(engine, "action_denied")]
    assert sum("not one of your reports" in r for r in reasons) == 4


def test_the_team_shows_who_is_done_in_progress_and_overdue_with_due_dates(
    engine: Engine, course: Course, org: dict[str, Actor]
) -> None:
    finish_track(engine, org["ada"], course)
    read_all(engine, org["bo"], course, "basics")

    def standing(today: date) -> dict[str, tuple[Standing, Completion, date]]:
        team = assignments.my_team(engine, org["mona"], course, today=today)
        return {m.email.split("@")[0]: (m.items[0].standing, m.items[0].completion, m.items[0].due_on)
                for m in team}

    assert standing(date(2026, 5, 20)) == {
        "ada": (Standing.DONE, Completion.DONE, DUE), "bo": (Standing.DUE, Completion.IN_PROGRESS, DUE)}
    assert standing(date(2026, 6, 2))["bo"] == (Standing.OVERDUE, Completion.IN_PROGRESS, DUE)


def test_the_team_is_read_afresh_so_stale_or_forged_grants_reveal_nobody(
    engine: Engine, course: Course, org: dict[str, Actor]
) -> None:
    manage(engine, org["otto"], org["ada"])  # ada moves to otto's team
    stale = org["mona"]  # still holds has_reports from before the move
    assert names(assignments.my_team(engine, stale, course, today=NOW.date())) == ["bo"]
    manage(engine, None, org["bo"])
    assert assignments.my_team(engine, stale, course, today=NOW.date()) == []
    assert not resumed(engine, stale).grants.has_reports
    forged = Actor(org["lee"].person_id, org["lee"].email, Grants(frozenset({L}), has_reports=True))
    assert assignments.my_team(engine, forged, course, today=NOW.date()) == []


def test_a_report_who_leaves_is_no_longer_shown(
    engine: Engine, course: Course, org: dict[str, Actor]
) -> None:
    with write_transaction(engine) as session:
        people.update_person(session, org["bo"].person_id, active=False, now=NOW)
    assert names(assignments.my_team(engine, org["mona"], course, today=NOW.date())) == ["ada"]
