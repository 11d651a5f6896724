"""`python -m course settings`: check the environment's settings, show them, or document them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from course.settings import Settings, SettingsError, load_settings
from course.settings.docs import Variable, all_tables, update_document, variables


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `settings` subcommand."""
    parser = subparsers.add_parser(
        "settings", help="check the settings in the environment and print what each comes to")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--markdown", action="store_true",
                       help="print the tables of variables for docs/operations.md instead")
    shown.add_argument("--update-docs", type=Path, metavar="FILE",
                       help="rewrite the marked tables of variables in FILE (docs/operations.md)")
    parser.set_defaults(run=run)


def _value_of(settings: Settings, variable: Variable) -> object:
    groups = (settings, settings.mail, settings.sso, settings.lrs, settings.lti)
    owner = next(group for group in groups if type(group) is variable.model)
    return getattr(owner, variable.field)


def _without_password(url: str) -> str:
    """Hide the password of a database URL (scheme://user:password@host/db)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def _shown(variable: Variable, value: object) -> str:
    if variable.secret:
        return "set" if value else "unset"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):  # networks, or LMS platforms (named by their issuer)
        return ", ".join(str(getattr(item, "issuer", item)) for item in value) or "(empty)"
    if variable.name == "DATABASE_URL":
        return _without_password(str(value))
    return "(empty)" if value in (None, "") else str(value)


def _lines(settings: Settings) -> Iterator[str]:
    for variable in variables():
        yield f"{variable.name}: {_shown(variable, _value_of(settings, variable))}"


def run(args: argparse.Namespace) -> int:
    """Print the tables, rewrite a document's tables, or check and print the current settings."""
    if args.markdown:
        sys.stdout.write(all_tables())
        return 0
    if args.update_docs is not None:
        changed = update_document(args.update_docs)
        print(f"{args.update_docs}: {'tables rewritten' if changed else 'already up to date'}")
        return 0
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in _lines(settings):
        print(line)
    return 0
