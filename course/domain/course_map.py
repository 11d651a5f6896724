"""One track's course map as a graph: modules in path order, their quizzes and scenarios, and
the prerequisites between them, laid out so every prerequisite arrow runs to the right.

Each module has its own row, in path order, and its quiz and scenario sit on the same row. A
node's layer (column) is the length of the longest chain of prerequisites leading to it: a module
needing nothing is in layer 0, a module requiring it (or its quiz) in layer 1, and a quiz or
scenario shares its module's layer. The validator refuses circular `requires`, so the
graph is acyclic; should a cycle slip through anyway, its edges are kept, flagged, and ignored
for layering rather than looping forever.

Problems a trainer should see are flagged on the graph: a prerequisite that is not on the track
(the module can never unlock for its learners), and a prerequisite that comes later in the path
(learners meet the module locked).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from course.domain.model import Course, ItemMeta
from course.domain.paths import path_for
from course.domain.wording import counted


class NodeKind(StrEnum):
    """What a node of the map stands for."""

    MODULE = "module"
    QUIZ = "quiz"
    SCENARIO = "scenario"
    #: A prerequisite that learners on the track never meet.
    OFF_TRACK = "off-track"


class EdgeKind(StrEnum):
    """What an arrow of the map means."""

    #: The source must be completed before the target unlocks.
    REQUIRES = "requires"
    #: The target (a quiz or scenario) belongs to the source module.
    ATTACHED = "attached"


@dataclass(frozen=True, slots=True)
class MapNode:
    """One item on the map, with its layer (column) and row (a module's place in the path)."""

    id: str
    title: str
    kind: NodeKind
    layer: int
    row: int
    #: 1-based place in the track's path for modules; None for everything else.
    step: int | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MapEdge:
    """One arrow from `source` to `target`; `problem` says what is wrong with it, if anything."""

    source: str
    target: str
    kind: EdgeKind
    problem: str = ""


@dataclass(frozen=True, slots=True)
class TrackMap:
    """A track's whole map: nodes (path order, each module followed by its quiz and scenario) and
    arrows."""

    role: str
    label: str
    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]

    @property
    def layers(self) -> int:
        """How many columns the map has."""
        return 1 + max((n.layer for n in self.nodes), default=-1)

    @property
    def problems(self) -> tuple[str, ...]:
        """Every problem of the map, node problems first, each once."""
        found = [p for n in self.nodes for p in n.problems] + [e.problem for e in self.edges if e.problem]
        return tuple(dict.fromkeys(found))

    def node(self, node_id: str) -> MapNode:
        """Return the node with this id."""
        return next(n for n in self.nodes if n.id == node_id)


@dataclass(frozen=True, slots=True)
class _Draft:
    id: str
    title: str
    kind: NodeKind
    step: int | None = None


def track_map(course: Course, role: str) -> TrackMap:
    """Return the map of the path learners on `role` follow."""
    drafts, edges = _drafts_and_edges(course, role)
    edges = _flag_edges(drafts, edges, course)
    layer = _layers([d.id for d in drafts], [e for e in edges if not e.problem.startswith(_CIRCLE)])
    rows = _rows(drafts, edges)
    problems = _node_problems(edges)
    nodes = tuple(MapNode(d.id, d.title, d.kind, layer[d.id], rows[d.id], d.step, problems.get(d.id, ()))
                  for d in drafts)
    return TrackMap(role, course.info.roles.get(role, role), nodes, tuple(edges))


def _rows(drafts: Sequence[_Draft], edges: Sequence[MapEdge]) -> dict[str, int]:
    """Give each module its own row in path order, its quiz and scenario the same row, and each
    prerequisite off the track a row after them."""
    rows: dict[str, int] = {}
    for draft in drafts:
        if draft.kind in (NodeKind.MODULE, NodeKind.OFF_TRACK):
            rows[draft.id] = len(set(rows.values()))
    for edge in edges:
        if edge.kind is EdgeKind.ATTACHED:
            rows.setdefault(edge.target, rows[edge.source])
    return rows


def _drafts_and_edges(course: Course, role: str) -> tuple[list[_Draft], list[MapEdge]]:
    """Return the track's nodes in path order (each module, then its quiz and scenario) and arrows."""
    drafts: dict[str, _Draft] = {}
    edges: list[MapEdge] = []
    for step, module in enumerate(path_for(course, {role}), start=1):
        drafts[module.meta.id] = _Draft(module.meta.id, module.meta.title, NodeKind.MODULE, step)
        for item_id, kind, table in ((module.quiz, NodeKind.QUIZ, course.quizzes),
                                     (module.scenario, NodeKind.SCENARIO, course.scenarios)):
            if item_id is None:
                continue
            meta: ItemMeta | None = table[item_id].meta if item_id in table else None
            drafts.setdefault(item_id, _Draft(item_id, meta.title if meta else item_id, kind))
            edges.append(MapEdge(module.meta.id, item_id, EdgeKind.ATTACHED))
    for item_id in list(drafts):
        own = _meta(course, item_id)
        for needed in own.requires if own else ():
            if needed not in drafts:
                meta = _meta(course, needed)
                drafts[needed] = _Draft(needed, meta.title if meta else needed, NodeKind.OFF_TRACK)
            edges.append(MapEdge(needed, item_id, EdgeKind.REQUIRES))
    return list(drafts.values()), edges


def _meta(course: Course, item_id: str) -> ItemMeta | None:
    for table in (course.modules, course.quizzes, course.scenarios):
        if item_id in table:
            return table[item_id].meta
    return None


_CIRCLE = "Circular prerequisite"


def _flag_edges(drafts: Sequence[_Draft], edges: Sequence[MapEdge], course: Course) -> list[MapEdge]:
    """Name what is wrong with each prerequisite arrow: off the track, later in the path, circular."""
    by_id = {d.id: d for d in drafts}
    steps = _steps(by_id, edges)
    circular = _circular_edges([d.id for d in drafts], edges)
    flagged = []
    for edge in edges:
        source, target = by_id[edge.source], by_id[edge.target]
        problem = ""
        if (edge.source, edge.target) in circular:
            problem = f"{_CIRCLE}: {source.title} and {target.title} wait for each other."
        elif edge.kind is EdgeKind.REQUIRES and source.kind is NodeKind.OFF_TRACK:
            where = "does not exist" if _meta(course, source.id) is None else "is not on this track"
            problem = (f"{target.title} stays locked: it requires {source.title}, which {where}.")
        elif edge.kind is EdgeKind.REQUIRES and steps.get(source.id, 0) > steps.get(target.id, 0):
            problem = (f"{target.title} comes before {source.title} in the path but requires it, "
                       "so learners meet it locked.")
        flagged.append(MapEdge(edge.source, edge.target, edge.kind, problem))
    return flagged


def _steps(by_id: Mapping[str, _Draft], edges: Sequence[MapEdge]) -> dict[str, int]:
    """Return each node's path step: a module's own, a quiz's or scenario's from its module."""
    steps = {d.id: d.step for d in by_id.values() if d.step is not None}
    for edge in edges:
        if edge.kind is EdgeKind.ATTACHED:
            steps.setdefault(edge.target, steps[edge.source])
    return steps


def _circular_edges(nodes: Sequence[str], edges: Sequence[MapEdge]) -> set[tuple[str, str]]:
    """Return the arrows that lie on a cycle (none in a course the validator accepted)."""
    if len(_layers(nodes, edges, weighted=False)) == len(nodes):
        return set()  # the usual case, in linear time; the search below is quadratic
    reach: dict[str, set[str]] = {n: set() for n in nodes}
    successors: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        successors[edge.source].append(edge.target)
    for start in nodes:
        stack = list(successors[start])
        while stack:
            node = stack.pop()
            if node not in reach[start]:
                reach[start].add(node)
                stack.extend(successors[node])
    return {(e.source, e.target) for e in edges if e.source in reach[e.target]}


def _layers(nodes: Sequence[str], edges: Sequence[MapEdge], *, weighted: bool = True) -> dict[str, int]:
    """Return each node's layer over an acyclic set of arrows (Kahn's order): one more than the
    deepest thing it requires; a quiz or scenario shares its module's layer.

    Nodes on a cycle are never reached, so they are missing from the result; with
    `weighted=False` that is all the caller wants to know.
    """
    incoming = dict.fromkeys(nodes, 0)
    successors: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for edge in edges:
        successors[edge.source].append((edge.target, int(edge.kind is EdgeKind.REQUIRES or not weighted)))
        incoming[edge.target] += 1
    layer = {n: 0 for n in nodes if incoming[n] == 0}
    ready = list(layer)
    while ready:
        node = ready.pop()
        for target, step in successors[node]:
            layer[target] = max(layer.get(target, 0), layer[node] + step)
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return {n: layer[n] for n in nodes if n in layer and incoming[n] == 0}


def _node_problems(edges: Sequence[MapEdge]) -> dict[str, tuple[str, ...]]:
    """Attach each arrow's problem to the node it leaves waiting."""
    problems: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge.problem:
            problems[edge.target].append(edge.problem)
    return {node: tuple(found) for node, found in problems.items()}


def summary(track: TrackMap) -> str:
    """Return one sentence saying what the map shows, for readers who cannot see it."""
    kinds = [n.kind for n in track.nodes]
    links = sum(e.kind is EdgeKind.REQUIRES for e in track.edges)
    parts = (counted(kinds.count(NodeKind.MODULE), "module", "modules"),
             counted(kinds.count(NodeKind.QUIZ), "quiz", "quizzes"),
             counted(kinds.count(NodeKind.SCENARIO), "scenario", "scenarios"))
    problems = len(track.problems)
    found = counted(problems, "problem", "problems") + " flagged" if problems else "no problem"
    return (f"The {track.label} path has {parts[0]}, {parts[1]} and {parts[2]}, joined by "
            f"{counted(links, 'prerequisite link', 'prerequisite links')} across "
            f"{counted(track.layers, 'column', 'columns')}; {found}.")
