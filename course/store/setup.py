"""The one-time token that guards the setup of the first administrator."""

from __future__ import annotations

import hmac
from datetime import datetime

from sqlmodel import Session

from course.store.tables import SetupToken


def replace_setup_token(session: Session, token_hash: str, *, now: datetime) -> None:
    """Store the hash of a new setup token, replacing any earlier one."""
    existing = session.get(SetupToken, 1)
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add(SetupToken(id=1, token_hash=token_hash, created_at=now))
    session.flush()


def take_setup_token(session: Session, token_hash: str) -> bool:
    """Delete the setup token if the hash matches it; return whether it did (use it once)."""
    stored = session.get(SetupToken, 1)
    if stored is None or not hmac.compare_digest(stored.token_hash, token_hash):
        return False
    session.delete(stored)
    session.flush()
    return True
