"""Content shared through the database: racing saves in two processes, the content version that
other processes follow, a process started on a broken file, and the import of a history folder."""

from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from course.content.loader import ParseCache
from course.domain.permissions import Actor
from course.services import published_content, studio_files
from course.services.published_content import Follower, follow, import_history_folder
from course.services.studio_content import LastValid, load_served
from course.services.studio_files import EditConflict, get_draft, open_file, save, text_hash
from course.store import content_history
from course.store.engine import create_store_engine, read_session
from tests.conftest import QUIZ, TreeWriter

MakePerson = Callable[..., Actor]
RELATIVE = "quizzes/intro-quiz.md"
EDITED = QUIZ.replace("What comes first?", "What do you do first?")
BROKEN = QUIZ.replace("- [x] Listen", "- [ ] Listen")
T1 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def trainers(make_person: MakePerson) -> tuple[Actor, Actor]:
    return (make_person("tess@example.org", capabilities="trainer", name="Tess Trainer"),
            make_person("olga@example.org", capabilities="trainer", name="Olga Other"))


def _race(url: str, root: str, actor: Actor, text: str, base: tuple[str, int], barrier: Any,
          inside: bool, results: Any) -> None:
    """Save `text` in this process, meeting the other racer first (inside the transaction if asked)."""
    engine = create_store_engine(url)
    if inside:  # both read the newest version before either writes: only the database can refuse
        latest, met = content_history.latest, []

        def meet_then_read(session: Any, path: str) -> Any:
            found = latest(session, path)
            if not met:
                met.append(True)
                barrier.wait(timeout=30)
            return found

        content_history.latest = meet_then_read  # type: ignore[assignment]
    else:
        barrier.wait(timeout=30)
    try:
        saved = save(engine, actor, Path(root), RELATIVE, text, base_hash=base[0], base_number=base[1])
    except EditConflict as refused:
        results.put((actor.email, "refused", str(refused)))
    else:
        results.put((actor.email, "saved", saved))
    finally:
        engine.dispose()


def test_two_processes_saving_from_the_same_version_save_once_and_refuse_once(
        write_tree: TreeWriter, engine: Engine, database_url: str, trainers: tuple[Actor, Actor]) -> None:
    root = write_tree()
    opened = open_file(engine, trainers[0], root, RELATIVE)
    texts = {trainers[0].email: EDITED, trainers[1].email: QUIZ.replace("Broadcast", "Shout")}
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    # PostgreSQL runs transactions side by side: meet inside them, so the unique version number is
    # what refuses. SQLite queues whole write transactions: meet just before them.
    inside = engine.dialect.name == "postgresql"
    racers = [context.Process(target=_race, args=(database_url, str(root), actor, texts[actor.email],
                                                  (opened.hash, opened.number), barrier, inside, results))
              for actor in trainers]
    for racer in racers:
        racer.start()
    outcomes = sorted(results.get(timeout=60) for _ in racers)
    for racer in racers:
        racer.join(timeout=30)
        assert racer.exitcode == 0
    assert sorted(o[1] for o in outcomes) == ["refused", "saved"]
    (winner,) = [o for o in outcomes if o[1] == "saved"]
    (loser,) = [o for o in outcomes if o[1] == "refused"]
    winner_name = "Tess Trainer" if winner[0] == trainers[0].email else "Olga Other"
    assert "reload to see" in loser[2]
    assert winner_name in loser[2] or "changed on disk" in loser[2]
    assert (root / RELATIVE).read_text(encoding="utf-8") == texts[winner[0]]
    with read_session(engine) as session:
        kinds = [(v.kind, v.hash) for v in reversed(content_history.history(session, RELATIVE))]
    assert kinds == [("found", text_hash(QUIZ)), ("published", text_hash(texts[winner[0]]))]
    losing = trainers[0] if loser[0] == trainers[0].email else trainers[1]
    kept = get_draft(engine, losing, root, RELATIVE)
    assert kept is not None and kept.text == texts[loser[0]]  # nothing lost


def test_another_host_follows_the_content_version(write_tree: TreeWriter, engine: Engine,
                                                  trainers: tuple[Actor, Actor], tmp_path: Path) -> None:
    here = write_tree()
    there = tmp_path / "other-host"
    shutil.copytree(here, there)
    follower = Follower()
    assert follow(engine, there, follower) == ()  # the first look only notes the version
    assert follow(engine, there, follower) == ()
    save(engine, trainers[0], here, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=0)
    assert follow(engine, there, follower) == (RELATIVE,)
    assert (there / RELATIVE).read_text(encoding="utf-8") == EDITED
    assert follow(engine, here, Follower(seen=0)) == ()  # where it was saved, the file is current
    assert follow(engine, there, follower) == ()


def test_the_first_look_catches_up_on_missed_saves_but_not_on_files_edited_while_stopped(
        write_tree: TreeWriter, engine: Engine, trainers: tuple[Actor, Actor], tmp_path: Path) -> None:
    root = write_tree()
    stopped = tmp_path / "host-that-was-stopped"
    shutil.copytree(root, stopped)
    save(engine, trainers[0], root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=0)
    assert follow(engine, stopped, Follower()) == (RELATIVE,)  # it held version 1, saved before
    assert (stopped / RELATIVE).read_text(encoding="utf-8") == EDITED
    by_git = QUIZ.replace("Broadcast", "Announce")
    (root / RELATIVE).write_text(by_git, encoding="utf-8")
    assert follow(engine, root, Follower()) == ()  # a text the database does not know: left alone
    assert (root / RELATIVE).read_text(encoding="utf-8") == by_git


def test_a_process_started_on_a_broken_file_serves_the_published_version(
        write_tree: TreeWriter, engine: Engine, trainers: tuple[Actor, Actor]) -> None:
    root = write_tree()
    save(engine, trainers[0], root, RELATIVE, EDITED, base_hash=text_hash(QUIZ), base_number=0)
    (root / RELATIVE).write_text(BROKEN, encoding="utf-8")  # broken on disk, then a process starts

    def published(paths: tuple[str, ...]) -> dict[str, str]:
        asked.append(paths)
        return published_content.published_texts(engine, paths)

    asked: list[tuple[str, ...]] = []
    last, cache = LastValid(), ParseCache()
    served = load_served(root, cache=cache, last=last, published=published)
    assert served.course is not None
    quiz = served.course.quizzes["intro-quiz"]
    assert quiz.meta.version == text_hash(EDITED)
    assert [s.id for s in last.stale(root)] == ["intro-quiz"]
    assert any(d.path == RELATIVE for d in served.diagnostics)  # the break is still reported
    load_served(root, cache=cache, last=last, published=published)
    assert asked == [(RELATIVE,)]  # asked once, not on every rerun
    alone = load_served(root, cache=ParseCache(), last=LastValid())  # without the database
    assert alone.course is not None and "intro-quiz" not in alone.course.quizzes


def test_a_history_folder_is_imported_once(tmp_path: Path, engine: Engine, write_tree: TreeWriter,
                                          trainers: tuple[Actor, Actor]) -> None:
    folder = tmp_path / "data" / "content-history" / "quizzes" / "intro-quiz.md"
    folder.mkdir(parents=True)
    (folder / f"20260501T090000000000Z-{text_hash(QUIZ)}.md").write_text(QUIZ, encoding="utf-8")
    (folder / f"20260502T090000000000Z-{text_hash(EDITED)}.md").write_text(EDITED, encoding="utf-8")
    (folder / "20260503T090000000000Z-x.md").write_bytes(b"\xff\xfe not text")
    (folder / "notes.txt").write_text("not a version", encoding="utf-8")
    imported = import_history_folder(engine, tmp_path / "data")
    assert (imported.added, imported.skipped) == (2, ("quizzes/intro-quiz.md/20260503T090000000000Z-x.md",))
    assert not (tmp_path / "data" / "content-history").exists()
    assert (tmp_path / "data" / "content-history.imported").is_dir()
    assert import_history_folder(engine, tmp_path / "data").added == 0
    root = write_tree()
    versions = studio_files.list_history(engine, trainers[0], root, RELATIVE)
    assert [(v.number, v.kind, v.hash, v.saved_at.day) for v in versions] == [
        (2, "imported", text_hash(EDITED), 2), (1, "imported", text_hash(QUIZ), 1)]
    opened = open_file(engine, trainers[0], root, RELATIVE)
    assert opened.number == 2  # a save after the import continues the numbering
    save(engine, trainers[0], root, RELATIVE, EDITED, base_hash=opened.hash, base_number=2, now=T1)
    shutil.move(tmp_path / "data" / "content-history.imported", tmp_path / "data" / "content-history")
    assert import_history_folder(engine, tmp_path / "data").added == 0  # already there: not twice
