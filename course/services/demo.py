"""Demo mode: a small demo organisation and one-click sign-in, for trying the product.

Only when NTS_DEMO=1 (the README's run command sets it; production leaves it off). Demo people
live under a reserved domain, have no passphrase, and can be signed in as only while demo mode
is on: the check is made here, on the server, in the action itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from course.domain.model import CourseInfo, demo_departments_of, demo_leader_of
from course.domain.permissions import Actor, Capability, Grants
from course.services.accounts import SignIn, hash_token
from course.services.assignments import enrol_at_sign_in
from course.settings import Settings
from course.store import audit, people, sessions
from course.store.engine import Engine, read_session, write_transaction

DEMO_DOMAIN = "demo.needtoshare.invalid"
_L, _T, _LD, _A = Capability.LEARNER, Capability.TRAINER, Capability.LEADER, Capability.ADMIN


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """One person of the demo organisation, and what signing in as them shows."""

    local: str
    name: str
    department: str
    tracks: tuple[str, ...]
    capabilities: frozenset[Capability]
    label: str

    @property
    def email(self) -> str:
        """Return the demo person's reserved address."""
        return f"{self.local}@{DEMO_DOMAIN}"


#: The people every demo has whatever the course: (local part, name, department, capabilities, label).
_STAFF = (
    ("trainer", "Tara Trainer (demo)", "Learning", frozenset({_T}), "Trainer"),
    ("admin", "Ada Admin (demo)", "Administration", frozenset({_A}), "Administrator"),
)


def demo_people(info: CourseInfo | None) -> tuple[DemoPerson, ...]:
    """Return the demo people for a course: a learner per role, a leader, a trainer, an administrator.

    Emails depend only on role ids, so a demo database made by an earlier version keeps its
    people. Without a loaded course there are no tracks to follow: only trainer and administrator.
    """
    if info is None:
        return tuple(DemoPerson(local, name, dept, (), caps, label)
                     for local, name, dept, caps, label in _STAFF)
    departments = demo_departments_of(info)
    learners = tuple(
        DemoPerson(f"{role}.learner", f"{title} learner (demo)",
                   next((d.name for d in departments if role in d.tracks), title), (role,),
                   frozenset({_L}), f"Learner on the {title} track")
        for role, title in info.roles.items()
    )
    place = demo_leader_of(info)
    leader = DemoPerson("leader", "Lars Leader (demo)", place.department, place.tracks,
                        frozenset({_LD, _L}), "Leader (dashboards)")
    return (*learners, leader, *demo_people(None))


class DemoUnavailable(PermissionError):
    """Demo sign-in was asked for while demo mode is off, or for someone not in the demo."""


def ensure_demo_organisation(
    engine: Engine, settings: Settings, *, info: CourseInfo | None, now: datetime | None = None
) -> int:
    """Create the course's demo people that are missing (only in demo mode); return how many were added.

    People are matched by email: those already present are left as they are.
    """
    if not settings.demo_mode:
        return 0
    when = now or datetime.now(UTC)
    added = 0
    with write_transaction(engine) as session:
        for person in demo_people(info):
            if people.find_person_id(session, person.email) is not None:
                continue
            person_id = people.add_person(
                session, person.email, name=person.name, department=person.department,
                tracks=person.tracks, grants=Grants(person.capabilities), now=when,
            )
            audit.record_event(session, "demo_person_created", now=when, actor_label="demo mode",
                               subject_id=person_id, subject_label=person.email)
            added += 1
    return added


def demo_sign_in(
    engine: Engine,
    email: str,
    *,
    settings: Settings,
    info: CourseInfo | None,
    address: str = "",
    now: datetime | None = None,
) -> SignIn:
    """Open a session as a demo person, if demo mode is on and the person is one of the course's demo."""
    if not settings.demo_mode or email not in {p.email for p in demo_people(info)}:
        raise DemoUnavailable("demo sign-in is not available")
    when = now or datetime.now(UTC)
    with read_session(engine) as session:
        person = people.get_person(session, people.find_person_id(session, email) or 0)
    if person is None or not person.active:
        raise DemoUnavailable("this demo account does not exist or is disabled")
    token = secrets.token_urlsafe(32)
    with write_transaction(engine, durable=False) as session:
        sessions.create_session(session, hash_token(token), person_id=person.id, now=when, address=address)
        audit.record_event(session, "demo_sign_in", now=when, actor_id=person.id, actor_label=email,
                           address=address)
        enrol_at_sign_in(session, person.id, now=when)
    return SignIn(token, Actor(person.id, person.email, person.grants), "")
