"""Need to Share: the Streamlit entry point. A router and nothing else.

Signed out, only the sign-in page exists. Signed in, navigation holds exactly the pages the
permission table allows the person; each page checks again on the server when it runs.
"""

from __future__ import annotations

import streamlit as st

from course.domain.permissions import allowed_pages
from course.ui import auth
from course.ui.links import PAGES

st.set_page_config(page_title="Need to Share", page_icon=":material/forum:", layout="wide")

actor = auth.current_actor()
if actor is None:
    pages = [st.Page("course/ui/pages/sign_in.py", title="Sign in", icon=":material/login:")]
else:
    pages = [
        st.Page(path, title=title, icon=icon, visibility="visible" if shown else "hidden")
        for page in allowed_pages(actor.grants.capabilities) if page in PAGES
        for path, title, icon, shown in [PAGES[page]]
    ]
    with st.sidebar:
        st.caption(f"Signed in as {actor.email}")
        if st.button("Sign out", icon=":material/logout:"):
            auth.end_session()
            st.rerun()
st.navigation(pages).run()
