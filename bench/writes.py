"""`writes`: recording quiz attempts as the quiz service does, from 20 threads, against raw sqlite3.

Anchor: single-threaded raw sqlite3 inserts, one commit each, with the same pragmas (WAL,
synchronous=FULL), measured in the same run. Target: service throughput >= 0.05x the anchor,
p99 latency < 250 ms, no error, no lost or duplicated row. When DATABASE_URL names a
PostgreSQL server, the same service figures are reported for it too (in a throw-away schema).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from course.domain.accounts import parse_capabilities
from course.domain.permissions import Action, Actor
from course.domain.records import AnswerRecord, QuizAttemptRecord, RecordOutcome, new_key
from course.services.permissions import require
from course.store import attempts, people
from course.store.engine import Engine, create_store_engine, read_session, write_transaction
from course.store.migrate import upgrade_database
from tests.scratch import scratch_postgres

NAME = "writes"
THREADS = 20
TARGET_RATIO = 0.05
TARGET_P99_MS = 250.0
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def raw_sqlite_inserts(folder: Path, *, seconds: float) -> float:
    """Return committed single-row inserts per second with plain sqlite3, one thread."""
    connection = sqlite3.connect(folder / "raw.db", isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute(
            "CREATE TABLE attempt (id INTEGER PRIMARY KEY, key TEXT UNIQUE, person_id INTEGER,"
            " quiz_id TEXT, score REAL, recorded_at TEXT)"
        )
        count = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO attempt (key, person_id, quiz_id, score, recorded_at) "
                "VALUES (?, 1, 'quiz', 0.8, '2026-05-01')",
                (new_key(),),
            )
            connection.execute("COMMIT")
            count += 1
        return count / (time.perf_counter() - started)
    finally:
        connection.close()


def _learners(engine: Engine, count: int) -> list[Actor]:
    grants = parse_capabilities("learner")
    actors = []
    with write_transaction(engine) as session:
        for n in range(count):
            email = f"learner{n}@example.org"
            person_id = people.add_person(
                session,
                email,
                name=f"Learner {n}",
                department="legal",
                tracks=(),
                grants=grants,
                now=NOW,
            )
            actors.append(Actor(person_id=person_id, email=email, grants=grants))
    return actors


def _attempt(actor: Actor) -> QuizAttemptRecord:
    return QuizAttemptRecord(
        key=new_key(),
        person_id=actor.person_id,
        quiz_id="bench-quiz",
        content_version="v1",
        started_at=NOW,
        finished_at=NOW + timedelta(minutes=2),
        answers=tuple(AnswerRecord(f"q{n}", "culture", (n % 4,), n % 2 == 0, 3.0, question_hash=f"{n:016x}")
                      for n in range(5)),
        score=0.6,
        passed=True,
    )


def _record(engine: Engine, actor: Actor, record: QuizAttemptRecord) -> RecordOutcome:
    """Store an attempt as quizzing.submit_attempt does: check the permission, then one transaction."""
    require(engine, actor, Action.SUBMIT_QUIZ)
    with write_transaction(engine) as session:
        return attempts.record_quiz_attempt(session, record, now=NOW)


def service_writes(engine: Engine, *, seconds: float) -> dict[str, object]:
    """Record attempts from THREADS threads for `seconds`; return throughput and checks."""
    upgrade_database(engine)
    actors = _learners(engine, THREADS)
    latencies: list[float] = []
    keys: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS + 1)

    def work(actor: Actor, deadline_box: list[float]) -> None:
        barrier.wait()
        mine_latency, mine_keys = [], []
        while time.perf_counter() < deadline_box[0]:
            record = _attempt(actor)
            started = time.perf_counter()
            try:
                outcome = _record(engine, actor, record)
            except Exception as error:  # counted: the target is zero errors
                with lock:
                    errors.append(repr(error))
                continue
            mine_latency.append(time.perf_counter() - started)
            if outcome.ok:
                mine_keys.append(record.key)
        with lock:
            latencies.extend(mine_latency)
            keys.extend(mine_keys)

    deadline = [0.0]
    threads = [threading.Thread(target=work, args=(actor, deadline)) for actor in actors]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with read_session(engine) as session:
        db = session.connection()
        stored = [k for (k,) in db.execute(text("SELECT key FROM quiz_attempt"))]
        counter = db.execute(text("SELECT sum(events) FROM progress")).scalar_one()
    lost = len(set(keys) - set(stored))
    duplicated = len(stored) - len(set(stored)) + len(set(stored) - set(keys))
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else float("inf")
    return {
        "writes_per_s": len(keys) / elapsed,
        "writes": len(keys),
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("inf"),
        "p99_ms": p99,
        "errors": len(errors),
        "lost": lost,
        "duplicated": duplicated,
        "counters_match": int(counter or 0) == len(stored),
    }


def run(*, quick: bool) -> dict[str, object]:
    """Measure the anchor and the service on SQLite (and PostgreSQL if configured)."""
    seconds = 3.0 if quick else 10.0
    with tempfile.TemporaryDirectory(prefix="nts-bench-writes-") as folder:
        anchor = raw_sqlite_inserts(Path(folder), seconds=1.0 if quick else 3.0)
        engine = create_store_engine(f"sqlite:///{Path(folder) / 'service.db'}")
        try:
            sqlite_figures = service_writes(engine, seconds=seconds)
        finally:
            engine.dispose()
    value = float(sqlite_figures["writes_per_s"])  # type: ignore[arg-type]
    ratio = value / anchor
    ok = (
        ratio >= TARGET_RATIO
        and float(sqlite_figures["p99_ms"]) < TARGET_P99_MS  # type: ignore[arg-type]
        and sqlite_figures["errors"] == sqlite_figures["lost"] == sqlite_figures["duplicated"] == 0
        and sqlite_figures["counters_match"] is True
    )
    result: dict[str, object] = {
        "value": value,
        "anchor": anchor,
        "ratio": ratio,
        "target": f">= {TARGET_RATIO}x, p99 < {TARGET_P99_MS:.0f} ms, 0 errors/lost/duplicated",
        "unit": "writes/s",
        "pass": ok,
        "threads": THREADS,
        **{k: v for k, v in sqlite_figures.items() if k != "writes_per_s"},
    }
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        with scratch_postgres(url) as scratch:
            engine = create_store_engine(scratch)
            try:
                pg = service_writes(engine, seconds=seconds)
            finally:
                engine.dispose()
        result.update({f"pg_{k}": v for k, v in pg.items()})
        result["pg_ratio"] = float(pg["writes_per_s"]) / anchor  # type: ignore[arg-type]
    return result
