"""The settings as documentation: the tables of docs/operations.md, made from the models' fields.

Each table sits in the document between `<!-- settings: NAME -->` and `<!-- /settings -->`;
`replace_tables` rewrites those blocks and a test checks that the document is up to date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic.fields import FieldInfo

from course.settings.base import EnvironmentModel, extra_of, variable_of
from course.settings.core import Settings
from course.settings.lrs import LrsSettings
from course.settings.lti import LtiSettings
from course.settings.mail import MailSettings
from course.settings.sso import SsoSettings

#: Every group, in the order its variables are listed.
MODELS: tuple[type[EnvironmentModel], ...] = (Settings, LrsSettings, MailSettings, SsoSettings, LtiSettings)
#: The tables, in the order they appear in docs/operations.md.
TABLES = ("core", "mail", "sso", "lti")
_BLOCK = re.compile(r"<!-- settings: (?P<name>[a-z]+) -->\n.*?<!-- /settings -->", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Variable:
    """One environment variable as the docs show it."""

    name: str
    table: str
    meaning: str
    default: str
    secret: bool
    #: The model and the field that hold the variable's value.
    model: type[EnvironmentModel]
    field: str


def _meaning(field: FieldInfo) -> str:
    """The field's description, followed by the range of a number."""
    bounds = {kind: int(getattr(m, kind)) for m in field.metadata for kind in ("gt", "ge", "le")
              if isinstance(getattr(m, kind, None), int)}
    low = bounds["gt"] + 1 if "gt" in bounds else bounds.get("ge")
    high = bounds.get("le")
    meaning = field.description or ""
    if low is None or high is None:
        return meaning
    return f"{meaning} A whole number from {low:,} to {high:,}."


def _shown_default(field: FieldInfo) -> str:
    shown = extra_of(field).get("shown_default")
    if isinstance(shown, str):
        return shown
    value = field.default
    if isinstance(value, bool):
        return "`1`" if value else "`0`"
    return "empty" if value == "" else f"`{value}`"


def variables() -> Iterator[Variable]:
    """Yield every documented environment variable, group by group."""
    for model in MODELS:
        for name, field in model.model_fields.items():
            variable, extra = variable_of(field), extra_of(field)
            if variable is None or extra.get("table") is None:
                continue
            yield Variable(name=variable, table=str(extra.get("table") or model.docs_table),
                           meaning=_meaning(field), default=_shown_default(field),
                           secret=bool(extra.get("secret")), model=model, field=name)


def table(name: str) -> str:
    """Return one table of variables as Markdown, between its markers."""
    rows = [f"| `{v.name}` | {v.meaning} | {v.default} |" for v in variables() if v.table == name]
    return "\n".join([f"<!-- settings: {name} -->", "", "| Variable | Meaning | Default |",
                      "| --- | --- | --- |", *rows, "", "<!-- /settings -->"])


def all_tables() -> str:
    """Return every table, one after another."""
    return "\n\n".join(table(name) for name in TABLES) + "\n"


def replace_tables(text: str) -> str:
    """Return `text` with each marked table made again from the models."""
    return _BLOCK.sub(lambda match: table(match["name"]), text)


def update_document(path: Path) -> bool:
    """Rewrite the tables of the document at `path`; return whether anything changed."""
    text = path.read_text(encoding="utf-8")
    updated = replace_tables(text)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text
