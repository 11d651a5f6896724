"""`python -m course outline [ROOT]`: print the course outline as Markdown."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course.services.catalog import load
from course.services.outline import render_outline
from course.settings import SettingsError, load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `outline` subcommand."""
    parser = subparsers.add_parser("outline", help="print the course outline as Markdown")
    parser.add_argument("root", nargs="?", type=Path,
                        help="content folder (default: COURSE_CONTENT, else the bundled course)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the outline of the course, or say why it cannot be loaded."""
    try:
        root = args.root or load_settings().content_root
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = load(root)
    if result.course is None:
        for diagnostic in result.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        return 1
    sys.stdout.write(render_outline(result.course))
    return 0
