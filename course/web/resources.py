"""What the HTTP routes share in this process: the settings and the database engine.

Built on first use and kept for the life of the process, outside Streamlit's caches, so no
browser message can drop them. Nothing here is security state: that lives in the database (the
platforms' public keys are kept here only to spare the platforms a fetch per launch).
"""

from __future__ import annotations

import functools

from course.domain.model import Course
from course.integrations.platform_keys import PlatformKeySets
from course.services import catalog, database
from course.services.catalog import ParseCache
from course.settings import Settings, load_settings


@functools.cache
def settings() -> Settings:
    """Return the settings read from the environment when the first route was asked for."""
    return load_settings()


@functools.cache
def engine() -> database.Engine:
    """Return the database engine of this process, the one its pages use too (opened once)."""
    return database.shared_database(settings())


@functools.cache
def _parse_cache() -> ParseCache:
    return ParseCache()


def course() -> Course | None:
    """Return the course the launch routes link to (unchanged files come from a parse cache)."""
    return catalog.load(settings().content_root, cache=_parse_cache()).course


@functools.cache
def platform_key_sets() -> PlatformKeySets:
    """Return this process's cache of the LTI platforms' public key sets (one fetch serves many launches)."""
    return PlatformKeySets()
