"""Learner work as immutable values: what the store records, exactly once, by key.

Every record carries `key`, an idempotency key generated before the action (see `new_key`), so a
double click, a retry or a replay records it once. Content is named by its stable id and the
version (hash) of the content the learner saw.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class RecordError(ValueError):
    """A record holds a value that cannot be stored."""


def new_key() -> str:
    """Return a fresh idempotency key, to be generated before the action it names."""
    return uuid.uuid4().hex


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise RecordError(message)


def _check_common(key: str, person_id: int, content_version: str) -> None:
    _require(0 < len(key) <= 64, "key must be 1 to 64 characters")
    _require(person_id > 0, "person_id must be positive")
    _require(0 < len(content_version) <= 64, "content_version must be 1 to 64 characters")


def _check_time(value: datetime, name: str) -> None:
    _require(value.tzinfo is not None, f"{name} must carry a time zone")


def _check_seconds(seconds: float) -> None:
    _require(math.isfinite(seconds) and seconds >= 0, "seconds must be a finite number >= 0")


def _check_fraction(score: float) -> None:
    _require(math.isfinite(score) and 0.0 <= score <= 1.0, "score must be between 0 and 1")


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer in a quiz attempt: the options chosen (0-based positions in the file).

    For an ordering or matching question `chosen` lists entries in the order the learner gave
    them, and `score` is the partial credit earned; without a score, a correct answer earns 1
    and any other 0.
    """

    question_id: str
    competency: str
    chosen: tuple[int, ...]
    correct: bool
    seconds: float
    score: float | None = None
    #: The question's hash as it was asked (course/domain/question_hash.py); None when unknown.
    question_hash: str | None = None

    @property
    def credit(self) -> float:
        """Return the credit the answer earned, 0 to 1."""
        if self.score is not None:
            return self.score
        return 1.0 if self.correct else 0.0

    def __post_init__(self) -> None:
        _require(bool(self.question_id), "question_id is empty")
        _require(self.score is None or (math.isfinite(self.score) and 0.0 <= self.score <= 1.0),
                 "score must be between 0 and 1")
        _require(not self.correct or self.credit == 1.0, "a correct answer earns full credit")
        _require(all(index >= 0 for index in self.chosen), "chosen positions must be >= 0")
        _require(len(set(self.chosen)) == len(self.chosen), "chosen positions repeat")
        _check_seconds(self.seconds)


@dataclass(frozen=True, slots=True)
class QuizAttemptRecord:
    """A submitted quiz attempt with every answer; score is the fraction correct, 0..1."""

    key: str
    person_id: int
    quiz_id: str
    content_version: str
    started_at: datetime
    finished_at: datetime
    answers: tuple[AnswerRecord, ...]
    score: float
    passed: bool

    def __post_init__(self) -> None:
        _check_common(self.key, self.person_id, self.content_version)
        _require(bool(self.quiz_id), "quiz_id is empty")
        _check_time(self.started_at, "started_at")
        _check_time(self.finished_at, "finished_at")
        _require(self.finished_at >= self.started_at, "finished_at is before started_at")
        _check_fraction(self.score)
        ids = [answer.question_id for answer in self.answers]
        _require(len(set(ids)) == len(ids), "a question is answered twice")


@dataclass(frozen=True, slots=True)
class SectionReadRecord:
    """A learner read one section (0-based index) of a module."""

    key: str
    person_id: int
    module_id: str
    content_version: str
    section_index: int

    def __post_init__(self) -> None:
        _check_common(self.key, self.person_id, self.content_version)
        _require(bool(self.module_id), "module_id is empty")
        _require(self.section_index >= 0, "section_index must be >= 0")


@dataclass(frozen=True, slots=True)
class ScenarioRunStartRecord:
    """A learner started a scenario; `key` also names the run (its run_id)."""

    key: str
    person_id: int
    scenario_id: str
    content_version: str
    started_at: datetime

    def __post_init__(self) -> None:
        _check_common(self.key, self.person_id, self.content_version)
        _require(bool(self.scenario_id), "scenario_id is empty")
        _check_time(self.started_at, "started_at")

    @property
    def run_id(self) -> str:
        """Return the id of the run this record starts."""
        return self.key


@dataclass(frozen=True, slots=True)
class ScenarioStepRecord:
    """One choice in a scenario run: where it led and the meters after it."""

    key: str
    person_id: int
    scenario_id: str
    content_version: str
    run_id: str
    step_no: int
    node_id: str
    choice_index: int
    target_node: str
    meters_after: dict[str, int] = field(hash=False)
    score: int
    seconds: float

    def __post_init__(self) -> None:
        _check_common(self.key, self.person_id, self.content_version)
        _require(bool(self.run_id), "run_id is empty")
        _require(self.step_no >= 1, "step_no counts from 1")
        _require(self.choice_index >= 0, "choice_index must be >= 0")
        _require(bool(self.node_id) and bool(self.target_node), "node ids must not be empty")
        _check_seconds(self.seconds)


@dataclass(frozen=True, slots=True)
class ScenarioRunFinishRecord:
    """A scenario run reached an ending; score is normalised to 0..1."""

    key: str
    person_id: int
    run_id: str
    ending_node: str
    ending_kind: str
    score: float
    finished_at: datetime

    def __post_init__(self) -> None:
        _require(0 < len(self.key) <= 64, "key must be 1 to 64 characters")
        _require(self.person_id > 0, "person_id must be positive")
        _require(bool(self.run_id), "run_id is empty")
        _require(bool(self.ending_kind), "ending_kind is empty")
        _check_fraction(self.score)
        _check_time(self.finished_at, "finished_at")


class RecordOutcome(StrEnum):
    """What happened to a record sent to the store.

    RECORDED and DUPLICATE are both successes: a repeat of the same key changes nothing.
    CONFLICT means the record contradicts one already stored (another choice for the same step,
    a run finished twice with different keys) and was not recorded.
    """

    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"

    @property
    def ok(self) -> bool:
        """Return whether the learner's work is stored (now or before)."""
        return self is not RecordOutcome.CONFLICT


class ProgressKind(StrEnum):
    """The kinds of item whose progress is counted."""

    MODULE = "module"
    QUIZ = "quiz"
    SCENARIO = "scenario"


@dataclass(frozen=True, slots=True)
class ProgressEntry:
    """One person's progress on one item.

    events: sections read (module), attempts (quiz) or finished runs (scenario).
    """

    kind: ProgressKind
    item_id: str
    events: int
    best_score: float | None
    passed: bool
    content_version: str
    updated_at: datetime

