"""The LTI routes under load and attack: key sets fetched once, logins bounded, odd tokens refused.

The same real platform as tests/web/test_lti.py (lti1p3platform on 127.0.0.1) signs the launches;
the attacker here is anyone who knows the platform's issuer and the tool's URLs.
"""

from __future__ import annotations

import base64
import json
import re
import socket
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from course.domain.lti import DEEP_LINK_PATH, LOGINS_PER_ADDRESS
from course.domain.model import Course
from course.integrations import lti as adapter
from course.integrations.lti import AgsScoreSender
from course.integrations.platform_keys import REFETCH_GAP, FetchedKeySet, PlatformKeySets, fetch_key_set
from course.services import lti, lti_grades, metrics
from course.store import audit
from course.store import lti as stored
from course.store.engine import Engine, read_session
from course.web import resources
from course.web.routes import routes
from tests.lti_platform import CLIENT_ID, INSTRUCTOR, LEARNER, TOOL_URL, Plan, Platform
from tests.web.test_lti import (
    _claims,
    _client,
    _first_quiz,
    _launch,
    _pass,
    _refusals,
    _says,
    _signed_in,
    _to_launch,
    course,
    engine,
)

__all__ = ["course", "engine"]

PLAN = Plan(user="u-limits", roles=[LEARNER], custom={"item": "track:legal"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _client_at(address: str) -> TestClient:
    return TestClient(Starlette(routes=routes()), base_url=TOOL_URL, client=(address, 40000))


def _nonces(engine: Engine) -> int:
    with read_session(engine) as session:
        return int(session.connection().exec_driver_sql("SELECT count(*) FROM lti_nonce").scalar_one())


def _cache_with(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    cache = PlatformKeySets(clock=clock)
    monkeypatch.setattr(resources, "platform_key_sets", lambda: cache)


def test_launches_fetch_the_platform_keys_once_and_again_when_the_platform_rotates(
        engine: Engine, lti_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    _cache_with(monkeypatch, clock)
    before = lti_platform.key_set_requests
    client = _client()
    _launch(client, lti_platform, "h-keys-1", PLAN)
    _launch(client, lti_platform, "h-keys-2", PLAN)
    assert lti_platform.key_set_requests - before == 1
    old = lti_platform.rotate_key()
    try:
        # A key id the held set lacks moments after fetching it is not fetched again at once...
        action, fields = _to_launch(client, lti_platform, "h-keys-3", PLAN)
        refused = client.post(urlsplit(action).path, data=fields)
        assert refused.status_code == 403 and _says(refused.text, "signature")
        assert lti_platform.key_set_requests - before == 1
        # ...but once the short gap has passed, it is, once, and the rotated key works.
        clock.now += REFETCH_GAP + 1
        _launch(client, lti_platform, "h-keys-4", PLAN)
        _launch(client, lti_platform, "h-keys-5", PLAN)
        assert lti_platform.key_set_requests - before == 2
    finally:
        lti_platform.private_pem, lti_platform.public_pem = old


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _refused_count(reason: str) -> float:
    return float(metrics.LTI_REFUSALS.labels(reason=reason)._value.get())


def test_an_unreachable_key_set_refuses_the_launch_at_once_with_a_reason(
        engine: Engine, lti_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = dict(lti_platform.registration_entry(), key_set_url=f"http://127.0.0.1:{_closed_port()}/jwks")
    (tmp_path / "platforms.json").write_text(json.dumps([entry]), encoding="utf-8")
    resources.settings.cache_clear()
    tries: list[str] = []

    def fetch(url: str) -> FetchedKeySet:
        tries.append(url)
        return fetch_key_set(url)

    cache = PlatformKeySets(fetch=fetch)
    monkeypatch.setattr(resources, "platform_key_sets", lambda: cache)
    counted = _refused_count("keys")
    client = _client()
    for hint in ("h-nokeys-1", "h-nokeys-2", "h-nokeys-3"):
        action, fields = _to_launch(client, lti_platform, hint, PLAN)
        refused = client.post(urlsplit(action).path, data=fields)
        assert refused.status_code == 503 and _says(refused.text, "keys")
    assert tries == [entry["key_set_url"]]  # the launches behind the first did not wait for it again
    assert _refused_count("keys") - counted == 3
    # One audit entry (the first, from this address, this minute) names the endpoint and the error.
    assert _refusals(engine) == ["keys"]
    [detail] = _details(engine)
    assert entry["key_set_url"] in detail and "ConnectionError" in detail


def _details(engine: Engine) -> list[str]:
    """Return the technical detail of each audited refusal, oldest first."""
    with read_session(engine) as session:
        events = audit.list_events(session)
    return [str(e.detail.get("detail")) for e in reversed(events) if e.kind == "lti_launch_refused"]


def _login_url(platform: Platform, hint: str) -> str:
    parts = urlsplit(platform.login_initiation(hint, PLAN))
    return f"{parts.path}?{parts.query}"


def test_a_login_flood_from_one_address_is_cut_off_and_others_still_launch(
        engine: Engine, lti_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    # The routes' nonce book runs on a clock the test holds, so the waits are exact.
    moment = [datetime.now(UTC)]
    book = lti.DatabaseNonces
    monkeypatch.setattr(lti, "DatabaseNonces",
                        lambda engine, **given: book(engine, now=moment[0], **given))
    attacker = _client_at("203.0.113.7")
    url = _login_url(lti_platform, "h-flood")
    limited_before = _refused_count("busy")
    answers = [attacker.get(url, follow_redirects=False) for _ in range(LOGINS_PER_ADDRESS.free + 15)]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [302] * LOGINS_PER_ADDRESS.free + [429] * 15
    assert answers[-1].headers["retry-after"] == "1" and _says(answers[-1].text, "busy")
    assert "set-cookie" not in answers[-1].headers
    assert _refused_count("busy") - limited_before == 15
    # Each wait lets one more through, then doubles: 1 s, 2 s, 4 s ... at most a minute.
    for wait in (1, 2, 4):
        moment[0] += timedelta(seconds=wait)
        assert [attacker.get(url, follow_redirects=False).status_code for _ in range(3)] == [302, 429, 429]
    # The table holds what the allowance let through, not one row per request.
    assert _nonces(engine) == LOGINS_PER_ADDRESS.free + 3
    # One audit entry a minute says what happened; the flood does not fill the audit log either.
    assert _refusals(engine) == ["busy"]
    assert "from this address" in _details(engine)[0]
    # Someone else, behind another address, still opens the course.
    learner = _client_at("198.51.100.9")
    login = learner.get(_login_url(lti_platform, "h-flood-other"), follow_redirects=False)
    assert login.status_code == 302
    page = _launch(learner, lti_platform, "h-flood-other-2", PLAN)
    assert "Opening Need to Share" in page


def _token(header: dict[str, object], body: bytes | dict[str, object]) -> str:
    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    raw_body = body if isinstance(body, bytes) else json.dumps(body).encode()
    return f"{part(json.dumps(header).encode())}.{part(raw_body)}.{part(b'sig')}"


def test_odd_tokens_are_refused_with_a_reason_and_never_fetch_keys(
        engine: Engine, lti_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    _cache_with(monkeypatch, Clock())
    before = lti_platform.key_set_requests

    client = _client_at("192.0.2.1")  # one address per case: each is audited as the first of its minute
    action, fields = _to_launch(client, lti_platform, "h-deep", PLAN)
    deep = _token({"alg": "RS256", "kid": "x"}, b"[" * 3000 + b"]" * 3000)  # JSON nested too deep to parse
    answer = client.post(urlsplit(action).path, data=dict(fields, id_token=deep))
    assert answer.status_code == 403 and _says(answer.text, "format")

    client = _client_at("192.0.2.2")
    action, fields = _to_launch(client, lti_platform, "h-huge", PLAN)
    huge = _token({"alg": "RS256", "kid": "x"}, {"iss": lti_platform.issuer, "pad": "x" * 80_000})
    answer = client.post(urlsplit(action).path, data=dict(fields, id_token=huge))
    assert answer.status_code == 403 and _says(answer.text, "format")

    client = _client_at("192.0.2.3")
    action, fields = _to_launch(client, lti_platform, "h-nokid", PLAN)
    claims = _claims(fields)
    no_kid = _token({"alg": "RS256"}, claims)
    answer = client.post(urlsplit(action).path, data=dict(fields, id_token=no_kid))
    assert answer.status_code == 403 and _says(answer.text, "signature")
    assert lti_platform.key_set_requests == before  # nothing a stranger sends makes the tool call the LMS

    # Signed by the platform's own key, but saying neither when it was issued nor until when.
    client = _client_at("192.0.2.4")
    action, fields = _to_launch(client, lti_platform, "h-noexp", PLAN)
    kid = lti_platform.config().get_registration().get_kid()
    timeless = jwt.encode(_claims(fields), lti_platform.private_pem, algorithm="RS256", headers={"kid": kid})
    answer = client.post(urlsplit(action).path, data=dict(fields, id_token=timeless))
    assert answer.status_code == 403 and _says(answer.text, "format")

    # Signed by the platform for this tool and another, but authorised for the other one.
    client = _client_at("192.0.2.5")
    action, fields = _to_launch(client, lti_platform, "h-azp", PLAN)
    shared = lti_platform.sign({**_claims(fields), "aud": [CLIENT_ID, "another-tool"], "azp": "another-tool"})
    answer = client.post(urlsplit(action).path, data=dict(fields, id_token=shared))
    assert answer.status_code == 403 and _says(answer.text, "audience")
    # Both audiences, with this tool as the authorised party, is a launch like any other.
    client = _client_at("192.0.2.6")
    action, fields = _to_launch(client, lti_platform, "h-azp-ok", PLAN)
    ours = lti_platform.sign({**_claims(fields), "aud": [CLIENT_ID, "another-tool"], "azp": CLIENT_ID})
    assert client.post(urlsplit(action).path, data=dict(fields, id_token=ours)).status_code == 200

    assert _refusals(engine) == ["format", "format", "signature", "format", "audience"]
    details = _details(engine)
    assert "longer than this tool reads" in details[1]
    assert "kid" in details[2] and 'missing the "exp" claim' in details[3]
    assert "azp is 'another-tool'" in details[4]


def test_a_stranger_repeating_a_refused_launch_gets_one_audit_entry_a_minute(
        engine: Engine, lti_platform: Platform) -> None:
    stranger = _client_at("203.0.113.99")
    counted = _refused_count("state")
    for _ in range(25):
        junk = stranger.post("/lti/launch", data={"id_token": "a.b.c", "state": "state-made-up"})
        assert junk.status_code == 403 and _says(junk.text, "state")
    assert _refused_count("state") - counted == 25
    assert _refusals(engine) == ["state"]
    # Another reason, or another address, is its own first of the minute.
    assert _says(stranger.post("/lti/deep-link", data={"sealed": "x.y.z", "item": ["track:legal"]}).text,
                 "signature")
    assert _says(_client_at("198.51.100.20").post("/lti/launch", data={"id_token": "a.b.c"}).text, "state")
    assert _refusals(engine) == ["state", "signature", "state"]


def test_a_picker_token_for_a_deployment_no_longer_registered_is_refused(
        engine: Engine, lti_platform: Platform) -> None:
    client = _client()
    page = _launch(client, lti_platform, "h-dl-dep", Plan(user="t-dep", roles=[INSTRUCTOR], deep_link=True))
    sealed = unescape(re.search(r'name="sealed" value="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    settings = resources.settings().lti
    key = lti.tool_keys(engine, settings)[0]
    opened = adapter._open_choice(sealed, [key])
    verified = adapter.VerifiedLaunch(settings.platforms[0], {
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": opened["settings"]},
        deployment_id="deployment-retired")
    elsewhere = adapter.seal_choice(verified, key)
    answer = client.post(DEEP_LINK_PATH, data={"sealed": elsewhere, "item": ["track:legal"]})
    assert answer.status_code == 403 and _says(answer.text, "deployment")
    assert "deep-link-return" not in answer.text
    assert client.post(DEEP_LINK_PATH, data={"sealed": sealed, "item": ["track:legal"]}).status_code == 200


@pytest.mark.parametrize(("claim", "reason"), [
    ("nonce", "nonce"),
    ("https://purl.imsglobal.org/spec/lti/claim/deployment_id", "deployment"),
    ("https://purl.imsglobal.org/spec/lti/claim/message_type", "message"),
    ("https://purl.imsglobal.org/spec/lti/claim/version", "message"),
    ("sub", "message"),  # the library's message check wants a user
    ("https://purl.imsglobal.org/spec/lti/claim/custom", "item"),
])
def test_a_signed_launch_missing_a_claim_is_refused_and_signs_nobody_in(
        engine: Engine, lti_platform: Platform, claim: str, reason: str) -> None:
    client = _client()
    action, fields = _to_launch(client, lti_platform, f"h-missing-{claim.rsplit('/', 1)[-1]}", PLAN)
    claims = {key: value for key, value in _claims(fields).items() if key != claim}
    answer = client.post(urlsplit(action).path, data=dict(fields, id_token=lti_platform.sign(claims)))
    assert answer.status_code == 403 and _says(answer.text, reason)
    assert "nts_session" not in client.cookies and "ticket=" not in answer.text
    assert _refusals(engine) == [reason]


def test_a_score_goes_back_only_for_the_people_launched_from_that_column(
        engine: Engine, lti_platform: Platform, course: Course) -> None:
    quiz_id = _first_quiz(course, "legal")
    column = lti_platform.add_line_item("Quiz, graded")
    custom = {"item": f"quiz:{quiz_id}", "tracks": "legal"}
    graded = Plan(user="u-in-column", roles=[LEARNER], custom=custom, line_item=column)
    ungraded = Plan(user="u-not-in-column", roles=[LEARNER], custom=custom)  # the same quiz, linked ungraded
    people_ids = []
    for hint, plan in (("h-col-in", graded), ("h-col-out", ungraded)):
        client = _client_at(f"192.0.2.{len(people_ids) + 30}")
        _signed_in(client, _launch(client, lti_platform, hint, plan))
        with read_session(engine) as session:
            person_id = stored.find_linked_person(session, lti_platform.issuer, plan.user)
        assert person_id is not None
        people_ids.append(person_id)
    for person_id in reversed(people_ids):  # the one outside the column passes first
        _pass(engine, person_id, course, quiz_id)
    settings = resources.settings()
    before = len(lti_platform.scores)
    report = lti_grades.send_scores(engine, AgsScoreSender(settings.lti.platforms),
                                    key=lti.tool_keys(engine, settings.lti)[0])
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [(line_item_id, score)] = lti_platform.scores[before:]
    assert column.endswith("/" + line_item_id) and score["userId"] == "u-in-column"
