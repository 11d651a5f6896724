"""The app as an LTI 1.3 tool, driven by a real platform (lti1p3platform) on 127.0.0.1.

Each test plays the browser: the platform's login initiation sends it to the tool's login
route, which sends it to the platform's authorisation endpoint (real HTTP), whose form posts
the signed launch back to the tool. Forged, misdirected, expired and replayed launches are
refused with a plain page and audited.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import escape, unescape
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
import requests
from starlette.applications import Starlette
from starlette.testclient import TestClient

from course.content.loader import load_course
from course.domain.lti import DEEP_LINK_PATH, KEYS_PATH, REFUSALS
from course.domain.model import Course
from course.domain.permissions import Actor
from course.domain.quiz import right_answer
from course.integrations.lti import AgsScoreSender
from course.services import jobs, lti, lti_grades, quizzing
from course.settings import BUNDLED_ROOT
from course.store import audit, people
from course.store import lti as stored
from course.store.engine import Engine, read_session
from course.web import resources
from course.web.routes import routes
from tests.lti_platform import INSTRUCTOR, LEARNER, TOOL_URL, Plan, Platform, _new_key, launch_form

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT).course
    assert loaded is not None
    return loaded


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lti_platform: Platform) -> Iterator[Engine]:
    """Register the platform with a tool on a fresh database, and the tool's keys with the platform."""
    registrations = tmp_path / "platforms.json"
    registrations.write_text(json.dumps([lti_platform.registration_entry()]), encoding="utf-8")
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("COURSE_CONTENT", raising=False)
    monkeypatch.setenv("NTS_LTI_PLATFORMS", str(registrations))
    monkeypatch.setenv("NTS_PUBLIC_URL", TOOL_URL)
    resources.settings.cache_clear()
    resources.engine.cache_clear()
    resources.platform_key_sets.cache_clear()
    lti_platform.tool_keys = _client().get(KEYS_PATH).json()  # as an admin pastes them into the LMS
    yield resources.engine()
    resources.engine().dispose()
    resources.settings.cache_clear()
    resources.engine.cache_clear()
    lti_platform.tool_keys = None


def _client() -> TestClient:
    return TestClient(Starlette(routes=routes()), base_url=TOOL_URL)


def _to_launch(client: TestClient, platform: Platform, hint: str, plan: Plan) -> tuple[str, dict[str, str]]:
    """Run the login initiation and the platform's authorisation; return the launch form."""
    login = client.get(platform.login_initiation(hint, plan), follow_redirects=False)
    assert login.status_code == 302, login.text
    assert login.headers["location"].startswith(platform.base + "/authorize?")
    state = login.headers["set-cookie"]
    for part in ("lti1p3-state-", "HttpOnly", "SameSite=none", "Secure", "Partitioned"):
        assert part in state, state
    authorised = requests.get(login.headers["location"], timeout=10)
    assert authorised.status_code == 200, authorised.text
    return launch_form(authorised.text)


def _launch(client: TestClient, platform: Platform, hint: str, plan: Plan) -> str:
    action, fields = _to_launch(client, platform, hint, plan)
    response = client.post(urlsplit(action).path, data=fields)
    assert response.status_code == 200, response.text
    return response.text


def _signed_in(client: TestClient, page: str) -> str:
    """Follow the hand-over page to the cookie route; return where it sends the browser."""
    link = unescape(re.search(r'id="continue" href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    response = client.get(link, headers=SAME_ORIGIN, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert client.cookies.get("nts_session")
    return response.headers["location"]


def _refusals(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        events = audit.list_events(session)
    return [str(e.detail.get("reason")) for e in reversed(events) if e.kind == "lti_launch_refused"]


def _says(text: str, reason: str) -> bool:
    return escape(REFUSALS[reason]) in text


def _first_quiz(course: Course, track: str) -> str:
    for module in sorted(course.modules.values(), key=lambda m: (m.meta.order or 0, m.meta.id)):
        if module.quiz and not module.meta.requires and module.meta.is_for({track}):
            return module.quiz
    raise AssertionError(f"no quiz without prerequisites on the {track} track")


def test_a_launch_signs_the_person_in_and_lands_on_the_item(engine: Engine, lti_platform: Platform,
                                                            course: Course) -> None:
    quiz_id = _first_quiz(course, "legal")
    client = _client()
    plan = Plan(user="u-100", roles=[LEARNER], email="grace@example.org",
                custom={"item": f"quiz:{quiz_id}", "department": "Legal", "tracks": "legal nosuchtrack"})
    assert _signed_in(client, _launch(client, lti_platform, "h-land", plan)) == f"/quiz?id={quiz_id}"
    with read_session(engine) as session:
        person_id = stored.find_linked_person(session, lti_platform.issuer, "u-100")
        assert person_id is not None
        person = people.get_person(session, person_id)
        kinds = [e.kind for e in audit.list_events(session)]
    assert person is not None
    assert (person.email, person.name, person.department, person.tracks) == (
        "grace@example.org", "Grace Hopper", "Legal", ("legal",))
    assert kinds.count("sign_in_lti") == 1 and kinds.count("account_created") == 1
    # The same platform user launching again is the same account, not a new one.
    again = _client()
    assert _signed_in(again, _launch(again, lti_platform, "h-land-2", plan)) == f"/quiz?id={quiz_id}"
    with read_session(engine) as session:
        assert [e.kind for e in audit.list_events(session)].count("account_created") == 1


def test_a_launch_without_email_gets_an_account_of_its_own_and_an_iframe_cookie(
        engine: Engine, lti_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTS_LTI_EMBEDDED", "1")
    resources.settings.cache_clear()
    client = _client()
    plan = Plan(user="u-anon", roles=[LEARNER], name="", custom={"item": "track:legal"})
    page = _launch(client, lti_platform, "h-anon", plan)
    link = unescape(re.search(r'id="continue" href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    handed = client.get(link, headers=SAME_ORIGIN, follow_redirects=False)
    assert handed.status_code == 303 and handed.headers["location"] == "/"
    cookie = next(c for c in handed.headers.get_list("set-cookie") if c.startswith("nts_session="))
    assert all(part in cookie for part in ("HttpOnly", "SameSite=none", "Secure", "Partitioned")), cookie
    with read_session(engine) as session:
        person_id = stored.find_linked_person(session, lti_platform.issuer, "u-anon")
        person = people.get_person(session, person_id) if person_id else None
    assert person is not None and person.email.endswith("@lti.invalid") and person.name == "LMS learner"


def test_deep_linking_round_trip(engine: Engine, lti_platform: Platform, course: Course) -> None:
    quiz_id = _first_quiz(course, "legal")
    client = _client()
    page = _launch(client, lti_platform, "h-dl", Plan(user="t-1", roles=[INSTRUCTOR], deep_link=True))
    assert "Add Need to Share to your course" in page and f'value="quiz:{quiz_id}"' in page
    sealed = unescape(re.search(r'name="sealed" value="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    answer = client.post(DEEP_LINK_PATH, data={"sealed": sealed, "item": [f"quiz:{quiz_id}", "track:legal"]})
    assert answer.status_code == 200, answer.text
    action, fields = launch_form(answer.text)
    assert action == lti_platform.base + "/deep-link-return"
    received = requests.post(action, data=fields, timeout=10)
    assert received.status_code == 200, received.text
    items = {item["custom"]["item"]: item for item in received.json()}
    assert set(items) == {f"quiz:{quiz_id}", "track:legal"}
    assert items[f"quiz:{quiz_id}"]["url"] == TOOL_URL + "/lti/launch"
    assert items[f"quiz:{quiz_id}"]["lineItem"]["scoreMaximum"] == 100
    assert "lineItem" not in items["track:legal"]  # a track has no score of its own
    body = jwt.decode(fields["JWT"], options={"verify_signature": False})
    assert body["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == {"opaque": "kept"}
    with read_session(engine) as session:
        assert "lti_deep_link" in [e.kind for e in audit.list_events(session)]
    # A forged choice (an item the course does not have) is refused before anything is signed.
    forged = client.post(DEEP_LINK_PATH, data={"sealed": sealed, "item": ["quiz:nope"]})
    assert forged.status_code == 400


def test_only_a_teacher_may_pick_and_a_forged_picker_token_is_refused(engine: Engine,
                                                                         lti_platform: Platform) -> None:
    client = _client()
    action, fields = _to_launch(client, lti_platform, "h-dl-learner",
                                Plan(user="u-2", roles=[LEARNER], deep_link=True))
    refused = client.post(urlsplit(action).path, data=fields)
    assert refused.status_code == 403 and _says(refused.text, "teacher")
    other_private, _ = _new_key()
    forged = jwt.encode({"aud": "need-to-share:deep-link-choice", "iss": lti_platform.issuer,
                         "exp": 9999999999, "settings": {"deep_link_return_url": "https://evil.example"}},
                        other_private, algorithm="RS256")
    answer = client.post(DEEP_LINK_PATH, data={"sealed": forged, "item": ["track:legal"]})
    assert answer.status_code == 403 and "evil.example" not in answer.text
    assert _refusals(engine) == ["teacher", "signature"]


def _pass(engine: Engine, person_id: int, course: Course, quiz_id: str) -> None:
    with read_session(engine) as session:
        person = people.get_person(session, person_id)
    assert person is not None
    actor = Actor(person_id, person.email, person.grants)
    view = quizzing.open_attempt(engine, actor, course, quiz_id)
    for drawn in view.drawn:
        question = view.question(drawn.question_id)
        quizzing.answer_question(engine, actor, course, quiz_id, attempt_key=view.attempt_key,
                                 question_id=drawn.question_id, chosen=list(right_answer(question)),
                                 seconds=3.0, text=None if question.scored else "")
    assert quizzing.submit_attempt(engine, actor, course, quiz_id, attempt_key=view.attempt_key).passed


def test_a_passed_quiz_reaches_the_gradebook_even_after_the_lms_was_away(
        engine: Engine, lti_platform: Platform, course: Course) -> None:
    quiz_id = _first_quiz(course, "legal")
    line_item = lti_platform.add_line_item("Quiz")
    client = _client()
    plan = Plan(user="u-grade", roles=[LEARNER], custom={"item": f"quiz:{quiz_id}", "tracks": "legal"},
                line_item=line_item)
    _signed_in(client, _launch(client, lti_platform, "h-grade", plan))
    with read_session(engine) as session:
        person_id = stored.find_linked_person(session, lti_platform.issuer, "u-grade")
    assert person_id is not None
    _pass(engine, person_id, course, quiz_id)
    settings = resources.settings()
    sender = AgsScoreSender(settings.lti.platforms)
    key = lti.tool_keys(engine, settings.lti)[0]
    before = len(lti_platform.scores)
    lti_platform.down = True
    try:
        report = lti_grades.send_scores(engine, sender, key=key)
    finally:
        lti_platform.down = False
    assert (report.sent, report.retrying) == (0, 1) and "503" in report.errors[0]
    waiting = lti_grades.score_counts(engine)
    assert (waiting.pending, waiting.sent) == (1, 0) and len(lti_platform.scores) == before
    # Back, and past the back-off: the job runner sends it, once.
    later = datetime.now(UTC) + timedelta(minutes=5)
    job = lti_grades.grade_job(settings.lti, sender)
    assert job is not None
    outcome = jobs.run_due_jobs(engine, [job], holder="test", clock=lambda: later)
    assert outcome[0].status == "ran" and "1 score(s) sent" in outcome[0].message
    assert lti_grades.send_scores(engine, sender, key=key, now=later + timedelta(hours=1)).sent == 0
    received = lti_platform.scores[before:]
    assert len(received) == 1
    line_item_id, score = received[0]
    assert line_item.endswith("/" + line_item_id)
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == ("u-grade", 100, 100)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")


def _claims(fields: dict[str, str]) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(fields["id_token"], options={"verify_signature": False})
    for timing in ("iat", "exp"):
        claims.pop(timing)
    return claims


def test_forged_misdirected_expired_and_replayed_launches_are_refused_and_audited(
        engine: Engine, lti_platform: Platform) -> None:
    plan = Plan(user="u-attack", roles=[LEARNER], custom={"item": "track:legal"})
    client = _client()

    action, fields = _to_launch(client, lti_platform, "h-sig", plan)
    other_private, _ = _new_key()
    forged = dict(fields, id_token=lti_platform.sign(_claims(fields), key_pem=other_private))
    assert _says(client.post(urlsplit(action).path, data=forged).text, "signature")

    action, fields = _to_launch(client, lti_platform, "h-aud", plan)
    elsewhere = dict(fields, id_token=lti_platform.sign({**_claims(fields), "aud": "another-tool"}))
    assert _says(client.post(urlsplit(action).path, data=elsewhere).text, "audience")

    action, fields = _to_launch(client, lti_platform, "h-iss", plan)
    unnamed = {key: value for key, value in _claims(fields).items() if key != "iss"}
    nameless = dict(fields, id_token=lti_platform.sign(unnamed))
    assert _says(client.post(urlsplit(action).path, data=nameless).text, "issuer")

    action, fields = _to_launch(client, lti_platform, "h-exp", Plan(**{**plan.__dict__, "expires_in": -60}))
    assert _says(client.post(urlsplit(action).path, data=fields).text, "expired")

    action, fields = _to_launch(client, lti_platform, "h-replay", plan)
    assert client.post(urlsplit(action).path, data=fields).status_code == 200
    replayed = client.post(urlsplit(action).path, data=fields)
    assert replayed.status_code == 403 and _says(replayed.text, "nonce")

    stranger = _client()  # a browser that did not start this login has no state cookie
    assert _says(stranger.post(urlsplit(action).path, data=fields).text, "state")

    action, fields = _to_launch(client, lti_platform, "h-junk", plan)
    junk = client.post(urlsplit(action).path, data=dict(fields, id_token="not.a-token." + "x" * 2_000))
    assert junk.status_code == 403 and _says(junk.text, "format")

    assert _refusals(engine) == ["signature", "audience", "issuer", "expired", "nonce", "state", "format"]
    with read_session(engine) as session:
        assert [e.kind for e in audit.list_events(session)].count("sign_in_lti") == 1


def test_login_from_an_unknown_platform_is_refused_and_the_key_set_is_public(
        engine: Engine, lti_platform: Platform) -> None:
    client = _client()
    refused = client.get("/lti/login", params={"iss": "https://stranger.example", "login_hint": "x",
                                                "target_link_uri": TOOL_URL + "/lti/launch"})
    assert refused.status_code == 403 and _says(refused.text, "login")
    assert _refusals(engine) == ["login"]
    huge = client.post("/lti/launch", content=b"id_token=" + b"x" * 300_000,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413
    keys = client.get(KEYS_PATH).json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]
