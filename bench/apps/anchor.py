"""The load-test anchor: the smallest useful Streamlit page, one button and a click counter.

bench/load.py drives it to measure what a bare Streamlit rerun costs on this machine (latency
and server memory per connected session), so heavier pages can be reported as a ratio of it.
"""

from __future__ import annotations

import streamlit as st

if "clicks" not in st.session_state:
    st.session_state.clicks = 0
if st.button("Click me"):
    st.session_state.clicks += 1
st.markdown(f"Clicks: {st.session_state.clicks}")
