"""What a learner sees of their own learning: their path, what is next, their literacy profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from course.domain.accounts import PersonInfo
from course.domain.model import Course, Module
from course.domain.paths import path_for
from course.domain.permissions import Action, Actor, Page
from course.domain.placement import fast_tracked, pre_scores, shown_competencies
from course.domain.records import ProgressEntry, ProgressKind
from course.domain.scoring import (
    CompetencyScore,
    Evidence,
    EvidenceKind,
    after_practice,
    profile,
    scenario_evidence,
)
from course.services.permissions import require
from course.store import attempts, people, placement, progress, scenario_runs
from course.store.engine import Engine, read_session


class NotAvailable(LookupError):
    """The item does not exist, is not on the learner's path, or is still locked.

    `waiting_for` holds, for a locked item, the ids of the prerequisites still to finish.
    """

    def __init__(self, message: str, *, waiting_for: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.waiting_for = waiting_for


class ModuleState(StrEnum):
    """Where a learner stands with a module."""

    LOCKED = "locked"
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class ModuleStatus:
    """One module of a learner's path and how far they are with it."""

    module: Module
    sections_read: frozenset[int]
    quiz_passed: bool | None
    scenario_done: bool | None
    unlocked: bool
    waiting_for: tuple[str, ...] = ()  # prerequisites (module, quiz or scenario ids) not yet done
    #: The placement pre-check showed every competency of the module: reading it is optional.
    fast_tracked: bool = False

    @property
    def read_all(self) -> bool:
        """Tell whether every section of the current version has been read."""
        return len(self.sections_read) >= len(self.module.sections)

    @property
    def state(self) -> ModuleState:
        """Return the module's state for this learner."""
        if not self.unlocked:
            return ModuleState.LOCKED
        read = self.read_all or self.fast_tracked
        if read and self.quiz_passed is not False and self.scenario_done is not False:
            return ModuleState.DONE
        started = self.sections_read or self.quiz_passed or self.scenario_done
        return ModuleState.IN_PROGRESS if started else ModuleState.NOT_STARTED


@dataclass(frozen=True, slots=True)
class PathView:
    """A learner's path: the modules of their tracks in order, and what to do next."""

    person: PersonInfo
    modules: tuple[ModuleStatus, ...]
    #: Whether the learner has answered the placement pre-check.
    placement_taken: bool = False

    @property
    def done(self) -> int:
        """Count the completed modules."""
        return sum(m.state is ModuleState.DONE for m in self.modules)

    @property
    def next(self) -> ModuleStatus | None:
        """Return the first unlocked module that is not done."""
        return next((m for m in self.modules if m.state in {ModuleState.IN_PROGRESS,
                                                             ModuleState.NOT_STARTED}), None)

    @property
    def minutes_left(self) -> int:
        """Estimate the reading time left on the modules not yet done."""
        return sum(m.module.meta.minutes or 0 for m in self.modules if m.state is not ModuleState.DONE)

    def next_step(self) -> tuple[Page, str] | None:
        """Return where the learner carries on: the page and item id of what is left to do.

        The first unread section's module, else the quiz not yet passed, else the scenario not
        yet played; None when the module is locked or done.
        """
        status = self.next
        if status is None:
            return None
        if not status.read_all and not (status.fast_tracked and status.module.quiz is not None
                                        and status.quiz_passed is False):
            return Page.MODULE, status.module.meta.id
        if status.quiz_passed is False and status.module.quiz is not None:
            return Page.QUIZ, status.module.quiz
        if status.scenario_done is False and status.module.scenario is not None:
            return Page.SCENARIO, status.module.scenario
        return Page.MODULE, status.module.meta.id

    def status(self, module_id: str) -> ModuleStatus | None:
        """Return the status of a module of this path."""
        return next((m for m in self.modules if m.module.meta.id == module_id), None)


def get_person(engine: Engine, actor: Actor) -> PersonInfo:
    """Return the signed-in person's own record."""
    with read_session(engine) as session:
        person = people.get_person(session, actor.person_id)
    if person is None:
        raise NotAvailable("your account no longer exists")
    return person


def get_path(engine: Engine, actor: Actor, course: Course) -> PathView:
    """Return the learner's path with the state of every module."""
    require(engine, actor, Action.READ_SECTION)
    person = get_person(engine, actor)
    with read_session(engine) as session:
        entries = progress.list_progress(session, actor.person_id)
        read = progress.list_all_sections_read(session, actor.person_id)
        placed = placement.list_placement(session, actor.person_id)
    return build_path(course, person, entries, read, placed=placed)


def build_path(course: Course, person: PersonInfo, entries: list[ProgressEntry],
               read: dict[tuple[str, str], set[int]], *,
               placed: Sequence[placement.PlacementEvidence] = ()) -> PathView:
    """Return a learner's path from their progress, the sections read and the pre-check's answers."""
    passed = {e.item_id for e in entries if e.kind is ProgressKind.QUIZ and e.passed}
    finished = {e.item_id for e in entries if e.kind is ProgressKind.SCENARIO and e.events > 0}
    modules = path_for(course, person.tracks)
    quick = fast_tracked(modules, shown_competencies(pre_scores((a.competency, a.score) for a in placed)))
    statuses: dict[str, ModuleStatus] = {}
    for module in modules:
        sections = frozenset(read.get((module.meta.id, module.meta.version), set()))
        statuses[module.meta.id] = ModuleStatus(
            module=module,
            sections_read=sections,
            quiz_passed=None if module.quiz is None else module.quiz in passed,
            scenario_done=None if module.scenario is None else module.scenario in finished,
            unlocked=True,
            fast_tracked=module.meta.id in quick,
        )
    done = {i for i, s in statuses.items() if s.state is ModuleState.DONE} | passed | finished
    final = []
    for s in statuses.values():
        waiting = tuple(r for r in s.module.meta.requires if r not in done)
        final.append(ModuleStatus(s.module, s.sections_read, s.quiz_passed, s.scenario_done,
                                  unlocked=not waiting, waiting_for=waiting, fast_tracked=s.fast_tracked))
    return PathView(person, tuple(final), placement_taken=bool(placed))


def find_module_on_path(path: PathView, module_id: str) -> ModuleStatus:
    """Return a module of the learner's path that is unlocked, or raise NotAvailable."""
    status = path.status(module_id)
    if status is None:
        raise NotAvailable(f"module '{module_id}' is not on your path")
    if not status.unlocked:
        raise NotAvailable(f"module '{module_id}' is locked until its prerequisites are done",
                           waiting_for=status.waiting_for)
    return status


def linked_from_path(path: PathView, *, quiz_id: str | None = None,
                     scenario_id: str | None = None) -> ModuleStatus:
    """Return the unlocked module of the path that links this quiz or scenario."""
    for status in path.modules:
        linked = (quiz_id is not None and status.module.quiz == quiz_id) or (
            scenario_id is not None and status.module.scenario == scenario_id)
        if linked and status.unlocked:
            return status
    raise NotAvailable("this activity is not on your path, or it is still locked")


def get_evidence(engine: Engine, actor: Actor, course: Course) -> list[Evidence]:
    """Return every answer and finished run of the learner as evidence for their profile."""
    require(engine, actor, Action.VIEW_OWN_PROFILE)
    with read_session(engine) as session:
        answers = attempts.list_answers(session, actor.person_id)
        runs = scenario_runs.list_runs(session, actor.person_id)
    evidence = [Evidence(EvidenceKind.ANSWER, a.competency, a.quiz_id, a.question_id,
                         a.score, a.answered_at) for a in answers]
    for run in runs:
        scenario = course.scenarios.get(run.scenario_id)
        if run.finished_at is None or run.score is None or scenario is None:
            continue
        evidence += scenario_evidence(scenario_id=run.scenario_id, run_id=run.run_id,
                                      competencies=scenario.meta.competencies, score=run.score,
                                      at=run.finished_at)
    return evidence


def get_pre_check(engine: Engine, actor: Actor) -> dict[str, float]:
    """Return the learner's own placement pre-check, per competency: the share of its credit earned."""
    require(engine, actor, Action.VIEW_OWN_PROFILE)
    with read_session(engine) as session:
        placed = placement.list_placement(session, actor.person_id)
    return {c: share for c, (share, _) in pre_scores((a.competency, a.score) for a in placed).items()}


def get_profile_and_practice(
    engine: Engine, actor: Actor, course: Course
) -> tuple[dict[str, CompetencyScore], dict[str, CompetencyScore]]:
    """Return the learner's literacy score per competency, and apart, the score after practice.

    The score rests on the first answer to each question and the first finished run of each
    scenario, with the evidence behind it; after practice scores the latest ones. One read of
    the learner's evidence serves both.
    """
    evidence = get_evidence(engine, actor, course)
    return (profile(evidence, course.info.competencies),
            after_practice(evidence, course.info.competencies))
