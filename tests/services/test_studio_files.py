"""The in-app editor's file service: paths, validation, atomic saves, drafts, history, audit."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from course.domain.diagnostics import Code
from course.domain.permissions import Actor
from course.services import studio_files
from course.services.catalog import validate
from course.services.permissions import PermissionDenied
from course.services.studio_files import (
    EditConflict,
    EditRefused,
    PathRefused,
    list_history,
    open_file,
    resolve_path,
    restore,
    save,
    save_draft,
    text_hash,
    validate_edit,
    write_atomically,
)
from course.store import audit
from course.store.engine import read_session
from tests.conftest import QUIZ, TreeWriter

MakePerson = Callable[..., Actor]
RELATIVE = "quizzes/intro-quiz.md"
EDITED = QUIZ.replace("What comes first?", "What do you do first?")
BROKEN = QUIZ.replace("- [x] Listen", "- [ ] Listen")
T1 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def _events(engine: Engine, kind: str | None = None) -> list[audit.AuditEntry]:
    with read_session(engine) as session:
        return list(reversed(audit.list_events(session, kind=kind)))


@pytest.fixture
def trainer(make_person: MakePerson) -> Actor:
    return make_person("tess@example.org", capabilities="trainer")


@pytest.mark.parametrize("relative", [
    "/etc/passwd", "../course.yaml", "quizzes/../../secret.md", "quizzes/./intro-quiz.md",
    "quizzes/intro-quiz.txt", "notes/readme.md", "quizzes\\intro-quiz.md", "", "quizzes/",
])
def test_paths_outside_the_content_files_are_refused(write_tree: TreeWriter, relative: str) -> None:
    with pytest.raises(PathRefused):
        resolve_path(write_tree(), relative)


def test_symlinks_out_of_the_root_are_refused(write_tree: TreeWriter, tmp_path: Path) -> None:
    root = write_tree()
    outside = tmp_path / "outside.md"
    outside.write_text("secret", encoding="utf-8")
    (root / "quizzes" / "link.md").symlink_to(outside)
    (root / "modules" / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    for relative in ("quizzes/link.md", "modules/elsewhere/outside.md"):
        with pytest.raises(PathRefused, match="outside"):
            resolve_path(root, relative)


def test_content_files_and_drafts_are_allowed(write_tree: TreeWriter) -> None:
    root = write_tree()
    for relative in ("course.yaml", RELATIVE, "quizzes/_intro-quiz.md", "modules/sub/new.md"):
        assert resolve_path(root, relative) == root.resolve() / relative


def test_open_returns_the_text_and_its_hash(write_tree: TreeWriter, engine: Engine,
                                           trainer: Actor) -> None:
    opened = open_file(engine, trainer, write_tree(), RELATIVE)
    assert opened.text == QUIZ and opened.hash == text_hash(QUIZ) and opened.exists


def test_validation_matches_the_validator_on_the_edited_tree(write_tree: TreeWriter, engine: Engine,
                                                            trainer: Actor) -> None:
    root = write_tree()
    check = validate_edit(engine, trainer, root, RELATIVE, BROKEN)
    assert [d.code for d in check.added_errors] == [Code.QUESTION_NO_CORRECT]
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ  # nothing written
    (root / RELATIVE).write_text(BROKEN, encoding="utf-8")
    assert check.diagnostics == validate(root).diagnostics


def test_save_writes_keeps_the_previous_version_and_audits(write_tree: TreeWriter, engine: Engine,
                                                          trainer: Actor, tmp_path: Path) -> None:
    root, history = write_tree(), tmp_path / "history"
    new_hash = save(engine, trainer, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ),
                    history=history, now=T1)
    assert new_hash == text_hash(EDITED)
    assert (root / RELATIVE).read_text(encoding="utf-8") == EDITED
    kept = list((history / RELATIVE).iterdir())
    assert [p.name for p in kept] == [f"20260501T090000000000Z-{text_hash(QUIZ)}.md"]
    assert kept[0].read_text(encoding="utf-8") == QUIZ
    (event,) = _events(engine)
    assert (event.kind, event.actor, event.target) == ("content_published", trainer.email, RELATIVE)
    assert event.detail == {"hash": text_hash(EDITED), "previous": text_hash(QUIZ)}
    assert not [p for p in (root / "quizzes").iterdir() if p.name.endswith(".tmp")]


def test_a_breaking_edit_is_refused_and_nothing_is_written(write_tree: TreeWriter, engine: Engine,
                                                          trainer: Actor, tmp_path: Path) -> None:
    root, history = write_tree(), tmp_path / "history"
    with pytest.raises(EditRefused) as refused:
        save(engine, trainer, root, RELATIVE, BROKEN, base_hash=text_hash(QUIZ), history=history)
    assert [d.code for d in refused.value.added] == [Code.QUESTION_NO_CORRECT]
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    assert not history.exists()
    assert _events(engine) == []


def test_an_edit_that_does_not_add_errors_to_a_broken_course_is_saved(
        write_tree: TreeWriter, engine: Engine, trainer: Actor, tmp_path: Path) -> None:
    root = write_tree({RELATIVE: BROKEN})
    edited = BROKEN.replace("What comes first?", "What first?")
    save(engine, trainer, root, RELATIVE, edited, base_hash=text_hash(BROKEN),
         history=tmp_path / "h")
    assert (root / RELATIVE).read_text(encoding="utf-8") == edited


def test_save_refuses_when_the_file_changed_since_it_was_opened(
        write_tree: TreeWriter, engine: Engine, trainer: Actor, tmp_path: Path) -> None:
    root = write_tree()
    opened = open_file(engine, trainer, root, RELATIVE)
    someone_else = QUIZ.replace("Broadcast", "Shout")
    (root / RELATIVE).write_text(someone_else, encoding="utf-8")
    with pytest.raises(EditConflict, match="changed on disk"):
        save(engine, trainer, root, RELATIVE, EDITED, base_hash=opened.hash, history=tmp_path / "h")
    assert (root / RELATIVE).read_text(encoding="utf-8") == someone_else
    (denied,) = _events(engine)
    assert denied.kind == "action_denied" and "changed on disk" in str(denied.detail)


def test_a_crash_before_the_rename_leaves_the_original_and_no_temporary_file(
        write_tree: TreeWriter, engine: Engine, trainer: Actor, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree()

    def crash(source: object, target: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(studio_files.os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        save(engine, trainer, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), history=tmp_path / "h")
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    assert sorted(p.name for p in (root / "quizzes").iterdir()) == ["intro-quiz.md"]
    assert _events(engine, "content_published") == []


def test_write_atomically_replaces_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "file.md"
    write_atomically(path, "one\n")
    write_atomically(path, "two\n")
    assert path.read_text(encoding="utf-8") == "two\n"
    assert os.listdir(path.parent) == ["file.md"]


def test_a_breaking_edit_can_be_saved_as_a_draft(write_tree: TreeWriter, engine: Engine,
                                                trainer: Actor) -> None:
    root = write_tree()
    draft_hash = save_draft(engine, trainer, root, RELATIVE, BROKEN, now=T1)
    assert (root / "quizzes/_intro-quiz.md").read_text(encoding="utf-8") == BROKEN
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    assert validate(root).diagnostics == ()  # the loader skips drafts
    (event,) = _events(engine)
    assert (event.kind, event.target) == ("content_draft_saved", "quizzes/_intro-quiz.md")
    assert event.detail == {"hash": draft_hash, "previous": ""}
    reopened = open_file(engine, trainer, root, "quizzes/_intro-quiz.md")
    assert reopened.text == BROKEN


def test_restore_puts_a_previous_version_back(write_tree: TreeWriter, engine: Engine,
                                             trainer: Actor, tmp_path: Path) -> None:
    root, history = write_tree(), tmp_path / "history"
    save(engine, trainer, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), history=history, now=T1)
    (version,) = list_history(engine, trainer, root, RELATIVE, history=history)
    assert (version.hash, version.saved_at) == (text_hash(QUIZ), T1)
    restored = restore(engine, trainer, root, RELATIVE, version.name, history=history, now=T2)
    assert restored == text_hash(QUIZ)
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    versions = list_history(engine, trainer, root, RELATIVE, history=history)
    assert [v.hash for v in versions] == [text_hash(EDITED), text_hash(QUIZ)]
    events = _events(engine)
    assert [e.kind for e in events] == ["content_published", "content_restored"]
    assert events[1].detail == {"hash": text_hash(QUIZ), "previous": text_hash(EDITED)}
    with pytest.raises(PathRefused):
        restore(engine, trainer, root, RELATIVE, "../../etc/passwd", history=history)


@pytest.mark.parametrize("capability", ["learner", "leader"])
def test_learners_and_leaders_are_refused_and_audited(write_tree: TreeWriter, engine: Engine,
                                                     make_person: MakePerson, tmp_path: Path,
                                                     capability: str) -> None:
    root = write_tree()
    person = make_person(f"{capability}@example.org", capabilities=capability)
    attempts: list[Callable[[], object]] = [
        lambda: open_file(engine, person, root, RELATIVE),
        lambda: validate_edit(engine, person, root, RELATIVE, EDITED),
        lambda: save(engine, person, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ),
                     history=tmp_path / "h"),
        lambda: save_draft(engine, person, root, RELATIVE, EDITED),
        lambda: restore(engine, person, root, RELATIVE, "x.md", history=tmp_path / "h"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    assert not (root / "quizzes/_intro-quiz.md").exists()
    denied = _events(engine)
    assert [e.target for e in denied] == ["edit_content", "validate_content", "publish_content",
                                          "edit_content", "publish_content"]
    assert {e.kind for e in denied} == {"action_denied"}


def test_a_traversal_attempt_is_refused_and_audited(write_tree: TreeWriter, engine: Engine,
                                                   trainer: Actor, tmp_path: Path) -> None:
    root = write_tree()
    with pytest.raises(PathRefused):
        save(engine, trainer, root, "../escape.md", EDITED, base_hash="", history=tmp_path / "h")
    assert not (root.parent / "escape.md").exists()
    (denied,) = _events(engine)
    assert denied.kind == "action_denied" and "escape.md" in str(denied.detail)
