"""`dev.py test` runs the suite in two phases that together select every test exactly once."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import dev

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path("/venv/bin/python")


def _markers(command: list[str]) -> str:
    assert command.count("-m") == 2, command  # `python -m pytest`, then the one marker option
    return command[len(command) - command[::-1].index("-m")]


def test_the_first_phase_runs_on_two_workers_by_file_and_the_second_runs_serially() -> None:
    parallel, serial = dev.phase_commands([], PYTHON)
    assert parallel[:3] == serial[:3] == [str(PYTHON), "-m", "pytest"]
    assert parallel[3:7] == ["-n", "2", "--dist", "loadfile"]
    assert "-n" not in serial and "--dist" not in serial
    assert _markers(parallel) == "not (browser or slow or serial)"
    assert _markers(serial) == "browser or slow or serial"


def test_every_marker_the_phases_name_is_registered() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    registered = {line.split(":")[0] for line in config["tool"]["pytest"]["ini_options"]["markers"]}
    named = set(dev.SERIAL_MARKERS.replace("(", " ").replace(")", " ").split()) - {"or", "and", "not"}
    assert named <= registered, named - registered


def test_the_callers_arguments_reach_both_phases_in_order() -> None:
    extra = ["-k", "quiz and not browser", "-x", "tests/services"]
    for command in dev.phase_commands(extra, PYTHON):
        assert command[-4:] == extra


@pytest.mark.parametrize("given", [["-m", "postgres"], ["-mpostgres"], ["-m", "slow", "-m", "postgres"]])
def test_a_callers_marker_expression_narrows_each_phase(given: list[str]) -> None:
    parallel, serial = dev.phase_commands([*given, "-q"], PYTHON)
    assert _markers(parallel) == "(postgres) and (not (browser or slow or serial))"
    assert _markers(serial) == "(postgres) and (browser or slow or serial)"
    assert parallel[-1] == serial[-1] == "-q"


def test_a_long_option_starting_with_m_is_passed_on_untouched() -> None:
    parallel, _ = dev.phase_commands(["--maxfail=2"], PYTHON)
    assert parallel[-1] == "--maxfail=2" and _markers(parallel) == "not (browser or slow or serial)"


@pytest.mark.parametrize(("codes", "outcome"), [
    ([0, 0], 0),
    ([5, 0], 0),  # e.g. `-k` picked browser tests only: the parallel phase selects nothing
    ([0, 5], 0),
    ([5, 5], 5),  # nothing selected anywhere is still pytest's "no tests ran"
    ([0, 1], 1),
    ([5, 2], 2),
])
def test_a_phase_selecting_nothing_passes_unless_neither_selects_anything(
    codes: list[int], outcome: int
) -> None:
    assert dev.phases_outcome(codes) == outcome


def test_both_workers_get_one_hash_seed_new_each_run_unless_one_is_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, second = dev.with_hash_seed({"HOME": "/h"}), dev.with_hash_seed({"HOME": "/h"})
    assert first["HOME"] == "/h" and 1 <= int(first["PYTHONHASHSEED"]) < 2**32
    assert first["PYTHONHASHSEED"] != second["PYTHONHASHSEED"]  # 1 chance in 4 billion to be equal
    assert dev.with_hash_seed({"PYTHONHASHSEED": "7"})["PYTHONHASHSEED"] == "7"
    assert "PYTHONHASHSEED=7" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "browser").glob("test_*.py")), ids=lambda p: p.name)
def test_every_browser_test_file_is_marked_so_it_runs_in_the_serial_phase(path: Path) -> None:
    assert "\npytestmark = pytest.mark.browser\n" in path.read_text(encoding="utf-8")
