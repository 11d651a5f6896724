"""The session cookie under AppTest: resuming from it, signing out everywhere, no stale values.

AppTest has no browser, so the cookie jar is played by the test: it hands the ticket the page
issued to the cookie route's service, as the browser would, and gives the cookie to the next
session the way `st.context.cookies` would.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from course.content.loader import load_course
from course.domain.model import Quiz
from course.domain.permissions import Page
from course.services import session_cookies
from course.services.accounts import resume_session, set_active
from course.services.database import Engine
from course.settings import BUNDLED_ROOT
from course.ui import auth
from course.ui.links import PAGES
from tests.ui.conftest import APP, AppFactory
from tests.ui.hostile_text import seen
from tests.ui.test_learner_pages import _answer_all

TICKET = re.compile(r"/auth/session\?ticket=([A-Za-z0-9_-]+)")
LEGAL = "legal.learner@demo.needtoshare.invalid"
QUIZ = "conversation-not-broadcast-quiz"
Jar = dict[str, str]


@pytest.fixture
def jar(monkeypatch: pytest.MonkeyPatch) -> Jar:
    """Return the cookies every AppTest session of this test sees as its browser's."""
    cookies: Jar = {}
    monkeypatch.setattr(auth, "_request_cookies", lambda: cookies)
    return cookies


def _follow_ticket(at: AppTest, engine: Engine, jar: Jar) -> None:
    """Do what the browser does with the page's navigation: redeem the ticket, keep the cookie."""
    [ticket] = [m.group(1) for h in at.html for m in [TICKET.search(h.value)] if m]
    handed = session_cookies.redeem_ticket(engine, ticket)
    assert handed is not None
    jar[session_cookies.SESSION_COOKIE] = handed.token


def _new_tab() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _open(at: AppTest, page: Page, item_id: str | None = None) -> AppTest:
    at.switch_page(PAGES[page][0])
    at.query_params.clear()
    if item_id is not None:
        at.query_params["id"] = item_id
    at.run()
    assert not at.exception, at.exception
    return at


def _sign_out(at: AppTest) -> None:
    [button] = [b for b in at.sidebar.button if b.label == "Sign out"]
    button.click().run()
    assert not at.exception, at.exception


def test_a_new_tab_resumes_the_session_from_the_cookie(
    app: AppFactory, database: Callable[[], Engine], jar: Jar
) -> None:
    at = app(as_demo="legal.learner")
    assert _titles(at) == ["Welcome, Legal & compliance learner (demo)"]
    tab_token = at.session_state["nts_token"]
    _follow_ticket(at, database(), jar)
    for _ in range(2):  # a reload, then another tab: each a fresh Streamlit session
        tab = _new_tab()
        assert _titles(tab) == ["Welcome, Legal & compliance learner (demo)"]
        assert "nts_token" not in tab.session_state
    # The token the first tab held was replaced by the cookie's: it opens nothing any more,
    # and the first tab carries on with the cookie.
    assert resume_session(database(), tab_token) is None
    at.run()
    assert _titles(at) == ["Welcome, Legal & compliance learner (demo)"]
    assert "nts_token" not in at.session_state


def test_signing_out_in_one_tab_signs_the_other_out_at_its_next_click(
    app: AppFactory, database: Callable[[], Engine], jar: Jar
) -> None:
    first = app(as_demo="legal.learner")
    _follow_ticket(first, database(), jar)
    first, second = _new_tab(), _new_tab()
    assert _titles(second) == ["Welcome, Legal & compliance learner (demo)"]
    _sign_out(first)
    assert _titles(first) == ["Need to Share"]
    assert sum("/auth/sign-out" in h.value for h in first.html) == 1
    second.run()
    assert _titles(second) == ["Need to Share"]
    # A fresh tab with the old cookie (say the browser kept it) is signed out too.
    assert _titles(_new_tab()) == ["Need to Share"]


def test_a_forged_or_garbage_cookie_signs_nobody_in(app: AppFactory, jar: Jar) -> None:
    app(demo=False)
    for value in ["A" * 43, "x" * 1_000_000, "\u00e9" * 40, "", "; nts_session=other"]:
        jar[session_cookies.SESSION_COOKIE] = value
        tab = _new_tab()
        assert _titles(tab) == ["Need to Share"] and not tab.exception


def _take_the_quiz(at: AppTest, quiz: Quiz) -> None:
    _open(at, Page.QUIZ, QUIZ)
    _answer_all(at, quiz, right=True)
    [submit] = [b for b in at.button if b.label == "Submit the attempt"]
    submit.click().run()
    assert not at.exception, at.exception
    passed = f"You passed. You answered {quiz.pick} of {quiz.pick} correctly (100%)."
    assert [s.value for s in at.success] == [passed]
    assert f"nts_result:{QUIZ}" in at.session_state


def _shows_no_result(at: AppTest, quiz: Quiz) -> bool:
    _open(at, Page.QUIZ, QUIZ)
    return [h.value for h in at.header] == [f"Question 1 of {quiz.pick}"] and not at.success


@pytest.mark.parametrize("how", ["signs out", "is disabled"])
def test_the_next_person_on_the_tab_never_sees_the_previous_persons_quiz_result(
    app: AppFactory, database: Callable[[], Engine], how: str
) -> None:
    quiz = load_course(BUNDLED_ROOT).course.quizzes[QUIZ]  # type: ignore[union-attr]
    at = app(as_demo="legal.learner")
    _take_the_quiz(at, quiz)
    if how == "signs out":
        _sign_out(at)
    else:
        set_active(database(), LEGAL, active=False, by=None)
        at.run()
    assert _titles(at) == ["Need to Share"]
    assert f"nts_result:{QUIZ}" not in at.session_state and "nts_owner" not in at.session_state
    at.button(key="demo-leadership.learner").click().run()
    # The tab is still at the quiz's address, so the new person lands on the same quiz: afresh.
    signed_in = [seen(c.value.replace("`", "")) for c in at.sidebar.caption]
    assert signed_in == ["Signed in as leadership.learner@demo.needtoshare.invalid"]
    assert [h.value for h in at.header] == [f"Question 1 of {quiz.pick}"] and not at.success
    assert _shows_no_result(at, quiz)
