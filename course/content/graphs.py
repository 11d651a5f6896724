"""Cycles in a directed graph, found in linear time: one per strongly connected component.

Enumerating every elementary cycle (`networkx.simple_cycles`) is exponential on dense graphs:
nine items that all require each other already have hundreds of cycles. A trainer needs one
circle to break per tangle, so each strongly connected component yields one real cycle, in the
order its edges run, found by a breadth-first search inside the component.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx


@dataclass(frozen=True, slots=True)
class Cycle:
    """One circle of a tangle: `path` runs along the edges and ends where it began."""

    path: tuple[str, ...]
    members: frozenset[str]


def find_cycles(edges: Mapping[str, Sequence[str]]) -> list[Cycle]:
    """Return one cycle per tangle (component with a cycle, self-loops included), sorted by start.

    Each cycle starts at the smallest id of its component and is a shortest way back to it.
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(edges)
    graph.add_edges_from((a, b) for a, targets in edges.items() for b in targets)
    cycles = []
    for component in nx.strongly_connected_components(graph):
        start = min(component)
        if len(component) == 1 and not graph.has_edge(start, start):
            continue
        cycles.append(Cycle(_shortest_way_back(graph, start, component), frozenset(component)))
    return sorted(cycles, key=lambda c: c.path)


def _shortest_way_back(graph: nx.DiGraph, start: str, component: set[str]) -> tuple[str, ...]:
    """Return the shortest path start -> ... -> start that stays inside the component."""
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph.successors(node)):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return (*reversed(path), start)
            if target in component and target not in parent:
                parent[target] = node
                queue.append(target)
    raise ValueError(f"{start!r} lies on no cycle")  # unreachable for a component with a cycle
