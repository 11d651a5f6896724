"""`python -m course validate`, driven through main(argv)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course.cli import main
from course.cli.validate import as_github
from course.domain.diagnostics import Code, error
from course.services.catalog import ValidationReport
from tests.conftest import MODULE, QUIZ, TreeWriter


def test_a_clean_course_exits_zero(write_tree: TreeWriter, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(write_tree())]) == 0
    assert capsys.readouterr().out == "0 error(s), 0 warning(s) in 4 file(s): ok\n"


def test_errors_are_printed_with_location_and_exit_one(
    write_tree: TreeWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree({"quizzes/intro-quiz.md": QUIZ.replace("- [x] Listen", "- [ ] Listen")})
    assert main(["validate", str(root)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "quizzes/intro-quiz.md:9: error: question 'q-one' has no correct option; mark one with "
        "'- [x]' [question-no-correct]",
        "Each [code] is explained in docs/authoring.md, section 9 (Diagnostic reference).",
        "1 error(s), 0 warning(s) in 4 file(s): failed",
    ]


def test_warnings_fail_only_under_strict(write_tree: TreeWriter, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree({"quizzes/intro-quiz.md": QUIZ.replace("  > Broadcasting talks over them.\n", "")})
    assert main(["validate", str(root)]) == 0
    assert main(["validate", "--strict", str(root)]) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == "0 error(s), 1 warning(s) in 4 file(s): failed (strict)"


def test_json_output(write_tree: TreeWriter, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree({"quizzes/intro-quiz.md": QUIZ.replace("- [x] Listen", "- [ ] Listen")})
    assert main(["validate", "--format", "json", str(root)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 1 and report["warnings"] == 0 and report["ok"] is False
    assert report["diagnostics"] == [{
        "path": "quizzes/intro-quiz.md", "line": 9, "column": 0, "severity": "error",
        "message": "question 'q-one' has no correct option; mark one with '- [x]'",
        "code": "question-no-correct", "help": "docs/authoring.md#code-question-no-correct",
    }]


def test_github_annotations_point_at_the_line_and_column(
    write_tree: TreeWriter, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_tree({"modules/intro.md": MODULE.replace("title: Introduction", "title: Crisis: 100%, now"),
                       "quizzes/intro-quiz.md": QUIZ.replace("  > Broadcasting talks over them.\n", "")})
    monkeypatch.chdir(root.parent)
    assert main(["validate", "--format", "github", str(root)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "::error file=content/modules/intro.md,line=3,col=14,title=fm-yaml::a colon followed by a space "
        "inside a value starts a new key; quote a value that contains a colon, such as title: \"Crisis: "
        "the first hour\" (column 14) (see docs/authoring.md#code-fm-yaml)",
        "::warning file=content/quizzes/intro-quiz.md,line=13,title=option-no-feedback::option 2 of "
        "question 'q-one' has no feedback; add a '> ' line under it saying why "
        "(see docs/authoring.md#code-option-no-feedback)",
        "1 error(s), 1 warning(s) in 4 file(s): failed",
    ]


def test_github_annotations_escape_what_would_end_the_command() -> None:
    report = ValidationReport(Path("/elsewhere/course"), 1, (
        error("modules/a,b:c.md", 2, Code.FM_TYPE, "100% wrong\nreally"),), strict=True)
    assert as_github(report)[0] == (
        "::error file=/elsewhere/course/modules/a%2Cb%3Ac.md,line=2,title=fm-type::100%25 wrong%0Areally "
        "(see docs/authoring.md#code-fm-type)")


def test_course_content_points_to_the_root(
    write_tree: TreeWriter, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COURSE_CONTENT", str(write_tree()))
    assert main(["validate"]) == 0
    assert "in 4 file(s): ok" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["validate", "--format", "xml"], ["validate", "--nope"], [],
                                  ["frobnicate"], ["validate", "/no/such/folder"]])
def test_bad_usage_exits_two(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err


def test_the_module_runs_as_a_program(write_tree: TreeWriter) -> None:
    done = subprocess.run([sys.executable, "-m", "course", "validate", str(write_tree())],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("ok\n")


def test_outline_prints_every_item(write_tree: TreeWriter, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outline", str(write_tree())]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Course outline: Test course\n")
    for item in ("`intro`", "`intro-quiz`", "`first-day`"):
        assert item in out


def test_outline_of_a_folder_without_manifest_fails(
    write_tree: TreeWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outline", str(write_tree({"course.yaml": None}))]) == 1
    assert "[manifest-missing]" in capsys.readouterr().err


def test_report_policies_prints_each_scenario_and_each_policys_average(
    write_tree: TreeWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree()
    assert main(["validate", "--report-policies", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "Policies (score as a share of the best, and the ending reached):"
    assert len(out) == 1 + 2 + 1 + 3  # summary, title and header, one scenario, three policies
    assert out[-1].startswith("best: average 100% of the best, 1 of 1 good endings")
    assert main(["validate", "--format", "json", "--report-policies", str(root)]) == 0
    policies = json.loads(capsys.readouterr().out)["policies"]
    assert [p["policy"] for p in policies] == ["longest", "moderate", "best"]
    assert policies[-1]["score"] == 1.0 and policies[-1]["ending"] == "good"
