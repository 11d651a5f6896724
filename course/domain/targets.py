"""The literacy target an administrator sets, and the status a score has against it.

A department is on target (green) at or above the target, close to it (amber) within
`AMBER_POINTS` below it, and below it (red) further down; a hidden score has no status, only
the reason it is hidden. The status is always given in words as well as in colour. Stdlib only.
"""

from __future__ import annotations

from enum import StrEnum

#: The target until an administrator sets one, in percentage points of the literacy score.
DEFAULT_TARGET = 70
#: How far below the target (in points) a score still counts as close to it.
AMBER_POINTS = 5
#: The longest organisation name kept for the board report.
MAX_NAME_LENGTH = 120


class Status(StrEnum):
    """Where a score stands against the target, in the words the page and the report show."""

    ON_TARGET = "On target"
    CLOSE = "Close to target"
    BELOW = "Below target"
    HIDDEN = "Hidden: too few learners"


#: The colour each status is drawn in (always beside its words, never alone).
STATUS_COLOURS = {
    Status.ON_TARGET: "green", Status.CLOSE: "orange", Status.BELOW: "red", Status.HIDDEN: "gray",
}


def status_of(score: float | None, target: int) -> Status:
    """Return the status of a 0..1 score against a target in percent (HIDDEN when there is no score)."""
    if score is None:
        return Status.HIDDEN
    points = round(score * 100)
    if points >= target:
        return Status.ON_TARGET
    return Status.CLOSE if points >= target - AMBER_POINTS else Status.BELOW


def check_target(target: object) -> list[str]:
    """Return what is wrong with a target, in plain words (empty when it is a whole 1..100)."""
    if isinstance(target, bool) or not isinstance(target, int):
        return ["The target must be a whole number of percent."]
    if not 1 <= target <= 100:
        return [f"The target must be between 1% and 100% (asked for {target}%)."]
    return []


def check_organisation_name(name: str) -> list[str]:
    """Return what is wrong with an organisation name for the report (empty when it is fine)."""
    if not name.strip():
        return ["The organisation's name must not be empty."]
    if len(name) > MAX_NAME_LENGTH:
        return [f"The organisation's name must be at most {MAX_NAME_LENGTH} characters."]
    return []
