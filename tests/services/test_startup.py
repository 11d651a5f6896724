"""Start-up does its work once per database, however many processes start together."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

from course.services import accounts
from course.services.accounts import Passwords
from course.services.startup import StartUp, start_up
from course.settings import load_settings
from course.store import lti
from course.store.engine import create_store_engine, read_session
from course.store.migrate import head_revision

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r"^Need to Share first-run setup token: (\S+)$", re.MULTILINE)
PASSPHRASE = "correct horse battery staple"


def _set_up_with(database_url: str, token: str, passwords: Passwords) -> None:
    engine = create_store_engine(database_url)
    try:
        accounts.complete_first_run_setup(engine, token, email="root@example.org", name="Root",
                                          passphrase=PASSPHRASE, passwords=passwords)
    finally:
        engine.dispose()


def test_two_starts_at_once_issue_one_token_that_stays_valid(database_url: str, passwords: Passwords) -> None:
    settings = load_settings({"DATABASE_URL": database_url})
    together = threading.Barrier(2)
    results: list[StartUp] = []

    def start() -> None:
        together.wait()
        results.append(start_up(settings))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.after for r in results} == {head_revision()}
    tokens = [r.token for r in results if r.token]
    assert len(tokens) == 1
    assert [r.token_elsewhere for r in results if not r.token] == [True]
    again = start_up(settings)  # a third process starting later changes nothing
    assert (again.token, again.token_elsewhere, again.before) == (None, True, head_revision())
    _set_up_with(database_url, tokens[0], passwords)
    assert start_up(settings).console_lines() == []  # setup done: nothing more to say


def test_two_processes_starting_together_print_one_token(database_url: str, passwords: Passwords) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NTS_", "COURSE_"))}
    env["DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "course", "db", "upgrade"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    printed = [token for out, _ in outputs for token in TOKEN.findall(out)]
    assert len(printed) == 1, outputs
    _set_up_with(database_url, printed[0], passwords)


def test_with_an_lms_registered_the_first_start_makes_the_tool_key(tmp_path: Path) -> None:
    platforms = tmp_path / "platforms.json"
    platforms.write_text(
        '[{"issuer": "https://lms.example.org", "client_id": "c", "deployment_ids": ["1"], '
        '"auth_login_url": "https://lms.example.org/a", "auth_token_url": "https://lms.example.org/t", '
        '"key_set_url": "https://lms.example.org/k"}]', encoding="utf-8")
    settings = load_settings({"NTS_DATA_DIR": str(tmp_path), "NTS_LTI_PLATFORMS": str(platforms)})
    start_up(settings)
    start_up(settings)
    engine = create_store_engine(settings.database_url)
    try:
        with read_session(engine) as session:
            assert len(lti.list_tool_keys(session)) == 1
    finally:
        engine.dispose()
def test_start_up_imports_a_history_folder_left_by_an_earlier_release(database_url: str,
                                                                      tmp_path: Path) -> None:
    kept = tmp_path / "data" / "content-history" / "quizzes" / "intro-quiz.md"
    kept.mkdir(parents=True)
    (kept / "20260501T090000000000Z-abc.md").write_text("# An older text\n", encoding="utf-8")
    settings = load_settings({"DATABASE_URL": database_url, "NTS_DATA_DIR": str(tmp_path / "data")})
    first = start_up(settings)
    assert first.imported.added == 1
    assert first.console_lines()[0] == ("Need to Share: imported 1 saved version(s) of content files "
                                        "into the database; 0 file(s) could not be read")
    assert start_up(settings).imported.added == 0  # once: the folder was renamed
    assert (tmp_path / "data" / "content-history.imported").is_dir()
