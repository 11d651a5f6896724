"""docs/operations.md documents every setting and every command of the store and accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.settings import ENVIRONMENT

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


@pytest.mark.parametrize("name", sorted(ENVIRONMENT))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "command",
    [
        "db upgrade",
        "db backup",
        "jobs run",
        "jobs list",
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
