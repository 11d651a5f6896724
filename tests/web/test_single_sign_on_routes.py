"""After a single sign-on, Streamlit's sign-in cookie is dropped: identity lives only in ours."""

from __future__ import annotations

import pytest

from course.services import session_cookies
from course.services.database import Engine
from course.web import sessions, single_sign_on
from course.web.routes import routes
from tests.web.test_sessions import SAME_SITE, _cookies, _request, _signed_in, engine

__all__ = ["engine"]  # the fixture: a fresh database for the routes

STREAMLIT_COOKIES = "_streamlit_user=abc; _streamlit_user_1=def; _streamlit_user_2=ghi; " \
                    "_streamlit_user_tokens=jkl; _streamlit_user_tokens_1=mno; _streamlit_username=keep"


def _deleted(response: object) -> set[str]:
    return {name for name, attributes in _cookies(response).items()  # type: ignore[arg-type]
            if attributes.get("max-age") == "0" or "1970" in str(attributes.get("expires", ""))}


def test_the_app_serves_the_refusal_route() -> None:
    assert "/auth/sso-refused" in [getattr(route, "path", "") for route in routes()]


def test_the_cookie_route_drops_streamlit_s_sign_in_cookie_and_its_chunks(engine: Engine) -> None:
    person_id, token = _signed_in(engine)
    ticket = session_cookies.issue_ticket(engine, token, person_id=person_id)
    response = sessions.hand_over(_request("/auth/session", query=f"ticket={ticket}", headers=SAME_SITE,
                                           cookie=STREAMLIT_COOKIES))
    assert response.status_code == 303 and "nts_session" in _cookies(response)
    assert _deleted(response) == {"_streamlit_user", "_streamlit_user_1", "_streamlit_user_2",
                                  "_streamlit_user_tokens", "_streamlit_user_tokens_1"}


@pytest.mark.parametrize(("query", "location"), [
    ("sso_refused=unverified", "/?sso_refused=unverified"),
    ("sso_refused=unknown", "/?sso_refused=unknown"),
    ("sso_refused=https://evil.example", "/"),
    ("sso_refused=%3Cscript%3E", "/"),
    ("", "/"),
])
def test_the_refusal_route_drops_the_cookie_and_names_only_known_reasons(query: str, location: str) -> None:
    request = _request("/auth/sso-refused", query=query, cookie=STREAMLIT_COOKIES)
    response = single_sign_on.sso_refused(request)
    assert response.status_code == 303 and response.headers["location"] == location
    assert response.headers["cache-control"] == "no-store"
    assert "_streamlit_user" in _deleted(response) and "_streamlit_username" not in _deleted(response)
