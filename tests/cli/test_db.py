"""`python -m course db ...` through main(argv)."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest

from course.cli import main
from course.store.engine import create_store_engine
from course.store.migrate import current_revision, head_revision
from tests.scratch import (
    DEFAULT_TEST_POSTGRES_URL,
    check_integrity,
    postgres_reachable,
    scratch_postgres,
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_upgrade_creates_and_then_keeps_the_schema(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[0] == f"database upgraded from empty to revision {head_revision()}"
    assert re.fullmatch(r"Need to Share first-run setup token: \S{32}", first[1])
    assert len(first) == 2
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"database already at revision {head_revision()}",
        "Need to Share first-run setup: a setup token was already issued, by another process or an "
        "earlier start; `python -m course users setup-token` replaces it with a new one",
    ]
    assert (data_dir / "need-to-share.db").exists()


def test_backup_copies_a_live_database(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "add", "ada@example.org", "--name", "Ada"]) == 0
    live = sqlite3.connect(data_dir / "need-to-share.db")  # an open reader, as in production
    live.execute("SELECT count(*) FROM person").fetchone()
    target = tmp_path / "backups" / "copy.db"
    try:
        assert main(["db", "backup", str(target)]) == 0
    finally:
        live.close()
    assert "integrity ok" in capsys.readouterr().out
    assert check_integrity(target) == "ok"
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT email FROM person").fetchall() == [("ada@example.org",)]
    finally:
        copy.close()
    assert not target.with_name("copy.db.partial").exists()


def test_backup_refuses_to_overwrite(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["db", "upgrade"])
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    assert main(["db", "backup", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_bad_settings_are_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://localhost/x")
    assert main(["db", "upgrade"]) == 2
    assert "unsupported database 'mysql'" in capsys.readouterr().err


@pytest.mark.postgres
def test_upgrade_and_backup_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_POSTGRES_URL
    if not postgres_reachable(url):
        if os.environ.get("NTS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is unreachable at {url}")
        pytest.skip(f"PostgreSQL is unreachable at {url}")
    with scratch_postgres(url) as scratch:
        monkeypatch.setenv("DATABASE_URL", scratch)
        assert main(["db", "upgrade"]) == 0
        engine = create_store_engine(scratch)
        try:
            assert current_revision(engine) == head_revision()
        finally:
            engine.dispose()
        assert main(["db", "backup", str(tmp_path / "x.db")]) == 1
        assert "pg_dump" in capsys.readouterr().err
