"""Lean reruns: a file whose modification time and size are unchanged is not read or hashed again."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from course.content import loader
from course.content.loader import ParseCache, load_course
from tests.conftest import TreeWriter

AN_HOUR_AGO = time.time() - 3600


def _age(root: Path, seconds_ago: float = 3600) -> None:
    """Set every file's modification time into the past, as for a course not touched lately."""
    moment = time.time() - seconds_ago
    for folder, _, names in os.walk(root):
        for name in names:
            os.utime(Path(folder) / name, (moment, moment))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the files the loader reads from disk."""
    seen: list[str] = []
    real = loader.read_text

    def counted(path: Path, *, relative: str) -> tuple[str | None, object]:
        seen.append(relative)
        return real(path, relative=relative)

    monkeypatch.setattr(loader, "read_text", counted)
    return seen


def test_an_unchanged_course_is_not_read_again(write_tree: TreeWriter, reads: list[str]) -> None:
    root = write_tree()
    _age(root)
    cache = ParseCache()
    first = load_course(root, cache=cache)
    assert len(reads) == 4 and first.course is not None
    reads.clear()
    again = load_course(root, cache=cache)
    assert reads == [] and again is first  # nothing read, nothing parsed, the same result


def test_an_edit_is_seen_by_its_new_time_or_size(write_tree: TreeWriter, reads: list[str]) -> None:
    root = write_tree()
    _age(root)
    cache = ParseCache()
    load_course(root, cache=cache)
    module = root / "modules/intro.md"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("title: Introduction", "title: Opening talk"), encoding="utf-8")
    os.utime(module, (AN_HOUR_AGO + 60, AN_HOUR_AGO + 60))  # a later time, another size
    reads.clear()
    result = load_course(root, cache=cache)
    assert reads == ["modules/intro.md"]
    assert result.course is not None and result.course.modules["intro"].meta.title == "Opening talk"


def test_a_file_changed_moments_ago_is_always_read_again(write_tree: TreeWriter, reads: list[str]) -> None:
    """Same size, same (coarse) time: only a recent change can look like that, so recent files are re-read."""
    root = write_tree()
    cache = ParseCache()
    load_course(root, cache=cache)  # the files were written just now
    module = root / "modules/intro.md"
    status = module.stat()
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("title: Introduction", "title: Opening talk"), encoding="utf-8")
    os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns))  # as a coarse clock would leave it
    assert module.stat().st_size == status.st_size
    result = load_course(root, cache=cache)
    assert result.course is not None and result.course.modules["intro"].meta.title == "Opening talk"


def test_a_file_that_becomes_unreadable_or_goes_is_reported(write_tree: TreeWriter) -> None:
    root = write_tree({"modules/extra.md": None})
    _age(root)
    cache = ParseCache()
    load_course(root, cache=cache)
    (root / "modules/intro.md").write_bytes(b"\xff\xfe not text")
    result = load_course(root, cache=cache)
    assert any(d.code == "not-utf8" and d.path == "modules/intro.md" for d in result.diagnostics)
    (root / "modules/intro.md").unlink()
    result = load_course(root, cache=cache)
    assert "modules/intro.md" not in result.files
    assert not any(path.name == "intro.md" for path in cache.reads)
