"""Law notes and job aids on learner pages: the "law as of" line and one-click PDF downloads."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from course.domain.law import law_note
from course.domain.model import Aid, ItemMeta
from course.services.aids import PathAid, aid_file_name, aid_pdf
from course.ui import resources, widgets
from course.ui.text import literal


def law_banner(meta: ItemMeta) -> None:
    """Say, above a law note, when its law was checked and where it holds; nothing for other items."""
    if meta.jurisdiction:
        st.info(literal(law_note(meta.jurisdiction, meta.reviewed)), icon=":material/gavel:")


def _download(aid: Aid, course_title: str) -> None:
    fonts = resources.settings().pdf_fallback_fonts
    st.download_button(f"Download “{literal(aid.title)}” (PDF, one page)",
                       data=lambda: aid_pdf(aid, course_title=course_title, fallback_fonts=fonts),
                       file_name=aid_file_name(aid), mime="application/pdf",
                       icon=":material/download:", on_click="ignore")


def aid_card(aid: Aid, course_title: str, *, used_in: Sequence[str] = (), show: bool = False) -> None:
    """Show one job aid: its title, summary and where it is used, its download, and its text on request."""
    with st.container(border=True):
        st.markdown(f":material/description: **{literal(aid.title)}**")
        st.caption(literal(aid.summary))
        if aid.jurisdiction:
            st.caption(literal(law_note(aid.jurisdiction, aid.reviewed)))
        if used_in:
            st.caption("Used in: " + ", ".join(literal(title) for title in used_in))
        _download(aid, course_title)
        if show:
            with st.expander(f"Read “{literal(aid.title)}” here"):
                for item in aid.blocks:
                    widgets.block(item)


def module_aids(aids: Sequence[Aid], course_title: str) -> None:
    """List a module's job aids with their downloads."""
    if not aids:
        return
    st.subheader("Job aids to print", anchor=False)
    for aid in aids:
        aid_card(aid, course_title, show=True)


def path_aids(found: Sequence[PathAid], course_title: str) -> None:
    """List every job aid of a learner's path, each with the modules that use it."""
    if not found:
        return
    st.header("Job aids for your path", anchor=False)
    st.caption("One-page sheets to print or keep at hand: each opens as a PDF.")
    for entry in found:
        aid_card(entry.aid, course_title, used_in=[m.meta.title for m in entry.modules])
