"""Statements that differ between SQLite and PostgreSQL, written once."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def dialect_name(session: Session) -> str:
    """Return the name of the database dialect the session talks to."""
    return session.get_bind().dialect.name


@functools.cache
def _insert_ignoring(dialect: str, table: Table) -> Any:
    # Built once per dialect and table: constructing statements costs more than running them.
    insert = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
    return insert.on_conflict_do_nothing().returning(table.c.id)


def insert_ignoring_conflicts(session: Session, table: Table, values: dict[str, Any]) -> Any:
    """Insert a row unless it breaks a unique constraint; return its id, or None if it did.

    Under concurrency this is exact: on PostgreSQL a second insert of the same key waits for the
    first transaction and then does nothing; on SQLite writers are serialised anyway.
    """
    statement = _insert_ignoring(dialect_name(session), table)
    return session.connection().execute(statement, values).scalar_one_or_none()
