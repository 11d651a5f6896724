"""Process-level holders: built exactly once however many threads ask, closed on reset."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from course.services import database
from course.ui import resources
from course.ui.holders import Held
from course.web import resources as routes


def test_many_threads_share_one_build() -> None:
    def build() -> object:
        time.sleep(0.01)  # widen the window in which a second build could start
        return object()

    held: Held[object] = Held(build)
    barrier = threading.Barrier(16)
    seen: list[object] = []

    def use() -> None:
        barrier.wait()
        seen.append(held.get())

    threads = [threading.Thread(target=use) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert held.builds == 1 and len({id(value) for value in seen}) == 1


def test_reset_closes_the_value_and_the_next_use_rebuilds() -> None:
    closed: list[list[int]] = []
    held: Held[list[int]] = Held(lambda: [len(closed)], close=closed.append)
    first = held.get()
    held.reset()
    assert closed == [first]
    assert held.get() == [1] and held.builds == 2
    held.reset()
    held.reset()  # nothing held: nothing more to close
    assert len(closed) == 2


def test_streamlit_cache_clears_do_not_reach_the_held_objects() -> None:
    import streamlit as st

    parsed = resources.course()
    engines = resources.engine_builds()
    st.cache_resource.clear()
    st.cache_data.clear()
    assert resources.course().course is parsed.course
    assert resources.engine_builds() == engines


def test_the_pages_and_the_http_routes_share_one_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """One pool per app process: the routes must not open a second engine beside the pages'."""
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NTS_DEMO", "0")
    resources.reset()
    routes.settings.cache_clear()
    routes.engine.cache_clear()
    try:
        pages = resources.engine()
        assert routes.engine() is pages
        assert database.shared_database(routes.settings()) is pages
        resources.reset()  # a test's reset releases it: the next use opens a fresh one
        assert database.shared_database(routes.settings()) is not pages
    finally:
        resources.reset()
        database.release_shared(routes.engine())
        routes.settings.cache_clear()
        routes.engine.cache_clear()
