"""`python -m course jobs ...` through main(argv)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from course.cli import main
from course.services.database import UNAVAILABLE_ERRORS
from course.services.jobs import list_job_states
from course.store.engine import create_store_engine
from course.store.jobs import JobState

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_run_once_purges_sends_mail_then_finds_nothing_due(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["jobs", "run", "--once"]) == 0
    purge, reminders, send = capsys.readouterr().out.splitlines()
    assert purge == "purge-security-records: ran: deleted 0 sign-in attempt(s) and 0 session(s)"
    # What the reminder job says depends on the hour: the default quiet hours are 20:00 to 08:00 UTC.
    assert reminders in ("queue-reminders: ran: 0 reminder(s) queued",
                         "queue-reminders: ran: quiet hours: nothing queued")
    assert send == ("send-mail: ran: 0 sent, 0 to retry, 0 given up; purged 0 old link(s) and 0 reset "
                    "request(s)")
    assert main(["jobs", "run", "--once"]) == 0
    assert capsys.readouterr().out == ("purge-security-records: not due\nqueue-reminders: not due\n"
                                       "send-mail: not due\n")
    assert main(["jobs", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("purge-security-records\tfree\tnext due ")
    assert lines[0].endswith("\truns 1\tok: deleted 0 sign-in attempt(s) and 0 session(s)")
    assert lines[1].startswith("queue-reminders\tfree\tnext due ")
    assert lines[2].startswith("send-mail\tfree\tnext due ")
    assert len(lines) == 3  # LTI is off: no score line


def test_with_an_lms_registered_the_runner_also_sends_scores(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    platforms = tmp_path / "platforms.toml"
    platforms.write_text(
        '[[platform]]\nissuer = "https://lms.example.org"\nclient_id = "abc"\n'
        'deployment_ids = ["1"]\nauth_login_url = "https://lms.example.org/auth"\n'
        'auth_token_url = "https://lms.example.org/token"\nkey_set_url = "https://lms.example.org/keys"\n',
        encoding="utf-8")
    monkeypatch.setenv("NTS_LTI_PLATFORMS", str(platforms))
    assert main(["jobs", "run", "--once"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "send-lti-scores: ran: 0 score(s) sent, 0 to retry, 0 given up")
    assert main(["jobs", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "LMS scores: 0 waiting, 0 sent, 0 given up"


def test_an_unreachable_database_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert main(["jobs", "run", "--once"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the database")
    assert err.count("\n") == 1


def test_bad_settings_and_poll_are_usage_errors(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["jobs", "run", "--poll", "0"]) == 2
    assert "--poll must be a number of seconds above 0" in capsys.readouterr().err
    monkeypatch.setenv("NTS_RETAIN_SIGN_IN_DAYS", "3")
    assert main(["jobs", "run", "--once"]) == 2
    assert capsys.readouterr().err == "error: NTS_RETAIN_SIGN_IN_DAYS='3': expected at least 30\n"


def test_two_runner_processes_run_the_job_once_and_stop_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NTS_", "COURSE_"))}
    env.update({"DATABASE_URL": url, "PYTHONUNBUFFERED": "1"})
    command = [sys.executable, "-m", "course", "jobs", "run", "--poll", "1"]
    runners = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    engine = create_store_engine(url)
    try:
        states = _wait_for_a_run(engine)
        time.sleep(3)  # polling two processes that each make several passes meanwhile
        assert [s.runs for s in list_job_states(engine)] == [1, 1, 1], states  # each job once
    finally:
        engine.dispose()
        for runner in runners:
            runner.send_signal(signal.SIGTERM)
        outputs = [runner.communicate(timeout=60)[0] for runner in runners]
    assert [runner.returncode for runner in runners] == [0, 0], outputs
    ran = [line for out in outputs for line in out.splitlines() if "job purge-security-records:" in line]
    assert len(ran) == 1, outputs


def _wait_for_a_run(engine: Engine) -> list[JobState]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            states = list_job_states(engine)
        except UNAVAILABLE_ERRORS:  # the runners have not created the schema yet
            states = []
        # Every job has run once (the reminder job loads the course first, so it finishes last).
        if len(states) == 3 and all(s.runs for s in states):
            return states
        time.sleep(0.2)  # polling other processes
    raise AssertionError("the runners did not run every job within 60 s")
