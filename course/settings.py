"""The application's settings: one typed object, read from the environment once and passed down.

Every setting is documented in docs/operations.md; a test keeps that list complete.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The repository root, where the bundled course lives.
BUNDLED_ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


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
    #: Proxies (addresses or CIDR networks) whose X-Forwarded-For header is believed.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1/32", "::1/128")


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
    "NTS_TRUSTED_PROXIES": "addresses or CIDR networks of the reverse proxies whose "
    "X-Forwarded-For header is believed, separated by commas (default: 127.0.0.1,::1)",
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


def _networks(env: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    raw = env.get(name)
    raw = default if raw is None else raw
    networks: list[str] = []
    for item in raw.replace(",", " ").split():
        if item == "*":
            raise SettingsError(f"{name}: '*' would let any client choose its address; "
                                "list the proxies' addresses")
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise SettingsError(f"{name}: {item!r} is not an IP address or network") from None
    return tuple(networks)


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
        trusted_proxies=_networks(env, "NTS_TRUSTED_PROXIES", "127.0.0.1,::1"),
    )
