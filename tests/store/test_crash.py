"""A writer process killed with SIGKILL at random moments loses no acknowledged write."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from course.domain.accounts import parse_capabilities
from course.store import people
from course.store.engine import is_sqlite, read_session, write_transaction
from tests.scratch import check_integrity

ROOT = Path(__file__).resolve().parents[2]
NOW_TEXT = "2026-05-01T09:00:00+00:00"

#: The writer: records attempts and section reads forever, printing each key once committed.
WRITER = """
import random, sys
from datetime import datetime, timedelta
from course.domain.records import AnswerRecord, QuizAttemptRecord, SectionReadRecord, new_key
from course.store import attempts, progress
from course.store.engine import create_store_engine, write_transaction

engine = create_store_engine(sys.argv[1])
person_id = int(sys.argv[2])
now = datetime.fromisoformat(sys.argv[3])
rng = random.Random()
print("ready", flush=True)
while True:
    key = new_key()
    if rng.random() < 0.5:
        record = QuizAttemptRecord(
            key, person_id, "q", "v1", now, now + timedelta(seconds=30),
            (AnswerRecord("a", "c", (0,), True, 1.0), AnswerRecord("b", "c", (1,), False, 2.0)),
            0.5, False,
        )
        with write_transaction(engine) as session:
            attempts.record_quiz_attempt(session, record, now=now)
        print("attempt", key, flush=True)
    else:
        read = SectionReadRecord(key, person_id, "m", "v1", rng.randrange(1_000_000))
        with write_transaction(engine) as session:
            outcome = progress.record_section_read(session, read, now=now)
        print("read", key, outcome.value, flush=True)
"""


def _run_and_kill(url: str, person_id: int, rng: random.Random) -> list[list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(person_id), NOW_TEXT],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0.05, 0.6))
    process.send_signal(signal.SIGKILL)
    output, _ = process.communicate()
    assert process.returncode == -signal.SIGKILL
    # The last line may be cut off by the kill: only whole lines were acknowledged.
    lines = output.split("\n")[:-1]
    return [line.split() for line in lines]


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_no_acknowledged_write(engine: Engine) -> None:
    with write_transaction(engine) as session:
        person_id = people.add_person(
            session,
            "ada@example.org",
            name="Ada",
            department="legal",
            tracks=(),
            grants=parse_capabilities("learner"),
            now=datetime.fromisoformat(NOW_TEXT),
        )
    url = engine.url.render_as_string(hide_password=False)
    rng = random.Random(20260501)
    acknowledged_attempts: set[str] = set()
    acknowledged_reads: set[str] = set()
    for _ in range(10):
        for fields in _run_and_kill(url, person_id, rng):
            if fields[0] == "attempt":
                acknowledged_attempts.add(fields[1])
            elif fields[0] == "read" and fields[2] == "recorded":
                acknowledged_reads.add(fields[1])
    assert acknowledged_attempts and acknowledged_reads
    if is_sqlite(engine):
        assert engine.url.database is not None
        engine.dispose()
        assert check_integrity(Path(engine.url.database)) == "ok"
    with read_session(engine) as session:
        db = session.connection()
        attempts = {k for (k,) in db.execute(text("SELECT key FROM quiz_attempt"))}
        reads = {k for (k,) in db.execute(text("SELECT key FROM section_read"))}
        answers = db.execute(text("SELECT count(*) FROM quiz_answer")).scalar_one()
        counters = dict(db.execute(text("SELECT kind, events FROM progress")).all())
    assert acknowledged_attempts <= attempts and acknowledged_reads <= reads
    # A write may commit just before the kill without being acknowledged: never half of one.
    assert answers == 2 * len(attempts)
    assert counters == {"quiz": len(attempts), "module": len(reads)}
