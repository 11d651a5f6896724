"""The loader's pure entry: file texts in, the same result as reading the folder."""

from __future__ import annotations

import pytest

from course.content import loader
from course.content.loader import (
    ParseCache,
    load_course,
    load_files,
    load_texts,
    read_course_files,
    read_edit,
)
from course.domain.diagnostics import Code
from tests.conftest import MANIFEST, MODULE, QUIZ, SCENARIO, TreeWriter
from tests.content.test_media import picture

TEXTS = {"course.yaml": MANIFEST, "modules/intro.md": MODULE, "quizzes/intro-quiz.md": QUIZ,
         "scenarios/first-day.md": SCENARIO}


def test_texts_load_exactly_as_the_folder_does(write_tree: TreeWriter) -> None:
    broken = {**TEXTS, "quizzes/intro-quiz.md": QUIZ.replace("- [x] Listen", "- [ ] Listen")}
    from_disk = load_course(write_tree({"quizzes/intro-quiz.md": broken["quizzes/intro-quiz.md"]}))
    from_texts = load_texts(broken)
    assert from_texts == from_disk
    assert [d.code for d in from_texts.diagnostics] == [Code.QUESTION_NO_CORRECT]


def test_an_overlay_reuses_the_cache_and_leaves_the_served_result_alone(write_tree: TreeWriter) -> None:
    root = write_tree()
    cache = ParseCache()
    served = load_course(root, cache=cache)
    kept = dict(cache.entries)
    files = read_course_files(root)
    edited = load_files(files.with_text("modules/intro.md", MODULE.replace("Some text.", "New.")),
                        cache=cache)
    assert edited.course is not None
    assert "New." in edited.course.modules["intro"].sections[0].blocks[0].html
    assert all(cache.entries[key] is value for key, value in kept.items())  # nothing re-parsed
    assert len(cache.entries) == len(kept) + 1  # only the edited text was parsed
    assert cache.last is served
    assert load_course(root, cache=cache) is served


def test_an_overlay_can_remove_a_file(write_tree: TreeWriter) -> None:
    files = read_course_files(write_tree())
    result = load_files(files.with_text("quizzes/intro-quiz.md", None))
    assert [d.format() for d in result.diagnostics] == [
        "modules/intro.md:6: error: quiz 'intro-quiz' does not exist [unknown-quiz]"]


def test_an_oversized_text_is_refused_unparsed() -> None:
    big = MODULE + "x" * loader.MAX_FILE_BYTES
    result = load_texts({**TEXTS, "modules/intro.md": big})
    assert [d.code for d in result.diagnostics if d.path == "modules/intro.md"] == [Code.FILE_TOO_LARGE]


def test_an_engine_fault_in_one_file_becomes_a_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise IndexError("list index out of range")

    monkeypatch.setattr(loader, "parse_scenario", explode)
    result = load_texts(TEXTS)
    assert result.course is not None and list(result.course.modules) == ["intro"]
    assert [d.format() for d in result.diagnostics] == [
        "scenarios/first-day.md:1: error: the engine failed while reading this file (IndexError); "
        "please report it with the file attached [parse-failed]",
    ]


def test_only_content_folders_and_linked_files_are_listed(write_tree: TreeWriter) -> None:
    linked = MODULE + "\n![Logo](../media/logo.png) and [notes](../media/Notes.txt)\n"
    root = write_tree({"modules/intro.md": linked, "media/logo.png": picture(), "media/notes.txt": "x",
                       "README.md": "# notes", "data/history/old.md": "not content",
                       "modules/_draft.txt": "a draft"})
    files = read_course_files(root)
    assert set(files.texts) == set(TEXTS)
    assert files.others == {"media/logo.png", "modules/_draft.txt"}  # Notes.txt differs in case
    assert [d.format() for d in load_files(files).diagnostics] == [
        "modules/intro.md:18: warning: the link to '../media/Notes.txt' names no file of the course "
        "(looked for media/Notes.txt); check the spelling and the case of every letter [link-missing]"]


def test_an_edit_that_links_to_an_existing_file_passes(write_tree: TreeWriter) -> None:
    root = write_tree({"media/chart.png": picture()})
    files = read_course_files(root)
    assert "media/chart.png" not in files.others  # nothing links to it yet
    edited = read_edit(root, files, "modules/intro.md", MODULE + "\n![A chart](../media/chart.png)\n")
    assert load_files(edited).diagnostics == ()
