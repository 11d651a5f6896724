"""Playing a scenario: the run state, the choices on offer, one step, and the run's score.

Everything here is pure: a run is a value, and taking a choice returns a new value. The server
calls `take_choice` with whatever the browser sent, so every rule is checked here again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


def _edges(scenario: Scenario) -> dict[str, list[str]]:
    """Return each node's successors that exist (choices to missing nodes are left out)."""
    return {node_id: [c.target for c in node.choices if c.target in scenario.nodes]
            for node_id, node in scenario.nodes.items()}


def _topological_order(scenario: Scenario) -> list[str] | None:
    """Return the nodes so that every choice leads forward, or None when the graph has a loop.

    Kahn's algorithm: linear in nodes and choices, and without recursion.
    """
    edges = _edges(scenario)
    incoming = dict.fromkeys(edges, 0)
    for targets in edges.values():
        for target in targets:
            incoming[target] += 1
    ready = [node_id for node_id, count in incoming.items() if count == 0]
    order: list[str] = []
    while ready:
        node_id = ready.pop()
        order.append(node_id)
        for target in edges[node_id]:
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return order if len(order) == len(edges) else None


def best_sums(scenario: Scenario) -> Mapping[str, int] | None:
    """Return, for each node, the highest score sum from it to an ending (conditions ignored).

    Nodes that reach no ending are left out. Linear time; None for a graph with loops, where the
    best is path-dependent (a path never visits a node twice).
    """
    order = _topological_order(scenario)
    if order is None:
        return None
    best: dict[str, int] = {}
    for node_id in reversed(order):
        node = scenario.nodes[node_id]
        if node.ending is not None:
            best[node_id] = 0
            continue
        totals = [c.score + best[c.target] for c in node.choices if c.target in best]
        if totals:
            best[node_id] = max(totals)
    return frozen_map(best)


#: The best sum from a node to an ending along a path that avoids the nodes given (None: none).
BestFrom = Callable[[str, frozenset[str]], "int | None"]


def best_finder(scenario: Scenario) -> BestFrom:
    """Return a function giving the highest score sum from a node to an ending, avoiding some nodes.

    The work is done once per scenario. Acyclic graphs are answered from `best_sums` (linear
    time, and nodes to avoid cannot be reached again anyway); graphs with loops fall back to a
    memoised search over simple paths, exponential in the worst case but used only for
    scenarios with loops (none of the bundled ones has one).
    """
    sums = best_sums(scenario)
    if sums is not None:
        return lambda node_id, _visited: sums.get(node_id)
    search = _search(scenario)
    return lambda node_id, visited: search(node_id, visited | {node_id})


def _search(scenario: Scenario) -> Callable[[str, frozenset[str]], int | None]:
    nodes = scenario.nodes

    @cache
    def search(node_id: str, visited: frozenset[str]) -> int | None:
        node = nodes.get(node_id)
        if node is None:
            return None
        if node.ending is not None:
            return 0
        results = []
        for choice in node.choices:
            if choice.target in visited:
                continue
            rest = search(choice.target, visited | {choice.target})
            if rest is not None:
                results.append(choice.score + rest)
        return max(results) if results else None

    return search


def best_score_sum(scenario: Scenario) -> int:
    """Return the highest score sum of any path from the start to an ending.

    Conditions are ignored (the best a learner could possibly do), and a path never visits a
    node twice, so loops cannot inflate the best. Acyclic graphs (the usual case) take linear
    time; graphs with loops fall back to a search over simple paths.
    """
    return best_finder(scenario)(scenario.start, frozenset()) or 0


def run_score(scenario: Scenario, state: RunState) -> float:
    """Return the run's score: its path's sum over the best reachable sum, between 0 and 1."""
    best = best_score_sum(scenario)
    if best <= 0:
        return 1.0
    return max(0.0, min(1.0, state.score_sum / best))
