"""Need to Share: the Streamlit entry point. A router and nothing else."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Need to Share", layout="wide")

pages = [st.Page("course/ui/pages/course_map.py", title="Course map", icon=":material/map:")]
st.navigation(pages).run()
