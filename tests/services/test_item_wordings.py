"""Item statistics pooled by the wording each answer stored, not by the content history.

The course's quiz (tests/conftest.py) is the current version. "Reworded" changes q-two's
options and keeps q-one as it is. Answers recorded by the quiz service store the hash of each
question as asked; the history of the file is never written in these tests unless said.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, text

from course.content.loader import load_course
from course.content.quizzes import parse_quiz
from course.domain.model import Course
from course.domain.permissions import Actor
from course.domain.question_hash import question_hash
from course.services import quizzing
from course.services.catalog import load
from course.services.seed import seed_bulk
from course.services.studio_stats import ItemReport, get_item_analysis
from course.settings import BUNDLED_ROOT
from course.store.engine import read_session
from tests.conftest import QUIZ as QUIZ_TEXT
from tests.conftest import TreeWriter
from tests.databases import MakePerson
from tests.studio_data import QUIZ, T0, write_attempt, write_person

REWORDED = QUIZ_TEXT.replace("- [ ] Guessing", "- [ ] Hoping")


def _course(write_tree: TreeWriter, quiz_text: str) -> Course:
    loaded = load_course(write_tree({"quizzes/intro-quiz.md": quiz_text})).course
    assert loaded is not None
    return loaded


def _take(engine: Engine, actor: Actor, course: Course, *, right: bool, minute: int) -> None:
    """Take the quiz through the service: every question right, or every one wrong."""
    now = T0 + timedelta(minutes=minute)
    view = quizzing.open_attempt(engine, actor, course, QUIZ, now=now)
    for drawn in view.drawn:
        question = course.quizzes[QUIZ].question(drawn.question_id)
        assert question is not None
        chosen = (sorted(question.correct_indexes) if right
                  else [next(o.index for o in question.options if not o.correct)])
        quizzing.answer_question(engine, actor, course, QUIZ, attempt_key=view.attempt_key,
                                 question_id=drawn.question_id, chosen=chosen, seconds=3.0, now=now)
    quizzing.submit_attempt(engine, actor, course, QUIZ, attempt_key=view.attempt_key, now=now)


def _scalar(engine: Engine, sql: str) -> int:
    with read_session(engine) as session:
        return int(session.connection().execute(text(sql)).scalar_one())


def _by_question(reports: tuple[ItemReport, ...]) -> dict[str, ItemReport]:
    return {r.question_id: r for r in reports}


def test_a_version_deployed_from_files_and_replaced_keeps_its_unchanged_question_s_answers(
    engine: Engine, write_tree: TreeWriter, make_person: MakePerson
) -> None:
    deployed = _course(write_tree, REWORDED)
    ada, bob = make_person("ada@x.org"), make_person("bob@x.org")
    _take(engine, ada, deployed, right=True, minute=0)
    _take(engine, bob, deployed, right=False, minute=1)
    current = _course(write_tree, QUIZ_TEXT)  # replaced before anyone saved it in the studio
    _take(engine, ada, current, right=True, minute=2)
    assert _scalar(engine, "SELECT COUNT(*) FROM content_revision") == 0
    assert _scalar(engine, "SELECT COUNT(*) FROM quiz_answer WHERE form_id IS NULL") == 0
    trainer = make_person("t@x.org", capabilities="trainer")
    items = _by_question(get_item_analysis(engine, trainer, current).items)
    old, new = deployed.quizzes[QUIZ].meta.version, current.quizzes[QUIZ].meta.version
    one, two = items["q-one"], items["q-two"]
    assert [(p.version, p.answers) for p in one.pooled] == [(old, 2), (new, 1)]
    assert (one.stats.answers, one.stats.correct, one.stats.learners, one.changed) == (3, 2, 2, False)
    assert [(p.version, p.answers) for p in two.pooled] == [(new, 1)]
    assert (two.stats.answers, two.stats.learners, two.changed) == (1, 1, True)


def test_answers_without_a_stored_wording_still_pool_through_the_history(
    engine: Engine, write_tree: TreeWriter, make_person: MakePerson
) -> None:
    current = _course(write_tree, QUIZ_TEXT)
    ada = make_person("ada@x.org")
    # Before wordings were stored: answers of the loaded version, and of a version that is lost.
    write_attempt(engine, ada.person_id, current.quizzes[QUIZ].meta.version,
                  [("q-one", (0,), True, 5.0), ("q-two", (2,), False, 5.0)], 0)
    cy = write_person(engine, "cy", "hr")
    write_attempt(engine, cy, "lost", [("q-one", (0,), True, 5.0), ("q-two", (0, 1), True, 5.0)], 1)
    _take(engine, make_person("bob@x.org"), current, right=True, minute=2)
    trainer = make_person("t@x.org", capabilities="trainer")
    items = _by_question(get_item_analysis(engine, trainer, current).items)
    for question in ("q-one", "q-two"):
        report = items[question]
        assert [p.answers for p in report.pooled] == [2]  # ada's unmarked answer and bob's, one version
        assert (report.stats.answers, report.stats.learners, report.changed) == (2, 2, True)
    assert items["q-two"].stats.correct == 1


def test_one_version_string_with_two_wordings_never_pools_the_other_wording(
    engine: Engine, write_tree: TreeWriter, make_person: MakePerson
) -> None:
    current = _course(write_tree, QUIZ_TEXT)
    version = current.quizzes[QUIZ].meta.version
    reworded = parse_quiz(REWORDED, source="quizzes/intro-quiz.md").item
    assert reworded is not None
    now = {q.id: question_hash(q) for q in current.quizzes[QUIZ].questions}
    other = {q.id: question_hash(q) for q in reworded.questions}
    assert now["q-one"] == other["q-one"] and now["q-two"] != other["q-two"]
    people = [write_person(engine, name, "legal") for name in ("ada", "bob", "cy")]
    # The same version string, but bob and cy were asked q-two worded otherwise (a file edited
    # behind the app's back, or answers written by another program).
    write_attempt(engine, people[0], version, [("q-one", (0,), True, 5.0), ("q-two", (0, 1), True, 5.0)],
                  0, hashes=now)
    for minute, person in enumerate(people[1:], start=1):
        write_attempt(engine, person, version, [("q-one", (1,), False, 5.0), ("q-two", (2,), False, 5.0)],
                      minute, hashes=other)
    trainer = make_person("t@x.org", capabilities="trainer")
    items = _by_question(get_item_analysis(engine, trainer, current).items)
    one, two = items["q-one"], items["q-two"]
    assert (one.stats.answers, one.stats.correct, one.stats.learners, one.changed) == (3, 1, 3, False)
    assert (two.stats.answers, two.stats.correct, two.stats.learners, two.changed) == (1, 1, 1, True)
    assert [o.chosen for o in two.options] == [1, 1, 0]
    # The version picked alone shows every answer given under it, whatever the wording.
    alone = _by_question(get_item_analysis(engine, trainer, current, version=version).items)
    assert alone["q-two"].stats.answers == 3 and alone["q-two"].stats.learners == 3


def test_bulk_seeding_stores_the_wording_of_every_answer(engine: Engine) -> None:
    bundled = load(BUNDLED_ROOT).course
    assert bundled is not None
    seed_bulk(engine, bundled, learners=3, answers=60, seed=3)
    assert _scalar(engine, "SELECT COUNT(*) FROM quiz_answer") > 0
    assert _scalar(engine, "SELECT COUNT(*) FROM quiz_answer WHERE form_id IS NULL") == 0
    with read_session(engine) as session:
        rows = session.connection().execute(text(
            "SELECT f.quiz_id, f.question_id, f.hash FROM question_form f")).all()
    expected = {(quiz.meta.id, q.id): question_hash(q)
                for quiz in bundled.quizzes.values() for q in quiz.questions}
    assert rows and all(expected[(str(quiz), str(q))] == digest for quiz, q, digest in rows)
