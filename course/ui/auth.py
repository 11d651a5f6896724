"""Who is signed in: the session token in this browser session, checked in the database each run."""

from __future__ import annotations

import streamlit as st

from course.domain.permissions import Actor, Page
from course.services.accounts import SessionPolicy, resume_session, sign_out
from course.services.permissions import check_allowed
from course.ui import resources, state


def client_address() -> str:
    """Return the address the request came from, as Streamlit sees it."""
    try:
        return str(st.context.ip_address or "")
    except Exception:
        return ""


def remember(token: str) -> None:
    """Keep the session token for this browser session."""
    state.put(state.SESSION_TOKEN, value=token)


def current_actor() -> Actor | None:
    """Return the signed-in actor, read afresh from the database, or None."""
    token = state.get(state.SESSION_TOKEN)
    if not token:
        return None
    policy = SessionPolicy.from_settings(resources.settings())
    actor = resume_session(resources.engine(), token, policy=policy)
    if actor is None:
        state.take(state.SESSION_TOKEN)
    return actor


def end_session() -> None:
    """Sign out: end the session in the database and forget everything of this browser session."""
    token = state.get(state.SESSION_TOKEN)
    if token:
        sign_out(resources.engine(), token)
    state.clear_person()


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

