"""Heavy objects shared across sessions and reruns, cached by Streamlit.

Nothing here holds security state: sessions, throttling and permissions live in the database,
so a browser asking Streamlit to clear its caches changes nothing that matters.
"""

from __future__ import annotations

import threading

import streamlit as st

from course.services import database, demo, seed, studio_content
from course.services.accounts import Passwords
from course.services.catalog import LoadResult, ParseCache
from course.services.database import Engine
from course.settings import Settings, load_settings


@st.cache_resource
def settings() -> Settings:
    """Return the settings read from the environment when the server started."""
    return load_settings()


@st.cache_resource
def engine() -> Engine:
    """Open the database, create the demo people in demo mode.

    Start-up (`course/web/lifespan.py`) has already migrated the schema and issued the setup
    token; opening applies a migration only if start-up could not (a no-op otherwise).
    """
    opened = database.open_database(settings())
    loaded = course().course
    demo.ensure_demo_organisation(opened, settings(), info=loaded.info if loaded else None)
    if settings().demo_mode and settings().demo_learners and loaded is not None:
        # A synthetic organisation for the dashboards, built in the background (about half a
        # second per learner) so the first page does not wait for it.
        threading.Thread(target=seed.seed_demo_if_empty, args=(opened, loaded),
                         kwargs={"learners": settings().demo_learners}, daemon=True).start()
    return opened


@st.cache_resource
def passwords() -> Passwords:
    """Return the passphrase hasher (stateless; cached only to build it once)."""
    return Passwords()


@st.cache_resource
def _parse_cache() -> ParseCache:
    return ParseCache()


@st.cache_resource
def last_valid() -> studio_content.LastValid:
    """Return the last valid version of each item (content only), served while its file is broken."""
    return studio_content.LastValid()


def course() -> LoadResult:
    """Return the course as learners are served it, broken items at their last valid version.

    Unchanged files come from the parse cache, so this is cheap.
    """
    return studio_content.load_served(settings().content_root, cache=_parse_cache(),
                                      last=last_valid())
