"""Readiness: database, schema and course checked; a good answer reused briefly, a bad one never."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from course.services import health
from course.services.health import READY, Readiness, ReadinessProbe
from course.settings import BUNDLED_ROOT, load_settings
from course.store.engine import create_store_engine
from course.store.migrate import head_revision, upgrade_database


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_migrated_database_is_ready(engine: Engine) -> None:
    assert health.check_database(engine) == READY


def test_a_database_behind_the_code_is_not_ready(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade_database(engine, revision="0001")
        assert health.check_database(engine) == Readiness(
            False, f"database schema at 0001, this version needs {head_revision()}: "
                   "run python -m course db upgrade")
    finally:
        engine.dispose()


def test_a_course_that_does_not_load_is_named_in_the_reason(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED_ROOT / "modules", tmp_path / "modules")
    (tmp_path / "course.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    engine = create_store_engine(url)
    upgrade_database(engine)
    engine.dispose()
    probe = ReadinessProbe(load_settings({"DATABASE_URL": url, "COURSE_CONTENT": str(tmp_path)}))
    try:
        result = probe.check()
    finally:
        probe.close()
    assert not result.ready
    assert result.reason.startswith("course not loaded: course.yaml:")


def test_a_good_answer_is_reused_briefly_and_a_bad_one_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    probe = ReadinessProbe(load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}), clock=clock)
    answers = [Readiness(False, "down"), READY, Readiness(False, "down again")]
    checks: list[Readiness] = []

    def check_now() -> Readiness:
        checks.append(answers[len(checks)])
        return checks[-1]

    monkeypatch.setattr(probe, "_check_now", check_now)
    assert probe.check() == Readiness(False, "down")
    assert probe.check() == READY  # the bad answer was not kept
    clock.now += 1.4
    assert probe.check() == READY  # reused: no third check
    assert len(checks) == 2
    clock.now += 0.2
    assert probe.check() == Readiness(False, "down again")
    assert len(checks) == 3
