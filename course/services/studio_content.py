"""Serve the last valid version of each item while its file is broken, and report content health.

`LastValid` is an in-process aggregate of content only (items by id, per content root): the UI
holds one per process (course/ui/resources.py), like the parse cache. A process that starts while
a file is broken has no memory of it yet: it takes the file's newest published version from the
database (`published`), so it serves the same items as its peers rather than dropping them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from course.content.loader import LoadResult, ParseCache, load_files, read_course_files, read_edit
from course.content.scenario_checks import can_finish, reachable_from, scenario_graph
from course.domain.diagnostics import Diagnostic, Severity
from course.domain.model import Course, Module, Quiz, Scenario, frozen_map
from course.domain.paths import coverage, path_for
from course.domain.permissions import Action, Actor
from course.services.catalog import load
from course.services.database import Engine
from course.services.permissions import require

Item = Module | Quiz | Scenario

#: A role whose path holds fewer modules than this is flagged as thin on the course map.
THIN_PATH = 3


@dataclass(frozen=True, slots=True)
class StaleItem:
    """An item served from its last valid version because its current file has errors."""

    id: str
    kind: str
    source: str
    version: str


@dataclass
class _RootState:
    items: dict[str, Item] = field(default_factory=dict)
    fingerprint: str = ""
    served: LoadResult | None = None
    stale: tuple[StaleItem, ...] = ()
    #: The fingerprint of the files last checked against their published versions.
    asked: str = ""


@dataclass
class LastValid:
    """The last valid item of each id, per content root, and the last merged result."""

    roots: dict[Path, _RootState] = field(default_factory=dict)

    def state(self, root: Path) -> _RootState:
        """Return the state kept for a content root."""
        return self.roots.setdefault(root.resolve(), _RootState())

    def stale(self, root: Path) -> tuple[StaleItem, ...]:
        """Return the items of the root now served from their last valid version."""
        return self.state(root).stale


def _kind(item: Item) -> str:
    return "module" if isinstance(item, Module) else "quiz" if isinstance(item, Quiz) else "scenario"


def _broken_files(diagnostics: tuple[Diagnostic, ...]) -> set[str]:
    return {d.path for d in diagnostics if d.severity is Severity.ERROR}


def _items(course: Course) -> dict[str, Item]:
    return {**course.modules, **course.quizzes, **course.scenarios}


def merge_last_valid(result: LoadResult, last: LastValid, root: Path) -> LoadResult:
    """Return the result with broken items replaced by their last valid version.

    Items whose file has no error are remembered as the last valid version of their id. An
    item whose current file has errors (and still exists) is served from that memory; a deleted
    file's items are dropped. Diagnostics are left untouched: the break is still reported.
    """
    state = last.state(root)
    if result.course is None:
        return result
    if state.served is not None and state.fingerprint == result.fingerprint:
        return state.served
    course = result.course
    broken = _broken_files(result.diagnostics)
    files = set(result.files)
    current = _items(course)
    previous = dict(state.items)
    for item_id, item in current.items():
        if item.meta.source not in broken:
            state.items[item_id] = item
    for item_id in [i for i, item in state.items.items() if item.meta.source not in files]:
        del state.items[item_id]
    merged = dict(current)
    stale = []
    for item_id, item in sorted(state.items.items()):
        if item.meta.source in broken and merged.get(item_id) is not item:
            owner = merged.get(item_id)
            if owner is not None and owner.meta.source != item.meta.source:
                continue  # the id now belongs to another, valid file
            merged[item_id] = item
            stale.append(StaleItem(item_id, _kind(item), item.meta.source, item.meta.version))
    merged = _restore_links(merged, previous)
    for item_id, item in merged.items():
        if isinstance(item, Module) and item.meta.source not in broken:
            state.items[item_id] = item  # keep the restored links for the next load
    served = replace(result, course=Course(
        info=course.info,
        modules=frozen_map({i: m for i, m in merged.items() if isinstance(m, Module)}),
        quizzes=frozen_map({i: q for i, q in merged.items() if isinstance(q, Quiz)}),
        scenarios=frozen_map({i: s for i, s in merged.items() if isinstance(s, Scenario)}),
        aids=course.aids,
        glossary=course.glossary,
    ))
    state.fingerprint, state.served, state.stale = result.fingerprint, served, tuple(stale)
    return served


def _restore_links(merged: dict[str, Item], remembered: Mapping[str, Item]) -> dict[str, Item]:
    """Give back a module the quiz or scenario link dropped because the target file broke."""
    out = dict(merged)
    for item_id, item in merged.items():
        before = remembered.get(item_id)
        if not isinstance(item, Module) or not isinstance(before, Module):
            continue
        quiz = item.quiz or (before.quiz if isinstance(merged.get(before.quiz or ""), Quiz) else None)
        scenario = item.scenario or (
            before.scenario if isinstance(merged.get(before.scenario or ""), Scenario) else None)
        if (quiz, scenario) != (item.quiz, item.scenario) and item.meta.version == before.meta.version:
            out[item_id] = replace(item, quiz=quiz, scenario=scenario)
    return out


#: Returns the newest published text of each of the paths that has one.
Published = Callable[[tuple[str, ...]], Mapping[str, str]]


def load_served(root: Path, *, cache: ParseCache, last: LastValid,
                published: Published | None = None) -> LoadResult:
    """Load the course at root as learners are served it: broken items at their last valid version.

    With `published`, a broken file this process has no valid version of in memory is taken
    from its newest published text (when that text is valid) before the merge.
    """
    result = load(root, cache=cache)
    if published is not None:
        remember_published(result, last, root, cache=cache, published=published)
    return merge_last_valid(result, last, root)


def remember_published(result: LoadResult, last: LastValid, root: Path, *, cache: ParseCache,
                       published: Published) -> int:
    """Remember the items of broken files from their published text; return how many were taken.

    Only files with errors whose items this process does not remember yet are asked for, so a
    running process asks nothing on a rerun, and asks again only when the files change.
    """
    state = last.state(root)
    if result.course is None or state.asked == result.fingerprint:
        return 0
    state.asked = result.fingerprint
    known = {item.meta.source for item in state.items.values()}
    missing = tuple(sorted((_broken_files(result.diagnostics) & set(result.files)) - known))
    texts = published(missing) if missing else {}
    files = read_course_files(root, cache=cache) if texts else None
    overlay = files
    for path, text in texts.items():
        if overlay is not None and overlay.texts.get(path) not in (None, text):
            overlay = read_edit(root, overlay, path, text)
    if overlay is None or overlay is files:
        return 0
    good = load_files(overlay, cache=cache)
    if good.course is None:
        return 0
    still_broken = _broken_files(good.diagnostics)
    taken = {item_id: item for item_id, item in _items(good.course).items()
             if item.meta.source in texts and item.meta.source not in still_broken}
    for item_id, item in taken.items():
        state.items.setdefault(item_id, item)
    if taken:
        state.served = None  # merge again, with the items just taken
    return len(taken)


# --- Content health --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileHealth:
    """The diagnostics of one file, errors first then by line."""

    path: str
    errors: int
    warnings: int
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class Gaps:
    """What the course map flags: competencies nothing assesses, roles with a thin path."""

    unassessed: tuple[str, ...]
    thin_roles: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Health:
    """Everything the content health page shows."""

    errors: int
    warnings: int
    files: tuple[FileHealth, ...]
    stale: tuple[StaleItem, ...]
    file_count: int


def _order(diagnostic: Diagnostic) -> tuple[int, int, str]:
    return (diagnostic.severity is not Severity.ERROR, diagnostic.line, diagnostic.message)


def summarise(result: LoadResult, stale: tuple[StaleItem, ...] = ()) -> Health:
    """Group every diagnostic by file (files with errors first), with counts by severity."""
    by_file: dict[str, list[Diagnostic]] = {}
    for diagnostic in result.diagnostics:
        by_file.setdefault(diagnostic.path, []).append(diagnostic)
    files = []
    for path, found in by_file.items():
        errors = sum(d.severity is Severity.ERROR for d in found)
        files.append(FileHealth(path, errors, len(found) - errors, tuple(sorted(found, key=_order))))
    files.sort(key=lambda f: (f.errors == 0, f.path))
    errors = sum(f.errors for f in files)
    return Health(errors, len(result.diagnostics) - errors, tuple(files), stale, len(result.files))


def get_health(engine: Engine, actor: Actor, result: LoadResult, last: LastValid, root: Path) -> Health:
    """Return the content health of the loaded course, for trainers and admins."""
    require(engine, actor, Action.VALIDATE_CONTENT)
    return summarise(result, last.stale(root))


def find_gaps(course: Course, *, thin: int = THIN_PATH) -> Gaps:
    """Return competencies no question or scenario assesses, and roles with fewer than `thin` modules."""
    counts = coverage(course)
    unassessed = tuple(c for c in course.info.competencies
                       if not counts.get(c, {}).get("questions") and not counts.get(c, {}).get("scenarios"))
    thin_roles = tuple((role, n) for role in course.info.roles
                       if (n := len(path_for(course, {role}))) < thin)
    return Gaps(unassessed, thin_roles)


# --- Scenario graph --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphReport:
    """Which nodes of a scenario a run cannot reach, and which cannot reach any ending."""

    unreachable: frozenset[str]
    trapped: frozenset[str]


def check_scenario_graph(scenario: Scenario) -> GraphReport:
    """Return the unreachable and trapped nodes of a scenario (the validator's own graph logic)."""
    graph = scenario_graph(scenario.nodes)
    reachable = reachable_from(graph, scenario.start)
    endings = {n.id for n in scenario.nodes.values() if n.ending is not None}
    finishing = can_finish(graph, endings)
    nodes = scenario.nodes.values()
    return GraphReport(
        unreachable=frozenset(n.id for n in nodes if n.id not in reachable),
        trapped=frozenset(n.id for n in nodes if n.id in reachable and n.id not in finishing
                          and n.choices),
    )


_ENDING_COLOURS = {"good": "#2e7d32", "mixed": "#f9a825", "bad": "#c62828"}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _quote(text: str) -> str:
    return '"' + _escape(text) + '"'


def _wrapped(*parts: str, width: int = 24) -> str:
    """Return a quoted DOT label of the parts, each wrapped onto lines of about `width` characters."""
    lines = [line for part in parts for line in (textwrap.wrap(part, width) or [""])]
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


def scenario_dot(scenario: Scenario) -> str:
    """Return the scenario's nodes and choices as a Graphviz DOT graph, drawn top to bottom.

    Endings are filled by kind (good green, mixed amber, bad red); unreachable nodes are dashed
    grey and trapped nodes outlined in red; the start is drawn with a double border. Titles are
    wrapped and each arrow is labelled with its choice's number and score (its text is the
    arrow's tooltip), so that a scenario of twenty nodes stays legible at the page's width.
    """
    report = check_scenario_graph(scenario)
    lines = ["digraph scenario {", "  rankdir=TB; nodesep=0.25; ranksep=0.35;",
             '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="sans-serif", '
             "fontsize=11];", '  edge [fontname="sans-serif", fontsize=9, color="#607d8b"];']
    for node in scenario.nodes.values():
        attrs = [f"label={_wrapped(node.title, f'({node.id})')}"]
        if node.ending is not None:
            attrs.append(f'fillcolor="{_ENDING_COLOURS[str(node.ending)]}", fontcolor="#ffffff"')
        if node.id == scenario.start:
            attrs.append("peripheries=2")
        if node.id in report.unreachable:
            attrs.append('style="rounded,filled,dashed", color="#9e9e9e", fillcolor="#eeeeee", '
                         'tooltip="unreachable"')
        if node.id in report.trapped:
            attrs.append('color="#c62828", penwidth=3, tooltip="trapped: no ending reachable"')
        lines.append(f"  {_quote(node.id)} [{', '.join(attrs)}];")
    for node in scenario.nodes.values():
        for choice in node.choices:
            if choice.target in scenario.nodes:
                text = choice.label_text or f"choice {choice.index + 1}"
                style = ", style=dashed" if choice.when is not None else ""
                lines.append(f"  {_quote(node.id)} -> {_quote(choice.target)} "
                             f"[label={_quote(f'{choice.index + 1} · {choice.score}')}, "
                             f"tooltip={_quote(text)}{style}];")
    lines.append("}")
    return "\n".join(lines)
