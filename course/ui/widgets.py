"""Small Streamlit pieces the learner pages share: rendered blocks, admonitions, meters, keys."""

from __future__ import annotations

import streamlit as st

from course.domain.model import Block, BlockKind, Meter
from course.domain.records import new_key
from course.ui import state
from course.ui.scenario_view import signed
from course.ui.text import literal

#: Each box kind: its icon (hidden from screen readers: the label says it), label and class.
_ADMONITIONS = {
    BlockKind.KEY: ("\U0001F511", "Key idea", "nts-box-key"),
    BlockKind.TIP: ("\U0001F4A1", "Tip", "nts-box-tip"),
    BlockKind.WARNING: ("\u26A0\uFE0F", "Watch out", "nts-box-warning"),
    BlockKind.EXAMPLE: ("\U0001F4CB", "Example", "nts-box-example"),
}

#: The reading measure: lines of about 70 characters are the easiest to follow.
READING_WIDTH = "70ch"

#: Prose styles for sanitised HTML: st.html shows it without the Markdown container's styles.
_PROSE_STYLE = (
    "<style>.nts-prose{line-height:1.6;max-width:" + READING_WIDTH + "}"
    ".nts-prose p,.nts-prose ul,.nts-prose ol,.nts-prose table,"
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

#: Boxes: one colour per kind on a light ground, with dark text (every text colour here is at
#: least 6.9:1 on its ground), so they read the same in the light and the dark theme.
_BOX_STYLE = (
    "<style>.nts-box{max-width:" + READING_WIDTH + ";padding:.75rem 1rem;border-radius:.5rem;"
    "border-left:.35rem solid;color:#1f2328}.nts-box a{color:#1a3f9e}"
    ".nts-box-label{margin:0 0 .4rem;font-weight:700}"
    ".nts-box-key{background:#eef4ff;border-color:#1a4fd6}.nts-box-key .nts-box-label{color:#1a3f9e}"
    ".nts-box-tip{background:#edf8f0;border-color:#1e7a3c}.nts-box-tip .nts-box-label{color:#17612f}"
    ".nts-box-warning{background:#fff4e5;border-color:#b45309}"
    ".nts-box-warning .nts-box-label{color:#8a3c00}"
    ".nts-box-example{background:#f5f0ff;border-color:#6b3fb8}"
    ".nts-box-example .nts-box-label{color:#55309a}</style>"
)

#: Post cards: white card, dark text, platform badge with white text (each badge colour is at
#: least 5.1:1 against white); rows wrap, so a card fits a 320 px screen; long words break.
_POST_STYLE = (
    "<style>.nts-post{max-width:36rem;margin:0 0 1rem;padding:.75rem 1rem;border:1px solid #d0d7de;"
    "border-radius:.75rem;background:#ffffff;color:#1f2328;line-height:1.45;overflow-wrap:anywhere;"
    "box-sizing:border-box}.nts-post-head{display:flex;flex-wrap:wrap;align-items:baseline;"
    "gap:.15rem .5rem;margin-bottom:.4rem}.nts-post-platform{font-size:.75rem;font-weight:700;"
    "padding:.05rem .5rem;border-radius:1rem;color:#fff;background:#0f1419}"
    ".nts-post-linkedin .nts-post-platform{background:#0a66c2}"
    ".nts-post-instagram .nts-post-platform{background:#c13584}"
    ".nts-post-youtube .nts-post-platform{background:#b31217}"
    ".nts-post-reddit .nts-post-platform{background:#b33900}"
    ".nts-post-facebook .nts-post-platform{background:#0b5cd6}"
    ".nts-post-bluesky .nts-post-platform{background:#0a5dc2}"
    ".nts-post-intranet .nts-post-platform{background:#4b5563}"
    ".nts-post-messaging .nts-post-platform{background:#1c6b43}"
    ".nts-post-author{font-weight:700}.nts-post-headline{flex-basis:100%;font-size:.875rem}"
    ".nts-post-handle,.nts-post-time,.nts-post-headline,.nts-post-thread,"
    ".nts-post-counts{color:#57606a}.nts-prose .nts-post-text{margin:0 0 .5rem}"
    ".nts-prose .nts-post-counts{display:flex;flex-wrap:wrap;gap:.1rem 1rem;list-style:none;"
    "padding:0;margin:0;font-size:.875rem}.nts-prose .nts-post-thread{margin:.6rem 0 .2rem;"
    "font-size:.875rem}.nts-prose .nts-post-replies{list-style:none;margin:0;padding:0 0 0 .75rem;"
    "border-left:2px solid #d0d7de}.nts-post-reply{padding:.35rem 0}"
    ".nts-sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}</style>"
)



def _styles(markup: str, *extra: str) -> str:
    """Return the style sheets a fragment needs: prose always, the post card's only with a card."""
    return "".join((_PROSE_STYLE, *extra, _POST_STYLE if "nts-post" in markup else ""))


def _linked(markup: str) -> str:
    return markup.replace("<a href=", '<a target="_blank" href=')


def html(markup: str) -> None:
    """Show HTML the content layer has rendered and sanitised, with no second Markdown pass.

    `st.markdown` would parse the HTML as Markdown again (a `$` pair becomes a formula, an
    address becomes a link); `st.html` only sanitises it once more in the browser and runs no
    script. Links open in a new tab, as Markdown links do, so the learner keeps their place.
    """
    if markup:
        st.html(f'{_styles(markup)}<div class="nts-prose">{_linked(markup)}</div>')


def box_markup(item: Block) -> str:
    """Return an admonition's box: its kind's class, an icon hidden from screen readers, its label."""
    icon, label, kind = _ADMONITIONS[item.kind]
    label_line = f'<p class="nts-box-label"><span aria-hidden="true">{icon}</span> {label}</p>'
    return (f'{_styles(item.html, _BOX_STYLE)}<div class="nts-box {kind}">{label_line}'
            f'<div class="nts-prose">{_linked(item.html)}</div></div>')


def block(item: Block) -> None:
    """Show one block of module text; admonitions get a box coloured, iconned and labelled by kind."""
    if item.kind is BlockKind.TEXT:
        html(item.html)
    else:
        st.html(box_markup(item))


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
