"""The conformance report lists every WCAG 2.1 A and AA criterion once, and names only tests that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "accessibility.md"
STATUSES = {"Supports", "Partially supports", "Does not support", "Not applicable"}

#: Every success criterion of WCAG 2.1 at level A or AA, with its level.
CRITERIA = {
    **dict.fromkeys(["1.1.1", "1.2.1", "1.2.2", "1.2.3", "1.3.1", "1.3.2", "1.3.3", "1.4.1", "1.4.2",
                     "2.1.1", "2.1.2", "2.1.4", "2.2.1", "2.2.2", "2.3.1", "2.4.1", "2.4.2", "2.4.3",
                     "2.4.4", "2.5.1", "2.5.2", "2.5.3", "2.5.4", "3.1.1", "3.2.1", "3.2.2", "3.3.1",
                     "3.3.2", "4.1.1", "4.1.2"], "A"),
    **dict.fromkeys(["1.2.4", "1.2.5", "1.3.4", "1.3.5", "1.4.3", "1.4.4", "1.4.5", "1.4.10", "1.4.11",
                     "1.4.12", "1.4.13", "2.4.5", "2.4.6", "2.4.7", "3.1.2", "3.2.3", "3.2.4", "3.3.3",
                     "3.3.4", "4.1.3"], "AA"),
}
_ROW = re.compile(r"^\| (\d+\.\d+\.\d+) [^|]+ \| (A|AA) \| ([^|]+) \| (.+) \|$")


def _rows() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in REPORT.read_text(encoding="utf-8").splitlines():
        found = _ROW.match(line)
        if found:
            number, level, status, evidence = found.groups()
            rows.append((number, level, status.strip(), evidence))
    return rows


def test_there_are_fifty_criteria() -> None:
    assert len(CRITERIA) == 50


def test_every_criterion_is_listed_once_with_its_level_and_a_status() -> None:
    rows = _rows()
    assert sorted(number for number, *_ in rows) == sorted(CRITERIA)
    for number, level, status, evidence in rows:
        assert level == CRITERIA[number], number
        assert status in STATUSES, f"{number}: {status}"
        assert evidence.strip(), number


@pytest.mark.parametrize("name", sorted(set(re.findall(r"`((?:tests/[\w/]+/)?test_\w+\.py)`",
                                                       REPORT.read_text(encoding="utf-8")))))
def test_every_test_file_the_report_names_exists(name: str) -> None:
    path = ROOT / name if name.startswith("tests/") else ROOT / "tests" / "browser" / name
    assert path.is_file(), f"docs/accessibility.md names {name}, which does not exist"
