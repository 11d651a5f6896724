"""Assignments (campaigns): create, end and list them, enrol the people their rule picks.

Every action checks its permission here: admins assign to anyone; a leader limited to some
departments assigns only by a rule confined to those departments (and names only people in
them); learners and trainers cannot assign. People who match a running assignment later (a
roster import, a sign-in) are enrolled by `enrol_matching`. Each change is audited, and each
newly enrolled person gets a welcome email in the outbox.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from course.domain.assignments import (
    AssignmentError,
    Completion,
    Cycle,
    DatedWork,
    Plan,
    Progress,
    Rule,
    Standing,
    TargetKind,
    check_plan,
    completion,
    cycle_on,
    fresh_progress,
    next_piece,
    retake_start,
    standing,
    target_title,
)
from course.domain.model import Course
from course.domain.permissions import Action, Actor, Capability
from course.domain.records import ProgressKind
from course.services.permissions import PermissionDenied, audit_denial, require
from course.store import assignments as store
from course.store import audit, people
from course.store.engine import Engine, Session, read_session, write_transaction

__all__ = ["AssignmentError", "Plan", "Rule", "TargetKind"]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _scope(actor: Actor) -> frozenset[str] | None:
    """Return the departments the actor may assign to (None: every department)."""
    if Capability.ADMIN in actor.grants.capabilities:
        return None
    return actor.grants.leader_departments


def _refuse(engine: Engine, actor: Actor, reason: str) -> PermissionDenied:
    audit_denial(engine, actor, Action.MANAGE_ASSIGNMENTS, reason=reason)
    return PermissionDenied(actor, Action.MANAGE_ASSIGNMENTS, reason)


def _check_scope(engine: Engine, actor: Actor, rule: Rule) -> None:
    """Raise PermissionDenied (audited) unless the rule stays within the actor's departments."""
    scope = _scope(actor)
    if scope is None:
        return
    if not rule.departments or not rule.departments <= scope:
        raise _refuse(engine, actor, "the rule must name only departments you lead")
    if rule.emails:
        with read_session(engine) as session:
            named = store.candidates(session, Rule(emails=rule.emails))
        outside = sorted(c.email for c in named if c.department not in scope)
        if outside:
            raise _refuse(engine, actor, "named people outside your departments: " + ", ".join(outside))


def assignable_departments(engine: Engine, actor: Actor) -> list[str]:
    """Return the departments the actor may pick in a rule: those they lead, or every known one."""
    require(engine, actor, Action.MANAGE_ASSIGNMENTS)
    scope = _scope(actor)
    if scope is not None:
        return sorted(scope)
    with read_session(engine) as session:
        return people.list_departments(session)


@dataclass(frozen=True, slots=True)
class Created:
    """The outcome of creating an assignment."""

    assignment_id: int
    enrolled: int


def _enrol(session: Session, row_id: int, people: Sequence[store.Candidate], *, now: datetime) -> int:
    new = set(store.enrol(session, row_id, [p.id for p in people], now=now))
    store.queue_welcome_mail(session, row_id, [p for p in people if p.id in new], now=now)
    return len(new)


def create_assignment(engine: Engine, actor: Actor, course: Course, plan: Plan, *,
                      now: datetime | None = None) -> Created:
    """Check and store the assignment, enrol everyone its rule picks and queue their welcome emails."""
    require(engine, actor, Action.MANAGE_ASSIGNMENTS)
    check_plan(plan, course)
    _check_scope(engine, actor, plan.rule)
    when = _now(now)
    title = target_title(course, plan.kind, plan.target_id)
    with write_transaction(engine) as session:
        row_id = store.add_assignment(
            session, kind=plan.kind, target_id=plan.target_id, title=title, rule=plan.rule,
            starts_on=plan.starts_on, due_on=plan.due_on, retake_months=plan.retake_months,
            created_by=actor.person_id, now=when)
        enrolled = _enrol(session, row_id, store.candidates(session, plan.rule), now=when)
        audit.record_event(
            session, "assignment_created", now=when, actor_id=actor.person_id, actor_label=actor.email,
            target=f"{plan.kind.value}:{plan.target_id}",
            detail={"assignment": row_id, "rule": plan.rule.describe(), "starts_on": plan.starts_on,
                    "due_on": plan.due_on, "retake_months": plan.retake_months, "enrolled": enrolled})
    return Created(row_id, enrolled)


def end_assignment(engine: Engine, actor: Actor, assignment_id: int, *, now: datetime | None = None) -> bool:
    """End a running assignment (False when it was already ended); its enrolments are kept."""
    require(engine, actor, Action.MANAGE_ASSIGNMENTS)
    with read_session(engine) as session:
        row = store.get_assignment(session, assignment_id)
    if row is None:
        raise AssignmentError(f"there is no assignment {assignment_id}")
    _check_scope(engine, actor, row.rule)
    when = _now(now)
    with write_transaction(engine) as session:
        ended = store.end_assignment(session, assignment_id, now=when)
        if ended:
            audit.record_event(session, "assignment_ended", now=when, actor_id=actor.person_id,
                               actor_label=actor.email, target=f"{row.kind.value}:{row.target_id}",
                               detail={"assignment": assignment_id})
    return ended


def _matches(session: Session, row: store.AssignmentRow, wanted: set[int] | None) -> list[store.Candidate]:
    """Return the people the assignment's rule picks and who are not enrolled in it yet."""
    if wanted is not None and len(wanted) == 1:
        people = store.candidates(session, row.rule, person_id=next(iter(wanted)))
    else:
        people = [p for p in store.candidates(session, row.rule) if wanted is None or p.id in wanted]
    if not people:
        return []
    known = store.enrolled_ids(session, row.id, among=[p.id for p in people])
    return [p for p in people if p.id not in known]


def _enrol_matching_in(session: Session, wanted: set[int] | None, *, now: datetime) -> int:
    added = 0
    for row in store.list_assignments(session, running_only=True):
        count = _enrol(session, row.id, _matches(session, row, wanted), now=now)
        if count:
            audit.record_event(session, "assignment_enrolled", now=now, actor_label="system",
                               target=f"{row.kind.value}:{row.target_id}",
                               detail={"assignment": row.id, "enrolled": count, "source": "later match"})
        added += count
    return added


def enrol_matching(engine: Engine, person_ids: Iterable[int] | None = None, *,
                   now: datetime | None = None) -> int:
    """Enrol in every running assignment the people its rule picks now (these people, or everyone).

    Called after a roster import, so people who join or change later are enrolled too. It only
    reads unless someone is to be enrolled. Returns how many enrolments were added; each batch
    is audited and each person welcomed.
    """
    wanted = None if person_ids is None else set(person_ids)
    with read_session(engine) as session:
        pending = any(_matches(session, row, wanted)
                      for row in store.list_assignments(session, running_only=True))
    if not pending:
        return 0
    with write_transaction(engine) as session:
        return _enrol_matching_in(session, wanted, now=_now(now))


def enrol_at_sign_in(session: Session, person_id: int, *, now: datetime) -> int:
    """Enrol a person who is signing in, in the sign-in's own transaction (a read when nothing is new)."""
    return _enrol_matching_in(session, {person_id}, now=now)


def _progress(rows: Iterable[store.ProgressRow]) -> Progress:
    sections: dict[str, int] = {}
    quizzes: set[str] = set()
    scenarios: set[str] = set()
    for r in rows:
        if r.kind == ProgressKind.MODULE.value:
            sections[r.item_id] = r.events
        elif r.kind == ProgressKind.QUIZ.value and r.passed:
            quizzes.add(r.item_id)
        elif r.kind == ProgressKind.SCENARIO.value and r.events > 0:
            scenarios.add(r.item_id)
    return Progress(sections, frozenset(quizzes), frozenset(scenarios))


_NO_PROGRESS = Progress({}, frozenset(), frozenset())


@dataclass(frozen=True, slots=True)
class AssignmentSummary:
    """One assignment as the admin page lists it, with counts of where its people stand."""

    id: int
    kind: TargetKind
    target_id: str
    title: str
    rule: Rule
    starts_on: date
    due_on: date
    retake_months: int | None
    ended: bool
    enrolled: int
    done: int
    in_progress: int
    overdue: int


def cycle_of(row: store.AssignmentRow, today: date) -> Cycle:
    """Return the assignment's cycle running on a day (its first, or a re-take)."""
    return cycle_on(row.starts_on, row.due_on, row.retake_months, today)


def counted_progress(cycle: Cycle, base: Progress, work: Sequence[DatedWork]) -> Progress:
    """Return the progress that counts in the cycle: all of it in the first, fresh work in a re-take."""
    return fresh_progress(base, work, cycle.starts_on) if cycle.retake else base


def read_cycle_work(session: Session, person_ids: Iterable[int],
               cycles: Iterable[Cycle]) -> dict[int, list[DatedWork]]:
    """Return the dated work that re-take cycles need (nothing, and no statement, without one)."""
    starts = [c.starts_on for c in cycles if c.retake]
    if not starts:
        return {}
    since = datetime.combine(min(starts), time(), tzinfo=UTC)
    return store.dated_work(session, list(person_ids), since=since)


def quiz_cycle_start(session: Session, course: Course, person_id: int, quiz_id: str,
                     today: date) -> date | None:
    """Return the day the person's running re-take of work asking for the quiz began (None: none runs)."""
    rows = [r for r in store.person_assignments(session, person_id) if r.starts_on <= today]
    return retake_start(course, [(r.kind, r.target_id, cycle_of(r, today)) for r in rows], quiz_id)


def _summary(row: store.AssignmentRow, people: set[int], progress: dict[int, Progress], course: Course,
             today: date, work: dict[int, list[DatedWork]]) -> AssignmentSummary:
    cycle = cycle_of(row, today)
    states = [completion(course, row.kind, row.target_id,
                         counted_progress(cycle, progress.get(p, _NO_PROGRESS), work.get(p, [])))
              for p in people]
    done = sum(s is Completion.DONE for s in states)
    return AssignmentSummary(
        row.id, row.kind, row.target_id, row.title, row.rule, row.starts_on, cycle.due_on, row.retake_months,
        row.ended_at is not None, len(people), done, sum(s is Completion.IN_PROGRESS for s in states),
        0 if today <= cycle.due_on else len(people) - done)


def list_assignments(engine: Engine, actor: Actor, course: Course, *,
                     today: date | None = None) -> list[AssignmentSummary]:
    """Return the assignments the actor may manage, newest first, with done / in progress / overdue counts.

    Three reads however many assignments there are, plus two when a re-take cycle is running.
    """
    require(engine, actor, Action.MANAGE_ASSIGNMENTS)
    scope = _scope(actor)
    day = today or datetime.now(UTC).date()
    with read_session(engine) as session:
        rows = [row for row in store.list_assignments(session)
                if scope is None or (row.rule.departments and row.rule.departments <= scope)]
        enrolments = store.all_enrolments(session) if rows else {}
        counters = store.enrolled_progress(session) if rows else []
        retaking = [row for row in rows if cycle_of(row, day).retake]
        work = read_cycle_work(session, {p for row in retaking for p in enrolments.get(row.id, set())},
                          [cycle_of(row, day) for row in retaking])
    by_person: dict[int, list[store.ProgressRow]] = defaultdict(list)
    for counter in counters:
        by_person[counter.person_id].append(counter)
    progress = {person_id: _progress(found) for person_id, found in by_person.items()}
    return [_summary(row, enrolments.get(row.id, set()), progress, course, day, work) for row in rows]


@dataclass(frozen=True, slots=True)
class DueItem:
    """One assignment on a learner's home: what, by when, and where they stand in the running cycle."""

    kind: TargetKind
    target_id: str
    title: str
    due_on: date
    standing: Standing
    completion: Completion
    #: 0 for the first round; 1, 2, ... for each re-take, which asks for fresh work.
    cycle: int = 0
    #: In a re-take of a track: what to do again next, as ("module" | "quiz" | "scenario", id).
    retake_next: tuple[str, str] | None = None


_ORDER = {Standing.OVERDUE: 1, Standing.DUE: 0, Standing.DONE: 2}


def _due_items(course: Course, rows: Iterable[store.AssignmentRow], progress: Progress,
               work: Sequence[DatedWork], day: date) -> list[DueItem]:
    items = []
    for row in rows:
        if row.starts_on > day:
            continue
        cycle = cycle_of(row, day)
        counted = counted_progress(cycle, progress, work)
        done = completion(course, row.kind, row.target_id, counted)
        again = (next_piece(course, row.target_id, counted)
                 if cycle.retake and row.kind is TargetKind.TRACK and done is not Completion.DONE else None)
        items.append(DueItem(row.kind, row.target_id, target_title(course, row.kind, row.target_id),
                             cycle.due_on, standing(done, cycle.due_on, day), done, cycle.number, again))
    return sorted(items, key=lambda i: (_ORDER[i.standing], i.due_on))


def my_assignments(engine: Engine, actor: Actor, course: Course, *,
                   today: date | None = None) -> list[DueItem]:
    """Return the learner's own running assignments: due ones first, then overdue, then done."""
    require(engine, actor, Action.READ_SECTION)
    day = today or datetime.now(UTC).date()
    with read_session(engine) as session:
        rows = store.person_assignments(session, actor.person_id)
        if not rows:
            return []
        progress = _progress(store.person_progress(session, actor.person_id))
        work = read_cycle_work(session, [actor.person_id],
                               [cycle_of(r, day) for r in rows if r.starts_on <= day])
    return _due_items(course, rows, progress, work.get(actor.person_id, []), day)


# --- managers ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TeamMember:
    """One of a manager's reports, by name, with where they stand on each running assignment."""

    person_id: int
    name: str
    email: str
    items: tuple[DueItem, ...]


def _team(engine: Engine, actor: Actor, course: Course, day: date,
          only: int | None = None) -> list[TeamMember]:
    with read_session(engine) as session:
        reports = store.reports_of(session, actor.person_id)
        if only is not None:
            reports = [r for r in reports if r.id == only]
        ids = [r.id for r in reports]
        assigned = store.assignments_of(session, ids)
        counters = store.progress_of(session, ids) if assigned else []
        work = read_cycle_work(session, ids, [cycle_of(row, day) for rows in assigned.values() for row in rows
                                         if row.starts_on <= day])
    by_person: dict[int, list[store.ProgressRow]] = defaultdict(list)
    for counter in counters:
        by_person[counter.person_id].append(counter)
    return [TeamMember(r.id, r.name, r.email,
                       tuple(_due_items(course, assigned.get(r.id, []), _progress(by_person[r.id]),
                                        work.get(r.id, []), day)))
            for r in reports]


def my_team(engine: Engine, actor: Actor, course: Course, *, today: date | None = None) -> list[TeamMember]:
    """Return the actor's reports (people whose roster manager they are) and their assignments, by name.

    Only someone with reports may ask (audited when refused); whatever the grants say, the
    answer holds only the people who name the actor as their manager now.
    """
    require(engine, actor, Action.VIEW_TEAM)
    return _team(engine, actor, course, today or datetime.now(UTC).date())


def team_member(engine: Engine, actor: Actor, course: Course, person_id: int, *,
                today: date | None = None) -> TeamMember:
    """Return one report and their assignments; asking for anyone else is refused and audited."""
    require(engine, actor, Action.VIEW_TEAM)
    found = _team(engine, actor, course, today or datetime.now(UTC).date(), only=person_id)
    if not found:
        reason = f"person {person_id} is not one of your reports"
        audit_denial(engine, actor, Action.VIEW_TEAM, reason=reason)
        raise PermissionDenied(actor, Action.VIEW_TEAM, reason)
    return found[0]
