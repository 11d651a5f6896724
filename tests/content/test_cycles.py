"""Prerequisite cycles: one real circle per tangle, checked against a brute-force reference."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from course.content.graphs import find_cycles
from course.content.loader import load_course
from course.domain.diagnostics import Code
from tests.conftest import TreeWriter, dedent


def _reaches(edges: dict[str, list[str]], source: str) -> set[str]:
    """Every node a path of one or more edges leads to from source (plain depth-first search)."""
    seen: set[str] = set()
    stack = list(edges[source])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges[node])
    return seen


def _tangles(edges: dict[str, list[str]]) -> set[frozenset[str]]:
    """Group the nodes that lie on a cycle by mutual reachability: the reference answer."""
    reach = {node: _reaches(edges, node) for node in edges}
    return {frozenset(other for other in edges if other in reach[node] and node in reach[other])
            for node in edges if node in reach[node]}


@st.composite
def digraphs(draw: st.DrawFn) -> dict[str, list[str]]:
    ids = [f"m{i}" for i in range(draw(st.integers(1, 7)))]
    return {node: sorted(set(draw(st.lists(st.sampled_from(ids), max_size=4)))) for node in ids}


@settings(max_examples=300, deadline=None)
@given(digraphs())
def test_one_real_cycle_per_tangle(edges: dict[str, list[str]]) -> None:
    cycles = find_cycles(edges)
    assert {c.members for c in cycles} == _tangles(edges)
    assert len(cycles) == len(_tangles(edges))
    for cycle in cycles:
        assert cycle.path[0] == cycle.path[-1] == min(cycle.members)
        assert len(set(cycle.path[:-1])) == len(cycle.path) - 1  # visits each member at most once
        for a, b in zip(cycle.path, cycle.path[1:], strict=False):
            assert b in edges[a]


def test_the_cycle_keeps_the_order_of_its_edges() -> None:
    cycles = find_cycles({"a": ["c"], "b": ["a"], "c": ["b"]})
    assert [c.path for c in cycles] == [("a", "c", "b", "a")]


def test_a_self_loop_is_a_cycle_and_a_chain_is_not() -> None:
    assert [c.path for c in find_cycles({"a": ["a"], "b": ["c"], "c": []})] == [("a", "a")]


def _module(item_id: str, requires: list[str]) -> str:
    return dedent(f"""
        ---
        id: {item_id}
        title: Module {item_id}
        roles: [all]
        competencies: [crisis]
        requires: [{", ".join(requires)}]
        ---

        ## Only section

        Text.
        """)


def test_two_hundred_mutually_requiring_modules_give_one_diagnostic(write_tree: TreeWriter) -> None:
    ids = [f"m{i:03d}" for i in range(200)]
    files: dict[str, str | bytes | None] = {
        f"modules/{i}.md": _module(i, [o for o in ids if o != i]) for i in ids}
    result = load_course(write_tree(files))
    cycles = [d.format() for d in result.diagnostics if d.code is Code.REQUIRES_CYCLE]
    assert cycles == [
        "modules/m000.md:6: error: prerequisites go round in a circle: m000 -> m001 -> m000 "
        "(198 more item(s) are tangled with these; remove requires until no circle is left) "
        "[requires-cycle]"]
    assert result.course is not None
    assert all(m.meta.requires == () for i, m in result.course.modules.items() if i in ids)


def test_a_cycle_is_reported_in_its_real_order(write_tree: TreeWriter) -> None:
    files: dict[str, str | bytes | None] = {
        "modules/a.md": _module("a", ["c"]), "modules/b.md": _module("b", ["a"]),
        "modules/c.md": _module("c", ["b"])}
    found = [d.format() for d in load_course(write_tree(files)).diagnostics]
    assert found == ["modules/a.md:6: error: prerequisites go round in a circle: a -> c -> b -> a "
                     "[requires-cycle]"]
