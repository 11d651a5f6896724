"""Item statistics carried across content versions: a question counts every version in which it read the same.

The course's quiz (tests/conftest.py) is the current version. Two older versions are written
to the content history: "renamed" differs only in its title (both questions read as now) and
"reworded" changes q-two's options (q-one reads as now). A third older version, "lost", has
answers but no text in the history, so nothing of it is pooled.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from course.content.common import content_version
from course.content.loader import load_course
from course.content.quizzes import parse_quiz
from course.domain.item_analysis import GROUP_SHARE
from course.domain.model import Course
from course.domain.question_hash import question_hash
from course.services.studio_stats import ItemReport, get_item_analysis
from course.store import content_history
from course.store.engine import write_transaction
from tests.conftest import QUIZ as QUIZ_TEXT
from tests.conftest import TreeWriter
from tests.databases import MakePerson
from tests.studio_data import QUIZ, T0, Answer, write_attempt, write_person

RENAMED = QUIZ_TEXT.replace("title: Introduction check", "title: Introduction quiz")
REWORDED = QUIZ_TEXT.replace("- [ ] Guessing", "- [ ] Hoping")
#: q-one's right options and q-two's, as in the quiz file.
RIGHT = {"q-one": {0}, "q-two": {0, 1}}


@pytest.fixture
def course(write_tree: TreeWriter) -> Course:
    loaded = load_course(write_tree()).course
    assert loaded is not None
    return loaded


def _remember(engine: Engine, text: str, minute: int) -> str:
    version = content_version(text)
    with write_transaction(engine) as session:
        content_history.import_revision(session, "quizzes/intro-quiz.md", content_history.NewRevision(
            text=text, hash=version, kind="imported", author_id=None, message="",
            saved_at=T0.replace(minute=minute)))
    return version


@dataclass(frozen=True)
class Written:
    """One attempt as written: its id order, person, version and answers (question, chosen, right)."""

    order: int
    person: int
    version: str
    answers: tuple[tuple[str, bool], ...]


def _write(engine: Engine, people: list[int], versions: list[str], seed: int) -> list[Written]:
    chance = random.Random(seed)
    written = []
    for order in range(chance.randint(8, 40)):
        version = chance.choice(versions)
        person = chance.choice(people)
        answers: list[Answer] = []
        for question, right in RIGHT.items():
            options = range(3 if question == "q-two" else 2)
            chosen = tuple(sorted(chance.sample(options, chance.randint(1, 2))))
            answers.append((question, chosen, set(chosen) == right, float(chance.randint(1, 30))))
        write_attempt(engine, person, version, answers, order)
        written.append(Written(order, person, version, tuple((q, ok) for q, _, ok, _ in answers)))
    return written


def _shares(scores: list[float]) -> dict[float, tuple[float, float]]:
    """Return each score's share of its attempts in the upper and lower ceil(27%), ties at an edge shared."""
    size = math.ceil(round(GROUP_SHARE * 100) * len(scores) / 100)
    ranked = sorted(scores, reverse=True)
    upper, lower = set(ranked[:size]), set(ranked[len(ranked) - size:])
    found = {}
    for score in set(scores):
        tied = scores.count(score)
        above = sum(s > score for s in scores)
        below = sum(s < score for s in scores)
        found[score] = (
            min(tied, max(0, size - above)) / tied if score in upper else 0.0,
            min(tied, max(0, size - below)) / tied if score in lower else 0.0,
        )
    return found


def _expected(written: list[Written], question: str, versions: set[str]) -> dict[str, float | int | None]:
    """Recompute a question's pooled statistics from the raw attempts, version by version."""
    upper = lower = upper_right = lower_right = 0.0
    xs: list[float] = []
    rests: list[float] = []
    people = set()
    for version in versions:
        mine = [w for w in written if w.version == version]
        scores = [sum(ok for _, ok in w.answers) / len(w.answers) for w in mine]
        shares = _shares(scores)
        for attempt, score in zip(mine, scores, strict=True):
            x = dict(attempt.answers)[question]
            people.add(attempt.person)
            xs.append(float(x))
            rests.append(float(sum(ok for _, ok in attempt.answers) - x))
            up, down = shares[score]
            upper, upper_right = upper + up, upper_right + up * x
            lower, lower_right = lower + down, lower_right + down * x
    return {
        "answers": len(xs),
        "correct": int(sum(xs)),
        "learners": len(people),
        "upper": upper_right / upper if upper else None,
        "lower": lower_right / lower if lower else None,
        "r": _correlation(xs, rests),
    }


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    return None if n < 2 or sxx <= 0 or syy <= 1e-12 else sxy / math.sqrt(sxx * syy)


def _by_question(reports: tuple[ItemReport, ...]) -> dict[str, ItemReport]:
    return {r.question_id: r for r in reports}


def test_a_one_word_edit_elsewhere_keeps_a_question_s_statistics(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    current = course.quizzes[QUIZ].meta.version
    renamed = _remember(engine, RENAMED, 1)
    ada = write_person(engine, "ada", "legal")
    write_attempt(engine, ada, renamed, [("q-one", (0,), True, 5.0), ("q-two", (0, 1), True, 5.0)], 0)
    trainer = make_person("t@x.org", capabilities="trainer")
    items = _by_question(get_item_analysis(engine, trainer, course).items)
    # No answer of the current version yet, but both questions read as they did: they keep theirs.
    assert {q: r.stats.answers for q, r in items.items()} == {"q-one": 1, "q-two": 1}
    assert all(r.version == current and not r.changed for r in items.values())
    assert [p.version for p in items["q-one"].pooled] == [renamed]
    assert items["q-one"].counted_since == T0


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_pooled_statistics_equal_a_recomputation_from_the_raw_answers(
    engine: Engine, course: Course, make_person: MakePerson, seed: int
) -> None:
    current = course.quizzes[QUIZ].meta.version
    renamed, reworded = _remember(engine, RENAMED, 1), _remember(engine, REWORDED, 2)
    people = [write_person(engine, name, "legal") for name in ("ada", "bob", "cy", "dee")]
    written = _write(engine, people, [current, renamed, reworded, "lost"], seed)
    trainer = make_person("t@x.org", capabilities="trainer")
    items = _by_question(get_item_analysis(engine, trainer, course).items)
    answered = {w.version for w in written}
    pools = {"q-one": {current, renamed, reworded} & answered, "q-two": {current, renamed} & answered}
    for question, versions in pools.items():
        if not versions:
            assert question not in items
            continue
        report, expected = items[question], _expected(written, question, versions)
        stats = report.stats
        assert {p.version for p in report.pooled} == versions
        assert sum(p.answers for p in report.pooled) == stats.answers == expected["answers"]
        assert (stats.correct, stats.learners) == (expected["correct"], expected["learners"])
        assert stats.upper_facility == pytest.approx(expected["upper"])
        assert stats.lower_facility == pytest.approx(expected["lower"])
        assert stats.point_biserial == pytest.approx(expected["r"])
        others = answered - versions
        assert report.changed == bool(others)


def test_only_the_question_s_own_content_makes_its_hash(course: Course) -> None:
    quiz = course.quizzes[QUIZ]
    one, two = quiz.questions
    assert question_hash(one) != question_hash(two)
    assert question_hash(one) == question_hash(one)
    reworded = parse_quiz(REWORDED, source="quizzes/intro-quiz.md").item
    assert reworded is not None
    assert question_hash(reworded.questions[0]) == question_hash(one)
    assert question_hash(reworded.questions[1]) != question_hash(two)



def test_a_stored_text_that_is_not_the_version_it_claims_is_not_trusted(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    claimed = content_version(RENAMED)
    with write_transaction(engine) as session:  # a row written behind the app's back
        content_history.import_revision(session, "quizzes/intro-quiz.md", content_history.NewRevision(
            text=QUIZ_TEXT, hash=claimed, kind="imported", author_id=None, message="", saved_at=T0))
    ada = write_person(engine, "ada", "legal")
    write_attempt(engine, ada, claimed, [("q-one", (0,), True, 5.0), ("q-two", (0, 1), True, 5.0)], 0)
    trainer = make_person("t@x.org", capabilities="trainer")
    assert get_item_analysis(engine, trainer, course).items == ()


def test_another_quiz_s_file_with_the_same_question_ids_is_not_pooled(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    other = _remember(engine, QUIZ_TEXT.replace("id: intro-quiz", "id: other-quiz"), 1)
    ada = write_person(engine, "ada", "legal")
    write_attempt(engine, ada, other, [("q-one", (0,), True, 5.0), ("q-two", (0, 1), True, 5.0)], 0)
    trainer = make_person("t@x.org", capabilities="trainer")
    assert get_item_analysis(engine, trainer, course).items == ()
