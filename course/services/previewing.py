"""Preview content as a learner of a chosen track sees it, in memory: nothing is ever stored.

Each function checks PREVIEW_CONTENT on the server; grading and scenario steps use the same
domain rules as the learner pages, so the preview behaves exactly as the course does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from course.domain.model import Block, Module, Quiz, Scenario, frozen_map
from course.domain.permissions import Action, Actor
from course.domain.quiz import DrawnQuestion, GradedAnswer, draw_attempt, grade_answer
from course.domain.scenario import RunState, start_run, take_choice
from course.services.database import Engine
from course.services.permissions import require


def section_blocks(engine: Engine, actor: Actor, module: Module, *,
                   track: str) -> list[tuple[str, tuple[Block, ...]]]:
    """Return each section's title and the blocks a learner on `track` sees."""
    require(engine, actor, Action.PREVIEW_CONTENT)
    return [(s.title, s.blocks_for({track})) for s in module.sections]


def draw(engine: Engine, actor: Actor, quiz: Quiz, *, seed: int) -> tuple[DrawnQuestion, ...]:
    """Return the questions and option order one attempt with this seed would show a learner."""
    require(engine, actor, Action.PREVIEW_CONTENT)
    return draw_attempt(quiz, seed=seed)


def grade(engine: Engine, actor: Actor, quiz: Quiz, question_id: str,
          chosen: Sequence[int]) -> GradedAnswer:
    """Grade an answer to a quiz question in memory (raises InvalidAnswer as the quiz does)."""
    require(engine, actor, Action.PREVIEW_CONTENT)
    question = quiz.question(question_id)
    if question is None:
        raise KeyError(question_id)
    offered = [o.index for o in question.options] + [e.index for e in question.items]
    return grade_answer(question, chosen, offered=offered)


def start_at(engine: Engine, actor: Actor, scenario: Scenario, *, node_id: str | None = None,
             meters: Mapping[str, int] | None = None) -> RunState:
    """Return a run standing at `node_id` (default: the start) with the chosen meter values."""
    require(engine, actor, Action.PREVIEW_CONTENT)
    state = start_run(scenario)
    node = node_id if node_id is not None and node_id in scenario.nodes else scenario.start
    values = dict(state.meters)
    for name, value in (meters or {}).items():
        meter = scenario.meters.get(name)
        if meter is not None:
            values[name] = max(meter.min, min(meter.max, int(value)))
    return replace(state, node_id=node, meters=frozen_map(values))


def step(engine: Engine, actor: Actor, scenario: Scenario, state: RunState, choice_index: int) -> RunState:
    """Take a choice in memory (raises InvalidChoice as the player does)."""
    require(engine, actor, Action.PREVIEW_CONTENT)
    return take_choice(scenario, state, choice_index)
