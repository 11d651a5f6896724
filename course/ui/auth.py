"""Who is signed in: the session cookie (or this tab's fresh token), resolved once per rerun.

The browser keeps the session token in an HttpOnly cookie that the server sets (see
course/web/sessions.py); Streamlit hands it to the page in `st.context.cookies`. Right after a
sign-in, before the browser has been to the cookie route, the token lives in this tab's
session state instead. Either way the session, its person and their grants are read from the
database once per rerun, so a sign-out, a disabled account or changed capabilities take effect
at the next click, in every tab and every process.

Everything this module keeps in session state is declared in course/ui/state.py. Values that
pages keep about the signed-in person are dropped whenever the person changes or the session
ends.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from course.domain.network import parse_networks, resolve_client_address
from course.domain.permissions import Actor, Page
from course.services import session_cookies
from course.services.accounts import (
    SessionPolicy,
    SignIn,
    hash_token,
    keep_admins_only,
    resume_session,
    sign_in,
    sign_out,
)
from course.services.permissions import check_allowed
from course.services.session_cookies import DEVICE_COOKIE, SESSION_COOKIE
from course.ui import resources, state

#: The actor resolved in each script run, keyed by the object Streamlit creates for that run.
_RESOLVED: weakref.WeakKeyDictionary[object, Actor | None] = weakref.WeakKeyDictionary()
_RESOLVED_LOCK = threading.Lock()  # every session's script thread shares the mapping


def client_address() -> str:
    """Return the client's address, believing X-Forwarded-For only from trusted proxies.

    "" means unknown (no request context, or a header that cannot be read). Streamlit reports a
    loopback peer as None, so a request with headers and no address came from this host.
    """
    try:
        headers = st.context.headers
        peer = st.context.ip_address
    except Exception:
        return ""
    if peer is None and headers:
        peer = "127.0.0.1"
    forwarded = ",".join(headers.get_all("X-Forwarded-For")) if headers else None
    trusted = parse_networks(" ".join(resources.settings().trusted_proxies))
    return resolve_client_address(peer, forwarded, trusted=trusted) or ""


def _request_cookies() -> Mapping[str, str]:
    """Return the cookies the browser sent when it opened this Streamlit session."""
    try:
        return st.context.cookies
    except Exception:  # no browser connection (for example a bare script run)
        return {}


def _cookie(name: str) -> str | None:
    value = _request_cookies().get(name)
    return value if session_cookies.is_opaque_value(value) else None


def device_value() -> str:
    """Return this browser's device value (cookie `nts_device`), or "" when it has none."""
    return _cookie(DEVICE_COOKIE) or ""


def _current_path() -> str:
    try:
        url = st.context.url
    except Exception:
        return "/"
    if not url:
        return "/"
    # The address the tab was opened at may predate the page's own query parameters (a link to
    # /module?id=... shown as the sign-in page): this run's parameters are the ones to keep.
    parts = urlsplit(url)
    query = urlencode(st.query_params.to_dict()) or parts.query
    path = parts.path + (f"?{query}" if query else "")
    return session_cookies.safe_return_path(path)


def _rerun_marker() -> object | None:
    # Streamlit makes a fresh coordinator object at the start of every script run (callbacks
    # included): it tells one rerun from the next without keeping anything alive.
    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else getattr(ctx, "parallel_coordinator", None)


def tab_id() -> str:
    """Return this browser tab's Streamlit session id ("" outside a script run), for the logs."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return "" if ctx is None else str(ctx.session_id)


def _forget_resolution() -> None:
    marker = _rerun_marker()
    if marker is not None:
        with _RESOLVED_LOCK:
            _RESOLVED.pop(marker, None)


def clear_person_state() -> None:
    """Drop every value kept for whoever used this Streamlit session (quiz results, drafts...)."""
    state.clear_person()
    _forget_resolution()


def _session_tokens() -> list[tuple[str, bool]]:
    """Return the tokens to try this rerun (the tab's first), each with whether it is the cookie's."""
    found: list[tuple[str, bool]] = []
    token = state.get(state.SESSION_TOKEN)
    if isinstance(token, str) and token:
        found.append((token, False))
    cookie = _cookie(SESSION_COOKIE)
    dead = state.get(state.DEAD_COOKIE)
    if cookie is not None and cookie != token and dead != hash_token(cookie):
        found.append((cookie, True))
    return found


def session_policy() -> SessionPolicy:
    """Return how long sessions last, from the settings."""
    return SessionPolicy.from_settings(resources.settings())


def _resume() -> tuple[Actor | None, str | None]:
    """Return the actor of the first live candidate token, and that token when it is the tab's."""
    policy = session_policy()
    resources.note_content_version(None)  # nothing read yet in this rerun
    for token, from_cookie in _session_tokens():
        actor = resume_session(resources.engine(), token, policy=policy,
                               content_version=resources.note_content_version)
        if actor is not None:
            return actor, None if from_cookie else token
        if from_cookie:  # over for good: do not ask the database again in this tab
            state.put(state.DEAD_COOKIE, value=hash_token(token))
    return None, None


def _resolve() -> Actor | None:
    holds_someone = state.has(state.OWNER) or state.has(state.SESSION_TOKEN)
    actor, tab_token = _resume()
    if actor is None:
        if holds_someone:
            dead = state.get(state.DEAD_COOKIE)
            clear_person_state()
            if dead is not None:
                state.put(state.DEAD_COOKIE, value=dead)
        return None
    if state.get(state.OWNER) != actor.person_id:
        clear_person_state()  # values kept for someone else (or for nobody yet) go first
        state.put(state.OWNER, value=actor.person_id)
    if tab_token is None:
        state.take(state.SESSION_TOKEN)  # the tab's own token is over: the cookie serves
    else:
        state.put(state.SESSION_TOKEN, value=tab_token)
    return actor


def current_actor() -> Actor | None:
    """Return the signed-in actor, read from the database once per rerun, or None."""
    marker = _rerun_marker()
    if marker is not None:
        with _RESOLVED_LOCK:
            if marker in _RESOLVED:
                return _RESOLVED[marker]
    actor = _resolve()
    if marker is not None:
        with _RESOLVED_LOCK:
            _RESOLVED[marker] = actor
    return actor


def sign_in_with_passphrase(email: str, passphrase: str) -> SignIn:
    """Check an email and passphrase, with this browser's device value (its known-browser cookie).

    With local passphrases switched off, only administrators get through (the break-glass path).
    """
    result = sign_in(resources.engine(), email, passphrase, passwords=resources.passwords(),
                     address=client_address(), device=device_value() or None)
    if resources.settings().local_passphrases:
        return result
    return keep_admins_only(resources.engine(), result, address=client_address())


def start_session(result: SignIn, *, return_path: str | None = None) -> None:
    """Begin the signed-in session of a successful sign-in in this tab, and hand it to a cookie.

    Whatever this Streamlit session held for the previous person is dropped first. The browser
    is then sent, once, to the cookie route with a one-time ticket; until it gets there, this
    tab uses the token itself. The browser comes back to this page, or to `return_path`.
    """
    if result.token is None or result.actor is None:
        raise ValueError("only a successful sign-in starts a session")
    device = result.device or device_value()
    clear_person_state()
    state.put(state.SESSION_TOKEN, value=result.token)
    state.put(state.OWNER, value=result.actor.person_id)
    ticket = session_cookies.issue_ticket(resources.engine(), result.token,
                                          person_id=result.actor.person_id, device=device,
                                          return_path=return_path or _current_path())
    state.put(state.NAVIGATE, value=f"{session_cookies.HAND_OVER_PATH}?ticket={ticket}")


def end_session() -> None:
    """Sign out: end the session in the database, forget this person, and clear the cookie.

    The session ends here, on the server, whatever the browser does next; the navigation to the
    sign-out route then removes the cookie itself.
    """
    engine = resources.engine()
    tab_token = state.get(state.SESSION_TOKEN)
    cookie = _cookie(SESSION_COOKIE)
    for token in (tab_token, cookie):
        if session_cookies.is_opaque_value(token):
            sign_out(engine, token)
    clear_person_state()
    if cookie is not None:
        state.put(state.DEAD_COOKIE, value=hash_token(cookie))
    state.put(state.NAVIGATE, value=session_cookies.SIGN_OUT_PATH)


def follow_navigation() -> bool:
    """Send the whole browser page where a sign-in or sign-out asked, once; say whether it did."""
    target = state.take(state.NAVIGATE)
    if not isinstance(target, str):
        return False
    st.html(f"<script>window.location.replace({json.dumps(target)});</script>",
            unsafe_allow_javascript=True)
    return True


def require_page(page: Page) -> Actor:
    """Return the actor if they may open the page; otherwise refuse (audited) and stop."""
    actor = current_actor()
    if actor is None:
        st.warning("Your session has ended. Please sign in again.")
        st.stop()
    if not check_allowed(resources.engine(), actor, page, address=client_address()):
        st.error("You do not have access to this page.")
        st.stop()
    return actor
