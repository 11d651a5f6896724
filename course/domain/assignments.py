"""Assignments (campaigns): who must take which part of the course, by when.

An assignment names a target (a track, a module or a scenario), a rule that picks people from
the roster (departments, tracks, management levels, named people), a start date, a due date and
an optional re-take period. Everything here is pure: the store keeps the rows, the services
check permissions and enrol people.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from course.domain.model import Course, Module
from course.domain.paths import path_for


class AssignmentError(ValueError):
    """The assignment cannot be made as asked (the message says why, for the admin)."""


class TargetKind(StrEnum):
    """What part of the course an assignment asks for."""

    TRACK = "track"
    MODULE = "module"
    SCENARIO = "scenario"


class Standing(StrEnum):
    """Where one assigned person stands, in the order a learner's home lists them."""

    OVERDUE = "overdue"
    DUE = "due"
    DONE = "done"


class Completion(StrEnum):
    """How far a person is with an assignment's target."""

    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"


def _clean(values: Iterable[str], *, fold: bool = False) -> frozenset[str]:
    cleaned = (v.strip() for v in values)
    return frozenset((v.casefold() if fold else v) for v in cleaned if v)


@dataclass(frozen=True, slots=True)
class Rule:
    """Who an assignment is for.

    A person matches when they are named, or when every attribute that the rule lists holds for
    them (their department is one of `departments`, one of their tracks is in `tracks`, their
    level is one of `levels`); a rule that lists nothing matches nobody.
    """

    departments: frozenset[str] = frozenset()
    tracks: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *, departments: Iterable[str] = (), tracks: Iterable[str] = (),
           levels: Iterable[str] = (), emails: Iterable[str] = ()) -> Rule:
        """Return a rule with blank values dropped (tracks and emails compared case-blind)."""
        return cls(_clean(departments), _clean(tracks, fold=True), _clean(levels),
                   _clean(emails, fold=True))

    @property
    def by_attribute(self) -> bool:
        """Tell whether the rule picks people by roster attribute (not only by name)."""
        return bool(self.departments or self.tracks or self.levels)

    @property
    def empty(self) -> bool:
        """Tell whether the rule picks nobody."""
        return not (self.by_attribute or self.emails)

    def matches(self, *, email: str, department: str, tracks: Iterable[str], level: str) -> bool:
        """Tell whether a person with these roster attributes is picked by the rule."""
        if email.casefold() in self.emails:
            return True
        if not self.by_attribute:
            return False
        return ((not self.departments or department in self.departments)
                and (not self.tracks or bool(self.tracks & {t.casefold() for t in tracks}))
                and (not self.levels or level in self.levels))

    def to_json(self) -> dict[str, list[str]]:
        """Return the rule as a JSON-ready object (lists sorted, so equal rules store equal)."""
        return {"departments": sorted(self.departments), "tracks": sorted(self.tracks),
                "levels": sorted(self.levels), "emails": sorted(self.emails)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Rule:
        """Return the rule stored by `to_json`."""
        def values(name: str) -> list[str]:
            raw = data.get(name, [])
            return [str(v) for v in raw] if isinstance(raw, list) else []
        return cls.of(departments=values("departments"), tracks=values("tracks"),
                      levels=values("levels"), emails=values("emails"))

    def describe(self) -> str:
        """Return the rule in words, for tables and emails."""
        parts = []
        if self.departments:
            parts.append("department " + " or ".join(sorted(self.departments)))
        if self.tracks:
            parts.append("track " + " or ".join(sorted(self.tracks)))
        if self.levels:
            parts.append("level " + " or ".join(sorted(self.levels)))
        text = " and ".join(parts)
        if self.emails:
            named = f"{len(self.emails)} named person" + ("" if len(self.emails) == 1 else "s")
            text = f"{text}, plus {named}" if text else named
        return text or "nobody"


@dataclass(frozen=True, slots=True)
class Plan:
    """What an admin asks for when creating an assignment, before it is checked and stored."""

    kind: TargetKind
    target_id: str
    rule: Rule
    starts_on: date
    due_on: date
    retake_months: int | None = None


def check_plan(plan: Plan, course: Course) -> None:
    """Raise AssignmentError unless the plan names a real target, a rule, and dates in order."""
    if plan.rule.empty:
        raise AssignmentError("choose at least one department, track, level or named person")
    if plan.due_on < plan.starts_on:
        raise AssignmentError("the due date is before the start date")
    if plan.retake_months is not None and not 1 <= plan.retake_months <= 120:
        raise AssignmentError("re-take every 1 to 120 months, or never")
    known = {
        TargetKind.TRACK: course.info.roles,
        TargetKind.MODULE: course.modules,
        TargetKind.SCENARIO: course.scenarios,
    }[plan.kind]
    if plan.target_id not in known:
        raise AssignmentError(f"there is no {plan.kind.value} {plan.target_id!r} in the course")


def target_title(course: Course, kind: TargetKind, target_id: str) -> str:
    """Return the target's title (its id when the course no longer has it)."""
    if kind is TargetKind.TRACK:
        return f"{course.info.roles.get(target_id, target_id)} track"
    meta = course.item_meta(target_id)
    return target_id if meta is None else meta.title


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _months_between(start: date, later: date) -> int:
    return (later.year - start.year) * 12 + later.month - start.month


@dataclass(frozen=True, slots=True)
class Cycle:
    """One round of an assignment: the first (number 0) or a re-take, with its own dates.

    Work done before `starts_on` does not count toward a re-take's completion, and each cycle
    earns its own certificate.
    """

    number: int
    starts_on: date
    due_on: date

    @property
    def retake(self) -> bool:
        """Tell whether this is a re-take (a cycle after the first)."""
        return self.number > 0


def cycle_on(starts_on: date, due_on: date, retake_months: int | None, today: date) -> Cycle:
    """Return the cycle running today: the first until the first re-take starts, then the latest.

    Cycle n starts `n * retake_months` after the first start and is due as long after the first
    due date (both on the same day of the month, or the month's last day when it is shorter).
    """
    if retake_months is None or today < add_months(starts_on, retake_months):
        return Cycle(0, starts_on, due_on)
    number = max(0, _months_between(starts_on, today) // retake_months + 1)
    while number > 0 and add_months(starts_on, retake_months * number) > today:
        number -= 1
    return Cycle(number, add_months(starts_on, retake_months * number),
                 add_months(due_on, retake_months * number))


@dataclass(frozen=True, slots=True)
class DatedWork:
    """One dated piece of assessed work: a quiz attempt or a finished scenario run."""

    kind: str  # "quiz" or "scenario"
    item_id: str
    at: datetime
    passed: bool
    score: float | None = None


def fresh_progress(progress: Progress, work: Iterable[DatedWork], since: date) -> Progress:
    """Return the progress that counts in a cycle starting on `since`.

    Quizzes count as passed, and scenarios as played, only by work dated on or after that day.
    Sections read stay read: a section is recorded once per content version, so a re-take asks
    again for the assessed work, not for the reading.
    """
    recent = [w for w in work if w.at.date() >= since]
    return Progress(
        progress.sections_read,
        frozenset(w.item_id for w in recent if w.kind == "quiz" and w.passed),
        frozenset(w.item_id for w in recent if w.kind == "scenario"),
    )


def fresh_scores(work: Iterable[DatedWork], since: date) -> dict[str, float]:
    """Return the best quiz score of each quiz attempted on or after `since`."""
    best: dict[str, float] = {}
    for w in work:
        if w.kind == "quiz" and w.score is not None and w.at.date() >= since:
            best[w.item_id] = max(best.get(w.item_id, 0.0), w.score)
    return best


@dataclass(frozen=True, slots=True)
class Progress:
    """What the store knows of one person's progress, keyed by item id."""

    sections_read: Mapping[str, int]
    quizzes_passed: frozenset[str]
    scenarios_done: frozenset[str]

    def module(self, module: Module) -> Completion:
        """Return how far the person is with a module: every section read, quiz passed, scenario played."""
        read = self.sections_read.get(module.meta.id, 0)
        quiz = module.quiz is None or module.quiz in self.quizzes_passed
        scenario = module.scenario is None or module.scenario in self.scenarios_done
        if read >= len(module.sections) and quiz and scenario:
            return Completion.DONE
        started = read > 0 or module.quiz in self.quizzes_passed or module.scenario in self.scenarios_done
        return Completion.IN_PROGRESS if started else Completion.NOT_STARTED


def completion(course: Course, kind: TargetKind, target_id: str, progress: Progress) -> Completion:
    """Return how far a person is with the target (a missing target counts as not started)."""
    if kind is TargetKind.SCENARIO:
        return Completion.DONE if target_id in progress.scenarios_done else Completion.NOT_STARTED
    if kind is TargetKind.MODULE:
        module = course.modules.get(target_id)
        return Completion.NOT_STARTED if module is None else progress.module(module)
    if target_id not in course.info.roles:
        return Completion.NOT_STARTED
    states = [progress.module(m) for m in path_for(course, [target_id])]
    if states and all(s is Completion.DONE for s in states):
        return Completion.DONE
    if any(s is not Completion.NOT_STARTED for s in states):
        return Completion.IN_PROGRESS
    return Completion.NOT_STARTED


def quizzes_asked(course: Course, kind: TargetKind, target_id: str) -> frozenset[str]:
    """Return the quizzes a target asks for: a module's own, or those of each module on a track's path."""
    if kind is TargetKind.SCENARIO:
        return frozenset()
    if kind is TargetKind.MODULE:
        module = course.modules.get(target_id)
        modules: Sequence[Module] = () if module is None else (module,)
    else:
        modules = path_for(course, [target_id]) if target_id in course.info.roles else ()
    return frozenset(m.quiz for m in modules if m.quiz is not None)


def retake_start(course: Course, cycles: Iterable[tuple[TargetKind, str, Cycle]],
                 quiz_id: str) -> date | None:
    """Return the first day of the latest running re-take that asks for the quiz (None: none runs).

    A re-take asks for the quiz afresh, so attempts made before that day no longer count against
    the quiz's attempt limit, as they no longer count toward its completion.
    """
    starts = [cycle.starts_on for kind, target_id, cycle in cycles
              if cycle.retake and quiz_id in quizzes_asked(course, kind, target_id)]
    return max(starts, default=None)


def next_piece(course: Course, track: str, progress: Progress) -> tuple[str, str] | None:
    """Return what to do next on a track: ("module" | "quiz" | "scenario", id), or None when done.

    In a re-take, `progress` is the cycle's fresh progress, so this names the first quiz or
    scenario still to be done again (sections already read count as read).
    """
    for module in path_for(course, [track]):
        if progress.sections_read.get(module.meta.id, 0) < len(module.sections):
            return "module", module.meta.id
        if module.quiz is not None and module.quiz not in progress.quizzes_passed:
            return "quiz", module.quiz
        if module.scenario is not None and module.scenario not in progress.scenarios_done:
            return "scenario", module.scenario
    return None


def standing(done: Completion, due: date, today: date) -> Standing:
    """Return whether an assigned item is done, due, or overdue today."""
    if done is Completion.DONE:
        return Standing.DONE
    return Standing.OVERDUE if today > due else Standing.DUE
