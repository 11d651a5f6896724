"""HTTP routes served next to the Streamlit app (`st.App(routes=...)`): Starlette only.

Like pages, routes call services and nothing below them. Each kind of route lives in its own
module here and is listed once in `routes()`.
"""
