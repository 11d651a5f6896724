"""Store tests run on a migrated SQLite file and on PostgreSQL (see tests/databases.py)."""

from tests.databases import database_url, empty_database_url, engine, make_person, sqlite_engine

__all__ = ["database_url", "empty_database_url", "engine", "make_person", "sqlite_engine"]
