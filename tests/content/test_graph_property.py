"""Property tests of scenario graphs: the validator's graph checks and the best-score search.

Random graphs are written out as scenario Markdown and parsed as a trainer's file would be. The
codes the parser reports are compared with a reference computed here by plain breadth-first
search, and `best_score_sum` with a brute-force enumeration of simple paths.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from course.content.scenarios import parse_scenario
from course.domain.diagnostics import Code
from course.domain.model import Choice, EndingKind, ItemMeta, Meter, Node, Scenario, frozen_map
from course.domain.scenario import (
    InvalidChoice,
    available_choices,
    best_score_sum,
    run_score,
    start_run,
    take_choice,
)

GRAPH_CODES = {
    Code.NODE_UNREACHABLE,
    Code.NODE_TRAP,
    Code.NODE_NO_CHOICES,
    Code.ENDING_WITH_CHOICES,
    Code.CHOICE_TARGET_MISSING,
    Code.NO_GOOD_ENDING,
}

PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class GraphNode:
    id: str
    ending: str | None
    choices: tuple[tuple[str, int], ...]  # (target id, score); a target may be missing


@dataclass(frozen=True)
class Graph:
    nodes: tuple[GraphNode, ...]
    start: str
    explicit_start: bool

    @property
    def ids(self) -> set[str]:
        return {n.id for n in self.nodes}

    def node(self, node_id: str) -> GraphNode:
        return next(n for n in self.nodes if n.id == node_id)


@st.composite
def graphs(draw: st.DrawFn, *, acyclic: bool | None = None, missing: bool = True) -> Graph:
    """Draw a scenario graph: 1 to 12 nodes, 0 to 3 choices each, random endings and start.

    With acyclic=True every choice leads to a later node; with missing=True some choices lead
    to ids that are no node at all.
    """
    count = draw(st.integers(1, 12))
    ids = [f"n{i}" for i in range(count)]
    cyclic = draw(st.booleans()) if acyclic is None else not acyclic
    nodes = []
    for index, node_id in enumerate(ids):
        ending = draw(st.sampled_from([None, None, "good", "mixed", "bad"]))
        pool = ids if cyclic else ids[index + 1 :]
        if missing:
            pool = [*pool, "gone", "n99"]
        choices: list[tuple[str, int]] = []
        if pool:
            choice = st.tuples(st.sampled_from(pool), st.integers(-3, 6))
            choices = draw(st.lists(choice, max_size=3))
        nodes.append(GraphNode(node_id, ending, tuple(choices)))
    start = draw(st.sampled_from(ids))
    explicit = start != ids[0] or draw(st.booleans())
    return Graph(tuple(nodes), start, explicit)


# --- Writing a graph as a scenario file -----------------------------------------------------


def scenario_markdown(graph: Graph) -> tuple[str, dict[str, int], list[tuple[str, int]]]:
    """Return the file text, the line of each node's heading and (target, line) of each choice."""
    lines = [
        "---",
        "id: random-graph",
        "title: A random graph",
        "roles: [all]",
        "competencies: [crisis]",
    ]
    if graph.explicit_start:
        lines.append(f"start: {graph.start}")
    lines += ["---", ""]
    node_lines: dict[str, int] = {}
    choice_lines: list[tuple[str, int]] = []
    for node in graph.nodes:
        ending = f" ending={node.ending}" if node.ending else ""
        lines.append(f"{{#{node.id}{ending}}}")
        lines.append(f"## Moment {node.id}")
        node_lines[node.id] = len(lines)
        lines += ["", f"What happens at {node.id}.", ""]
        for number, (target, score) in enumerate(node.choices):
            lines.append(f"- [Option {number}](#{target}){{score={score}}}")
            choice_lines.append((target, len(lines)))
            lines.append(f"  > Consequence {number}.")
        if node.choices:
            lines.append("")
    return "\n".join(lines) + "\n", node_lines, choice_lines


# --- The reference: plain breadth-first search ----------------------------------------------


def successors(graph: Graph) -> dict[str, list[str]]:
    """Return where a run can go from each node.

    Links to missing nodes lead nowhere, and a run stops at an ending, so an ending's choices
    (an error of their own) lead nowhere either.
    """
    ids = graph.ids
    return {n.id: [] if n.ending else [t for t, _ in n.choices if t in ids] for n in graph.nodes}


def bfs(starts: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for target in edges.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def reference_codes(graph: Graph, node_lines: Mapping[str, int],
                    choice_lines: list[tuple[str, int]]) -> Counter[tuple[Code, int]]:
    """Compute the graph diagnostics a correct validator reports, as (code, line) counts."""
    expected: Counter[tuple[Code, int]] = Counter()
    ids = graph.ids
    for node in graph.nodes:
        line = node_lines[node.id]
        if node.ending and node.choices:
            expected[Code.ENDING_WITH_CHOICES, line] += 1
        if not node.ending and not node.choices:
            expected[Code.NODE_NO_CHOICES, line] += 1
    for target, line in choice_lines:
        if target not in ids:
            expected[Code.CHOICE_TARGET_MISSING, line] += 1
    if not any(n.ending == "good" for n in graph.nodes):
        expected[Code.NO_GOOD_ENDING, node_lines[graph.nodes[0].id]] += 1
    forward = successors(graph)
    reachable = bfs([graph.start], forward)
    backward: dict[str, list[str]] = {}
    for source, targets in forward.items():
        for target in targets:
            backward.setdefault(target, []).append(source)
    finishing = bfs([n.id for n in graph.nodes if n.ending], backward)
    for node in graph.nodes:
        line = node_lines[node.id]
        if node.id not in reachable:
            expected[Code.NODE_UNREACHABLE, line] += 1
        elif node.id not in finishing and node.choices:
            expected[Code.NODE_TRAP, line] += 1
    return expected


def reported_codes(text: str) -> Counter[tuple[Code, int]]:
    parsed = parse_scenario(text, source="scenarios/random.md")
    return Counter((d.code, d.line) for d in parsed.diagnostics if d.code in GRAPH_CODES)


@PROPERTY
@given(graphs())
def test_graph_checks_match_breadth_first_reference(graph: Graph) -> None:
    text, node_lines, choice_lines = scenario_markdown(graph)
    assert reported_codes(text) == reference_codes(graph, node_lines, choice_lines)


@PROPERTY
@given(graphs(missing=False))
def test_a_graph_with_no_reported_problem_loads_as_drawn(graph: Graph) -> None:
    text, _, _ = scenario_markdown(graph)
    parsed = parse_scenario(text, source="scenarios/random.md")
    codes = {d.code for d in parsed.diagnostics}
    assert (parsed.item is None) == bool(codes - {Code.NODE_UNREACHABLE})
    if parsed.item is not None:
        scenario = parsed.item
        assert scenario.start == graph.start
        assert list(scenario.nodes) == [n.id for n in graph.nodes]
        for node in graph.nodes:
            loaded = scenario.nodes[node.id]
            assert loaded.ending == (EndingKind(node.ending) if node.ending else None)
            assert [(c.target, c.score) for c in loaded.choices] == list(node.choices)
        assert best_score_sum(scenario) == brute_force_best(graph)


def test_reference_sees_every_code() -> None:
    """The reference is not vacuous: a hand-made graph triggers each code once."""
    graph = Graph(
        nodes=(
            GraphNode("n0", None, (("n1", 1), ("gone", 0))),
            GraphNode("n1", None, (("n1", 0),)),
            GraphNode("n2", "bad", (("n0", 0),)),
            GraphNode("n3", None, ()),
        ),
        start="n0",
        explicit_start=False,
    )
    text, node_lines, choice_lines = scenario_markdown(graph)
    expected = reference_codes(graph, node_lines, choice_lines)
    assert set(code for code, _ in expected) == GRAPH_CODES
    assert reported_codes(text) == expected


def test_node_only_behind_an_ending_is_unreachable() -> None:
    """A run stops at an ending, so a node linked only from an ending's choices is unreachable.

    The ending's choices are an error of their own (ending-with-choices); they must not count as
    paths, or the node behind them would not be reported.
    """
    graph = Graph(
        nodes=(
            GraphNode("n0", None, (("n1", 1),)),
            GraphNode("n1", "good", (("n2", 0),)),
            GraphNode("n2", "bad", ()),
        ),
        start="n0",
        explicit_start=False,
    )
    text, node_lines, _ = scenario_markdown(graph)
    reported = reported_codes(text)
    assert reported[Code.ENDING_WITH_CHOICES, node_lines["n1"]] == 1
    assert reported[Code.NODE_UNREACHABLE, node_lines["n2"]] == 1


# --- best_score_sum and run_score -----------------------------------------------------------


def domain_scenario(graph: Graph) -> Scenario:
    """Build the scenario straight from the graph (missing targets and all), without a file."""
    meta = ItemMeta("random-graph", "A random graph", ("all",), ("crisis",), "random.md", "v1")
    nodes = {}
    for node in graph.nodes:
        choices = tuple(
            Choice(index=i, label_html=f"Option {i}", target=target, line=1, score=score)
            for i, (target, score) in enumerate(node.choices)
        )
        ending = EndingKind(node.ending) if node.ending else None
        nodes[node.id] = Node(node.id, node.id, 1, "", choices, ending)
    meters = {"m": Meter("m", "M", 50)}
    return Scenario(meta, graph.start, frozen_map(meters), frozen_map(nodes))


def simple_paths(graph: Graph) -> list[tuple[int, list[tuple[str, int]]]]:
    """Enumerate every simple path from the start to an ending: (score sum, [(node, choice)])."""
    by_id = {n.id: n for n in graph.nodes}
    found: list[tuple[int, list[tuple[str, int]]]] = []

    def walk(node_id: str, visited: set[str], total: int, path: list[tuple[str, int]]) -> None:
        node = by_id[node_id]
        if node.ending:
            found.append((total, list(path)))
            return
        for index, (target, score) in enumerate(node.choices):
            if target in by_id and target not in visited:
                path.append((node_id, index))
                walk(target, visited | {target}, total + score, path)
                path.pop()

    walk(graph.start, {graph.start}, 0, [])
    return found


def brute_force_best(graph: Graph) -> int:
    return max((total for total, _ in simple_paths(graph)), default=0)


@PROPERTY
@given(graphs(acyclic=True))
def test_best_score_sum_on_acyclic_graphs_is_the_best_simple_path(graph: Graph) -> None:
    assert best_score_sum(domain_scenario(graph)) == brute_force_best(graph)


@PROPERTY
@given(graphs(acyclic=False))
def test_best_score_sum_on_cyclic_graphs_is_the_best_simple_path(graph: Graph) -> None:
    assert best_score_sum(domain_scenario(graph)) == brute_force_best(graph)


@PROPERTY
@given(graphs(), st.randoms(use_true_random=False))
def test_run_score_stays_between_zero_and_one(graph: Graph, rng: random.Random) -> None:
    scenario = domain_scenario(graph)
    state = start_run(scenario)
    assert 0.0 <= run_score(scenario, state) <= 1.0
    for _ in range(2 * len(graph.nodes) + 2):
        offered = [c for c in available_choices(scenario, state) if c.target in scenario.nodes]
        node = scenario.nodes[state.node_id]
        if node.ending is not None or not offered:
            break
        state = take_choice(scenario, state, rng.choice(offered).index)
        assert 0.0 <= run_score(scenario, state) <= 1.0


@PROPERTY
@given(graphs())
def test_following_a_best_path_scores_one(graph: Graph) -> None:
    paths = simple_paths(graph)
    assume(paths)
    best_total, best_path = max(paths, key=lambda p: p[0])
    scenario = domain_scenario(graph)
    state = start_run(scenario)
    for node_id, index in best_path:
        assert state.node_id == node_id
        state = take_choice(scenario, state, index)
    assert scenario.nodes[state.node_id].ending is not None
    assert state.score_sum == best_total
    assert run_score(scenario, state) == 1.0
    assert best_score_sum(scenario) == best_total
    if scenario.nodes[state.node_id].choices:
        with pytest.raises(InvalidChoice):
            take_choice(scenario, state, 0)
