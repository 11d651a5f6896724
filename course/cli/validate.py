"""`python -m course validate [ROOT] [--strict] [--format text|json|github] [--report-policies]`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from course.domain.diagnostics import Diagnostic, Severity
from course.domain.policies import POLICIES, PolicyRun, simulate_all
from course.services.catalog import ValidationReport, load, validate
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
    parser.add_argument("--report-policies", action="store_true",
                        help="also play every scenario with blind policies (always the longest "
                        "choice, the most moderate wording, the best) and print how each fares")
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


def _as_json(report: ValidationReport, runs: list[PolicyRun] | None = None) -> str:
    policies = {} if runs is None else {"policies": [
        {"scenario": r.scenario, "policy": r.policy, "score": round(r.score, 4),
         "ending": None if r.ending is None else str(r.ending), "ending_node": r.ending_node,
         "steps": r.steps}
        for r in runs]}
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
        **policies,
    }, indent=2)


def policy_runs(root: Path) -> list[PolicyRun]:
    """Play every valid scenario of the course at root with every policy."""
    course = load(root).course
    if course is None:
        return []
    return [r for _id, scenario in sorted(course.scenarios.items()) for r in simulate_all(scenario)]


def policy_table(runs: list[PolicyRun]) -> list[str]:
    """Return the policy report: a line per scenario, then each policy's average and good endings."""
    names = list(POLICIES)
    by_scenario: dict[str, dict[str, PolicyRun]] = {}
    for r in runs:
        by_scenario.setdefault(r.scenario, {})[r.policy] = r
    width = max((len(s) for s in by_scenario), default=8)
    lines = ["Policies (score as a share of the best, and the ending reached):",
             f"{'scenario':<{width}}  " + "  ".join(f"{n:<15}" for n in names)]
    for scenario, found in by_scenario.items():
        cells = [f"{found[n].score:>4.0%} {found[n].ending or 'none':<10}" for n in names]
        lines.append(f"{scenario:<{width}}  " + "  ".join(cells))
    for name in names:
        mine = [r for r in runs if r.policy == name]
        if mine:
            average = sum(r.score for r in mine) / len(mine)
            good = sum(r.good for r in mine)
            lines.append(f"{name}: average {average:.0%} of the best, {good} of {len(mine)} "
                         "good endings")
    return lines


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
        print(_as_json(report, policy_runs(root) if args.report_policies else None))
    elif args.format == "github":
        print("\n".join(as_github(report)))
    else:
        for diagnostic in report.diagnostics:
            print(diagnostic.format())
        if report.diagnostics:
            print(_FOOTER)
        print(_summary(report))
        if args.report_policies:
            print("\n".join(policy_table(policy_runs(root))))
    return 0 if report.ok else 1
