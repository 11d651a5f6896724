"""The course as immutable data: the manifest, modules, quizzes and scenarios.

HTML fields hold markup that the content layer has already rendered and sanitised; the domain
never renders anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from course.domain.conditions import Condition

ALL_ROLES = "all"

K = TypeVar("K")
V = TypeVar("V")


def frozen_map(items: Mapping[K, V] | None = None) -> Mapping[K, V]:
    """Return a read-only copy of a mapping."""
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class DemoDepartment:
    """A department of the synthetic demo organisation: its share of people, tracks and skill."""

    name: str
    #: Relative size: a department with share 20 gets twice the people of one with share 10.
    share: int
    tracks: tuple[str, ...]
    #: Baseline skill of its people, from 0 to 1.
    skill: float = 0.6


@dataclass(frozen=True, slots=True)
class DemoLeader:
    """Where the demo leader sits and which tracks they follow."""

    department: str
    tracks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CourseInfo:
    """What course.yaml declares: identity, audiences, competencies and course-wide defaults."""

    id: str
    title: str
    version: str
    roles: Mapping[str, str]
    competencies: Mapping[str, str]
    pass_mark: int = 70
    #: The demo organisation's departments from course.yaml's `demo:` (empty: one per role).
    demo_departments: tuple[DemoDepartment, ...] = ()
    demo_leader: DemoLeader | None = None


def demo_departments_of(info: CourseInfo) -> tuple[DemoDepartment, ...]:
    """Return the demo organisation's departments: as declared, or one per role named after it."""
    if info.demo_departments:
        return info.demo_departments
    return tuple(DemoDepartment(label, 1, (role,)) for role, label in info.roles.items())


def demo_leader_of(info: CourseInfo) -> DemoLeader:
    """Return the demo leader's place: as declared, or the first department's."""
    if info.demo_leader is not None:
        return info.demo_leader
    first = demo_departments_of(info)[0]
    return DemoLeader(first.name, first.tracks)


@dataclass(frozen=True, slots=True)
class ItemMeta:
    """Front matter shared by modules, quizzes and scenarios, plus where the item came from."""

    id: str
    title: str
    roles: tuple[str, ...]
    competencies: tuple[str, ...]
    source: str
    version: str
    summary: str = ""
    minutes: int | None = None
    order: int | None = None
    requires: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()
    #: Where the item's statements of law hold (codes from course.domain.law), if it makes any.
    jurisdiction: tuple[str, ...] = ()
    #: When an expert last checked the item's facts (a law note's "as of" date).
    reviewed: date | None = None

    def is_for(self, tracks: frozenset[str] | set[str]) -> bool:
        """Tell whether a learner on these tracks should see the item."""
        return ALL_ROLES in self.roles or bool(set(self.roles) & set(tracks))


class BlockKind(StrEnum):
    """What a block of module text is: plain prose or one of the admonitions."""

    TEXT = "text"
    KEY = "key"
    TIP = "tip"
    WARNING = "warning"
    EXAMPLE = "example"


@dataclass(frozen=True, slots=True)
class Block:
    """A run of rendered module text; `roles` limits it to some tracks (None: everyone)."""

    kind: BlockKind
    html: str
    roles: frozenset[str] | None = None

    def is_for(self, tracks: frozenset[str] | set[str]) -> bool:
        """Tell whether a learner on these tracks should see the block."""
        return self.roles is None or bool(self.roles & set(tracks))


@dataclass(frozen=True, slots=True)
class Section:
    """One `## ` section of a module: a page for the learner and the unit of resume."""

    index: int
    id: str
    title: str
    line: int
    blocks: tuple[Block, ...]

    def blocks_for(self, tracks: frozenset[str] | set[str]) -> tuple[Block, ...]:
        """Return the blocks a learner on these tracks sees, in order."""
        return tuple(b for b in self.blocks if b.is_for(tracks))


@dataclass(frozen=True, slots=True)
class Module:
    """A learning module: sections to read, and the quiz and scenario that go with it."""

    meta: ItemMeta
    sections: tuple[Section, ...]
    quiz: str | None = None
    scenario: str | None = None
    #: Ids of the job aids the module links, in the order its front matter lists them.
    aids: tuple[str, ...] = ()

    def find_section(self, name: str) -> Section | None:
        """Return the section a quiz question's `section` names: by slug, else by title (any case)."""
        wanted = " ".join(name.split()).casefold()
        if not wanted:
            return None
        by_id = next((s for s in self.sections if s.id.casefold() == wanted), None)
        return by_id or next((s for s in self.sections
                              if " ".join(s.title.split()).casefold() == wanted), None)


class AidPartKind(StrEnum):
    """What one printable part of a job aid is."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    BULLET = "bullet"
    NUMBERED = "numbered"
    CHECK = "check"
    TABLE = "table"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class AidPart:
    """One block of a job aid as plain text, for print: a heading, a paragraph, a list item, a table.

    `text` holds the visible text without markup; `rows` the cells of a table (the first row is its
    header); `label` the word a note starts with (such as "Key point"); `number` a numbered item's
    number; `depth` how deeply a list item is nested (0 for the outermost list).
    """

    kind: AidPartKind
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    label: str = ""
    number: int = 0
    depth: int = 0


@dataclass(frozen=True, slots=True)
class Aid:
    """A job aid: a printable one-pager, rendered for the screen (blocks) and for print (parts)."""

    id: str
    title: str
    summary: str
    source: str
    version: str
    blocks: tuple[Block, ...]
    parts: tuple[AidPart, ...]
    jurisdiction: tuple[str, ...] = ()
    reviewed: date | None = None


@dataclass(frozen=True, slots=True)
class Option:
    """One answer option. `index` is its position in the file, which answers are stored by."""

    index: int
    html: str
    correct: bool
    feedback_html: str = ""
    text: str = ""
    #: The option's line in its file (0 when not read from a file).
    line: int = 0


class QuestionKind(StrEnum):
    """How a question is answered: choosing options, ordering items, matching pairs, or writing."""

    CHOICE = "choice"
    ORDER = "order"
    MATCH = "match"
    REFLECT = "reflect"


@dataclass(frozen=True, slots=True)
class Entry:
    """An item to order or the left side of a pair to match; `index` is its position in the file.

    For an ordering question the file order is the correct order. For a matching question
    `match` is the position in the file of the pair whose right-hand side belongs to this item
    (its own, since each pair is written on one line), and `match_html` / `match_text` show it.
    """

    index: int
    html: str
    text: str
    feedback_html: str = ""
    match_html: str = ""
    match_text: str = ""


@dataclass(frozen=True, slots=True)
class Question:
    """A quiz question: options to choose from, items to order or pairs to match, or a reflection.

    A choice question with several correct options is multiple choice. A reflection has no
    options or items and is never scored.
    """

    id: str
    competency: str
    stem_html: str
    line: int
    options: tuple[Option, ...]
    context_html: str = ""
    explain_html: str = ""
    kind: QuestionKind = QuestionKind.CHOICE
    items: tuple[Entry, ...] = ()
    stem_text: str = ""
    #: The section of the quiz's module that teaches this question (its slug or title), or "".
    section: str = ""

    @property
    def scored(self) -> bool:
        """Tell whether answers to the question are graded (every kind but reflections)."""
        return self.kind is not QuestionKind.REFLECT

    @property
    def multiple(self) -> bool:
        """Tell whether more than one option is correct (all must be chosen)."""
        return sum(o.correct for o in self.options) > 1

    @property
    def correct_indexes(self) -> frozenset[int]:
        """Return the file positions of the correct options."""
        return frozenset(o.index for o in self.options if o.correct)


@dataclass(frozen=True, slots=True)
class Quiz:
    """A bank of questions with the rules for drawing, shuffling and passing an attempt."""

    meta: ItemMeta
    questions: tuple[Question, ...]
    pass_mark: int = 70
    shuffle: bool = True
    pick: int | None = None
    max_attempts: int | None = None
    intro_html: str = ""

    def question(self, question_id: str) -> Question | None:
        """Find a question by id."""
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def scored_questions(self) -> tuple[Question, ...]:
        """Return the questions that are graded, in file order (all but the reflections)."""
        return tuple(q for q in self.questions if q.scored)

    @property
    def reflections(self) -> tuple[Question, ...]:
        """Return the reflection prompts, in file order."""
        return tuple(q for q in self.questions if not q.scored)


@dataclass(frozen=True, slots=True)
class Meter:
    """A bounded number that choices move, such as public reputation."""

    id: str
    label: str
    start: int
    min: int = 0
    max: int = 100


class EndingKind(StrEnum):
    """How a scenario ending is judged."""

    GOOD = "good"
    MIXED = "mixed"
    BAD = "bad"


@dataclass(frozen=True, slots=True)
class Choice:
    """A decision offered at a node: where it leads, what it changes and when it is offered."""

    index: int
    label_html: str
    target: str
    line: int
    effects: Mapping[str, int] = field(default_factory=frozen_map)
    score: int = 0
    when: Condition | None = None
    when_text: str = ""
    consequence_html: str = ""
    label_text: str = ""


@dataclass(frozen=True, slots=True)
class Node:
    """A moment in a scenario: narrative and choices, or an ending with its debrief."""

    id: str
    title: str
    line: int
    body_html: str
    choices: tuple[Choice, ...] = ()
    ending: EndingKind | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """A branching crisis scenario: nodes keyed by id (in file order) and the meters it moves."""

    meta: ItemMeta
    start: str
    meters: Mapping[str, Meter]
    nodes: Mapping[str, Node]
    intro_html: str = ""

    def title_of(self, node_id: str) -> str:
        """Return a node's title, or the id itself for a node this version does not have."""
        node = self.nodes.get(node_id)
        return node.title if node is not None else node_id

    def choice(self, node_id: str, index: int) -> Choice | None:
        """Find the choice with this index at a node, if the node and the choice exist."""
        node = self.nodes.get(node_id)
        return None if node is None else next((c for c in node.choices if c.index == index), None)


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """One term of the course glossary: its words, its definition (sanitised HTML and plain text)."""

    term: str
    id: str
    html: str
    text: str
    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Course:
    """The loaded course: the manifest and every valid item, each keyed by id."""

    info: CourseInfo
    modules: Mapping[str, Module]
    quizzes: Mapping[str, Quiz]
    scenarios: Mapping[str, Scenario]
    #: Job aids keyed by id, in id order.
    aids: Mapping[str, Aid] = field(default_factory=frozen_map)
    #: The glossary's terms in alphabetical order.
    glossary: tuple[GlossaryEntry, ...] = ()

    def item_meta(self, item_id: str) -> ItemMeta | None:
        """Find the metadata of any module, quiz or scenario by id."""
        for table in (self.modules, self.quizzes, self.scenarios):
            item = table.get(item_id)
            if item is not None:
                return item.meta
        return None
