"""Organisation settings that protect learners: the minimum group and what leaders may filter by.

They belong to the organisation, not to a course: administrators change them in the app (and
each change is audited); course files no longer carry them. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: The smallest minimum group an administrator may set: below it, a group is a person or two.
MIN_GROUP_FLOOR = 3
#: The minimum group until an administrator changes it.
DEFAULT_MIN_GROUP = 5
#: The dashboard filters a leader can be allowed, in the order the page shows them.
LEADER_FILTERS = ("departments", "tracks", "competencies", "period")


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """The organisation's privacy settings for dashboards and item analysis."""

    min_group_size: int = DEFAULT_MIN_GROUP
    leader_filters: frozenset[str] = frozenset(LEADER_FILTERS)


def check_privacy_settings(min_group_size: int, leader_filters: Iterable[str]) -> list[str]:
    """Return what is wrong with these settings, in plain words (empty when they are valid)."""
    problems = []
    if isinstance(min_group_size, bool) or not isinstance(min_group_size, int):
        problems.append("The minimum group size must be a whole number.")
    elif min_group_size < MIN_GROUP_FLOOR:
        problems.append(
            f"The minimum group size must be at least {MIN_GROUP_FLOOR}: with fewer, a group is "
            f"one or two people (asked for {min_group_size})."
        )
    unknown = sorted(set(leader_filters) - set(LEADER_FILTERS))
    if unknown:
        problems.append(
            f"Unknown leader filter(s): {', '.join(unknown)}; choose from {', '.join(LEADER_FILTERS)}."
        )
    return problems
