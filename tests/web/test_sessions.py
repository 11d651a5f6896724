"""The cookie routes: the ticket exchange sets an HttpOnly cookie, and neither route obeys other sites."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import Response

from course.domain.accounts import parse_capabilities
from course.services import accounts, session_cookies
from course.services.accounts import resume_session
from course.services.database import Engine
from course.store import people
from course.store import sessions as stored
from course.store.engine import write_transaction
from course.web import resources, sessions
from course.web.routes import routes

HOST = "learn.example.org"
SAME_SITE = [(b"sec-fetch-site", b"same-origin")]


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Engine]:
    """Point the routes at a fresh database of their own."""
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    resources.settings.cache_clear()
    resources.engine.cache_clear()
    yield resources.engine()
    resources.engine().dispose()
    resources.settings.cache_clear()
    resources.engine.cache_clear()


def _signed_in(engine: Engine) -> tuple[int, str]:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with write_transaction(engine) as session:
        person_id = people.add_person(session, "ana@example.org", name="Ana", department="Legal", tracks=(),
                                      grants=parse_capabilities("learner"), now=now)
        stored.create_session(session, accounts.hash_token(token), person_id=person_id, now=now)
    return person_id, token


def _request(path: str, *, query: str = "", headers: list[tuple[bytes, bytes]] | None = None,
             scheme: str = "http", cookie: str = "", method: str = "GET") -> Request:
    raw = [(b"host", HOST.encode()), *(headers or [])]
    if cookie:
        raw.append((b"cookie", cookie.encode()))
    return Request({"type": "http", "method": method, "path": path, "query_string": query.encode(),
                    "headers": raw, "scheme": scheme, "server": (HOST, 443 if scheme == "https" else 80)})


def _cookies(response: Response) -> dict[str, dict[str, str | bool]]:
    found: dict[str, dict[str, str | bool]] = {}
    for name, value in response.raw_headers:
        if name == b"set-cookie":
            parsed = SimpleCookie(value.decode())
            for key, morsel in parsed.items():
                attributes: dict[str, str | bool] = {"value": morsel.value}
                attributes.update({k: v for k, v in morsel.items() if v})
                found[key] = attributes
    return found


def _ticket(engine: Engine, **options: str) -> tuple[str, str]:
    person_id, token = _signed_in(engine)
    return session_cookies.issue_ticket(engine, token, person_id=person_id, **options), token


def test_the_app_serves_both_routes() -> None:
    paths = [getattr(route, "path", "") for route in routes()]
    assert {"/auth/session", "/auth/sign-out", "/auth/keep-alive"} <= set(paths)


def test_a_ticket_sets_an_httponly_lax_cookie_and_goes_back_to_the_page(engine: Engine) -> None:
    device = secrets.token_urlsafe(32)
    ticket, token = _ticket(engine, return_path="/quiz?id=q1", device=device)
    response = sessions.hand_over(_request("/auth/session", query=f"ticket={ticket}", headers=SAME_SITE))
    assert response.status_code == 303
    assert response.headers["location"] == "/quiz?id=q1"
    assert response.headers["cache-control"] == "no-store"
    cookies = _cookies(response)
    session = cookies["nts_session"]
    assert session["httponly"] is True and str(session["samesite"]).lower() == "lax"
    assert session["path"] == "/" and "secure" not in session
    assert session["max-age"] == str(12 * 3600)
    assert isinstance(session["value"], str) and session["value"] != token
    assert resume_session(engine, session["value"]) is not None
    assert cookies["nts_device"]["value"] == device and cookies["nts_device"]["httponly"] is True
    # The same link again is refused.
    again = sessions.hand_over(_request("/auth/session", query=f"ticket={ticket}", headers=SAME_SITE))
    assert again.status_code == 400 and "set-cookie" not in again.headers


def test_the_cookie_is_secure_over_https(engine: Engine) -> None:
    ticket, _ = _ticket(engine)
    response = sessions.hand_over(_request("/auth/session", query=f"ticket={ticket}", headers=SAME_SITE,
                                           scheme="https"))
    assert _cookies(response)["nts_session"]["secure"] is True


@pytest.mark.parametrize(
    "headers",
    [
        [(b"sec-fetch-site", b"cross-site")],
        [(b"sec-fetch-site", b"same-site")],
        [(b"sec-fetch-site", b"none")],
        [(b"origin", b"https://evil.example")],
        [(b"referer", b"https://evil.example/page")],
        [(b"referer", f"https://{HOST}.evil.example/".encode())],
        [],
    ],
)
def test_another_site_cannot_sign_someone_in_or_out(
    engine: Engine, headers: list[tuple[bytes, bytes]]
) -> None:
    ticket, _ = _ticket(engine)
    refused = sessions.hand_over(_request("/auth/session", query=f"ticket={ticket}", headers=headers))
    assert refused.status_code == 403 and "set-cookie" not in refused.headers
    # The refused request used nothing up: the page's own request still works.
    handed = sessions.hand_over(_request("/auth/session", query=f"ticket={ticket}", headers=SAME_SITE))
    cookie = _cookies(handed)["nts_session"]["value"]
    assert isinstance(cookie, str)
    out = sessions.sign_out_route(_request("/auth/sign-out", headers=headers, cookie=f"nts_session={cookie}",
                                           method="POST"))
    assert out.status_code == 403 and "set-cookie" not in out.headers
    assert resume_session(engine, cookie) is not None


def test_a_same_site_referer_is_enough_for_a_browser_without_fetch_metadata(engine: Engine) -> None:
    ticket, _ = _ticket(engine)
    referer = [(b"referer", f"http://{HOST}/".encode())]
    response = sessions.hand_over(_request("/auth/session", query=f"ticket={ticket}", headers=referer))
    assert response.status_code == 303


@pytest.mark.parametrize("query", ["", "ticket=", "ticket=nope", "ticket=" + "A" * 100_000, "ticket=%00%ff"])
def test_bad_tickets_get_a_clear_page_and_no_cookie(engine: Engine, query: str) -> None:
    response = sessions.hand_over(_request("/auth/session", query=query, headers=SAME_SITE))
    assert response.status_code == 400 and "set-cookie" not in response.headers
    assert b"expired or was already used" in bytes(response.body)


def test_signing_out_ends_the_session_and_clears_the_cookie(engine: Engine) -> None:
    ticket, _ = _ticket(engine)
    handed = sessions.hand_over(_request("/auth/session", query=f"ticket={ticket}", headers=SAME_SITE))
    cookie = _cookies(handed)["nts_session"]["value"]
    assert isinstance(cookie, str)
    out = sessions.sign_out_route(
        _request("/auth/sign-out", headers=SAME_SITE, cookie=f"nts_session={cookie}")
    )
    assert out.status_code == 303 and out.headers["location"] == "/"
    cleared = _cookies(out)["nts_session"]
    assert cleared["value"] == "" and cleared["max-age"] == "0" and cleared["httponly"] is True
    assert resume_session(engine, cookie) is None


@pytest.mark.parametrize(
    "cookie", ["", "nts_session=", "nts_session=" + "x" * 100_000, "nts_session=\"a b\""]
)
def test_signing_out_without_a_usable_cookie_still_clears_it(engine: Engine, cookie: str) -> None:
    out = sessions.sign_out_route(_request("/auth/sign-out", headers=SAME_SITE, cookie=cookie))
    assert out.status_code == 303 and _cookies(out)["nts_session"]["value"] == ""


def _left(response: Response) -> int:
    import json
    return int(json.loads(bytes(response.body))["seconds_left"])


def test_the_idle_warning_asks_without_keeping_and_stay_signed_in_keeps(engine: Engine) -> None:
    _, token = _signed_in(engine)
    cookie = f"{session_cookies.SESSION_COOKIE}={token}"
    asked = sessions.keep_alive(_request("/auth/keep-alive", headers=SAME_SITE, cookie=cookie))
    assert asked.status_code == 200 and 29 * 60 < _left(asked) <= 30 * 60
    assert asked.headers["cache-control"] == "no-store"
    with write_transaction(engine) as session:  # as if the last click was 29 minutes ago
        stored.touch_session(session, accounts.hash_token(token),
                             now=datetime.now(UTC) - accounts.DEFAULT_SESSIONS.idle + timedelta(minutes=1))
    asked = sessions.keep_alive(_request("/auth/keep-alive", headers=SAME_SITE, cookie=cookie))
    assert 0 < _left(asked) <= 60
    kept = sessions.keep_alive(_request("/auth/keep-alive", headers=SAME_SITE, cookie=cookie,
                                        method="POST"))
    assert kept.status_code == 200 and _left(kept) > 29 * 60


@pytest.mark.parametrize("cookie", ["", "nts_session=" + "x" * 43, "nts_session=<script>"])
def test_keep_alive_without_a_live_session_says_it_is_over(engine: Engine, cookie: str) -> None:
    for method in ("GET", "POST"):
        response = sessions.keep_alive(_request("/auth/keep-alive", headers=SAME_SITE, cookie=cookie,
                                                method=method))
        assert response.status_code == 401 and _left(response) == 0


def test_another_site_can_neither_read_nor_keep_a_session_alive(engine: Engine) -> None:
    _, token = _signed_in(engine)
    cookie = f"{session_cookies.SESSION_COOKIE}={token}"
    with write_transaction(engine) as session:
        stored.touch_session(session, accounts.hash_token(token),
                             now=datetime.now(UTC) - timedelta(minutes=20))
    for headers in ([(b"sec-fetch-site", b"cross-site")], [(b"origin", b"https://evil.example")], []):
        response = sessions.keep_alive(_request("/auth/keep-alive", headers=headers, cookie=cookie,
                                                method="POST"))
        assert response.status_code == 403
    # The forged POSTs did not count as activity: about 10 minutes are left, not 30.
    left = _left(sessions.keep_alive(_request("/auth/keep-alive", headers=SAME_SITE, cookie=cookie)))
    assert 9 * 60 < left <= 10 * 60
