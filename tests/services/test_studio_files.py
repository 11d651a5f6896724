"""The in-app editor's file service: paths, validation, atomic saves, drafts, history, audit."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from course.domain.diagnostics import Code
from course.domain.model import Quiz
from course.domain.permissions import Actor
from course.services import studio_files
from course.services.catalog import validate
from course.services.permissions import PermissionDenied
from course.services.studio_files import (
    EditConflict,
    EditRefused,
    PathRefused,
    diff_version,
    discard_draft,
    get_draft,
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
from course.store import audit, content_history
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
    return make_person("tess@example.org", capabilities="trainer", name="Tess Trainer")


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


def _history(engine: Engine) -> list[tuple[int, str, str, str]]:
    with read_session(engine) as session:
        return [(v.number, v.kind, v.hash, v.author)
                for v in reversed(content_history.history(session, RELATIVE))]


def test_save_writes_keeps_the_previous_version_and_audits(write_tree: TreeWriter, engine: Engine,
                                                          trainer: Actor) -> None:
    root = write_tree()
    opened = open_file(engine, trainer, root, RELATIVE)
    assert opened.number == 0
    new_hash = save(engine, trainer, root, RELATIVE, EDITED, base_hash=opened.hash, base_number=0,
                    message="Clearer  first\nquestion", now=T1)
    assert new_hash == text_hash(EDITED)
    assert (root / RELATIVE).read_text(encoding="utf-8") == EDITED
    assert _history(engine) == [(1, "found", text_hash(QUIZ), ""),
                                (2, "published", text_hash(EDITED), "Tess Trainer")]
    (newest, _) = list_history(engine, trainer, root, RELATIVE)
    assert (newest.message, newest.saved_at) == ("Clearer first question", T1)
    (event,) = _events(engine)
    assert (event.kind, event.actor, event.target) == ("content_published", trainer.email, RELATIVE)
    assert event.detail == {"hash": text_hash(EDITED), "previous": text_hash(QUIZ)}
    assert not [p for p in (root / "quizzes").iterdir() if p.name.endswith(".tmp")]
    assert open_file(engine, trainer, root, RELATIVE).number == 2


def test_a_breaking_edit_is_refused_and_nothing_is_written(write_tree: TreeWriter, engine: Engine,
                                                          trainer: Actor) -> None:
    root = write_tree()
    with pytest.raises(EditRefused) as refused:
        save(engine, trainer, root, RELATIVE, BROKEN, base_hash=text_hash(QUIZ), base_number=0)
    assert [d.code for d in refused.value.added] == [Code.QUESTION_NO_CORRECT]
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    assert _history(engine) == []
    assert _events(engine) == []


def test_an_edit_that_does_not_add_errors_to_a_broken_course_is_saved(
        write_tree: TreeWriter, engine: Engine, trainer: Actor) -> None:
    root = write_tree({RELATIVE: BROKEN})
    edited = BROKEN.replace("What comes first?", "What first?")
    save(engine, trainer, root, RELATIVE, edited, base_hash=text_hash(BROKEN), base_number=0)
    assert (root / RELATIVE).read_text(encoding="utf-8") == edited


def test_save_refuses_when_the_file_changed_since_it_was_opened(
        write_tree: TreeWriter, engine: Engine, trainer: Actor) -> None:
    root = write_tree()
    opened = open_file(engine, trainer, root, RELATIVE)
    someone_else = QUIZ.replace("Broadcast", "Shout")
    (root / RELATIVE).write_text(someone_else, encoding="utf-8")
    with pytest.raises(EditConflict, match="changed on disk"):
        save(engine, trainer, root, RELATIVE, EDITED, base_hash=opened.hash, base_number=opened.number)
    assert (root / RELATIVE).read_text(encoding="utf-8") == someone_else
    (denied,) = _events(engine)
    assert denied.kind == "action_denied" and "changed on disk" in str(denied.detail)
    kept = get_draft(engine, trainer, root, RELATIVE)
    assert kept is not None and kept.text == EDITED  # the refused text is not lost


def test_the_second_of_two_saves_from_one_version_is_refused_and_kept_as_a_draft(
        write_tree: TreeWriter, engine: Engine, trainer: Actor, make_person: MakePerson) -> None:
    root = write_tree()
    other = make_person("olga@example.org", capabilities="trainer", name="Olga Other")
    mine, theirs = open_file(engine, trainer, root, RELATIVE), open_file(engine, other, root, RELATIVE)
    save(engine, other, root, RELATIVE, EDITED, base_hash=theirs.hash, base_number=theirs.number, now=T1)
    mine_text = QUIZ.replace("Broadcast", "Shout")
    with pytest.raises(EditConflict) as refused:
        save(engine, trainer, root, RELATIVE, mine_text, base_hash=mine.hash, base_number=mine.number)
    assert str(refused.value).startswith("Olga Other saved quizzes/intro-quiz.md at 09:00 UTC (version 2)")
    assert "reload to see their change" in str(refused.value)
    assert refused.value.by is not None and refused.value.by.number == 2
    assert (root / RELATIVE).read_text(encoding="utf-8") == EDITED
    kept = get_draft(engine, trainer, root, RELATIVE)
    assert kept is not None and (kept.text, kept.base_number) == (mine_text, 0)
    assert [v[1] for v in _history(engine)] == ["found", "published"]


def test_an_edit_made_outside_the_app_is_kept_before_the_next_save(
        write_tree: TreeWriter, engine: Engine, trainer: Actor) -> None:
    root = write_tree()
    save(engine, trainer, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=0, now=T1)
    by_git = EDITED.replace("Broadcast", "Announce")
    (root / RELATIVE).write_text(by_git, encoding="utf-8")
    opened = open_file(engine, trainer, root, RELATIVE)
    save(engine, trainer, root, RELATIVE, QUIZ, base_hash=opened.hash, base_number=opened.number, now=T2)
    assert [(v[0], v[1], v[2]) for v in _history(engine)] == [
        (1, "found", text_hash(QUIZ)), (2, "published", text_hash(EDITED)),
        (3, "found", text_hash(by_git)), (4, "published", text_hash(QUIZ))]


def test_a_crash_before_the_rename_leaves_the_original_and_no_version(
        write_tree: TreeWriter, engine: Engine, trainer: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree()

    def crash(source: object, target: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(studio_files.os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        save(engine, trainer, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=0)
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    assert sorted(p.name for p in (root / "quizzes").iterdir()) == ["intro-quiz.md"]
    assert _events(engine, "content_published") == []
    assert _history(engine) == []


def test_write_atomically_replaces_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "file.md"
    write_atomically(path, "one\n")
    write_atomically(path, "two\n")
    assert path.read_text(encoding="utf-8") == "two\n"
    assert os.listdir(path.parent) == ["file.md"]


def test_a_breaking_edit_can_be_saved_as_the_trainers_own_draft(
        write_tree: TreeWriter, engine: Engine, trainer: Actor, make_person: MakePerson) -> None:
    root = write_tree()
    draft_hash = save_draft(engine, trainer, root, RELATIVE, BROKEN, now=T1)
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    assert sorted(p.name for p in (root / "quizzes").iterdir()) == ["intro-quiz.md"]
    assert validate(root).diagnostics == ()
    (event,) = _events(engine)
    assert (event.kind, event.target) == ("content_draft_saved", RELATIVE)
    assert event.detail == {"hash": draft_hash, "previous": ""}
    kept = get_draft(engine, trainer, root, RELATIVE)
    assert kept is not None and (kept.text, kept.updated_at) == (BROKEN, T1)
    other = make_person("olga@example.org", capabilities="trainer")
    assert get_draft(engine, other, root, RELATIVE) is None  # drafts are per person
    save_draft(engine, trainer, root, RELATIVE, EDITED, now=T2)  # a second draft replaces the first
    kept = get_draft(engine, trainer, root, RELATIVE)
    assert kept is not None and kept.text == EDITED
    save(engine, trainer, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=0)
    assert get_draft(engine, trainer, root, RELATIVE) is None  # saving ends the draft
    save_draft(engine, trainer, root, RELATIVE, BROKEN)
    discard_draft(engine, trainer, root, RELATIVE)
    assert get_draft(engine, trainer, root, RELATIVE) is None


def test_restore_puts_a_previous_version_back_as_a_new_one(write_tree: TreeWriter, engine: Engine,
                                                          trainer: Actor) -> None:
    root = write_tree()
    save(engine, trainer, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=0, now=T1)
    changes = diff_version(engine, trainer, root, RELATIVE, 1)
    assert "-## What comes first?\n+## What do you do first?" in changes
    assert diff_version(engine, trainer, root, RELATIVE, 2) == ""
    restored = restore(engine, trainer, root, RELATIVE, 1, base_hash=text_hash(EDITED), base_number=2,
                       now=T2)
    assert restored == text_hash(QUIZ)
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    newest = list_history(engine, trainer, root, RELATIVE)[0]
    assert (newest.number, newest.kind, newest.hash, newest.message) == (
        3, "restored", text_hash(QUIZ), "Restored version 1")
    events = _events(engine)
    assert [e.kind for e in events] == ["content_published", "content_restored"]
    assert events[1].detail == {"hash": text_hash(QUIZ), "previous": text_hash(EDITED)}
    with pytest.raises(PathRefused):
        restore(engine, trainer, root, RELATIVE, 99, base_hash=text_hash(QUIZ), base_number=3)
    with pytest.raises(EditConflict):  # opened before the restore: refused
        restore(engine, trainer, root, RELATIVE, 2, base_hash=text_hash(EDITED), base_number=2)
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ


@pytest.mark.parametrize("capability", ["learner", "leader"])
def test_learners_and_leaders_are_refused_and_audited(write_tree: TreeWriter, engine: Engine,
                                                     make_person: MakePerson, tmp_path: Path,
                                                     capability: str) -> None:
    root = write_tree()
    person = make_person(f"{capability}@example.org", capabilities=capability)
    attempts: list[Callable[[], object]] = [
        lambda: open_file(engine, person, root, RELATIVE),
        lambda: validate_edit(engine, person, root, RELATIVE, EDITED),
        lambda: save(engine, person, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=0),
        lambda: save_draft(engine, person, root, RELATIVE, EDITED),
        lambda: restore(engine, person, root, RELATIVE, 1, base_hash=text_hash(QUIZ), base_number=0),
        lambda: list_history(engine, person, root, RELATIVE),
        lambda: get_draft(engine, person, root, RELATIVE),
        lambda: studio_files.list_files(engine, person, root),
        lambda: studio_files.preview_edit(engine, person, root, RELATIVE, EDITED),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    assert not (root / "quizzes/_intro-quiz.md").exists()
    denied = _events(engine)
    assert [e.target for e in denied] == ["edit_content", "validate_content", "publish_content",
                                          "edit_content", "publish_content", "edit_content",
                                          "edit_content", "edit_content", "validate_content"]
    assert {e.kind for e in denied} == {"action_denied"}


def test_the_file_list_counts_each_files_problems_and_leaves_out_what_cannot_be_edited(
        write_tree: TreeWriter, engine: Engine, trainer: Actor) -> None:
    root = write_tree({RELATIVE: BROKEN, "notes/readme.md": "# not content\n"})
    listed = studio_files.list_files(engine, trainer, root)
    assert [(f.folder, f.relative) for f in listed] == [
        ("", "course.yaml"), ("modules", "modules/intro.md"), ("quizzes", RELATIVE),
        ("scenarios", "scenarios/first-day.md")]
    assert {f.relative: (f.errors, f.warnings) for f in listed}[RELATIVE] == (1, 0)


def test_the_preview_reads_the_edit_without_writing_it(write_tree: TreeWriter, engine: Engine,
                                                       trainer: Actor) -> None:
    root = write_tree()
    shown = studio_files.preview_edit(engine, trainer, root, RELATIVE, EDITED)
    assert isinstance(shown.item, Quiz) and shown.item.meta.source == RELATIVE and not shown.diagnostics
    assert shown.item.questions[0].stem_text == "What do you do first?"
    broken = studio_files.preview_edit(engine, trainer, root, RELATIVE, BROKEN)
    assert broken.item is None and [d.code for d in broken.diagnostics] == [Code.QUESTION_NO_CORRECT]
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    with pytest.raises(PathRefused):
        studio_files.preview_edit(engine, trainer, root, "../escape.md", EDITED)


def test_a_traversal_attempt_is_refused_and_audited(write_tree: TreeWriter, engine: Engine,
                                                   trainer: Actor, tmp_path: Path) -> None:
    root = write_tree()
    with pytest.raises(PathRefused):
        save(engine, trainer, root, "../escape.md", EDITED, base_hash="", base_number=0)
    assert not (root.parent / "escape.md").exists()
    (denied,) = _events(engine)
    assert denied.kind == "action_denied" and "escape.md" in str(denied.detail)


def test_forged_and_oversized_input_is_refused_without_loss(write_tree: TreeWriter, engine: Engine,
                                                           trainer: Actor) -> None:
    root = write_tree()
    for forged in (-1, 7, 10**12):  # a version number the file never had
        with pytest.raises(EditConflict):
            save(engine, trainer, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=forged)
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    with pytest.raises(studio_files.DraftTooLarge, match="bytes"):
        save_draft(engine, trainer, root, RELATIVE, "x" * (300 * 1024))
    kept = get_draft(engine, trainer, root, RELATIVE)
    assert kept is not None and kept.text == EDITED  # the refused save's text, not the oversized one
    save(engine, trainer, root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=0,
         message="x" * 2000 + "\n<script>")
    assert len(list_history(engine, trainer, root, RELATIVE)[0].message) == studio_files.MAX_MESSAGE
    with pytest.raises(PathRefused):
        diff_version(engine, trainer, root, RELATIVE, 10**12)
    with pytest.raises(PathRefused):
        save_draft(engine, trainer, root, "../../etc/passwd.md", EDITED)
