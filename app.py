"""Need to Share: the entry point. The ASGI app with its routes, and the page router.

`streamlit run app.py` finds `app` (an `st.App`) and serves its HTTP routes beside the pages;
its lifespan migrates the database and issues the first-run setup token before serving.
The same file is the script Streamlit runs on every interaction: only then (a script-run
context exists) does the router below draw anything.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from course.web.lifespan import lifespan
from course.web.routes import routes, streamlit_secrets

app = st.App(__file__, routes=routes(), lifespan=lifespan, secrets=streamlit_secrets())

if get_script_run_ctx(suppress_warning=True) is not None:
    from course.ui.router import run

    run()
