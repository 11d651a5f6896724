"""Playing a scenario: the run state, the choices on offer, one step, and the run's score.

Everything here is pure: a run is a value, and taking a choice returns a new value. The server
calls `take_choice` with whatever the browser sent, so every rule is checked here again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from course.domain.conditions import evaluate
from course.domain.model import Choice, EndingKind, Meter, Node, Scenario, frozen_map


class InvalidChoice(ValueError):
    """A choice that is not on offer at the run's current node (forged, stale or finished)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One decision taken: at which node, which choice, where it led and what it scored."""

    node_id: str
    choice_index: int
    target: str
    score: int


@dataclass(frozen=True, slots=True)
class RunState:
    """Where a run stands: the current node, the meters and the path so far."""

    node_id: str
    meters: Mapping[str, int]
    steps: tuple[Step, ...] = ()

    @property
    def score_sum(self) -> int:
        """Return the sum of the decision scores along the path."""
        return sum(step.score for step in self.steps)


def start_run(scenario: Scenario) -> RunState:
    """Return the state of a fresh run: the start node and every meter at its start value."""
    meters = {m.id: m.start for m in scenario.meters.values()}
    return RunState(node_id=scenario.start, meters=frozen_map(meters))


def current_node(scenario: Scenario, state: RunState) -> Node:
    """Return the node the run is at."""
    return scenario.nodes[state.node_id]


def available_choices(scenario: Scenario, state: RunState) -> tuple[Choice, ...]:
    """Return the choices offered at the current node whose conditions hold now."""
    node = current_node(scenario, state)
    return tuple(c for c in node.choices if c.when is None or evaluate(c.when, state.meters))


def apply_effects(
    meters: Mapping[str, int], effects: Mapping[str, int], definitions: Mapping[str, Meter]
) -> Mapping[str, int]:
    """Add each effect to its meter, clamped to the meter's bounds."""
    moved = dict(meters)
    for name, delta in effects.items():
        meter = definitions[name]
        moved[name] = max(meter.min, min(meter.max, moved[name] + delta))
    return frozen_map(moved)


def take_choice(scenario: Scenario, state: RunState, choice_index: int) -> RunState:
    """Take the choice at `choice_index` of the current node, or raise InvalidChoice."""
    node = current_node(scenario, state)
    if node.ending is not None:
        raise InvalidChoice(f"the run has ended at {node.id!r}")
    offered = {c.index: c for c in available_choices(scenario, state)}
    choice = offered.get(choice_index)
    if choice is None:
        raise InvalidChoice(f"choice {choice_index} is not on offer at node {node.id!r}")
    step = Step(node.id, choice.index, choice.target, choice.score)
    return RunState(
        node_id=choice.target,
        meters=apply_effects(state.meters, choice.effects, scenario.meters),
        steps=(*state.steps, step),
    )


def ending_of(scenario: Scenario, state: RunState) -> EndingKind | None:
    """Return the kind of ending the run has reached, or None while it goes on."""
    return current_node(scenario, state).ending


def _has_cycle(scenario: Scenario) -> bool:
    colour: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node_id: str) -> bool:
        colour[node_id] = 1
        for choice in scenario.nodes[node_id].choices:
            if choice.target not in scenario.nodes:
                continue
            state = colour.get(choice.target, 0)
            if state == 1 or (state == 0 and visit(choice.target)):
                return True
        colour[node_id] = 2
        return False

    return any(colour.get(n, 0) == 0 and visit(n) for n in scenario.nodes)


def best_score_sum(scenario: Scenario) -> int:
    """Return the highest score sum of any path from the start to an ending.

    Conditions are ignored (the best a learner could possibly do), and a path never visits a
    node twice, so loops cannot inflate the best. Acyclic graphs (the usual case) take linear
    time; graphs with loops fall back to a search over simple paths.
    """
    nodes = scenario.nodes
    acyclic = not _has_cycle(scenario)

    @cache
    def best_from(node_id: str, visited: frozenset[str]) -> int | None:
        node = nodes.get(node_id)
        if node is None:
            return None
        if node.ending is not None:
            return 0
        results = []
        for choice in node.choices:
            if choice.target in visited:
                continue
            seen = frozenset() if acyclic else visited | {choice.target}
            rest = best_from(choice.target, seen)
            if rest is not None:
                results.append(choice.score + rest)
        return max(results) if results else None

    start_visited = frozenset() if acyclic else frozenset({scenario.start})
    return best_from(scenario.start, start_visited) or 0


def run_score(scenario: Scenario, state: RunState) -> float:
    """Return the run's score: its path's sum over the best reachable sum, between 0 and 1."""
    best = best_score_sum(scenario)
    if best <= 0:
        return 1.0
    return max(0.0, min(1.0, state.score_sum / best))
