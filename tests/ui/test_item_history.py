"""The line under a question saying since when, and over which versions, its statistics are counted."""

from __future__ import annotations

from datetime import UTC, datetime

from course.domain.item_analysis import ItemCounts, analyse
from course.services.studio_stats import ItemReport, PooledVersion
from course.ui.item_history import counted_caption

FIRST = datetime(2026, 3, 2, 9, tzinfo=UTC)
LATER = datetime(2026, 4, 1, 9, tzinfo=UTC)


def _item(pooled: tuple[PooledVersion, ...], *, changed: bool = False) -> ItemReport:
    return ItemReport("q", "Quiz", "v2", True, "q-one", "Stem", "crisis", "quizzes/q.md", 3, (),
                      analyse(ItemCounts(answers=4, learners=2, correct=2, seconds=8.0)),
                      pooled=pooled, changed=changed)


def test_a_changed_question_says_its_statistics_restarted() -> None:
    caption = counted_caption(_item((PooledVersion("v2", 4, LATER, True),), changed=True))
    assert caption.startswith("Counted since 01 Apr 2026, when this question last changed")


def test_versions_that_read_the_same_are_counted_together_from_the_first() -> None:
    pooled = (PooledVersion("v1", 3, FIRST, False), PooledVersion("v2", 1, LATER, True))
    assert counted_caption(_item(pooled)) == (
        "Counted since 02 Mar 2026, over 2 versions of the quiz file in which this question reads the same.")
    assert counted_caption(_item(pooled[1:])) == "Counted since 01 Apr 2026."


def test_an_older_version_asked_for_alone_has_no_such_line() -> None:
    assert counted_caption(_item(())) == ""
