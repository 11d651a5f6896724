"""The documentation keeps up with the code: every key, code and setting is explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.content.schema import CourseManifest, MeterMatter, ModuleMatter, QuizMatter, ScenarioMatter
from course.domain.diagnostics import Code

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _authoring() -> str:
    return (DOCS / "authoring.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_every_diagnostic_code_is_documented(code: Code) -> None:
    assert f"`{code}`" in _authoring()


KEYS = sorted({key for model in (CourseManifest, ModuleMatter, QuizMatter, ScenarioMatter, MeterMatter)
               for key in model.model_fields})


@pytest.mark.parametrize("key", KEYS)
def test_every_front_matter_key_is_documented(key: str) -> None:
    assert f"`{key}`" in _authoring()


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_every_diagnostic_code_has_the_anchor_reports_link_to(code: Code) -> None:
    assert f'<a id="code-{code}"></a>`{code}`' in _authoring()
