"""`python -m course db upgrade|backup PATH`: migrate the schema, copy a live SQLite database.

`db upgrade` does what each app process does at start: migrate, then issue the first-run setup
token when no account and no token exist yet (printed here, once).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.services.database import StoreError, backup_database
from course.services.startup import start_up
from course.settings import SettingsError, load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `db` command and its subcommands."""
    parser = subparsers.add_parser("db", help="database schema and backups")
    commands = parser.add_subparsers(dest="db_command", metavar="SUBCOMMAND")
    commands.required = True
    upgrade = commands.add_parser("upgrade", help="apply pending schema migrations")
    upgrade.set_defaults(run=run_upgrade)
    backup = commands.add_parser("backup", help="copy the live SQLite database to PATH")
    backup.add_argument("path", type=Path, help="file to create (must not exist)")
    backup.set_defaults(run=run_backup)


def run_upgrade(args: argparse.Namespace) -> int:
    """Bring the configured database to the newest schema; issue the first setup token if due."""
    try:
        done = start_up(load_settings())
    except (SettingsError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if done.before == done.after:
        print(f"database already at revision {done.after}")
    else:
        print(f"database upgraded from {done.before or 'empty'} to revision {done.after}")
    for line in done.console_lines():
        print(line)
    return 0


def run_backup(args: argparse.Namespace) -> int:
    """Copy the configured SQLite database, consistently, while the app keeps running."""
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        written = backup_database(settings, args.path)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"backup written to {written} ({written.stat().st_size} bytes, integrity ok)")
    return 0
