"""Heavy objects shared across sessions and reruns, cached by Streamlit."""

from __future__ import annotations

import streamlit as st

from course.services import catalog
from course.services.catalog import LoadResult, ParseCache
from course.settings import Settings, load_settings


@st.cache_resource
def settings() -> Settings:
    """Return the settings read from the environment when the server started."""
    return load_settings()


@st.cache_resource
def _parse_cache() -> ParseCache:
    return ParseCache()


def course() -> LoadResult:
    """Return the loaded course; unchanged files come from the parse cache, so this is cheap."""
    return catalog.load(settings().content_root, cache=_parse_cache())
