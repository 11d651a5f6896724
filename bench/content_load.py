"""content_load: load, validate, render and sanitise a large generated course.

Anchor: plain markdown-it-py (CommonMark preset, no plugins) rendering every file of the same
course in the same run. Targets: a cold load within 2.5x of the anchor; a warm reload of
unchanged content (parse cache keyed by content hash) under 50 ms.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from bench.generate import write_course
from course.content.loader import ParseCache, find_content_files, load_course

NAME = "content_load"
COLD_TARGET = 2.5
WARM_TARGET_MS = 50.0


def _anchor(root: Path) -> float:
    md = MarkdownIt("commonmark")
    texts = [path.read_text(encoding="utf-8") for _, path in find_content_files(root)]
    start = time.perf_counter()
    for text in texts:
        md.render(text)
    return time.perf_counter() - start


def _cold(root: Path) -> tuple[float, Any]:
    start = time.perf_counter()
    result = load_course(root, cache=ParseCache())
    return time.perf_counter() - start, result


def _warm(root: Path, cache: ParseCache) -> float:
    start = time.perf_counter()
    load_course(root, cache=cache)
    return time.perf_counter() - start


def run(*, quick: bool) -> dict[str, Any]:
    """Measure cold and warm loads of the generated course against the anchor."""
    size = (100, 20, 10) if quick else (500, 100, 50)
    repeats = 3 if quick else 5
    with tempfile.TemporaryDirectory() as folder:
        root = write_course(Path(folder), modules=size[0], quizzes=size[1], scenarios=size[2])
        anchors, colds = [], []
        result = None
        for _ in range(repeats):  # interleaved, so drift in machine speed hits both alike
            anchors.append(_anchor(root))
            seconds, result = _cold(root)
            colds.append(seconds)
        assert result is not None and result.course is not None
        errors = [d.format() for d in result.diagnostics]
        cache = ParseCache()
        load_course(root, cache=cache)
        warm = statistics.median(_warm(root, cache) for _ in range(repeats))
    anchor, cold = statistics.median(anchors), statistics.median(colds)
    ratio = cold / anchor
    return {
        "value": round(cold * 1000, 1),
        "anchor": round(anchor * 1000, 1),
        "ratio": round(ratio, 2),
        "target": f"<= {COLD_TARGET}x anchor; warm < {WARM_TARGET_MS:.0f} ms",
        "unit": "ms",
        "pass": ratio <= COLD_TARGET and warm * 1000 < WARM_TARGET_MS and not errors,
        "warm_ms": round(warm * 1000, 1),
        "files": len(result.files),
        "diagnostics": len(errors),
        "modules": len(result.course.modules),
        "quizzes": len(result.course.quizzes),
        "scenarios": len(result.course.scenarios),
    }
