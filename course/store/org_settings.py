"""Organisation settings: read them all, write one (in the caller's transaction)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session

from course.store.tables import OrganisationSetting

_TABLE = OrganisationSetting.__table__  # type: ignore[attr-defined]


def get_settings(session: Session) -> dict[str, Any]:
    """Return every stored organisation setting by key, decoded from JSON."""
    rows = session.connection().execute(select(_TABLE.c.key, _TABLE.c.value))
    return {str(key): json.loads(str(value)) for key, value in rows}


def put_setting(session: Session, key: str, value: Any, *, now: datetime, by: int | None) -> None:
    """Store one setting (JSON), replacing any earlier value."""
    values = {"value": json.dumps(value), "updated_at": now, "updated_by": by}
    changed = session.connection().execute(update(_TABLE).where(_TABLE.c.key == key).values(**values))
    if changed.rowcount == 0:
        session.connection().execute(insert(_TABLE).values(key=key, **values))
