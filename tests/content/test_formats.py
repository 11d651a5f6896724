"""Format versions: the version course.yaml declares, and converters from older versions."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from course.content import formats
from course.content.loader import load_texts
from course.domain.diagnostics import Code
from tests.conftest import MANIFEST, MODULE, QUIZ, SCENARIO

TEXTS = {"course.yaml": MANIFEST, "modules/intro.md": MODULE, "quizzes/intro-quiz.md": QUIZ,
         "scenarios/first-day.md": SCENARIO}


def test_a_course_without_format_is_version_one() -> None:
    assert formats.format_of(MANIFEST) == 1
    assert load_texts(TEXTS).diagnostics == ()


@pytest.mark.parametrize("value", ["true", "1.5", "'1'", "[1]", "-1"])
def test_anything_but_a_known_whole_number_is_refused(value: str) -> None:
    result = load_texts({**TEXTS, "course.yaml": f"format: {value}\n{MANIFEST}"})
    assert result.course is None
    assert [d.code for d in result.diagnostics] == [Code.FORMAT_UNKNOWN]


def test_a_converter_upgrades_an_older_course_as_it_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    def from_zero(texts: Mapping[str, str]) -> Mapping[str, str]:
        """Version 0 (imagined here) called the key 'headline' where version 1 says 'title'."""
        return {path: text.replace("headline:", "title:") for path, text in texts.items()}

    monkeypatch.setitem(formats.CONVERTERS, 0, from_zero)
    old = {path: text.replace("title:", "headline:") for path, text in TEXTS.items()}
    old["course.yaml"] = "format: 0\n" + old["course.yaml"]
    result = load_texts(old)
    assert result.diagnostics == ()
    assert result.course is not None and result.course.modules["intro"].meta.title == "Introduction"
    assert formats.known_versions() == [0, 1]


def test_without_a_converter_an_older_version_is_refused() -> None:
    result = load_texts({**TEXTS, "course.yaml": "format: 0\n" + MANIFEST})
    assert [d.format() for d in result.diagnostics] == [
        "course.yaml:1: error: format 0 is not a version of the course format; write 'format: 1' "
        "(known: 1) [format-unknown]"]
