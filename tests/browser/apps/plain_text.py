"""A page that shows every string of the hostile catalogue through `literal` in each kind of call.

Served by tests/browser/test_plain_text.py with Streamlit's own front end, so the test sees what
Streamlit's Markdown really makes of the escaped text.
"""

from __future__ import annotations

import streamlit as st

from course.content.markdown import parse_tokens, render_blocks
from course.ui import widgets
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

#: Module text as an author writes it, with what a second Markdown pass would turn into markup.
PROSE = """\
A paragraph with a [link](https://example.org/page), `code`, **bold** and *emphasis*.
It costs $5 or $6, :red[not red] and :material/home: stay text, and so does https://example.org/bare.

- one
- two

| a | b |
|---|---|
| 1 | 2 |

```
an example post

$x$ and $y$ [a link](https://example.org/inside-code)
```
"""
prose = render_blocks(parse_tokens(PROSE))
with st.container(key="prose-html"):
    widgets.html(prose)
with st.container(key="prose-markdown"):  # the old way, for comparison: a second Markdown pass
    st.markdown(prose, unsafe_allow_html=True)
