"""`python -m course new PATH` writes a starter that validates strict-clean and runs in the demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.cli import main
from course.services import demo, seed
from course.services.catalog import load
from course.services.starter import FILES
from course.settings import load_settings
from course.store.engine import Engine
from tests.databases import database_url, engine, postgres_url, sqlite_engine

__all__ = ["database_url", "engine", "postgres_url", "sqlite_engine"]


def test_new_writes_every_file_and_the_course_validates_strict_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "hospital-course"
    assert main(["new", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"validate --strict {root}" in out
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert written == sorted(FILES)
    assert (root / "media" / "README.md").read_text(encoding="utf-8").strip()
    assert main(["validate", "--strict", str(root)]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_every_role_of_the_starter_has_a_module_a_quiz_and_a_scenario_to_reach(tmp_path: Path) -> None:
    assert main(["new", str(tmp_path / "c")]) == 0
    course = load(tmp_path / "c").course
    assert course is not None
    for role in course.info.roles:
        assert [m for m in course.modules.values() if role in m.meta.roles], role
    assert course.quizzes and course.scenarios


@pytest.mark.parametrize("occupant", ["notes.txt", ".hidden"])
def test_new_refuses_a_folder_that_is_not_empty_and_writes_nothing(
    tmp_path: Path, occupant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / occupant).write_text("mine", encoding="utf-8")
    assert main(["new", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "is not empty" in err and "nothing was written" in err
    assert [p.name for p in tmp_path.iterdir()] == [occupant]
    assert (tmp_path / occupant).read_text(encoding="utf-8") == "mine"


def test_new_refuses_a_path_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "course.yaml"
    target.write_text("id: mine\n", encoding="utf-8")
    assert main(["new", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "id: mine\n"


def test_new_into_an_existing_empty_folder_works(tmp_path: Path) -> None:
    assert main(["new", str(tmp_path)]) == 0
    assert (tmp_path / "course.yaml").is_file()


def test_new_without_a_path_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new"]) == 2
    assert "path" in capsys.readouterr().err


def test_the_demo_organisation_is_built_from_the_starter(tmp_path: Path, engine: Engine) -> None:
    assert main(["new", str(tmp_path / "c")]) == 0
    course = load(tmp_path / "c").course
    assert course is not None
    settings = load_settings({"NTS_DEMO": "1"})
    assert demo.ensure_demo_organisation(engine, settings, info=course.info) == 5
    for person in demo.demo_people(course.info):
        assert demo.demo_sign_in(engine, person.email, settings=settings, info=course.info).actor is not None
    report = seed.seed_demo(engine, course, learners=4, seed=1, weeks=2)
    assert report.people == 4 and report.attempts + report.runs > 0
