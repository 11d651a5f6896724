"""Small Streamlit pieces the learner pages share: rendered blocks, admonitions, meters, keys."""

from __future__ import annotations

import streamlit as st

from course.domain.model import Block, BlockKind, Meter
from course.domain.records import new_key
from course.ui import state

_ADMONITIONS = {
    BlockKind.KEY: (":material/key:", "Key idea"),
    BlockKind.TIP: (":material/lightbulb:", "Tip"),
    BlockKind.WARNING: (":material/warning:", "Watch out"),
    BlockKind.EXAMPLE: (":material/work:", "Example"),
}


def html(markup: str) -> None:
    """Show HTML the content layer has rendered and sanitised with its allow-list."""
    if markup:
        st.markdown(markup, unsafe_allow_html=True)


def block(item: Block) -> None:
    """Show one block of module text; admonitions get a labelled, bordered box."""
    if item.kind is BlockKind.TEXT:
        html(item.html)
        return
    icon, label = _ADMONITIONS[item.kind]
    with st.container(border=True):
        st.markdown(f"{icon} **{label}**")
        html(item.html)


def meters(definitions: dict[str, Meter], values: dict[str, int]) -> None:
    """Show each meter as a labelled bar with its value."""
    columns = st.columns(max(1, len(definitions)))
    for column, meter in zip(columns, definitions.values(), strict=False):
        value = values.get(meter.id, meter.start)
        span = max(1, meter.max - meter.min)
        with column:
            st.progress((value - meter.min) / span, text=f"{meter.label}: {value}")


def action_key(name: str) -> str:
    """Return the idempotency key for an action shown on screen, made before it is taken.

    The key stays the same across reruns until `used_key` is called, so a retry of the same
    action sends the same key and is recorded once.
    """
    return str(state.keep_first(state.ACTION_KEY, name, value=new_key()))


def used_key(name: str) -> None:
    """Forget the key of an action that has been recorded, so the next action gets a new one."""
    state.take(state.ACTION_KEY, name)


def percent(value: float | None) -> str:
    """Format a 0..1 score as a whole percentage."""
    return "–" if value is None else f"{round(value * 100)}%"
