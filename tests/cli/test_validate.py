"""`python -m course validate`, driven through main(argv)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from course.cli import main
from tests.conftest import QUIZ, TreeWriter


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
        "path": "quizzes/intro-quiz.md", "line": 9, "severity": "error",
        "message": "question 'q-one' has no correct option; mark one with '- [x]'",
        "code": "question-no-correct",
    }]


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
