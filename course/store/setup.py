"""The one-time token that guards the setup of the first administrator."""

from __future__ import annotations

import hmac
from datetime import datetime

from sqlmodel import Session

from course.store._sql import insert_ignoring_conflicts
from course.store.tables import SetupToken


def replace_setup_token(session: Session, token_hash: str, *, now: datetime) -> None:
    """Store the hash of a new setup token, replacing any earlier one."""
    existing = session.get(SetupToken, 1)
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add(SetupToken(id=1, token_hash=token_hash, created_at=now))
    session.flush()


def add_setup_token_if_none(session: Session, token_hash: str, *, now: datetime) -> bool:
    """Store the hash of a new setup token only if none exists; return whether it was stored.

    Exact under concurrency: on PostgreSQL a second insert waits for the first transaction and
    then does nothing; on SQLite writers are serialised. So of two processes starting together,
    one stores its token and the other learns that a token is already out.
    """
    table = SetupToken.__table__  # type: ignore[attr-defined]
    values = {"id": 1, "token_hash": token_hash, "created_at": now}
    return insert_ignoring_conflicts(session, table, values) is not None


def take_setup_token(session: Session, token_hash: str) -> bool:
    """Delete the setup token if the hash matches it; return whether it did (use it once)."""
    stored = session.get(SetupToken, 1)
    if stored is None or not hmac.compare_digest(stored.token_hash, token_hash):
        return False
    session.delete(stored)
    session.flush()
    return True
