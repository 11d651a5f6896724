"""content_graph: prerequisite cycles in a tangle where every module requires every other.

Anchor: building the same graph in networkx and visiting each of its edges once, the least
work any check of every edge does. Targets: finding the cycles within 3x of that walk (linear time:
the old enumeration of every cycle took seconds at nine modules and grew about 8x per module),
with exactly one diagnostic for the whole tangle. The load of the tangled course and of the same
modules as a chain are printed for scale (most of the difference is reading twice the YAML).
The scenario graph checks (reachability, traps, best path) must grow linearly: on a scenario of
thousands of nodes, half of them endings, doubling the nodes at most 3x the time (a check that
walked once per ending grew 4x).
"""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx

from course.content.graphs import find_cycles
from course.content.loader import ParseCache, load_course
from course.content.scenario_checks import check_graph
from course.domain.model import Choice, EndingKind, Node

NAME = "content_graph"
CYCLE_TARGET = 3.0
GROWTH_TARGET = 3.0

_MANIFEST = ("id: tangle\ntitle: Tangle\nversion: 1.0.0\nroles: {all-staff: Everyone}\n"
             "competencies: {crisis: Crisis}\n")


def _module(item_id: str, requires: list[str]) -> str:
    return (f"---\nid: {item_id}\ntitle: Module {item_id}\nroles: [all]\ncompetencies: [crisis]\n"
            f"requires: [{', '.join(requires)}]\n---\n\n## Only section\n\nText.\n")


def _write(root: Path, ids: list[str], *, tangled: bool) -> Path:
    (root / "modules").mkdir(parents=True)
    (root / "course.yaml").write_text(_MANIFEST, encoding="utf-8")
    for index, item_id in enumerate(ids):
        needs = [o for o in ids if o != item_id] if tangled else ids[:index]
        (root / "modules" / f"{item_id}.md").write_text(_module(item_id, needs), encoding="utf-8")
    return root


def _walk(edges: dict[str, list[str]]) -> int:
    graph = nx.DiGraph([(a, b) for a, targets in edges.items() for b in targets])
    return sum(1 for node in graph for _ in graph.successors(node))


def _scenario(size: int) -> dict[str, Node]:
    """Return a scenario graph: a chain of decisions, each also leading to an ending of its own."""
    nodes = {}
    for i in range(size):
        choices = (Choice(0, "on", f"d{i + 1}" if i + 1 < size else "good", 1, score=1),
                   Choice(1, "stop", f"e{i}", 1, score=0))
        nodes[f"d{i}"] = Node(f"d{i}", "decision", 1, "", choices)
        nodes[f"e{i}"] = Node(f"e{i}", "ending", 1, "", ending=EndingKind.MIXED)
    nodes["good"] = Node("good", "good", 1, "", ending=EndingKind.GOOD)
    return nodes


def _timed(action: Any) -> tuple[float, Any]:
    """Time one call with the garbage collector paused (as timeit does): its full collections
    scale with everything the process holds, which would blur how the check itself grows."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        value = action()
        return time.perf_counter() - start, value
    finally:
        gc.enable()


def run(*, quick: bool) -> dict[str, Any]:
    """Time the cycle check and the load of a complete tangle against their anchors."""
    size = 200 if quick else 400
    repeats = 3 if quick else 5
    ids = [f"m{i:04d}" for i in range(size)]
    edges = {i: [o for o in ids if o != i] for i in ids}
    walks, checks, tangled_loads, chain_loads = [], [], [], []
    nodes, doubled = _scenario(size * 10), _scenario(size * 20)
    scenario_checks, doubled_checks = [], []
    with tempfile.TemporaryDirectory() as folder:
        tangle = _write(Path(folder) / "tangle", ids, tangled=True)
        chain = _write(Path(folder) / "chain", ids, tangled=False)
        for _ in range(repeats):  # interleaved, so drift in machine speed hits both alike
            walks.append(_timed(lambda: _walk(edges))[0])
            seconds, cycles = _timed(lambda: find_cycles(edges))
            checks.append(seconds)
            seconds, result = _timed(lambda: load_course(tangle, cache=ParseCache()))
            tangled_loads.append(seconds)
            chain_loads.append(_timed(lambda: load_course(chain, cache=ParseCache()))[0])
            seconds, problems = _timed(lambda: check_graph(nodes, start="d0", path="s.md"))
            scenario_checks.append(seconds)
            doubled_checks.append(_timed(lambda: check_graph(doubled, start="d0", path="s.md"))[0])
    walk, check = statistics.median(walks), statistics.median(checks)
    load_ratio = statistics.median(tangled_loads) / statistics.median(chain_loads)
    diagnostics = len(result.diagnostics)
    growth = min(doubled_checks) / min(scenario_checks)  # the least disturbed of each
    return {
        "value": round(check * 1000, 2),
        "anchor": round(walk * 1000, 2),
        "ratio": round(check / walk, 2),
        "target": f"<= {CYCLE_TARGET:.0f}x anchor, 1 diagnostic; scenario check x{GROWTH_TARGET:.0f} "
                  "at most for 2x nodes",
        "unit": "ms",
        "pass": check / walk <= CYCLE_TARGET and diagnostics == 1
        and len(cycles) == 1 and growth <= GROWTH_TARGET and not problems,
        "modules": size,
        "edges": _walk(edges),
        "tangled_load_ms": round(statistics.median(tangled_loads) * 1000, 1),
        "chain_load_ms": round(statistics.median(chain_loads) * 1000, 1),
        "load_ratio": round(load_ratio, 2),
        "diagnostics": diagnostics,
        "scenario_nodes": len(nodes),
        "scenario_check_ms": round(statistics.median(scenario_checks) * 1000, 1),
        "scenario_growth_2x": round(growth, 2),
    }
