"""The trainer studio pages (content health, editor, preview) through Streamlit's AppTest.

The pages are registered here as the lead registers them in course/ui/links.py.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Selectbox

from course.content.loader import load_course
from course.domain.accounts import parse_capabilities
from course.domain.permissions import Actor, Page
from course.services import demo
from course.services.database import Engine
from course.services.studio_files import save, text_hash
from course.settings import BUNDLED_ROOT
from course.store import audit, content_history, people
from course.store.engine import create_store_engine, read_session, write_transaction
from course.ui import resources, state
from course.ui.links import PAGES, PageLink
from tests.conftest import MODULE, QUIZ, SCENARIO, TreeWriter
from tests.scratch import copy_sqlite_template
from tests.ui.conftest import AppFactory
from tests.ui.hostile_text import seen

REFUSAL = "You do not have access to this page."
HEALTH = "course/ui/pages/studio_health.py"
EDITOR = "course/ui/pages/studio_editor.py"
PREVIEW = "course/ui/pages/studio_preview.py"
STUDIO = {
    Page.STUDIO_HEALTH: PageLink(HEALTH, "Content health", ":material/health_and_safety:", True),
    Page.STUDIO_PREVIEW: PageLink(PREVIEW, "Preview", ":material/visibility:", True),
    Page.STUDIO_EDITOR: PageLink(EDITOR, "Edit content", ":material/edit_document:", True),
}
BROKEN = QUIZ.replace("- [x] Listen", "- [ ] Listen")
EDITED = QUIZ.replace("What comes first?", "What do you do first?")
RELATIVE = "quizzes/intro-quiz.md"


@pytest.fixture(autouse=True)
def studio_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    for page, entry in STUDIO.items():
        monkeypatch.setitem(PAGES, page, entry)


def _events(engine: Engine, kind: str | None = None) -> list[audit.AuditEntry]:
    with read_session(engine) as session:
        return audit.list_events(session, kind=kind, limit=1000)


def _open(at: AppTest, script: str) -> AppTest:
    at.switch_page(script).run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str, index: int | None = None) -> AppTest:
    found = [b for b in at.button if b.label == label]
    if index is None:
        assert len(found) == 1, found
        index = 0
    found[index].click().run()
    assert not at.exception, at.exception
    return at


def _texts(elements: object) -> list[str]:
    return [seen(str(e.value)) for e in elements]  # type: ignore[attr-defined]


# --- content health --------------------------------------------------------------------------


def test_health_lists_each_problem_by_file_and_the_stale_items(
        app: AppFactory, write_tree: TreeWriter) -> None:
    root = write_tree()
    at = _open(app(as_demo="trainer", content=root), HEALTH)
    assert [m.value for m in at.metric] == ["0", "0"]
    assert "every file validates" in _texts(at.success)[0]
    (root / RELATIVE).write_text(BROKEN, encoding="utf-8")
    at = _open(at, HEALTH)  # picked up without restarting
    assert [m.value for m in at.metric] == ["1", "0"]
    labels = [seen(e.label) for e in at.expander]
    assert "quizzes/intro-quiz.md — 1 error(s), 0 warning(s)" in labels
    assert any("Line 9: " in t and "[question-no-correct]" in t for t in _texts(at.error))
    links = [(link.proto.label, link.proto.page, link.proto.query_string)
             for link in at.get("page_link")]
    assert links == [("Open in the editor", "studio_editor", "file=quizzes%2Fintro-quiz.md")]
    stale = at.dataframe[0].value.to_dict("records")
    assert stale == [{"Item": "intro-quiz", "Kind": "quiz", "File": RELATIVE,
                      "Version served": text_hash(QUIZ)}]


def test_health_lists_media_files_and_warns_about_the_unused(app: AppFactory, write_tree: TreeWriter) -> None:
    root = write_tree({"modules/intro.md": MODULE + "\n![A chart](../media/used.gif)\n",
                       "media/used.gif": _gif(), "media/old.gif": _gif(), "media/notes.txt": "draft notes",
                       "media/_drafts/next.gif": _gif()})
    at = _open(app(as_demo="trainer", content=root), HEALTH)
    assert "Media files" in [h.value for h in at.header]
    assert [w for w in _texts(at.warning) if "nothing uses" in w] == [
        "2 media file(s) that nothing uses: media/notes.txt, media/old.gif. Link them from a module, quiz "
        "or scenario, or delete them."]
    rows = at.tabs[0].dataframe[-1].value.to_dict("records")
    assert [(r["File"], r["Kind"], r["Used by"]) for r in rows] == [
        ("media/notes.txt", "not an accepted kind", "nothing"), ("media/old.gif", "GIF", "nothing"),
        ("media/used.gif", "GIF", "modules/intro.md")]


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, "GIF")
    return buffer.getvalue()


def test_health_has_the_course_map_with_its_gaps(app: AppFactory, write_tree: TreeWriter) -> None:
    quiz = QUIZ.replace("competency=listening", "competency=crisis")
    scenario = SCENARIO.replace("competencies: [crisis, listening]", "competencies: [crisis]")
    root = write_tree({RELATIVE: quiz, "scenarios/first-day.md": scenario})
    at = _open(app(as_demo="trainer", content=root), HEALTH)
    assert [t.label for t in at.tabs] == ["Health", "Course map"]
    warnings = _texts(at.tabs[1].warning)
    assert any("Nothing assesses competency Listening" in w for w in warnings)
    assert any("The Legal path is thin: 1 module(s)" in w for w in warnings)


# --- editor ----------------------------------------------------------------------------------


def _plain(at: AppTest) -> AppTest:
    """Ask for the plain text box: AppTest cannot type into the editor's own (a browser component)."""
    at.session_state[state.EDITOR_PLAIN.slot()] = True
    return at


def _edit(at: AppTest, relative: str) -> AppTest:
    _plain(at).text_input[0].input(relative).run()
    assert not at.exception, at.exception
    return at


def _versions(at: AppTest) -> Selectbox[Any]:
    (found,) = [box for box in at.selectbox if box.label == "Version"]
    return found


def test_the_editor_validates_refuses_a_break_and_saves_a_fix(
        app: AppFactory, write_tree: TreeWriter, database: Callable[[], Engine]) -> None:
    root = write_tree()
    at = _edit(_open(app(as_demo="trainer", content=root), EDITOR), RELATIVE)
    assert at.text_area[0].value == QUIZ
    at.text_area[0].input(BROKEN)
    _button(at, "Validate")
    assert any(t.startswith("Line 9: ") and "[question-no-correct]" in t for t in _texts(at.error))
    assert "   9 | ## What comes first?" in _texts(at.code)
    _button(at, "Save")
    assert any("Not saved" in t for t in _texts(at.error))
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    at.text_area[0].input(EDITED)
    _button(at, "Save")
    assert (root / RELATIVE).read_text(encoding="utf-8") == EDITED
    assert any(f"Version {text_hash(EDITED)}" in t for t in _texts(at.success))
    (event,) = _events(database(), "content_published")
    assert event.actor == f"trainer@{demo.DEMO_DOMAIN}" and event.target == RELATIVE
    assert event.detail == {"hash": text_hash(EDITED), "previous": text_hash(QUIZ)}
    versions = _versions(at)  # the versions are listed: as found on disk, then the save
    assert versions.options == [
        f"Version 2 · {event.at:%Y-%m-%d %H:%M} UTC · Tara Trainer (demo) · published",
        f"Version 1 · {event.at:%Y-%m-%d %H:%M} UTC · on disk · found · As it was on disk before this save"]
    _button(at, "Show changes since")
    assert "No difference: the file is this version now." in _texts(at.code)
    _versions(at).set_value(1).run()
    _button(at, "Show changes since")
    assert any("-## What comes first?" in t for t in _texts(at.code))
    _button(at, "Restore")
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    assert len(_events(database(), "content_restored")) == 1


def test_the_editor_saves_a_draft_and_refuses_a_stale_edit(
        app: AppFactory, write_tree: TreeWriter, database: Callable[[], Engine]) -> None:
    root = write_tree()
    at = _edit(_open(app(as_demo="trainer", content=root), EDITOR), RELATIVE)
    at.text_area[0].input(BROKEN)
    _button(at, "Save as draft")
    assert sorted(p.name for p in (root / "quizzes").iterdir()) == ["intro-quiz.md"]
    assert len(_events(database(), "content_draft_saved")) == 1
    at.text_area[0].input(QUIZ).run()  # back to the file's text: the page offers the draft
    assert any("You have a draft of this file" in t for t in _texts(at.info))
    _button(at, "Load my draft")
    assert at.text_area[0].value == BROKEN
    (root / RELATIVE).write_text(QUIZ.replace("Broadcast", "Shout"), encoding="utf-8")
    at.text_area[0].input(EDITED)
    _button(at, "Save")
    assert any("changed on disk" in t for t in _texts(at.error))
    assert "Shout" in (root / RELATIVE).read_text(encoding="utf-8")


def test_the_editor_refuses_a_save_someone_else_made_first(
        app: AppFactory, write_tree: TreeWriter, database: Callable[[], Engine]) -> None:
    root = write_tree()
    at = _edit(_open(app(as_demo="trainer", content=root), EDITOR), RELATIVE)
    engine = database()
    with read_session(engine) as session:
        other = people.find_person(session, f"admin@{demo.DEMO_DOMAIN}")
    assert other is not None and other.id is not None
    admin = Actor(other.id, other.email, parse_capabilities("admin"))
    save(engine, admin, root, RELATIVE, QUIZ.replace("Broadcast", "Shout"), base_hash=text_hash(QUIZ),
         base_number=0)
    at.text_area[0].input(EDITED)
    _button(at, "Save")
    (refused,) = [t for t in _texts(at.error) if t.startswith("Not saved")]
    assert f"{other.name} saved {RELATIVE} at" in refused
    assert "reload to see their change" in refused
    assert at.text_area[0].value == EDITED  # the text stays in the editor, and as a draft
    assert "Shout" in (root / RELATIVE).read_text(encoding="utf-8")
    _button(at, "Reload the file")
    assert "Shout" in at.text_area[0].value
    assert any("You have a draft of this file" in t for t in _texts(at.info))
    _button(at, "Load my draft")
    assert at.text_area[0].value == EDITED


def test_the_editor_opens_the_file_named_in_the_address(app: AppFactory, write_tree: TreeWriter) -> None:
    at = _plain(app(as_demo="trainer", content=write_tree()))
    at.query_params["file"] = RELATIVE
    at = _open(at, EDITOR)
    assert at.selectbox(key="editor-file").value == RELATIVE and at.text_area[0].value == QUIZ
    assert at.selectbox(key="editor-folder").value == "quizzes" and at.text_input[0].value == ""


def test_the_editor_lists_the_files_by_folder_with_their_problems(
        app: AppFactory, write_tree: TreeWriter) -> None:
    root = write_tree({"quizzes/intro-quiz.md": BROKEN})
    at = _open(_plain(app(as_demo="trainer", content=root)), EDITOR)
    folder, listed = at.selectbox(key="editor-folder"), at.selectbox(key="editor-file")
    assert folder.options == ["Course settings (1 file)", "Modules (1 file)",
                              "Quizzes (1 file, 1 with errors)", "Scenarios (1 file)"]
    assert folder.value == "" and listed.value is None and not at.text_area  # nothing opens unasked
    folder.set_value("quizzes").run()
    assert at.selectbox(key="editor-file").options == [f"{RELATIVE} — 1 error"]
    at.selectbox(key="editor-file").set_value(RELATIVE).run()
    assert at.text_area[0].value == BROKEN
    at.selectbox(key="editor-folder").set_value("modules").run()
    assert at.selectbox(key="editor-file").value is None and not at.text_area
    at.selectbox(key="editor-file").set_value("modules/intro.md").run()
    assert at.text_area[0].value == MODULE


def _box(at: AppTest) -> dict[str, Any]:
    """Return the data the editor's own text box was last drawn with."""
    (box,) = [e for e in at.get("bidi_component") if str(e.key).startswith("nts_edit_box:")]
    drawn: dict[str, Any] = json.loads(box.proto.json)
    return drawn


def test_the_editor_box_holds_the_text_and_marks_the_problem_lines(
        app: AppFactory, write_tree: TreeWriter) -> None:
    root = write_tree({"quizzes/intro-quiz.md": BROKEN})
    at = app(as_demo="trainer", content=root)
    at.query_params["file"] = RELATIVE
    at = _open(at, EDITOR)
    assert not at.text_area and [t.label for t in at.tabs] == ["Live preview"]  # numbered where one types
    drawn = _box(at)
    assert drawn["text"] == BROKEN and drawn["language"] == "markdown" and drawn["label"] == "Content"
    (mark,) = drawn["problems"]
    assert mark["line"] == 9 and mark["severity"] == "error" and "[question-no-correct]" in mark["said"]
    assert drawn["echo"] is False  # the first draw: the box takes the text
    at.run()
    assert _box(at)["echo"] is True  # from now on the box keeps what is typed since its last report
    # The plain box and the editor's box share one text: switching keeps the edit either way.
    at.toggle(key=state.EDITOR_PLAIN.slot()).set_value(True).run()
    assert at.text_area[0].value == BROKEN
    assert [t.label for t in at.tabs] == ["Live preview", "Numbered lines"]
    at.text_area[0].input(EDITED).run()
    at.toggle(key=state.EDITOR_PLAIN.slot()).set_value(False).run()
    at.run()  # a rerun that draws only the box keeps the text too
    drawn = _box(at)
    assert drawn["text"] == EDITED and drawn["problems"] == []
    _button(at, "Save")
    assert (root / RELATIVE).read_text(encoding="utf-8") == EDITED
    at.query_params["file"] = "course.yaml"
    at = _open(at, EDITOR)
    assert _box(at)["language"] == "yaml"


def test_the_live_preview_shows_the_unsaved_edit_as_learners_would(
        app: AppFactory, write_tree: TreeWriter) -> None:
    root = write_tree()
    at = _plain(app(as_demo="trainer", content=root))
    at.query_params["file"] = "modules/intro.md"
    at = _open(at, EDITOR)
    assert [t.label for t in at.tabs] == ["Live preview", "Numbered lines"]
    assert "Introduction" in _texts(at.subheader)
    assert "#### The first idea" in [m.value for m in at.markdown]
    assert at.code[-1].language == "markdown" and at.code[-1].value.strip() == MODULE.strip()
    edited = MODULE.replace("## The first idea", "## A renamed idea").replace("title: Introduction",
                                                                            'title: "![x](https://e.example/a.png)"')
    at.text_area[0].input(edited).run()
    assert "#### A renamed idea" in [m.value for m in at.markdown]
    assert any("e.example" in t for t in _texts(at.subheader))  # shown as text, not as an image
    assert not any("<img" in h.value for h in at.get("html") if hasattr(h, "value"))
    assert (root / "modules/intro.md").read_text(encoding="utf-8") == MODULE  # nothing saved
    at.text_area[0].input(MODULE.replace("title: Introduction\n", "")).run()
    assert any(t.startswith("Line ") and "title" in t for t in _texts(at.error))
    assert any("Nothing to preview" in t for t in _texts(at.info))


def test_a_link_to_a_line_shows_that_line_above_the_editor(app: AppFactory, write_tree: TreeWriter) -> None:
    line = QUIZ.splitlines().index("## What comes first?") + 1
    at = app(as_demo="trainer", content=write_tree())
    at.query_params["file"] = RELATIVE
    at.query_params["line"] = str(line)
    at = _open(at, EDITOR)
    assert any(f"at line {line}" in t for t in _texts(at.caption))
    assert f"{line:>4} | {QUIZ.splitlines()[line - 1]}" in at.code[0].value
    at.query_params["line"] = "9999"
    at = _open(at, EDITOR)
    assert any("does not have any more" in t for t in _texts(at.caption))


def test_the_editor_refuses_paths_outside_the_content(app: AppFactory, write_tree: TreeWriter) -> None:
    at = _edit(_open(app(as_demo="trainer", content=write_tree()), EDITOR), "../../etc/passwd")
    assert any("cannot be edited here" in t for t in _texts(at.error))
    assert not at.text_area


# --- preview ---------------------------------------------------------------------------------


def _rows_written(engine: Engine) -> int:
    """Count the rows of every table (the preview must leave each count unchanged)."""
    with read_session(engine) as session:
        names = [r[0] for r in session.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"))]
        return sum(int(session.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one())
                   for n in names)


def test_preview_renders_checks_and_plays_without_recording(
        app: AppFactory, write_tree: TreeWriter, database: Callable[[], Engine]) -> None:
    at = _open(app(as_demo="trainer", content=write_tree()), PREVIEW)
    before = _rows_written(database())
    assert [t.value for t in at.title] == ["Introduction"]
    assert "The one thing to remember." in " ".join(h.value for h in at.html)
    at.radio[0].set_value("Quiz").run()
    assert [t.value for t in at.title] == ["Introduction check"]
    at.radio(key="pv-quiz-show").set_value("Every question, in file order").run()
    at.radio[2].set_value(1)  # "Broadcast" on the single-choice question
    _button(at, "Check", 0)
    assert "Not quite." in _texts(at.error)
    assert any("Broadcasting talks over them." in h.value for h in at.html)
    at.radio[0].set_value("Scenario").run()
    assert [t.value for t in at.title] == ["First day"]
    assert at.get("graphviz_chart")
    at.slider[0].set_value(70)
    _button(at, "Play from this node")
    assert any("Reputation: 70" in p.proto.text for p in at.get("progress"))
    _button(at, "Reply")
    assert any("Reputation: 80" in p.proto.text for p in at.get("progress"))
    assert any("Ending: good" in t for t in _texts(at.success))
    assert _rows_written(database()) == before


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("local", ["legal.learner", "leader"])
def test_studio_pages_refuse_learners_and_leaders(
        app: AppFactory, database: Callable[[], Engine], local: str) -> None:
    at = app(as_demo=local)
    email = f"{local}@{demo.DEMO_DOMAIN}"
    for page, (script, _, _, _) in STUDIO.items():
        at.switch_page(script).run()
        assert not at.exception, at.exception
        assert _texts(at.error) == [REFUSAL]
        assert not at.text_area and not at.dataframe and not at.title
        denied = [(e.actor, e.target) for e in _events(database(), "page_denied")]
        assert (email, page.value) in denied


@pytest.mark.parametrize("local", ["trainer", "admin"])
def test_studio_pages_open_for_trainers_and_admins(app: AppFactory, local: str,
                                                   write_tree: TreeWriter) -> None:
    at = app(as_demo=local, content=write_tree())
    for script, _, _, _ in STUDIO.values():
        _open(at, script)
        assert REFUSAL not in _texts(at.error)


def test_quiz_preview_draws_an_attempt_as_a_learner_gets_it(app: AppFactory) -> None:
    at = _open(app(as_demo="trainer"), PREVIEW)
    at.radio[0].set_value("Quiz").run()
    quiz_title = at.title[0].value
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    quiz = next(q for q in course.quizzes.values() if q.meta.title == quiz_title)
    assert quiz.pick is not None and quiz.pick < len(quiz.questions)
    drawn = [h.value.split(" · ")[1] for h in at.header]
    assert len(drawn) == quiz.pick and set(drawn) <= {q.id for q in quiz.questions}
    seen = {tuple(drawn)}
    for _ in range(4):
        _button(at, "Draw another attempt")
        seen.add(tuple(h.value.split(" · ")[1] for h in at.header))
    assert len(seen) > 1  # a new draw each time (5 draws of 5 from 7 or more, all alike: ~1e-6)
    at.radio(key="pv-quiz-show").set_value("Every question, in file order").run()
    assert [h.value.split(" · ")[1] for h in at.header] == [q.id for q in quiz.questions]


def test_studio_pages_render_the_bundled_course(app: AppFactory) -> None:
    at = _open(app(as_demo="trainer"), HEALTH)
    assert [m.value for m in at.metric] == ["0", "0"]
    at = _open(at, PREVIEW)
    at.radio[0].set_value("Scenario").run()
    assert not at.exception and at.get("graphviz_chart")
    _button(at, "Play from this node")
    assert at.header


def test_a_rerun_writes_what_another_host_published(app: AppFactory, write_tree: TreeWriter,
                                                    database: Callable[[], Engine]) -> None:
    root = write_tree()
    at = _open(app(as_demo="trainer", content=root), EDITOR)  # this process notes the content version
    with write_transaction(database()) as session:  # another host saves, on its own disk
        content_history.add_revision(session, RELATIVE, 1, content_history.NewRevision(
            EDITED, text_hash(EDITED), "published", None, "", datetime.now(UTC)))
    assert (root / RELATIVE).read_text(encoding="utf-8") == QUIZ
    at.run()
    assert not at.exception, at.exception
    assert (root / RELATIVE).read_text(encoding="utf-8") == EDITED


def test_a_process_started_on_a_broken_file_serves_its_published_version(
        app: AppFactory, write_tree: TreeWriter, tmp_path: Path, sqlite_template: Path) -> None:
    root = write_tree({RELATIVE: BROKEN})  # broken on this host's disk when the process starts
    database = tmp_path / "data" / "need-to-share.db"
    engine = create_store_engine(copy_sqlite_template(sqlite_template, database))
    with write_transaction(engine) as session:  # what the other processes serve
        content_history.add_revision(session, RELATIVE, 1, content_history.NewRevision(
            EDITED, text_hash(EDITED), "published", None, "", datetime.now(UTC)))
    engine.dispose()
    at = _open(app(as_demo="trainer", content=root), HEALTH)
    headers = [h.value for h in at.header]
    assert "Served from their last valid version" in headers
    served = resources.course().course
    assert served is not None and served.quizzes["intro-quiz"].meta.version == text_hash(EDITED)
