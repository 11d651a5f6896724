"""A two-page st.navigation app that tests/bench/test_stclient.py drives through bench.stclient.

Page one carries a large code block (over Streamlit's 10 kB cacheable-message size) so reruns
exercise the forward-message cache; page two has a text input, a radio, a selectbox and a button
that raises, for widget states and exception counting.
"""

from __future__ import annotations

import streamlit as st

BIG = "x = 1  # padding for a cacheable message\n" * 400


def one() -> None:
    st.header("Page one")
    st.session_state["runs_one"] = st.session_state.get("runs_one", 0) + 1
    st.markdown(f"Runs of one: {st.session_state['runs_one']}")
    st.markdown(f"Cookie: {st.context.cookies.get('flavour', 'none')}")
    st.code(BIG, language="python")
    st.button("Refresh")


def two() -> None:
    st.header("Page two")
    name = st.text_input("Your name")
    st.markdown(f"Hello, {name or 'nobody'}")
    colour = st.radio("Colour", ["red", "green", "blue"])
    st.markdown(f"Colour: {colour}")
    size = st.selectbox("Size", ["small", "medium", "large"])
    st.markdown(f"Size: {size}")
    if st.button("Boom"):
        raise RuntimeError("boom, on purpose")


st.navigation([
    st.Page(one, title="One", url_path="one", default=True),
    st.Page(two, title="Two", url_path="two"),
]).run()
