"""Statements that differ between SQLite and PostgreSQL, written once."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session


def as_utc(moment: datetime) -> datetime:
    """Return a time read back from the database as UTC (SQLite gives it back without a zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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


class Params:
    """Named parameters for a hand-written statement: bind values, then build the statement."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._types: dict[str, Any] = {}

    def bind(self, value: Any, *, kind: Any = None) -> str:
        """Hold a value and return its placeholder; `kind` (a SQLAlchemy type) converts it as stored."""
        name = f"p{len(self.values)}"
        self.values[name] = value
        if kind is not None:
            self._types[name] = kind
        return f":{name}"

    def statement(self, sql: str) -> TextClause:
        """Return the statement, with the types of the typed parameters it uses."""
        typed = [bindparam(n, type_=k) for n, k in self._types.items() if re.search(rf":{n}\b", sql)]
        return text(sql).bindparams(*typed) if typed else text(sql)


def period_sql(dialect: str, column: str) -> str:
    """Return SQL for the start of the period (course/domain/evidence_periods.py) of a time column,
    as a time stored the way the dialect stores them."""
    if dialect == "sqlite":
        return (f"(MAX(date({column}, 'weekday 0', '-6 days'), date({column}, 'start of month'))"
                " || ' 00:00:00.000000')")
    utc = f"({column} AT TIME ZONE 'UTC')"
    return f"(GREATEST(date_trunc('week', {utc}), date_trunc('month', {utc})) AT TIME ZONE 'UTC')"


def week_sql(dialect: str, column: str) -> str:
    """Return SQL for the Monday 00:00 UTC of the week of a time column, stored as the dialect
    stores times."""
    if dialect == "sqlite":
        return f"(date({column}, 'weekday 0', '-6 days') || ' 00:00:00.000000')"
    return f"(date_trunc('week', ({column} AT TIME ZONE 'UTC')) AT TIME ZONE 'UTC')"
