"""Page tests: the real app.py under AppTest, on a temporary database, signed in as demo people.

Page tests share one process, so Streamlit's caches and the process-level holders are reset
before and after each test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from course.content.loader import load_course
from course.services.database import close_database, open_database
from course.services.demo import ensure_demo_organisation
from course.services.seed import seed_demo
from course.settings import BUNDLED_ROOT, load_settings
from course.ui import resources
from tests.scratch import copy_sqlite_template

APP = str(Path(__file__).resolve().parents[2] / "app.py")

AppFactory = Callable[..., AppTest]


@pytest.fixture(autouse=True)
def fresh_streamlit_caches() -> Iterator[None]:
    st.cache_resource.clear()
    st.cache_data.clear()
    resources.reset()  # the engine and parsed course are held for the process, not by Streamlit
    yield
    st.cache_resource.clear()
    st.cache_data.clear()
    resources.reset()


@pytest.fixture
def app(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        sqlite_template: Path) -> AppFactory:
    """Return a function that starts the app (demo mode on) and optionally signs in a demo person.

    `as_demo` is the local part of a demo account, such as "legal.learner" or "trainer". The
    database starts as a copy of the session's migrated template, so the app's start-up
    migration finds nothing to do (tests/store/test_migrations.py runs them from zero); with
    `learners`, a copy of `seeded_database(learners)` instead.
    """

    def start(*, as_demo: str | None = None, content: Path | None = None, demo: bool = True,
              learners: int | None = None) -> AppTest:
        monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
        database = tmp_path / "data" / "need-to-share.db"
        if not database.exists():
            seeded = None if learners is None else request.getfixturevalue("seeded_database")(learners)
            copy_sqlite_template(seeded or sqlite_template, database)
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.setenv("NTS_DEMO", "1" if demo else "0")
        if content is not None:
            monkeypatch.setenv("COURSE_CONTENT", str(content))
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        if as_demo is not None:
            at.button(key=f"demo-{as_demo}").click().run()
            assert not at.exception, at.exception
        return at

    return start


SeededDatabase = Callable[[int], Path]


@pytest.fixture(scope="module")
def seeded_database(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> SeededDatabase:
    """Return a function giving a database with the demo people and that many seeded learners.

    The learners take the bundled course through the services (seed 3, over four weeks), which
    costs about half a second each; each count is seeded once per test file and then copied.
    """
    made: dict[int, Path] = {}

    def seeded(learners: int) -> Path:
        if learners not in made:
            made[learners] = _seed_once(sqlite_template, tmp_path_factory.mktemp("seeded"), learners)
        return made[learners]

    return seeded


def _seed_once(template: Path, folder: Path, learners: int) -> Path:
    path = folder / "seeded.db"
    url = copy_sqlite_template(template, path)
    settings = load_settings({"DATABASE_URL": url, "NTS_DATA_DIR": str(folder), "NTS_DEMO": "1"})
    engine = open_database(settings)
    try:
        course = load_course(BUNDLED_ROOT).course
        assert course is not None
        ensure_demo_organisation(engine, settings, info=course.info)  # as the app's start-up does
        seed_demo(engine, course, learners=learners, seed=3, weeks=4)
    finally:
        close_database(engine)  # the last connection checkpoints the WAL into the file
    leftovers = [p.name for p in folder.glob("seeded.db-*")]
    assert not leftovers, f"a copy would miss the pages in {leftovers}"
    return path


@pytest.fixture
def database() -> Iterator[Callable[[], Engine]]:
    """Open the app's database from the environment the `app` fixture set (call after `app`)."""
    opened: list[Engine] = []

    def open_it() -> Engine:
        engine = open_database(load_settings())
        opened.append(engine)
        return engine

    yield open_it
    for engine in opened:
        close_database(engine)
