"""content_graph: prerequisite cycles in a tangle where every module requires every other.

Anchor: building the same graph in networkx and visiting each of its edges once, the least
work any check of every edge does. Targets: finding the cycles within 3x of that walk (linear time:
the old enumeration of every cycle took seconds at nine modules and grew about 8x per module),
and loading the tangled course within 3x of loading the same modules as a chain without cycles.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx

from course.content.graphs import find_cycles
from course.content.loader import ParseCache, load_course

NAME = "content_graph"
CYCLE_TARGET = 3.0
LOAD_TARGET = 3.0

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


def _timed(action: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def run(*, quick: bool) -> dict[str, Any]:
    """Time the cycle check and the load of a complete tangle against their anchors."""
    size = 200 if quick else 400
    repeats = 3 if quick else 5
    ids = [f"m{i:04d}" for i in range(size)]
    edges = {i: [o for o in ids if o != i] for i in ids}
    walks, checks, tangled_loads, chain_loads = [], [], [], []
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
    walk, check = statistics.median(walks), statistics.median(checks)
    load_ratio = statistics.median(tangled_loads) / statistics.median(chain_loads)
    diagnostics = len(result.diagnostics)
    return {
        "value": round(check * 1000, 2),
        "anchor": round(walk * 1000, 2),
        "ratio": round(check / walk, 2),
        "target": f"<= {CYCLE_TARGET:.0f}x anchor; tangled load <= {LOAD_TARGET:.0f}x chain load",
        "unit": "ms",
        "pass": check / walk <= CYCLE_TARGET and load_ratio <= LOAD_TARGET and diagnostics == 1
        and len(cycles) == 1,
        "modules": size,
        "edges": _walk(edges),
        "tangled_load_ms": round(statistics.median(tangled_loads) * 1000, 1),
        "chain_load_ms": round(statistics.median(chain_loads) * 1000, 1),
        "load_ratio": round(load_ratio, 2),
        "diagnostics": diagnostics,
    }
