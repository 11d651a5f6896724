"""A learner opens a quiz from an LMS: the real platform launches the app in a real browser.

The browser goes from the platform's login initiation to the app's login route, the platform's
authorisation page, the app's launch route and the cookie route, and lands signed in on the quiz
the link names. Everything runs on 127.0.0.1 (plain HTTP: one site for cookies, whatever the port).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from bench.load import free_port
from course.content.loader import load_course
from course.settings import BUNDLED_ROOT
from tests.browser.conftest import WAIT_MS, serve_app, settle
from tests.lti_platform import LEARNER, Plan, Platform

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tool(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory,
         lti_platform: Platform) -> Iterator[str]:
    """Serve the app with the platform registered; point the platform at it; yield its URL."""
    data = tmp_path_factory.mktemp("nts-lti")
    registrations = data / "platforms.json"
    registrations.write_text(json.dumps([lti_platform.registration_entry()]), encoding="utf-8")
    port = free_port()
    environment = {"NTS_LTI_PLATFORMS": str(registrations), "NTS_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with serve_app(data, environment=environment, port=port) as url:
        with urllib.request.urlopen(f"{url}/lti/jwks.json", timeout=10) as response:
            keys = json.loads(response.read())
        saved = (lti_platform.tool_url, lti_platform.tool_keys)
        lti_platform.tool_url, lti_platform.tool_keys = url, keys
        try:
            yield url
        finally:
            lti_platform.tool_url, lti_platform.tool_keys = saved


def test_a_learner_launched_from_the_lms_lands_signed_in_on_the_quiz(
        tool: str, lti_platform: Platform, context_on: Callable[[str], BrowserContext]) -> None:
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    module = next(m for m in sorted(course.modules.values(), key=lambda m: (m.meta.order or 0, m.meta.id))
                  if m.quiz and not m.meta.requires and m.meta.is_for({"legal"}))
    assert module.quiz is not None
    quiz = course.quizzes[module.quiz]
    plan = Plan(user="browser-learner", roles=[LEARNER], name="Lin Launch",
                custom={"item": f"quiz:{quiz.meta.id}", "tracks": "legal"})
    context = context_on(tool)
    page = context.new_page()
    page.goto(lti_platform.login_initiation("h-browser", plan))  # login route -> platform's authorisation
    page.wait_for_selector("form input[name=id_token]", state="attached")
    page.evaluate("document.forms[0].submit()")  # the platform's form posts the launch to the app
    page.wait_for_url(f"**/quiz?id={quiz.meta.id}", timeout=WAIT_MS * 2)
    expect(page.get_by_role("heading", name=quiz.meta.title, level=1, exact=True)).to_be_visible(
        timeout=WAIT_MS * 2)
    settle(page)
    assert any(cookie["name"] == "nts_session" and cookie["httpOnly"] for cookie in context.cookies())
