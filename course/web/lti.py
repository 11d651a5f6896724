"""The LTI 1.3 routes: login initiation, launch, the deep-linking picker, and the tool's key set.

These routes translate HTTP to plain values for the adapter (course/integrations/lti.py) and the
services (course/services/lti.py), and answer with plain pages. A refusal is shown as a page
with the reason in words, and audited. A launch that passes ends on a small page of this site
that takes the browser to the cookie route, so the session is set exactly as for any sign-in.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Awaitable, Callable
from html import escape
from typing import TypeVar
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from course.domain.lti import (
    DEEP_LINK_PATH,
    LAUNCH_PATH,
    REFUSALS,
    LinkChoice,
    is_teacher,
    link_choices,
    read_launch,
)
from course.integrations import lti as adapter
from course.services import lti
from course.services.session_cookies import HAND_OVER_PATH
from course.settings import LtiSettings
from course.web import resources
from course.web.sessions import partition_last_cookie

_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
#: The most items a teacher may link in one answer.
MAX_CHOICES = 50
_MAX_PARAM = 10_000
#: The longest launch token read (real ones are a few kilobytes; a platform's custom claims add some).
_MAX_TOKEN = 64 * 1024
#: The largest form body a launch or a choice may have (a launch is a few kilobytes).
MAX_BODY = 256 * 1024


def client_address(request: Request) -> str:
    """Return the client's address (the proxy's X-Forwarded-For is applied by the server)."""
    return request.client.host if request.client else ""


def _page(status: int, title: str, body: str) -> HTMLResponse:
    html = (f"<!doctype html><html lang=en><meta charset=utf-8><title>{escape(title)}</title>"
            f"<main><h1>{escape(title)}</h1>{body}</main></html>")
    return HTMLResponse(html, status_code=status, headers=_NO_STORE)


#: Refusals that are not the launch's fault: the tool is busy, or the platform's keys are away.
_STATUS = {"busy": 429, "keys": 503}


def _refused(reason: str, *, retry_after: int = 0) -> HTMLResponse:
    text = REFUSALS.get(reason, REFUSALS["format"])
    response = _page(_STATUS.get(reason, 403), "Launch refused", f"<p>{escape(text)}</p>")
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _settings() -> LtiSettings | None:
    settings = resources.settings().lti
    return settings if settings.enabled else None


def _off() -> HTMLResponse:
    return _page(404, "LTI is off", "<p>No learning platform is registered with Need to Share.</p>")


class TooLarge(Exception):
    """A request body over MAX_BODY bytes (or of unknown length), refused before it is read."""


async def _form(request: Request) -> FormData:
    """Read a posted form of at most MAX_BODY bytes; raise TooLarge for anything bigger."""
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_BODY:
        raise TooLarge
    return await request.form(max_files=0, max_fields=MAX_CHOICES + 10)


def _too_large() -> HTMLResponse:
    return _page(413, "Request too large", "<p>This request is larger than a launch can be.</p>")


def _fits(key: str, value: object) -> bool:
    return isinstance(value, str) and len(value) <= (_MAX_TOKEN if key == "id_token" else _MAX_PARAM)


async def _incoming(request: Request) -> adapter.IncomingRequest:
    """Return the request's parameters; those over their length limit are left out, and named."""
    raw = list(request.query_params.items())
    if request.method == "POST":
        raw += [(key, value) for key, value in (await _form(request)).items() if isinstance(value, str)]
    params = {key: value for key, value in raw if _fits(key, value)}
    oversized = tuple(sorted({key[:40] for key, value in raw if not _fits(key, value)}))
    return adapter.IncomingRequest(params=params, cookies=dict(request.cookies),
                                   secure=request.url.scheme == "https", oversized=oversized)


_Read = TypeVar("_Read")
_Handler = Callable[[Request, LtiSettings, _Read], Awaitable[Response]]
_Endpoint = Callable[[Request], Awaitable[Response]]


def _route(read: Callable[[Request], Awaitable[_Read]]) -> Callable[[_Handler[_Read]], _Endpoint]:
    """Make a handler a route that first makes the checks every LTI route makes, in one order.

    LTI must be on (404 otherwise) and the body no larger than MAX_BODY (413); the handler then
    gets the settings and the request as `read` reads it.
    """

    def wrap(handler: _Handler[_Read]) -> _Endpoint:
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            settings = _settings()
            if settings is None:
                return _off()
            try:
                body = await read(request)
            except TooLarge:
                return _too_large()
            return await handler(request, settings, body)

        return route

    return wrap


def _refuse(refused: adapter.LaunchRefused, *, issuer: str, request: Request) -> HTMLResponse:
    """Audit a refusal (unless the refusing side did; once a minute per reason and address) and
    answer with its page. Anyone can send these requests, so repeats are counted, not written."""
    if not refused.audited:
        lti.record_refusal(resources.engine(), refused.reason, detail=refused.detail, issuer=issuer,
                           address=client_address(request), once_per=lti.LIMIT_AUDIT_GAP)
    return _refused(refused.reason, retry_after=refused.retry_after)


@_route(_incoming)
async def login(request: Request, settings: LtiSettings, incoming: adapter.IncomingRequest) -> Response:
    """Answer a platform's third-party login initiation with a redirect to its authorisation."""
    engine = resources.engine()
    try:
        step = adapter.begin_login(incoming, platforms=settings.platforms,
                                   key=lti.tool_keys(engine, settings)[0],
                                   nonces=lti.DatabaseNonces(engine, address=client_address(request)),
                                   launch_url=settings.public_url + LAUNCH_PATH)
    except adapter.LaunchRefused as refused:
        return _refuse(refused, issuer=incoming.params.get("iss", ""), request=request)
    response = RedirectResponse(step.url, status_code=302, headers=_NO_STORE)
    secure = incoming.secure
    for cookie in step.cookies:
        # The platform posts the launch back from its own site: only SameSite=None reaches us then,
        # and, in an LMS iframe of a browser blocking third-party cookies, only a partitioned one.
        response.set_cookie(cookie.name, cookie.value, max_age=cookie.max_age, path="/", httponly=True,
                            secure=secure, samesite="none" if secure else "lax")
        if secure:
            partition_last_cookie(response)
    return response


@_route(_incoming)
async def launch(request: Request, settings: LtiSettings, incoming: adapter.IncomingRequest) -> Response:
    """Check a launch; sign the person in and send them to the item, or show the picker."""
    engine = resources.engine()
    keys = lti.tool_keys(engine, settings)
    try:
        verified = adapter.verify_launch(incoming, platforms=settings.platforms, key=keys[0],
                                         nonces=lti.DatabaseNonces(engine),
                                         key_sets=resources.platform_key_sets())
    except adapter.LaunchRefused as refused:
        return _refuse(refused, issuer=_claimed_issuer(incoming), request=request)
    course = resources.course()
    if course is None:
        return _page(503, "Course not available", "<p>The course cannot be loaded just now.</p>")
    if verified.is_deep_link:
        if not is_teacher(verified.claims):
            return _refuse(adapter.LaunchRefused("teacher", "deep-linking request without a teaching role"),
                           issuer=verified.platform.issuer, request=request)
        return _picker(adapter.seal_choice(verified, keys[0]), link_choices(course))
    facts = read_launch(verified.claims, course, client_id=verified.platform.client_id,
                        department_claim=verified.platform.department_claim,
                        tracks_claim=verified.platform.tracks_claim)
    admitted = lti.admit(engine, facts, verified.platform, address=client_address(request))
    if admitted.refusal:
        return _refused(admitted.refusal)
    return _hand_over(admitted.ticket)


def _claimed_issuer(incoming: adapter.IncomingRequest) -> str:
    """Return the issuer a refused token claims (unverified: for the audit entry only)."""
    token = incoming.params.get("id_token", "")
    try:
        body = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (IndexError, ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return ""
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer[:254] if isinstance(issuer, str) else ""


def _hand_over(ticket: str) -> HTMLResponse:
    target = escape(f"{HAND_OVER_PATH}?{urlencode({'ticket': ticket})}")
    body = (f'<p>Opening your course&hellip; <a id="continue" href="{target}">Continue</a></p>'
            f'<script>location.replace(document.getElementById("continue").href)</script>')
    return _page(200, "Opening Need to Share", body)


def _picker(sealed: str, choices: list[LinkChoice]) -> HTMLResponse:
    boxes = "".join(
        f'<li><label><input type="checkbox" name="item" value="{escape(str(c.ref))}"> '
        f"{escape(c.title)}</label></li>" for c in choices)
    body = (f'<p>Choose what to add to your course. Quizzes and scenarios get a gradebook column.</p>'
            f'<form method="post" action="{DEEP_LINK_PATH}">'
            f'<input type="hidden" name="sealed" value="{escape(sealed)}">'
            f"<ul>{boxes}</ul><button type=submit>Add to course</button></form>")
    return _page(200, "Add Need to Share to your course", body)


@_route(_form)
async def deep_link(request: Request, settings: LtiSettings, form: FormData) -> Response:
    """Sign the deep-linking answer for the chosen items and post it back to the platform."""
    sealed = form.get("sealed")
    course = resources.course()
    raw = set(value for value in form.getlist("item") if isinstance(value, str))
    chosen = [c for c in (link_choices(course) if course else []) if str(c.ref) in raw]
    if not isinstance(sealed, str) or not chosen or len(chosen) != len(raw) or len(raw) > MAX_CHOICES:
        return _page(400, "Nothing chosen", "<p>Choose at least one item of this course, then "
                     "press Add to course. Go back to try again.</p>")
    engine = resources.engine()
    try:
        answer = adapter.answer_deep_link(sealed, chosen, platforms=settings.platforms,
                                          keys=lti.tool_keys(engine, settings),
                                          launch_url=settings.public_url + LAUNCH_PATH)
    except adapter.LaunchRefused as refused:
        return _refuse(refused, issuer="", request=request)
    lti.record_deep_link(engine, issuer=answer.issuer, items=[str(c.ref) for c in chosen],
                         address=client_address(request))
    body = (f'<form id="answer" method="post" action="{escape(answer.return_url)}">'
            f'<input type="hidden" name="JWT" value="{escape(answer.token)}">'
            "<button type=submit>Return to your course</button></form>"
            '<script>document.getElementById("answer").submit()</script>')
    return _page(200, "Returning to your course", body)


def key_set(request: Request) -> Response:
    """Publish the tool's public keys, which platforms use to check its messages."""
    settings = _settings()
    if settings is None:
        return JSONResponse({"keys": []}, headers={"Cache-Control": "max-age=300"})
    keys = lti.tool_keys(resources.engine(), settings)
    return JSONResponse(adapter.public_key_set(keys), headers={"Cache-Control": "max-age=300"})


