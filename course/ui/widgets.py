"""Small Streamlit pieces the learner pages share: rendered blocks, admonitions, meters, keys."""

from __future__ import annotations

import streamlit as st

from course.domain.model import Block, BlockKind, Meter
from course.domain.records import new_key
from course.ui import state
from course.ui.scenario_view import signed
from course.ui.text import literal

_ADMONITIONS = {
    BlockKind.KEY: (":material/key:", "Key idea"),
    BlockKind.TIP: (":material/lightbulb:", "Tip"),
    BlockKind.WARNING: (":material/warning:", "Watch out"),
    BlockKind.EXAMPLE: (":material/work:", "Example"),
}


#: Prose styles for sanitised HTML: st.html shows it without the Markdown container's styles.
_PROSE_STYLE = (
    "<style>.nts-prose{line-height:1.6}.nts-prose p,.nts-prose ul,.nts-prose ol,.nts-prose table,"
    ".nts-prose pre,.nts-prose blockquote{margin:0 0 1rem}.nts-prose :last-child{margin-bottom:0}"
    ".nts-prose code{font-size:.875em;padding:.1em .25em;border-radius:.25rem;"
    "background:rgba(128,128,128,.15)}.nts-prose pre{padding:1rem;overflow-x:auto;"
    "background:rgba(128,128,128,.1)}.nts-prose pre code{padding:0;background:none}"
    ".nts-prose blockquote{padding-left:1rem;border-left:.2rem solid rgba(128,128,128,.5)}"
    # A wide table scrolls inside itself on a phone rather than being cut off (WCAG 1.4.10).
    ".nts-prose table{border-collapse:collapse;display:block;max-width:100%;overflow-x:auto}"
    ".nts-prose th,.nts-prose td{padding:.25rem .75rem;"
    "border:1px solid rgba(128,128,128,.35)}</style>"
)


def html(markup: str) -> None:
    """Show HTML the content layer has rendered and sanitised, with no second Markdown pass.

    `st.markdown` would parse the HTML as Markdown again (a `$` pair becomes a formula, an
    address becomes a link); `st.html` only sanitises it once more in the browser and runs no
    script. Links open in a new tab, as Markdown links do, so the learner keeps their place.
    """
    if markup:
        linked = markup.replace("<a href=", '<a target="_blank" href=')
        st.html(f'{_PROSE_STYLE}<div class="nts-prose">{linked}</div>')


def block(item: Block) -> None:
    """Show one block of module text; admonitions get a labelled, bordered box."""
    if item.kind is BlockKind.TEXT:
        html(item.html)
        return
    icon, label = _ADMONITIONS[item.kind]
    with st.container(border=True):
        st.markdown(f"{icon} **{label}**")
        html(item.html)


def meters(definitions: dict[str, Meter], values: dict[str, int], moved: dict[str, int] | None = None,
           ) -> None:
    """Show each meter as a labelled bar with its value, and under it how far the last choice moved it."""
    columns = st.columns(max(1, len(definitions)))
    for column, meter in zip(columns, definitions.values(), strict=False):
        value = values.get(meter.id, meter.start)
        span = max(1, meter.max - meter.min)
        with column:
            st.progress((value - meter.min) / span, text=f"{literal(meter.label)}: {value}")
            if moved is not None:
                st.caption(f"{literal(meter.label)} {signed(moved.get(meter.id, 0))}")


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
