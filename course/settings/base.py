"""The machinery every group of settings shares: how a variable becomes a field, and errors.

Each group is a frozen pydantic-settings model whose fields name their environment variable
(`validation_alias`), say what they mean (`description`) and how they are checked (their type,
constraints and validators). The docs table of docs/operations.md is made from the same fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import Field, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class SettingsError(ValueError):
    """A setting in the environment has a value that cannot be used."""


def env(variable: str, default: Any, description: str, *, shown_default: str | None = None,
        secret: bool = False, blank: str = "default", table: str | None = "", **checks: Any) -> Any:
    """Declare a field read from `variable`, documented by `description` and checked by `checks`.

    `shown_default` is the default as the docs say it when it is not a plain value; `secret` keeps
    the value out of repr and out of error messages; `blank` is "default" when an empty variable
    means unset, or "value" when the empty text is itself the value; `table` names the docs table
    the variable is listed in ("" = its group's own, None = listed elsewhere already).
    """
    extra: dict[str, Any] = {"blank": blank, "secret": secret, "table": table}
    if shown_default is not None:
        extra["shown_default"] = shown_default
    return Field(default, validation_alias=variable, description=description, repr=not secret,
                 json_schema_extra=extra, **checks)


def variable_of(field: FieldInfo) -> str | None:
    """Return the environment variable a field is read from (None: not read from the environment)."""
    alias = field.validation_alias
    return alias if isinstance(alias, str) else None


def extra_of(field: FieldInfo) -> dict[str, Any]:
    """Return the documentation and reading hints `env` stored on a field."""
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


class EnvironmentSource(PydanticBaseSettingsSource):
    """Read each field of a settings model from its variable in one mapping of the environment.

    The mapping is `os.environ` at start-up or a plain dict in tests: nothing else is read. A
    field that is itself a group of settings is read, from the same mapping, as its own model.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Return the raw text of a field's variable (None when unset), keyed by the field's name."""
        group = field.annotation
        if isinstance(group, type) and issubclass(group, EnvironmentModel):
            return group.from_environ(self._environ), field_name, True
        variable = variable_of(field)
        raw = None if variable is None else self._environ.get(variable)
        if raw is not None and not raw.strip() and extra_of(field).get("blank") == "default":
            raw = None
        return raw, field_name, False

    def __call__(self) -> dict[str, Any]:
        """Return the value of every field that the environment sets."""
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                values[key] = value
        return values


class EnvironmentModel(BaseSettings):
    """A frozen group of settings, read from the environment only through `from_environ`.

    Built directly (`MailSettings(smtp_host=...)`), a model takes exactly the values given: it
    never reads `os.environ` behind the caller's back, so tests and callers stay explicit.
    """

    model_config = SettingsConfigDict(frozen=True, validate_by_name=True, validate_by_alias=True,
                                      extra="ignore", case_sensitive=True)

    #: The heading of this group's table in docs/operations.md.
    docs_table: ClassVar[str] = ""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Take only the values passed in: the environment comes in through `from_environ`."""
        return (init_settings,)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Self:
        """Read and check this group from `environ`; raise SettingsError naming the variable."""
        values = EnvironmentSource(cls, environ)()
        try:
            return cls(**values)
        except ValidationError as error:
            raise SettingsError(describe(cls, error)) from None


_REASONS = {
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "int_type": "expected a whole number",
    "string_type": "expected a text",
}


def _reason(problem: Mapping[str, Any]) -> str:
    kind = str(problem["type"])
    context = problem.get("ctx") or {}
    if kind == "greater_than" and context.get("gt") == 0:
        return "expected a number above 0"
    if kind == "greater_than_equal":
        bound = context.get("ge")
        return "expected a whole number of 0 or more" if bound == 0 else f"expected at least {bound}"
    if kind == "less_than_equal":
        return f"expected at most {context.get('le')}"
    if kind == "value_error":
        return str(context.get("error", problem["msg"]))
    return _REASONS.get(kind, str(problem["msg"]))


def describe(model: type[EnvironmentModel], error: ValidationError) -> str:
    """Say in one line which variable is wrong and why: `NAME='value': expected ...`."""
    lines = []
    for problem in error.errors():
        cause = (problem.get("ctx") or {}).get("error")
        if isinstance(cause, SettingsError):  # a check that words its whole message itself
            lines.append(str(cause))
            continue
        location = problem["loc"]
        field = model.model_fields.get(str(location[0])) if location else None
        if field is None:
            lines.append(_reason(problem))
            continue
        variable = variable_of(field) or str(location[0])
        shown = "" if extra_of(field).get("secret") or not isinstance(problem["input"], str) \
            else f"={problem['input']!r}"
        lines.append(f"{variable}{shown}: {_reason(problem)}")
    return "; ".join(lines)


def flag(raw: object) -> object:
    """Read 1/0, true/false, yes/no or on/off (any case); leave anything already a bool alone."""
    if not isinstance(raw, str):
        return raw
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("expected 1 or 0")


def stripped(raw: object) -> object:
    """Strip the spaces around a text."""
    return raw.strip() if isinstance(raw, str) else raw


def address(raw: object) -> object:
    """Strip a web address and its trailing slash."""
    return raw.strip().rstrip("/") if isinstance(raw, str) else raw


def absolute_url(value: str) -> str:
    """Refuse anything but an http:// or https:// address (an empty text means none)."""
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// address")
    return value


def choice(allowed: tuple[str, ...], *, upper: bool = False) -> Any:
    """A before-validator that accepts one of `allowed`, in any case and with spaces around."""
    def check(raw: object) -> object:
        if not isinstance(raw, str):
            return raw
        value = raw.strip().upper() if upper else raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value
    return check


#: The shortest secret token accepted (metrics bearer token, log key, LRS actor key).
MIN_TOKEN_CHARS = 16


def secret_token(raw: object) -> object:
    """Accept no token, or at least 16 printable ASCII characters without spaces."""
    if not isinstance(raw, str):
        return raw
    value = raw.strip()
    if value and (len(value) < MIN_TOKEN_CHARS or not value.isascii() or not value.isprintable()
                  or " " in value):
        raise ValueError(f"use at least {MIN_TOKEN_CHARS} printable ASCII characters without spaces")
    return value
