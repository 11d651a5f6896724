"""people_page: what one click on the admin People page sends at 20,000 people, over the wire.

A real `streamlit run` server (demo mode, a temporary SQLite database holding 20,000 extra
people) is driven over its websocket by bench/stclient.py, signed in as the demo administrator:
open the People page, search, clear the search. The figure is the bytes of the largest of those
clicks as received. Anchor: the same clicks on the same app with 100 people (already more than
one page), in the same run. Targets: under 200 KB per click, and within 1.2x of the anchor:
what a click sends does not grow with the organisation.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.load import ROOT, start_server
from bench.stclient import RunResult, StreamlitClient
from course.services.startup import start_up
from course.settings import load_settings
from course.store import bulk
from course.store.engine import create_store_engine, write_transaction

NAME = "people_page"
BYTES_TARGET = 200_000
RATIO_TARGET = 1.2


def _add_people(data: Path, count: int) -> None:
    settings = load_settings({"NTS_DATA_DIR": str(data)})
    start_up(settings)
    when = datetime(2026, 5, 1, tzinfo=UTC)
    rows = [{"email": f"person{n:05d}@example.org", "name": f"Person {n:05d}",
             "department": ("legal", "hr", "it", "finance")[n % 4], "tracks": "legal", "level": "",
             "created_at": when, "updated_at": when} for n in range(count)]
    engine = create_store_engine(settings.database_url)
    try:
        with write_transaction(engine) as session:
            bulk.insert_people(session, rows)
    finally:
        engine.dispose()


def _checked(result: RunResult, what: str) -> RunResult:
    if not result.ok:
        raise RuntimeError(f"{what} failed: {result.exceptions or result.status}")
    return result


def _clicks(people: int) -> dict[str, Any]:
    """Serve the app with `people` extra people; return the bytes and seconds of each click."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        _add_people(data, people)
        env = {"NTS_DEMO": "1", "NTS_DATA_DIR": str(data), "DATABASE_URL": ""}
        with start_server(ROOT / "app.py", env=env, cwd=ROOT) as server, \
                StreamlitClient(server.url, timeout=120) as client:
            client.open()
            _checked(client.click("Demo: Administrator"), "demo sign-in")
            opened = _checked(client.navigate("admin_people"), "opening People")
            if "account(s)" not in opened.text() and "account(s)" not in client.text():
                raise RuntimeError("the People page did not show its table")
            search = "Search by email, name or department"
            searched = _checked(client.fill(search, "person0001"), "searching")
            cleared = _checked(client.fill(search, ""), "clearing the search")
    clicks = {"open": opened, "search": searched, "clear": cleared}
    return {name: (r.bytes_received, r.latency_s) for name, r in clicks.items()}


def run(*, quick: bool) -> dict[str, Any]:
    """Measure the People page at 100 people (anchor) and at 20,000 people."""
    anchor = _clicks(100)
    large = _clicks(20_000)
    value = max(b for b, _ in large.values())
    base = max(b for b, _ in anchor.values())
    ratio = value / base
    return {
        "value": value,
        "anchor": base,
        "ratio": round(ratio, 2),
        "target": f"< {BYTES_TARGET // 1000} KB per click at 20,000 people; <= {RATIO_TARGET}x anchor",
        "unit": "bytes",
        "pass": value < BYTES_TARGET and ratio <= RATIO_TARGET,
        **{f"{name}_bytes": b for name, (b, _) in large.items()},
        **{f"{name}_ms": round(s * 1000, 1) for name, (_, s) in large.items()},
    }
