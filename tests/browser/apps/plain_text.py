"""A page that shows every string of the hostile catalogue through `literal` in each kind of call.

Served by tests/browser/test_plain_text.py with Streamlit's own front end, so the test sees what
Streamlit's Markdown really makes of the escaped text.
"""

from __future__ import annotations

import streamlit as st

from course.ui.text import literal
from tests.ui.hostile_text import CATALOGUE

for number, payload in enumerate(CATALOGUE):
    with st.container(key=f"case-{number}-markdown"):
        st.markdown(literal(payload))
    with st.container(key=f"case-{number}-caption"):
        st.caption(literal(payload))
    with st.container(key=f"case-{number}-subheader"):
        st.subheader(literal(payload), anchor=False)
    with st.container(key=f"case-{number}-warning"):
        st.warning(literal(payload))
    with st.container(key=f"case-{number}-button"):
        st.button(literal(payload), key=f"button-{number}")
    with st.container(key=f"case-{number}-radio"):
        st.radio(f"Pick {number}", [payload], format_func=literal, key=f"radio-{number}")
    with st.container(key=f"case-{number}-expander"), st.expander(literal(payload)):
        st.text("inside")
