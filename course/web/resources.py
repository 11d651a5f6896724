"""What the HTTP routes share in this process: the settings and one database engine.

Built on first use and kept for the life of the process, outside Streamlit's caches, so no
browser message can drop them. Nothing here is security state: that lives in the database.
"""

from __future__ import annotations

import functools

from course.services import database
from course.settings import Settings, load_settings


@functools.cache
def settings() -> Settings:
    """Return the settings read from the environment when the first route was asked for."""
    return load_settings()


@functools.cache
def engine() -> database.Engine:
    """Open the database once for the routes of this process (applying any migration)."""
    return database.open_database(settings())
