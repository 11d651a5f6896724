"""The page router: page config, sign-in gate, and `st.navigation` by capability.

Signed out, every address shows the sign-in page, so a link to a module or quiz survives the
sign-in. Signed in, the menu shows the pages the permission table allows the person. Every other
page stays routable but hidden, so that asking for it by its address runs the page's own
server-side check, which refuses it and writes the refusal to the audit log.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from course.domain.permissions import allowed_pages
from course.ui import auth
from course.ui.links import PAGES, entries_for
from course.ui.text import literal

SIGN_IN = "course/ui/pages/sign_in.py"


def run() -> None:
    """Route this rerun to the page the address names, or to sign-in."""
    st.set_page_config(page_title="Need to Share", page_icon=":material/forum:", layout="wide")
    auth.follow_navigation()
    actor = auth.current_actor()
    if actor is None:
        pages = [st.Page(SIGN_IN, title="Sign in", icon=":material/login:", default=True)] + [
            st.Page(SIGN_IN, title="Sign in", url_path=Path(path).stem, visibility="hidden")
            for path, _, _, _ in list(PAGES.values())[1:]
        ]
    else:
        pages = [
            st.Page(path, title=title, icon=icon, visibility="visible" if shown else "hidden")
            for path, title, icon, shown in entries_for(allowed_pages(actor.grants.capabilities))
        ]
        with st.sidebar:
            st.caption(f"Signed in as {literal(actor.email)}")
            if st.button("Sign out", icon=":material/logout:"):
                auth.end_session()
                st.rerun()
    st.navigation(pages).run()
