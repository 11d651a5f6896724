"""`python -m course new PATH`: write a small course to start from."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.services.starter import StarterRefused, write_starter


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `new` subcommand."""
    parser = subparsers.add_parser(
        "new",
        help="write a small course to start from",
        description="Write a small, complete course (course.yaml, a module per role, a quiz, a "
        "scenario and a media folder) into PATH, which must be missing or empty. It validates "
        "with --strict and runs in the demo: change it piece by piece.",
    )
    parser.add_argument("path", type=Path, help="the folder to create")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the starter course and say what to do next."""
    try:
        started = write_starter(args.path)
    except StarterRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {args.path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for relative in started.files:
        print(f"wrote {started.root / relative}")
    print(f"Next: python -m course validate --strict {started.root}")
    print(f"Then: COURSE_CONTENT={started.root} python3 dev.py run")
    return 0
