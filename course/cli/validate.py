"""`python -m course validate [ROOT] [--strict] [--format text|json|github]`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from course.domain.diagnostics import Diagnostic, Severity
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
    parser.add_argument("--format", choices=("text", "json", "github"), default="text",
                        help="output format: text, json for editors and scripts, or github for "
                        "GitHub Actions annotations on a pull request's lines (default: text)")
    parser.set_defaults(run=run)


def _summary(report: ValidationReport) -> str:
    verdict = "ok" if report.ok else "failed"
    return (f"{report.errors} error(s), {report.warnings} warning(s) in {report.files} file(s): "
            f"{verdict}{' (strict)' if report.strict else ''}")


#: Where each code is explained: section 9 of the authoring guide has an anchor per code.
HELP = "docs/authoring.md#code-{code}"
_FOOTER = "Each [code] is explained in docs/authoring.md, section 9 (Diagnostic reference)."


def help_for(diagnostic: Diagnostic) -> str:
    """Return where the authoring guide explains the diagnostic's code."""
    return HELP.format(code=diagnostic.code)


def _escape(text: str, *, property_value: bool = False) -> str:
    """Escape text for a GitHub Actions workflow command (properties also escape ':' and ',')."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def _repository_path(root: Path, relative: str) -> str:
    """Return a diagnostic's file relative to the working folder, as annotations need it."""
    path = (root / relative).resolve()
    here = Path.cwd().resolve()
    return path.relative_to(here).as_posix() if path.is_relative_to(here) else os.fspath(path)


def as_github(report: ValidationReport) -> list[str]:
    """Return one GitHub Actions annotation per diagnostic, then the summary line."""
    lines = []
    for d in report.diagnostics:
        level = "error" if d.severity is Severity.ERROR or report.strict else "warning"
        where = f"file={_escape(_repository_path(report.root, d.path), property_value=True)},line={d.line}"
        where += f",col={d.column}" if d.column else ""
        lines.append(f"::{level} {where},title={_escape(str(d.code), property_value=True)}::"
                     f"{_escape(d.message)} (see {help_for(d)})")
    return [*lines, _summary(report)]


def _as_json(report: ValidationReport) -> str:
    return json.dumps({
        "root": str(report.root),
        "files": report.files,
        "errors": report.errors,
        "warnings": report.warnings,
        "strict": report.strict,
        "ok": report.ok,
        "diagnostics": [
            {"path": d.path, "line": d.line, "column": d.column, "severity": str(d.severity),
             "message": d.message, "code": str(d.code), "help": help_for(d)}
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
    elif args.format == "github":
        print("\n".join(as_github(report)))
    else:
        for diagnostic in report.diagnostics:
            print(diagnostic.format())
        if report.diagnostics:
            print(_FOOTER)
        print(_summary(report))
    return 0 if report.ok else 1
