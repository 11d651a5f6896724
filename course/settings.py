"""The application's settings: one typed object, read from the environment once and passed down.

Every setting is documented in docs/operations.md; a test keeps that list complete.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The repository root, where the bundled course lives.
BUNDLED_ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
#: Database connections each process keeps open, and how many more it may open under load.
DEFAULT_POOL_SIZE = 5
DEFAULT_POOL_OVERFLOW = 10


class SettingsError(ValueError):
    """A setting in the environment has a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the course and the data live, and how the app behaves."""

    content_root: Path
    data_dir: Path
    database_url: str
    demo_mode: bool
    demo_learners: int
    session_idle_minutes: int
    session_absolute_hours: int
    pool_size: int = DEFAULT_POOL_SIZE
    pool_overflow: int = DEFAULT_POOL_OVERFLOW
    retain_sign_in_days: int = 30
    retain_session_days: int = 1


#: Each environment variable the app reads, with its meaning and default (for the docs test).
ENVIRONMENT: dict[str, str] = {
    "COURSE_CONTENT": "folder holding course.yaml, modules/, quizzes/ and scenarios/ "
    "(default: the bundled course)",
    "NTS_DATA_DIR": "folder for the SQLite database and backups (default: ./data)",
    "DATABASE_URL": "SQLAlchemy URL of the database (default: a SQLite file in NTS_DATA_DIR); "
    "postgresql+psycopg://user:password@host/dbname for PostgreSQL",
    "NTS_DEMO": "1 to create a demo organisation with one-click demo sign-in (default: 0)",
    "NTS_DEMO_LEARNERS": "in demo mode, how many synthetic learners to create in the background on "
    "an empty database, so the dashboards have data (default: 0; `python3 dev.py run` uses 60)",
    "NTS_SESSION_IDLE_MINUTES": "minutes of inactivity after which a session ends (default: 30)",
    "NTS_SESSION_ABSOLUTE_HOURS": "hours after sign-in after which a session ends (default: 12)",
    "NTS_DB_POOL_SIZE": f"database connections each process keeps open (default: {DEFAULT_POOL_SIZE})",
    "NTS_DB_POOL_OVERFLOW": "extra connections a process may open under load, closed when idle "
    f"(default: {DEFAULT_POOL_OVERFLOW})",
    "NTS_RETAIN_SIGN_IN_DAYS": "days sign-in attempts are kept before the purge job deletes them; "
    "at least 30, the window in which a successful sign-in marks an address as trusted (default: 30)",
    "NTS_RETAIN_SESSION_DAYS": "days ended or expired sessions are kept before the purge job "
    "deletes them (default: 1)",
}


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r}: expected 1 or 0")


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r}: expected a number above 0")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit():
        raise SettingsError(f"{name}={raw!r}: expected a whole number of 0 or more")
    return int(raw)


def _at_least(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    value = _positive_int(env, name, default)
    if value < minimum:
        raise SettingsError(f"{name}={env[name]!r}: expected at least {minimum}")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from environment variables, with the documented defaults."""
    env = os.environ if env is None else env
    content_root = Path(env.get("COURSE_CONTENT") or BUNDLED_ROOT).resolve()
    data_dir = Path(env.get("NTS_DATA_DIR") or BUNDLED_ROOT / "data").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'need-to-share.db'}"
    return Settings(
        content_root=content_root,
        data_dir=data_dir,
        database_url=database_url,
        demo_mode=_flag(env, "NTS_DEMO", False),
        demo_learners=_count(env, "NTS_DEMO_LEARNERS", 0),
        session_idle_minutes=_positive_int(env, "NTS_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_positive_int(env, "NTS_SESSION_ABSOLUTE_HOURS", 12),
        pool_size=_positive_int(env, "NTS_DB_POOL_SIZE", DEFAULT_POOL_SIZE),
        pool_overflow=_count(env, "NTS_DB_POOL_OVERFLOW", DEFAULT_POOL_OVERFLOW),
        retain_sign_in_days=_at_least(env, "NTS_RETAIN_SIGN_IN_DAYS", 30, minimum=30),
        retain_session_days=_positive_int(env, "NTS_RETAIN_SESSION_DAYS", 1),
    )
