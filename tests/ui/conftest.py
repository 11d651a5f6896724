"""Page tests: the real app.py under AppTest, on a temporary database, signed in as demo people.

Page tests share one process, so Streamlit's caches are cleared before and after each test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")

AppFactory = Callable[..., AppTest]


@pytest.fixture(autouse=True)
def fresh_streamlit_caches() -> Iterator[None]:
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppFactory:
    """Return a function that starts the app (demo mode on) and optionally signs in a demo person.

    `as_demo` is the local part of a demo account, such as "legal.learner" or "trainer".
    """

    def start(*, as_demo: str | None = None, content: Path | None = None, demo: bool = True) -> AppTest:
        monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path / "data"))
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
