"""The lock files: made from the current requirements*.txt, consistent, and the bounds real.

`python3 dev.py run` and `python3 dev.py test` install from requirements.lock and
requirements-dev.lock; the lowest-versions pass installs requirements-lowest.lock. Each records
the SHA-256 of requirements*.txt it was made from, so editing a requirement without running
`python3 dev.py lock` fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dev

ROOT = Path(__file__).resolve().parent.parent
LOCK_NAMES = (*dev.LOCKS.values(), dev.LOWEST_LOCK)
_PIN = re.compile(r"^([a-z0-9][a-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)
_BOUND = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?>=([^\s#;,]+)", re.MULTILINE)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(name: str) -> dict[str, set[str]]:
    """Versions pinned in a lock file, by canonical package name (a universal lock may pin two)."""
    found: dict[str, set[str]] = {}
    for package, version in _PIN.findall((ROOT / name).read_text(encoding="utf-8")):
        found.setdefault(_canonical(package), set()).add(version)
    return found


def bounds(name: str) -> dict[str, str]:
    """The lower bound of each requirement written in a requirements file."""
    return {_canonical(p): v for p, v in _BOUND.findall((ROOT / name).read_text(encoding="utf-8"))}


@pytest.mark.parametrize("lock", LOCK_NAMES)
def test_each_lock_was_made_from_the_current_requirements(lock: str) -> None:
    recorded = dev.recorded_digest(ROOT / lock)
    assert recorded == dev.inputs_digest(ROOT), (
        f"{lock} was made from other requirements*.txt: run `python3 dev.py lock` and commit the locks")


@pytest.mark.parametrize("lock", LOCK_NAMES)
def test_every_pin_carries_hashes(lock: str) -> None:
    blocks = re.split(r"\n(?=[a-z0-9])", (ROOT / lock).read_text(encoding="utf-8"))
    pinned = [b for b in blocks if _PIN.match(b)]
    assert pinned and all("--hash=sha256:" in b for b in pinned)


def test_the_locks_name_every_requirement() -> None:
    runtime, dev_pins = pins("requirements.lock"), pins("requirements-dev.lock")
    assert set(bounds("requirements.txt")) <= set(runtime)
    assert set(bounds("requirements.txt")) | set(bounds("requirements-dev.txt")) <= set(dev_pins)


def test_the_dev_lock_agrees_with_the_runtime_lock() -> None:
    runtime, dev_pins = pins("requirements.lock"), pins("requirements-dev.lock")
    differ = {name: (runtime[name], dev_pins[name]) for name in runtime
              if name in dev_pins and runtime[name] != dev_pins[name]}
    assert not differ, f"the test tools would install other versions than the app runs: {differ}"


def test_every_lower_bound_is_what_the_lowest_pass_installs() -> None:
    lowest = pins(dev.LOWEST_LOCK)
    wanted = {**bounds("requirements.txt"), **bounds("requirements-dev.txt")}
    checked = {name: bound for name, bound in wanted.items() if name not in dev.LOWEST_LEFT_OUT}
    wrong = {name: (bound, sorted(lowest.get(name, {"missing"}))) for name, bound in checked.items()
             if not any(_same_release(bound, version) for version in lowest.get(name, ()))}
    assert not wrong, f"lower bounds that are not the versions the lowest pass tests: {wrong}"


def _same_release(bound: str, version: str) -> bool:
    """Whether `version` is the release `bound` names (1.67 is 1.67.0)."""
    def parts(text: str) -> list[str]:
        numbers = text.split(".")
        while len(numbers) > 1 and numbers[-1] == "0":
            numbers.pop()
        return numbers
    return parts(bound) == parts(version)


def test_the_lowest_pass_leaves_out_only_tools_that_exist() -> None:
    dev_bounds = bounds("requirements-dev.txt")
    assert set(dev_bounds) >= dev.LOWEST_LEFT_OUT, "a left-out tool is no longer a requirement"
    kept = dev.lowest_input(ROOT)
    assert "-r requirements.txt" in kept and "pytest>=" in kept
    assert not any(re.search(rf"^{re.escape(name)}\b", kept, re.MULTILINE | re.IGNORECASE)
                   for name in dev.LOWEST_LEFT_OUT)


def test_the_digest_changes_with_either_requirements_file(tmp_path: Path) -> None:
    for name in dev.INPUTS:
        (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    before = dev.inputs_digest(tmp_path)
    assert before == dev.inputs_digest(ROOT)
    for name in dev.INPUTS:
        original = (tmp_path / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(original + "# a comment\n", encoding="utf-8")
        assert dev.inputs_digest(tmp_path) != before
        (tmp_path / name).write_text(original, encoding="utf-8")
