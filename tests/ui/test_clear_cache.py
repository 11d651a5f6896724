"""A browser's clear-cache message, sent to a real server, changes nothing for anyone.

Streamlit lets any client send `clear_cache`, which empties every `st.cache_*` cache in the
process. The engine, the parsed course and the dashboards' caches are held per process instead
(course/ui/resources.py), so twenty clears open no new database files and do not issue a new
first-run setup token (which would silently invalidate the one the operator was given).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.load import start_server
from bench.stclient import StreamlitClient

APP = Path(__file__).resolve().parents[2] / "app.py"
TOKEN_LINE = "Need to Share first-run setup token:"


def database_files(pid: int, folder: Path) -> int:
    """Count the server's open file descriptors on the database (with its WAL and shared memory)."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith(str(folder)):
            count += 1
    return count


@pytest.mark.slow
def test_twenty_clear_cache_messages_leave_other_sessions_untouched(tmp_path: Path) -> None:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to count the server's open files")
    data = tmp_path / "data"
    env = {"NTS_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'nts.db'}",
           "NTS_DEMO": "0", "NTS_DEMO_LEARNERS": "0"}
    with start_server(APP, env=env) as server, StreamlitClient(server.url, timeout=60) as owner:
        first = owner.open()
        assert first.ok, first.exceptions
        assert owner.rerun().ok
        before = database_files(server.pid, data)
        assert before > 0
        with StreamlitClient(server.url, timeout=60) as stranger:
            assert stranger.open().ok
            for _ in range(20):
                stranger.clear_caches()
                assert stranger.rerun().ok  # runs after the clear was handled
        after_owner = owner.rerun()
        assert after_owner.ok and after_owner.texts() == owner.rerun().texts()
        assert database_files(server.pid, data) <= before
        assert server.log(limit=10**6).count(TOKEN_LINE) == 1
