"""course.yaml's optional `demo:` section is validated as strictly as the rest of the manifest."""

from __future__ import annotations

import pytest

from course.content.manifest import parse_manifest
from course.domain.model import DemoDepartment, DemoLeader
from tests.conftest import MANIFEST


def _problems(demo: str) -> list[tuple[int, str, str]]:
    parsed = parse_manifest(MANIFEST + demo)
    assert parsed.item is None
    return [(d.line, d.code.value, d.message) for d in parsed.diagnostics]


def test_a_demo_section_becomes_departments_and_a_leader() -> None:
    info = parse_manifest(MANIFEST + (
        "demo:\n"
        "  departments:\n"
        "    - {name: Counsel, share: 2, tracks: [legal], skill: 75}\n"
        "    - name: People\n"
        "      share: 1\n"
        "      tracks: [hr, legal]\n"
        "  leader: {department: Board, tracks: [legal]}\n"
    )).item
    assert info is not None
    assert info.demo_departments == (DemoDepartment("Counsel", 2, ("legal",), 0.75),
                                     DemoDepartment("People", 1, ("hr", "legal"), 0.6))
    assert info.demo_leader == DemoLeader("Board", ("legal",))


def test_a_manifest_without_a_demo_section_has_none() -> None:
    info = parse_manifest(MANIFEST).item
    assert info is not None and info.demo_departments == () and info.demo_leader is None


def test_a_track_that_is_not_a_role_is_refused_where_it_is_written() -> None:
    assert _problems("demo:\n  departments:\n    - {name: Counsel, share: 1, tracks: [legal]}\n"
                     "    - {name: Finance, share: 1, tracks: [finance]}\n") == [
        (13, "unknown-role", "demo track 'finance' is not a role declared under 'roles'")]


def test_the_reserved_all_is_not_a_track_and_the_leader_is_checked_too() -> None:
    codes = _problems("demo:\n  departments:\n    - {name: Counsel, share: 1, tracks: [all]}\n"
                      "  leader: {department: Board, tracks: [board]}\n")
    assert [(line, code) for line, code, _ in codes] == [(12, "unknown-role"), (13, "unknown-role")]


def test_a_department_listed_twice_names_the_first_line() -> None:
    assert _problems("demo:\n  departments:\n    - {name: Counsel, share: 1, tracks: [legal]}\n"
                     "    - {name: Counsel, share: 2, tracks: [hr]}\n") == [
        (13, "fm-type", "demo department 'Counsel' is listed twice (first on line 12)")]


@pytest.mark.parametrize(("demo", "code"), [
    ("demo:\n  departments:\n    - {name: Counsel, share: 1, tracks: [legal], size: 4}\n", "fm-unknown-key"),
    ("demo:\n  departments:\n    - {name: Counsel, share: 0, tracks: [legal]}\n", "fm-type"),
    ("demo:\n  departments:\n    - {name: Counsel, share: 1, tracks: [legal], skill: 101}\n", "fm-type"),
    ("demo:\n  departments:\n    - {name: Counsel, share: 1, tracks: []}\n", "fm-type"),
    ("demo:\n  departments:\n    - {name: Counsel, share: '1', tracks: [legal]}\n", "fm-type"),
    ("demo:\n  departments: []\n", "fm-type"),
    ("demo:\n  departments:\n    - {share: 1, tracks: [legal]}\n", "fm-missing-key"),
    ("demo:\n  people: 5\n", "fm-unknown-key"),
])
def test_malformed_demo_sections_are_refused(demo: str, code: str) -> None:
    assert code in [c for _, c, _ in _problems(demo)]
