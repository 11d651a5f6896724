"""Graph checks of a scenario with networkx: missing targets, dead ends, traps, reachability."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import networkx as nx

from course.content.suggest import did_you_mean
from course.domain.diagnostics import Code, Diagnostic, error, warning
from course.domain.model import EndingKind, Node


def scenario_graph(nodes: Mapping[str, Node]) -> nx.DiGraph:
    """Return the directed graph of nodes and the choices between them (missing targets left out)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    for node in nodes.values():
        if node.ending is None:  # a run stops at an ending, whatever follows it
            graph.add_edges_from((node.id, c.target) for c in node.choices if c.target in nodes)
    return graph


def reachable_from(graph: nx.DiGraph, start: str) -> set[str]:
    """Return the nodes a run can reach from the start, the start included."""
    return {start} | set(nx.descendants(graph, start)) if start in graph else set()


def can_finish(graph: nx.DiGraph, endings: set[str]) -> set[str]:
    """Return the nodes from which some ending can be reached."""
    result = {e for e in endings if e in graph}
    queue = deque(result)  # one walk back from every ending at once: linear, not one walk each
    while queue:
        for before in graph.predecessors(queue.popleft()):
            if before not in result:
                result.add(before)
                queue.append(before)
    return result | set(endings)


def check_graph(nodes: Mapping[str, Node], *, start: str, path: str) -> list[Diagnostic]:
    """Report every structural problem of a scenario's node graph."""
    problems: list[Diagnostic] = []
    for node in nodes.values():
        problems += _check_node(node, nodes, path=path)
    endings = {n.id for n in nodes.values() if n.ending is not None}
    if not any(n.ending is EndingKind.GOOD for n in nodes.values()):
        first = next(iter(nodes.values()))
        problems.append(error(path, first.line, Code.NO_GOOD_ENDING,
                              "the scenario has no good ending; mark one node with ending=good"))
    graph = scenario_graph(nodes)
    reachable = reachable_from(graph, start)
    finishing = can_finish(graph, endings)
    within = nx.DiGraph()  # a copy, not a subgraph view: views count neighbours in linear time
    within.add_nodes_from(reachable)
    within.add_edges_from((a, b) for a, b in graph.edges if a in reachable and b in reachable)
    problems += _check_best_path(nodes, within, start=start, path=path)
    for node in nodes.values():
        if node.id not in reachable:
            problems.append(warning(path, node.line, Code.NODE_UNREACHABLE,
                                    f"node '{node.id}' cannot be reached from the start '{start}'"))
        elif node.id not in finishing and node.choices:
            problems.append(error(path, node.line, Code.NODE_TRAP,
                                  f"no ending can be reached from node '{node.id}': every path "
                                  "from it loops or stops"))
    return problems


def _check_node(node: Node, nodes: Mapping[str, Node], *, path: str) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    if node.ending is not None and node.choices:
        problems.append(error(path, node.line, Code.ENDING_WITH_CHOICES,
                              f"ending '{node.id}' has choices; an ending only debriefs"))
    if node.ending is None and not node.choices:
        problems.append(error(path, node.line, Code.NODE_NO_CHOICES,
                              f"node '{node.id}' has no choices and is not an ending; add a list "
                              "of links to other nodes, or mark it with ending=good|mixed|bad"))
    if node.choices and all(c.when is not None for c in node.choices):
        problems.append(warning(path, node.line, Code.CHOICES_ALL_CONDITIONAL,
                                f"every choice at node '{node.id}' has a condition; a learner "
                                "whose meters meet none of them is stuck"))
    for choice in node.choices:
        if choice.target not in nodes:
            problems.append(error(path, choice.line, Code.CHOICE_TARGET_MISSING,
                                  f"choice leads to '#{choice.target}', which is not a node of "
                                  f"this scenario{did_you_mean(choice.target, nodes)}"))
    return problems


def _best_paths(nodes: Mapping[str, Node], graph: nx.DiGraph) -> dict[str, tuple[int, bool, str]]:
    """Return, for each node of an acyclic graph, the best score sum to an ending from it.

    Each value is (best sum, whether some best path ends in a `bad` ending, the next node on
    such a path, or on the best path; "" at an ending). Nodes that reach no ending are left
    out. Conditions are ignored, as in scoring.
    """
    best: dict[str, tuple[int, bool, str]] = {}
    for node_id in reversed(list(nx.topological_sort(graph))):
        node = nodes[node_id]
        if node.ending is not None:
            best[node_id] = (0, node.ending is EndingKind.BAD, "")
            continue
        for choice in node.choices:
            rest = best.get(choice.target)
            if rest is None or not graph.has_edge(node_id, choice.target):
                continue
            total, bad = choice.score + rest[0], rest[1]
            current = best.get(node_id)
            if current is None or total > current[0] or (total == current[0] and bad and not current[1]):
                best[node_id] = (total, bad, choice.target)
    return best


def _route(best: Mapping[str, tuple[int, bool, str]], start: str) -> list[str]:
    route = [start]
    while best[route[-1]][2]:
        route.append(best[route[-1]][2])
    return route


def _check_best_path(nodes: Mapping[str, Node], graph: nx.DiGraph, *, start: str,
                     path: str) -> list[Diagnostic]:
    """Report a scenario whose highest-scoring path can end in a `bad` ending (a score typo).

    Only scenarios without loops are judged: there the best path is found in linear time.
    Ties count: a bad ending that scores as well as a good one gives a failing learner full marks.
    """
    if start not in graph or not nx.is_directed_acyclic_graph(graph):
        return []
    best = _best_paths(nodes, graph)
    found = best.get(start)
    if found is None or not found[1] or found[0] <= 0:
        return []  # with no positive best, scoring gives every run full marks anyway
    total, route = found[0], _route(best, start)
    return [error(path, nodes[route[-1]].line, Code.BEST_PATH_BAD,
                  f"the highest-scoring path (score {total}) ends in the bad ending '{route[-1]}': "
                  f"{' -> '.join(route)}; a learner who takes it gets full marks, so check the "
                  "score= values along it")]
