"""Open the database for a command, or say in one line why not (exit code 2 for the caller)."""

from __future__ import annotations

import sys

from course.services.database import Engine, StoreError, open_database
from course.settings import Settings, SettingsError, load_settings


def open_or_report() -> tuple[Settings, Engine] | None:
    """Return the settings and an open engine; on a bad setting or an unreachable database, print
    `error: ...` on standard error and return None."""
    try:
        settings = load_settings()
        return settings, open_database(settings)
    except (SettingsError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return None
