"""`python -m course validate [ROOT] [--strict] [--format text|json]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from course.services.catalog import ValidationReport, validate
from course.settings import SettingsError, load_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `validate` subcommand."""
    parser = subparsers.add_parser(
        "validate",
        help="check a course folder and print every problem",
        description="Check every file of a course and print each problem as "
        "path:line: severity: message [code]. Exit 0 when clean, 1 on any error "
        "(or any warning with --strict), 2 on bad usage.",
    )
    parser.add_argument("root", nargs="?", type=Path,
                        help="content folder (default: COURSE_CONTENT, else the bundled course)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    parser.set_defaults(run=run)


def _summary(report: ValidationReport) -> str:
    verdict = "ok" if report.ok else "failed"
    return (f"{report.errors} error(s), {report.warnings} warning(s) in {report.files} file(s): "
            f"{verdict}{' (strict)' if report.strict else ''}")


def _as_json(report: ValidationReport) -> str:
    return json.dumps({
        "root": str(report.root),
        "files": report.files,
        "errors": report.errors,
        "warnings": report.warnings,
        "strict": report.strict,
        "ok": report.ok,
        "diagnostics": [
            {"path": d.path, "line": d.line, "severity": str(d.severity),
             "message": d.message, "code": str(d.code)}
            for d in report.diagnostics
        ],
    }, indent=2)


def run(args: argparse.Namespace) -> int:
    """Validate the course and print the report."""
    try:
        root = args.root or load_settings().content_root
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not root.is_dir():
        print(f"error: {root} is not a folder", file=sys.stderr)
        return 2
    report = validate(root, strict=args.strict)
    if args.format == "json":
        print(_as_json(report))
    else:
        for diagnostic in report.diagnostics:
            print(diagnostic.format())
        print(_summary(report))
    return 0 if report.ok else 1
