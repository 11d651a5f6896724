"""Strict schemas of course.yaml and of each kind of front matter, and their diagnostics.

The schemas refuse unknown keys and never convert between types: a number where text is
expected is an error that tells the author to quote it, not a silent guess.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from course.content.frontmatter import YamlDocument
from course.content.suggest import did_you_mean
from course.domain.diagnostics import Code, Diagnostic, error

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
MeterName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DemoDepartmentMatter(_Strict):
    """One department of course.yaml's `demo:` organisation."""

    name: Text
    share: int = Field(ge=1, le=1000)
    tracks: list[Slug] = Field(min_length=1)
    skill: int = Field(default=60, ge=0, le=100)


class DemoLeaderMatter(_Strict):
    """Where course.yaml's demo leader sits."""

    department: Text
    tracks: list[Slug] = Field(min_length=1)


class DemoMatter(_Strict):
    """course.yaml's optional `demo:` section: the synthetic organisation of demo mode."""

    departments: list[DemoDepartmentMatter] = Field(min_length=1)
    leader: DemoLeaderMatter | None = None


class CourseManifest(_Strict):
    """course.yaml."""

    format: int = 1  # checked, and older versions converted, before this schema applies
    id: Slug
    title: Text
    version: Text
    roles: dict[Slug, Text] = Field(min_length=1)
    competencies: dict[Slug, Text] = Field(min_length=1)
    pass_mark: int = Field(default=70, ge=0, le=100)
    #: No longer used: an organisation setting now (parse_manifest warns, setting-moved).
    min_group_size: int | None = None
    demo: DemoMatter | None = None


def parse_review_date(value: str | None) -> date | None:
    """Return the date a `reviewed:` value names (YYYY-MM-DD), or None when there is none."""
    return date.fromisoformat(value) if value is not None else None


class Reviewed(_Strict):
    """The keys that date and place what an item says: `jurisdiction` and `reviewed`."""

    #: One code or a list of codes (course.domain.law.JURISDICTIONS); checked after the schema.
    jurisdiction: list[Text] | Text | None = None
    reviewed: str | None = None

    @field_validator("reviewed")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        try:
            parse_review_date(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, such as 2026-03-31") from None
        return value

    def jurisdictions(self) -> list[str]:
        """Return the codes as a list, whichever way they were written."""
        if self.jurisdiction is None:
            return []
        return [self.jurisdiction] if isinstance(self.jurisdiction, str) else list(self.jurisdiction)


class CommonMatter(Reviewed):
    """Keys every module, quiz and scenario may have."""

    id: Slug
    title: Text
    roles: list[Slug] = Field(min_length=1)
    competencies: list[Slug] = Field(default_factory=list)
    summary: str = ""
    minutes: int | None = Field(default=None, ge=1, le=600)
    order: int | None = None
    requires: list[Slug] = Field(default_factory=list)
    objectives: list[Text] = Field(default_factory=list)


class ModuleMatter(CommonMatter):
    """Front matter of a module."""

    competencies: list[Slug] = Field(min_length=1)
    quiz: Slug | None = None
    scenario: Slug | None = None
    aids: list[Slug] = Field(default_factory=list)


class AidMatter(Reviewed):
    """Front matter of a job aid (aids/*.md)."""

    id: Slug
    title: Text
    summary: Text


class GlossaryMatter(_Strict):
    """Front matter of a glossary file (glossary/*.md)."""

    title: Text


class QuizMatter(CommonMatter):
    """Front matter of a quiz."""

    pass_mark: int | None = Field(default=None, ge=0, le=100)
    shuffle: bool = True
    pick: int | None = Field(default=None, ge=1)
    max_attempts: int | None = Field(default=None, ge=1)


MeterValue = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]


class MeterMatter(_Strict):
    """One meter of a scenario."""

    label: Text
    start: MeterValue
    min: MeterValue = 0
    max: MeterValue = 100


class ScenarioMatter(CommonMatter):
    """Front matter of a scenario."""

    competencies: list[Slug] = Field(min_length=1)
    start: str | None = None
    meters: dict[MeterName, MeterMatter] = Field(default_factory=dict)


M = TypeVar("M", bound=BaseModel)

_FRIENDLY = {
    "string_type": "expected text; quote the value",
    "int_type": "expected a whole number",
    "bool_type": "expected true or false",
    "list_type": "expected a list, such as [a, b]",
    "dict_type": "expected key: value entries",
    "string_pattern_mismatch": "expected lower-case letters, digits and single hyphens",
    "too_short": "must not be empty",
    "string_too_short": "must not be empty",
}


def _message(err: Any, where: str) -> str:
    kind = str(err["type"])
    if kind in {"greater_than_equal", "less_than_equal"}:
        return f"'{where}': {err['msg'].lower()}"
    if kind == "value_error":
        return f"'{where}': {str(err['msg']).removeprefix('Value error, ')}"
    return f"'{where}': {_FRIENDLY.get(kind, err['msg'])}"


def _keys_at(model: type[BaseModel], loc: list[str]) -> list[str]:
    """Return the keys allowed where an unknown key was found (top level, or inside a meter)."""
    if len(loc) == 3 and loc[0] == "meters":
        return list(MeterMatter.model_fields)
    return list(model.model_fields) if len(loc) == 1 else []


def validate_matter(
    model: type[M], document: YamlDocument, *, path: str, line: int
) -> tuple[M | None, list[Diagnostic]]:
    """Validate front matter against a schema; `line` is where the front matter starts."""
    try:
        return model.model_validate(dict(document.data)), []
    except ValidationError as exc:
        diagnostics: list[Diagnostic] = []
        for err in exc.errors():
            loc = [str(part) for part in err["loc"]]
            where = ".".join(loc)
            kind = str(err["type"])
            if loc[0] == "jurisdiction":  # one or many codes: say so once, not per reading tried
                if not any(d.message.startswith("'jurisdiction'") for d in diagnostics):
                    at = document.line_of("jurisdiction", default=line)
                    diagnostics.append(error(path, at, Code.FM_TYPE, "'jurisdiction': expected a code such "
                                             "as US, or a list of codes such as [US, UK]"))
            elif kind == "missing":
                diagnostics.append(error(path, document.line_of(*loc[:-1], default=line),
                                         Code.FM_MISSING_KEY, f"'{where}' is required"))
            elif kind == "extra_forbidden":
                hint = did_you_mean(loc[-1], _keys_at(model, loc))
                diagnostics.append(error(path, document.line_of(*loc, default=line),
                                         Code.FM_UNKNOWN_KEY, f"unknown key '{where}'{hint}"))
            elif loc[0] == "meters" and loc[-1] == "[key]":
                diagnostics.append(error(path, document.line_of(*loc[:-1], default=line), Code.FM_TYPE,
                                         f"meter name '{loc[1]}' must start with a lower-case letter "
                                         "and hold only lower-case letters, digits and underscores"))
            elif loc == ["id"] and kind == "string_pattern_mismatch":
                diagnostics.append(error(path, document.line_of("id", default=line),
                                         Code.ID_MALFORMED,
                                         f"id {document.data.get('id')!r} must be lower-case "
                                         "letters, digits and single hyphens"))
            else:
                diagnostics.append(error(path, document.line_of(*loc, default=line), Code.FM_TYPE,
                                         _message(err, where)))
        return None, diagnostics
