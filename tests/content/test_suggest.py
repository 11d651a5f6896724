"""The closest known name offered after an unknown one."""

from __future__ import annotations

import pytest

from course.content.suggest import closest, did_you_mean


@pytest.mark.parametrize("word,known,expected", [
    ("passmark", ["pass_mark", "title", "id"], "pass_mark"),
    ("Pass-Mark", ["pass_mark", "title"], "pass_mark"),
    ("kye", ["key", "tip", "warning"], "key"),
    ("listning", ["listening", "crisis"], "listening"),
    ("finance", ["legal", "hr"], None),
    ("legal", ["legal"], None),
    ("x", [], None),
])
def test_closest(word: str, known: list[str], expected: str | None) -> None:
    assert closest(word, known) == expected


def test_did_you_mean_says_nothing_without_a_close_name() -> None:
    assert did_you_mean("lgeal", {"legal", "hr"}) == "; did you mean 'legal'?"
    assert did_you_mean("finance", {"legal", "hr"}) == ""
