"""Heavy objects shared across sessions and reruns, held once per server process.

They live in process-level holders (course/ui/holders.py), not in `st.cache_resource`: any
browser can send Streamlit's clear-cache message, and that must not rebuild the engine (a new
connection pool each time, a new first-run setup token), reparse the course or empty the
dashboards' caches. Nothing here holds security state either: sessions, throttling and
permissions live in the database.
"""

from __future__ import annotations

import threading

from course.services import database, demo, published_content, seed, studio_content
from course.services.accounts import Passwords
from course.services.catalog import LoadResult, ParseCache
from course.services.dashboard import DashboardCache
from course.services.database import Engine
from course.services.studio_stats import StatsCache
from course.settings import Settings, load_settings
from course.ui.holders import Held


def _open_engine() -> Engine:
    """Open the database, create the demo people in demo mode.

    Start-up (`course/web/lifespan.py`) has already migrated the schema and issued the setup
    token; opening applies a migration only if start-up could not (a no-op otherwise).
    """
    opened = database.shared_database(settings())  # the HTTP routes use the same engine
    loaded = course().course
    demo.ensure_demo_organisation(opened, settings(), info=loaded.info if loaded else None)
    if settings().demo_mode and settings().demo_learners and loaded is not None:
        # A synthetic organisation for the dashboards, built in the background (about half a
        # second per learner) so the first page does not wait for it.
        threading.Thread(target=seed.seed_demo_if_empty, args=(opened, loaded),
                         kwargs={"learners": settings().demo_learners}, daemon=True).start()
    return opened


_settings: Held[Settings] = Held(load_settings)
_engine: Held[Engine] = Held(_open_engine, close=database.release_shared)
_passwords: Held[Passwords] = Held(Passwords)
_parse_cache: Held[ParseCache] = Held(ParseCache)
_last_valid: Held[studio_content.LastValid] = Held(studio_content.LastValid)
_dashboard_cache: Held[DashboardCache] = Held(DashboardCache)
_stats_cache: Held[StatsCache] = Held(StatsCache)
_follower: Held[published_content.Follower] = Held(published_content.Follower)
_ALL = (_engine, _settings, _passwords, _parse_cache, _last_valid, _dashboard_cache, _stats_cache,
        _follower)


def settings() -> Settings:
    """Return the settings read from the environment when the server started."""
    return _settings.get()


def engine() -> Engine:
    """Return the database engine, opened once (applying migrations, creating demo people)."""
    return _engine.get()


def engine_builds() -> int:
    """Return how many engines this process has opened (1 once running; for tests)."""
    return _engine.builds


def passwords() -> Passwords:
    """Return the passphrase hasher (stateless; held only to build it once)."""
    return _passwords.get()


def parse_cache() -> ParseCache:
    """Return the parse cache shared by every session (the editor's Validate reuses it)."""
    return _parse_cache.get()


def last_valid() -> studio_content.LastValid:
    """Return the last valid version of each item (content only), served while its file is broken."""
    return _last_valid.get()


def dashboard_cache() -> DashboardCache:
    """Return the dashboards' results cache (keyed by data version, so never stale)."""
    return _dashboard_cache.get()


def stats_cache() -> StatsCache:
    """Return the studio analytics' results cache (keyed by data version, so never stale)."""
    return _stats_cache.get()


def course() -> LoadResult:
    """Return the course as learners are served it, broken items at their last valid version.

    Unchanged files come from the parse cache, so this is cheap. Once the database is open, a
    broken file this process has no valid version of is served from its newest published text.
    """
    published = _published if _engine.built else None
    return studio_content.load_served(settings().content_root, cache=_parse_cache.get(),
                                      last=last_valid(), published=published)


def _published(paths: tuple[str, ...]) -> dict[str, str]:
    return published_content.published_texts(engine(), paths)


#: The content version read with this thread's identity in the current rerun (see auth).
_noted = threading.local()


def note_content_version(version: int | None) -> None:
    """Keep the content version the sign-in check read, for `follow_published` in this rerun."""
    _noted.version = version


def follow_published() -> tuple[str, ...]:
    """Catch up with content other processes published.

    No statement of its own when the identity check of this rerun read the content version
    (it does for every signed-in rerun); one otherwise.
    """
    version = getattr(_noted, "version", None)
    _noted.version = None
    return published_content.follow(engine(), settings().content_root, _follower.get(), version=version)


def reset() -> None:
    """Close the engine and forget every held object, so the next use rebuilds from the environment.

    Only for tests that start the app on a fresh database in one process; no client message
    reaches it.
    """
    for held in _ALL:
        held.reset()
