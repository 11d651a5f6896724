"""The session cookie routes: exchange a sign-in ticket for the cookie, keep it alive, and sign out.

All refuse requests that another site started (a cross-site page must be able neither to sign
someone in as the attacker nor to sign them out): the browser's `Sec-Fetch-Site` header must say
`same-origin`, or, from a browser too old to send it, the `Origin` or `Referer` must be this
site. Neither route ever shows the token; the cookie is HttpOnly, so page scripts cannot read it.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Literal, TypedDict
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from course.services import session_cookies
from course.services.accounts import SessionPolicy, session_time_left, sign_out
from course.services.session_cookies import DEVICE_COOKIE, SESSION_COOKIE
from course.web import resources
from course.web.single_sign_on import drop_streamlit_sign_in

_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def is_same_origin(request: Request) -> bool:
    """Tell whether the browser says this request comes from a page of this same site."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False
    parts = urlsplit(source)
    return (parts.scheme, parts.netloc) == (request.url.scheme, request.url.netloc)


def _is_https(request: Request) -> bool:
    # Behind a proxy the scheme comes from X-Forwarded-Proto, which the server (uvicorn) only
    # believes from the addresses in FORWARDED_ALLOW_IPS.
    return request.url.scheme == "https"


class CookieStyle(TypedDict):
    """The attributes of the session cookies besides their name, value, path and lifetime."""

    secure: bool
    samesite: Literal["lax", "none"]


def cookie_style(request: Request) -> CookieStyle:
    """Return how the session cookies are set: SameSite=Lax, or for an LMS iframe None (and Partitioned).

    Inside a cross-site iframe a browser sends only SameSite=None cookies, and only over HTTPS;
    Partitioned (CHIPS) keeps such a cookie to this one embedding site, so browsers that block
    third-party cookies still keep it (NTS_LTI_EMBEDDED, docs/integrations.md).
    """
    if resources.settings().lti.embedded:
        return {"secure": True, "samesite": "none"}
    return {"secure": _is_https(request), "samesite": "lax"}


def partition_last_cookie(response: Response) -> None:
    """Add `Partitioned` to the cookie just set (Starlette sets it itself from Python 3.14 only)."""
    name, value = response.raw_headers[-1]
    assert name == b"set-cookie"
    response.raw_headers[-1] = (name, value + b"; Partitioned")


def _partition_last_cookie(response: Response) -> None:
    if resources.settings().lti.embedded:
        partition_last_cookie(response)


def _page(status: int, title: str, text: str) -> HTMLResponse:
    body = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(title)}</title>"
        f"<main><h1>{escape(title)}</h1><p>{escape(text)}</p>"
        '<p><a href="/">Back to Need to Share</a></p></main></html>'
    )
    return HTMLResponse(body, status_code=status, headers=_NO_STORE)


def _refused() -> HTMLResponse:
    return _page(403, "Request refused", "This request did not come from Need to Share itself.")


def hand_over(request: Request) -> Response:
    """Redeem a sign-in ticket: set the session cookie and send the browser to its page."""
    if not is_same_origin(request):
        return _refused()
    handed = session_cookies.redeem_ticket(resources.engine(), request.query_params.get("ticket"))
    if handed is None:
        return _page(400, "Sign-in link not valid",
                     "This sign-in link has expired or was already used. Please sign in again.")
    response = RedirectResponse(handed.return_path, status_code=303, headers=_NO_STORE)
    style = cookie_style(request)
    lifetime = timedelta(hours=resources.settings().session_absolute_hours)
    response.set_cookie(SESSION_COOKIE, handed.token, max_age=int(lifetime.total_seconds()), path="/",
                        httponly=True, **style)
    _partition_last_cookie(response)
    if handed.device:
        response.set_cookie(DEVICE_COOKIE, handed.device, path="/", httponly=True, **style,
                            max_age=int(timedelta(days=session_cookies.DEVICE_COOKIE_DAYS).total_seconds()))
        _partition_last_cookie(response)
    drop_streamlit_sign_in(request, response)  # after a single sign-on, only our session counts
    return response


def sign_out_route(request: Request) -> Response:
    """End the session of this browser's cookie, clear the cookie, and go to the sign-in page."""
    if not is_same_origin(request):
        return _refused()
    token = request.cookies.get(SESSION_COOKIE)
    if session_cookies.is_opaque_value(token):
        sign_out(resources.engine(), token)
    response = RedirectResponse("/", status_code=303, headers=_NO_STORE)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, **cookie_style(request))
    _partition_last_cookie(response)
    return response


def keep_alive(request: Request) -> Response:
    """Say how many seconds this browser's session has left; a POST first counts it as used now.

    The page's idle warning asks with GET (nothing is written) and, when the person chooses
    "Stay signed in", with POST. A session that is over gets 401 and `{"seconds_left": 0}`.
    """
    if not is_same_origin(request):
        return JSONResponse({"error": "refused"}, status_code=403, headers=_NO_STORE)
    token = request.cookies.get(SESSION_COOKIE)
    left = None
    if session_cookies.is_opaque_value(token):
        left = session_time_left(resources.engine(), token, keep=request.method == "POST",
                                 policy=SessionPolicy.from_settings(resources.settings()))
    if left is None:
        return JSONResponse({"seconds_left": 0}, status_code=401, headers=_NO_STORE)
    return JSONResponse({"seconds_left": int(left.total_seconds())}, headers=_NO_STORE)
