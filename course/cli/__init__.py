"""`python -m course ...`: parse arguments, call one library function, print, return an exit code.

Each subcommand lives in its own module with a `register(subparsers)` function that adds its
parser and sets `run`, a callable taking the parsed arguments and returning the exit code.
Exit codes: 0 success, 1 the command ran and found a problem, 2 bad usage, bad configuration or
a database that cannot be reached (one line on standard error, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from course.cli import config, db, jobs, mail, new, outline, seed, users, validate
from course.services.database import UNAVAILABLE_ERRORS, describe_unavailable

#: The modules that contribute subcommands, in the order `--help` lists them.
COMMAND_MODULES = (new, validate, outline, db, users, mail, seed, jobs, config)


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports usage errors by exit code 2 without raising SystemExit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise _UsageError


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand."""
    parser = _Parser(prog="python -m course", description="Need to Share course engine.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError:
        return 2
    except SystemExit as exit_:  # --help and --version exit through argparse
        return int(exit_.code or 0)
    try:
        code: int = args.run(args)
    except UNAVAILABLE_ERRORS as error:
        print(f"error: {describe_unavailable(error)}", file=sys.stderr)
        return 2
    return code
