"""The second complete course under tests/fixtures shares no id with the bundled one and is clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.cli import main
from course.services.catalog import load
from course.services.demo import demo_people
from course.settings import BUNDLED_ROOT

HOSPITAL = Path(__file__).resolve().parent / "fixtures" / "hospital"


def _ids(root: Path) -> set[str]:
    course = load(root).course
    assert course is not None
    info = course.info
    return {*info.roles, *info.competencies, *course.modules, *course.quizzes, *course.scenarios}


def test_the_hospital_course_validates_strict_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--strict", str(HOSPITAL)]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_the_hospital_course_shares_no_id_with_the_bundled_course() -> None:
    assert not _ids(HOSPITAL) & _ids(BUNDLED_ROOT)


def test_the_hospital_demo_has_a_learner_per_role_and_every_role_a_module_quiz_and_scenario() -> None:
    course = load(HOSPITAL).course
    assert course is not None
    assert [p.local for p in demo_people(course.info)] == [
        "board.learner", "clinical-lead.learner", "communications.learner", "leader", "trainer", "admin"]
    for role in course.info.roles:
        assert any(role in m.meta.roles for m in course.modules.values()), role
    assert course.quizzes and course.scenarios
