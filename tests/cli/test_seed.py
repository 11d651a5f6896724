"""`python -m course seed-demo` through main(argv)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from course.cli import main
from tests.conftest import TreeWriter
from tests.services.test_learning import PATH_TREE


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _count(path: Path, sql: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute(sql).fetchone()[0])
    finally:
        connection.close()


def test_seed_demo_has_learners_take_the_course_through_the_services(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed-demo", "--learners", "3", "--seed", "4", "--weeks", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["people"] == 3
    database = data_dir / "need-to-share.db"
    assert _count(database, "SELECT COUNT(*) FROM person WHERE level <> ''") == 3
    # The services kept their bookkeeping: progress rows exist for what was read and taken.
    assert _count(database, "SELECT COUNT(*) FROM quiz_attempt") == report["attempts"]
    assert _count(database, "SELECT COUNT(*) FROM progress") > 0
    assert _count(database, "SELECT COUNT(*) FROM section_read") > 0


def _roster(path: Path) -> list[tuple[str, str, str]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT department, tracks, level FROM person ORDER BY id").fetchall()
    finally:
        connection.close()


def test_the_organisation_is_reproducible_from_its_seed(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Quiz draws are random on the server (as in the app), so only the organisation repeats.
    assert main(["seed-demo", "--learners", "4", "--seed", "9", "--weeks", "1"]) == 0
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "other"))
    assert main(["seed-demo", "--learners", "4", "--seed", "9", "--weeks", "1"]) == 0
    assert _roster(data_dir / "need-to-share.db") == _roster(tmp_path / "other" / "need-to-share.db")


def test_the_bulk_path_writes_volumes_without_the_services(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed-demo", "--learners", "50", "--bulk-answers", "2000"]) == 0
    report = json.loads(capsys.readouterr().out)
    database = data_dir / "need-to-share.db"
    assert report["people"] == 50
    assert _count(database, "SELECT COUNT(*) FROM quiz_answer") == 2000
    assert _count(database, "SELECT COUNT(*) FROM capability_grant WHERE capability = 'learner'") == 50


def test_bad_numbers_are_a_usage_error(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed-demo", "--learners", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_demo_rehearse_does_a_demo_learners_track_but_its_last_section(
    data_dir: Path, write_tree: TreeWriter, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COURSE_CONTENT", str(write_tree(PATH_TREE)))
    email = "legal.learner@demo.needtoshare.invalid"
    monkeypatch.setenv("NTS_DEMO", "0")
    assert main(["demo-rehearse", email, "legal"]) == 2
    assert "only in demo mode" in capsys.readouterr().err
    monkeypatch.setenv("NTS_DEMO", "1")
    assert main(["demo-rehearse", "ada@example.org", "legal"]) == 2  # not a demo person
    assert main(["demo-rehearse", email, "nope"]) == 2
    capsys.readouterr()
    assert main(["demo-rehearse", email, "legal"]) == 0
    out = capsys.readouterr().out
    assert "passed 1 quizzes, played 1 scenarios" in out
    assert "left: the last section of module afterword" in out
    database = data_dir / "need-to-share.db"
    assert _count(database, "SELECT COUNT(*) FROM certificate") == 0
    assert _count(database, "SELECT COUNT(*) FROM section_read WHERE module_id = 'afterword'") == 0
    assert main(["demo-rehearse", email, "legal", "--finish"]) == 0  # again: only what is left
    assert "read 1 sections, passed 0 quizzes, played 0 scenarios" in capsys.readouterr().out
    assert _count(database, "SELECT COUNT(*) FROM quiz_attempt") == 1


@pytest.mark.parametrize("command", [["seed-demo"], ["demo-rehearse", "legal.learner@demo.example", "legal"]])
def test_both_seed_commands_refuse_bad_settings_and_a_broken_course(
    command: list[str], data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NTS_DB_POOL_SIZE", "0")
    assert main(command) == 2
    assert "NTS_DB_POOL_SIZE" in capsys.readouterr().err
    monkeypatch.delenv("NTS_DB_POOL_SIZE")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "course.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("COURSE_CONTENT", str(broken))
    assert main(command) == 1
    assert "does not load; run validate" in capsys.readouterr().err
