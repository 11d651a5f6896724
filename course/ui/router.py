"""The page router: page config, sign-in gate, and `st.navigation` by capability.

Signed out, every address shows the sign-in page, so a link to a module or quiz survives the
sign-in. Signed in, the menu shows the pages the permission table allows the person. Every other
page stays routable but hidden, so that asking for it by its address runs the page's own
server-side check, which refuses it and writes the refusal to the audit log.

When the database cannot be reached, every address shows a plain "temporarily unavailable"
page instead of Streamlit's error box, and the server log gets one line with the cause.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from course.domain.permissions import Page, landing_page
from course.services import logs, metrics
from course.services.database import UNAVAILABLE_ERRORS, describe_unavailable
from course.ui import a11y, auth, idle_warning, resources, runtime_stats
from course.ui.links import PAGES, entries_for
from course.ui.single_sign_on import render_notice
from course.ui.text import literal

SIGN_IN = "course/ui/pages/sign_in.py"
_LANDING = "start"  # the root's page name for a person whose landing page is not My path
UNAVAILABLE_TITLE = "Temporarily unavailable"
UNAVAILABLE_TEXT = ("Need to Share cannot reach its database just now. Nothing you saved before is "
                    "lost. Please try again in a few minutes.")
log = logging.getLogger(__name__)
metrics.count_sessions_with(runtime_stats.connected_sessions)


def run() -> None:
    """Route this rerun to the page the address names, or to sign-in (or say it is unavailable)."""
    st.set_page_config(page_title="Need to Share", page_icon=":material/forum:", layout="wide")
    page = st.empty()  # what a page drew before the database failed is cleared with it
    try:
        with page.container():
            _route()
    except UNAVAILABLE_ERRORS as error:
        # One line with the cause, not a traceback per page view; the learner gets a plain page.
        log.error("page view refused: %s", describe_unavailable(error))
        page.empty()
        st.title(UNAVAILABLE_TITLE, anchor=False)
        st.write(UNAVAILABLE_TEXT)


def _sends_to(script: str, *, leaving: bool) -> Callable[[], None]:
    """Return a page that switches straight to the page of `script`.

    While the browser is `leaving` for the cookie route (just signed in) it stays put, so the
    navigation drawn in this run reaches the browser; the route brings it back to the root.
    """
    def send() -> None:
        if not leaving:
            st.switch_page(script)
    return send


def _route() -> None:
    leaving = auth.follow_navigation()
    actor = auth.current_actor()
    if actor is not None:
        resources.follow_published()  # content another process published since the last rerun
    front = "home"  # the metrics name of the page served at the root address
    if actor is None:
        pages = [st.Page(SIGN_IN, title="Sign in", icon=":material/login:", default=True)] + [
            st.Page(SIGN_IN, title="Sign in", url_path=Path(link.script).stem, visibility="hidden")
            for link in list(PAGES.values())[1:]
        ]
    else:
        held = actor.grants.capabilities
        landing = landing_page(held)
        links = entries_for(actor.grants.pages, landing=landing)  # first: where this person lands
        front = Path(links[0].script).stem
        pages = [
            st.Page(link.script, title=link.title, icon=link.icon,
                    visibility="visible" if link.in_menu else "hidden")
            for link in links
        ]
        if landing not in (None, Page.HOME):
            # The root sends this person on to their page, which keeps its own address (a
            # bookmark or typed link to it still works, as it would not for the default page).
            front = _LANDING
            send = _sends_to(links[0].script, leaving=leaving)
            pages.insert(0, st.Page(send, title=links[0].title, url_path=_LANDING, default=True,
                                    visibility="hidden"))
        render_notice()
        with st.sidebar:
            st.caption(f"Signed in as {literal(actor.email)}")
            if st.button("Sign out", icon=":material/logout:"):
                auth.end_session()
                st.rerun()
    chosen = st.navigation(pages)
    started = time.perf_counter()
    try:
        with logs.bound(session=auth.tab_id(), person_id=None if actor is None else actor.person_id):
            chosen.run()
        a11y.finish()
        if actor is not None:
            idle_warning.watch(auth.session_policy(), live_region=a11y.LIVE_ID)
    finally:  # a page that reruns or stops early (st.rerun, st.stop) still took this long
        metrics.record_rerun(Path(str(chosen.url_path or front)).name, time.perf_counter() - started)
