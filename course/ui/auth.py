"""Who is signed in: the session token in this browser session, checked in the database each run."""

from __future__ import annotations

import streamlit as st

from course.domain.network import parse_networks, resolve_client_address
from course.domain.permissions import Actor, Page
from course.services.accounts import SessionPolicy, resume_session, sign_out
from course.services.permissions import check_allowed
from course.ui import resources

_TOKEN = "nts_token"


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


def remember(token: str) -> None:
    """Keep the session token for this browser session."""
    st.session_state[_TOKEN] = token


def current_actor() -> Actor | None:
    """Return the signed-in actor, read afresh from the database, or None."""
    token = st.session_state.get(_TOKEN)
    if not token:
        return None
    policy = SessionPolicy.from_settings(resources.settings())
    actor = resume_session(resources.engine(), token, policy=policy)
    if actor is None:
        del st.session_state[_TOKEN]
    return actor


def end_session() -> None:
    """Sign out: end the session in the database and forget everything of this browser session."""
    token = st.session_state.get(_TOKEN)
    if token:
        sign_out(resources.engine(), token)
    st.session_state.clear()


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

