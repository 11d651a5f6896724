"""Alembic environment and versions of the schema, run programmatically by course.store.migrate."""
