"""studio: item analysis of every quiz question over 1,000,000 answers in SQLite (or PostgreSQL).

Anchor: a hand-written GROUP BY computing facility (share correct) per quiz, content version
and question, the same cells the item analysis reports, in the same run on the same database
(sqlite3 on the file; with NTS_BENCH_DATABASE_URL set to a PostgreSQL server, the same query in
a scratch PostgreSQL database, dropped after: bench/databases.py).
Value: the studio service's item analysis computed cold (no cache). It reads no answer: the
counters kept as attempts are written (course/store/item_counters.py: per question, version,
wording and attempt score; per stored answer; distinct learners per wording), the histogram of
attempt scores and each version's first attempt off the (quiz, version, score) index, and
pools the versions in Python. Targets: cold at most 0.5x the anchor; warm (cached by data
version) under 50 ms. Facility and answers must match the anchor cell for cell (the anchor
reads the raw answers, so this also checks that the counters equal them).

Measured (2 shared cores): --quick (1,000 learners, 100,000 answers) 92 ms against 247 ms,
0.37x; full size (10,000 learners, 1,000,000 answers) 179 ms against 2,347 ms, 0.08x, warm
1.8 ms. The one-pass GROUP BY over the answers it replaces measured 1.87x at --quick. The cost
now grows with the attempts (the histogram and first-attempt reads), not with the answers.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.databases import bench_database, database_kind, time_anchor
from course.domain.permissions import Actor, Capability, Grants
from course.services.catalog import load
from course.services.seed import seed_bulk
from course.services.studio_stats import ItemAnalysis, StatsCache, get_item_analysis
from course.settings import BUNDLED_ROOT
from course.store.engine import create_store_engine
from course.store.migrate import upgrade_database

NAME = "studio"
COLD_TARGET = 0.5
WARM_TARGET_MS = 50.0

_ANCHOR = """
SELECT a.quiz_id, a.content_version, q.question_id, COUNT(*),
       AVG(CASE WHEN q.correct THEN 1.0 ELSE 0.0 END)
FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
GROUP BY a.quiz_id, a.content_version, q.question_id
ORDER BY 1, 2, 3
"""


def _anchor(where: Path | str) -> tuple[float, list[Any]]:
    return time_anchor(where, _ANCHOR)


def _same(anchor_rows: list[Any], analysis: ItemAnalysis) -> bool:
    ours = {
        (i.quiz_id, i.version, i.question_id): (i.stats.answers, i.stats.facility) for i in analysis.items
    }
    return len(ours) == len(anchor_rows) and all(
        (q, v, k) in ours and ours[(q, v, k)][0] == n and abs((ours[(q, v, k)][1] or 0) - f) < 1e-9
        for q, v, k, n, f in anchor_rows
    )


def run(*, quick: bool) -> dict[str, Any]:
    """Seed, then time the anchor and the cold item analysis interleaved, then the warm one."""
    learners, answers = (1_000, 100_000) if quick else (10_000, 1_000_000)
    repeats = 5 if quick else 3
    course = load(BUNDLED_ROOT).course
    assert course is not None
    trainer = Actor(0, "bench@example.org", Grants(frozenset({Capability.TRAINER})))
    with tempfile.TemporaryDirectory() as folder, bench_database(folder) as (url, path):
        engine = create_store_engine(url)
        upgrade_database(engine)
        seeded = seed_bulk(engine, course, learners=learners, answers=answers, seed=1)
        anchors, colds = [], []
        anchor_rows: list[Any] = []
        analysis = ItemAnalysis((), ())
        for _ in range(repeats):  # interleaved, so drift in machine speed hits both alike
            seconds, anchor_rows = _anchor(path)
            anchors.append(seconds)
            start = time.perf_counter()
            analysis = get_item_analysis(engine, trainer, course)
            colds.append(time.perf_counter() - start)
        same = _same(anchor_rows, analysis)
        cache = StatsCache()
        get_item_analysis(engine, trainer, course, cache=cache)
        warms = []
        for _ in range(5):
            start = time.perf_counter()
            get_item_analysis(engine, trainer, course, cache=cache)
            warms.append(time.perf_counter() - start)
        engine.dispose()
    anchor, cold, warm = statistics.median(anchors), statistics.median(colds), statistics.median(warms)
    ratio = cold / anchor
    return {
        "value": round(cold * 1000, 1),
        "anchor": round(anchor * 1000, 1),
        "ratio": round(ratio, 2),
        "target": f"<= {COLD_TARGET}x anchor; warm < {WARM_TARGET_MS:.0f} ms",
        "unit": "ms",
        "pass": ratio <= COLD_TARGET and warm * 1000 < WARM_TARGET_MS and same,
        "warm_ms": round(warm * 1000, 2),
        "same_cells": same,
        "questions": len(analysis.items),
        "database": database_kind(path),
        "learners": seeded.people,
        "answers": answers,
        "attempts": seeded.attempts,
    }
