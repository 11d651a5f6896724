"""docs/operations.md documents every setting and every command of the store and accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.settings import docs
from course.settings.base import variable_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_tables_of_variables_are_made_from_the_settings_models() -> None:
    text = DOC.read_text(encoding="utf-8")
    for table in docs.TABLES:
        assert f"<!-- settings: {table} -->" in text, f"docs/operations.md has no {table} table"
    assert docs.replace_tables(text) == text, (
        "docs/operations.md differs from the settings models: run "
        "`python -m course settings --update-docs docs/operations.md`")


def test_every_variable_the_models_read_is_documented_once_with_a_meaning() -> None:
    listed = [variable.name for variable in docs.variables()]
    assert len(listed) == len(set(listed))
    read = {variable_of(field) for model in docs.MODELS for field in model.model_fields.values()}
    assert read - {None} == set(listed)
    assert all(variable.meaning and variable.default for variable in docs.variables())
    assert {variable.table for variable in docs.variables()} == set(docs.TABLES)


@pytest.mark.parametrize(
    "command",
    [
        "db upgrade",
        "db backup",
        "jobs run",
        "jobs list",
        "settings",
        "users add",
        "users list",
        "users set-role",
        "users disable",
        "users enable",
        "users set-passphrase",
        "users import",
        "users setup-token",
        "users export",
        "users erase",
    ],
)
def test_every_command_is_documented(command: str) -> None:
    assert f"python -m course {command}" in DOC.read_text(encoding="utf-8")
