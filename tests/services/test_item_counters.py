"""Item analysis read from the counters equals a recomputation from the raw answers.

Random attempts of the test course's quiz (tests/conftest.py) are written in three versions: the
current one, "reworded" (q-two's options changed; its text in the content history) and "lost"
(no text anywhere). Each attempt stores its wording or not (as answers recorded before wordings
were stored); a "lost" attempt that stores one may claim either wording. The statistics the
studio shows are then recomputed here from the attempts as written, with the documented rules:
a question pools the answers asked in its present wording; the upper and lower ceil(27%) of each
version's attempts share the attempts tied at their edge in proportion.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from course.content.common import content_version
from course.content.loader import load_course
from course.content.quizzes import parse_quiz
from course.domain.item_analysis import GROUP_SHARE
from course.domain.model import Course
from course.domain.permissions import Actor, Capability, Grants
from course.domain.question_hash import question_hash
from course.services.studio_stats import get_item_analysis
from course.store import content_history, item_counters, privacy
from course.store.engine import read_session, write_transaction
from tests.conftest import QUIZ as QUIZ_TEXT
from tests.conftest import TreeWriter
from tests.studio_data import T0, write_attempt, write_person

REWORDED = QUIZ_TEXT.replace("- [ ] Guessing", "- [ ] Hoping")
RIGHT = {"q-one": (0,), "q-two": (0, 1)}
OPTIONS = {"q-one": 2, "q-two": 3}
COUNTERS = ("item_score_count", "item_choice_count", "item_learner", "item_form_learners")


@dataclass(frozen=True)
class Attempt:
    """One attempt as drawn: who, which version, whether it stores its wording, and its answers."""

    person: int
    version: str  # "current", "reworded" or "lost"
    stored: bool
    claims: str  # the wording a "lost" attempt stores: "current" or "reworded"
    answers: tuple[tuple[str, tuple[int, ...], float], ...]  # (question, chosen, seconds)


ANSWER = st.tuples(st.integers(0, 2), st.integers(0, 2), st.sampled_from((1.0, 2.5, 7.0)))
ATTEMPTS = st.lists(
    st.builds(
        lambda person, version, stored, claims, one, two, which: Attempt(
            person, version, stored, claims,
            tuple(a for a, keep in zip(
                (("q-one", tuple(sorted({one[0] % 2, one[1] % 2})), one[2]),
                 ("q-two", tuple(sorted({two[0], two[1]})), two[2])),
                (which != 2, which != 1), strict=True) if keep)),
        st.integers(0, 3), st.sampled_from(("current", "reworded", "lost")), st.booleans(),
        st.sampled_from(("current", "reworded")), ANSWER, ANSWER, st.integers(0, 2),
    ),
    min_size=1, max_size=30,
)


def _course(write_tree: TreeWriter) -> Course:
    loaded = load_course(write_tree()).course
    assert loaded is not None
    return loaded


def _hashes(quiz_text: str) -> dict[str, str]:
    quiz = parse_quiz(quiz_text, source="quizzes/intro-quiz.md").item
    assert quiz is not None
    return {q.id: question_hash(q) for q in quiz.questions}


WORDINGS = {"current": _hashes(QUIZ_TEXT), "reworded": _hashes(REWORDED)}
VERSIONS = {"current": content_version(QUIZ_TEXT), "reworded": content_version(REWORDED), "lost": "lost"}


def _score(attempt: Attempt) -> float:
    return sum(chosen == RIGHT[q] for q, chosen, _ in attempt.answers) / len(attempt.answers)


def _wording(attempt: Attempt, question: str) -> str | None:
    """Return the hash of the wording an answer counts under: stored, or worked out from the history."""
    if attempt.stored:
        return WORDINGS[attempt.claims if attempt.version == "lost" else attempt.version][question]
    return WORDINGS[attempt.version][question] if attempt.version != "lost" else None


def _shares(scores: list[float]) -> dict[float, tuple[float, float]]:
    """Return each score's share of its attempts in the upper and lower groups (ties shared)."""
    size = math.ceil(round(GROUP_SHARE * 100) * len(scores) / 100)
    found = {}
    for score in set(scores):
        tied = scores.count(score)
        above, below = sum(s > score for s in scores), sum(s < score for s in scores)
        found[score] = (max(0, min(tied, size - above)) / tied, max(0, min(tied, size - below)) / tied)
    return found


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    return None if n < 2 or sxx <= 0 or syy <= 1e-9 * max(1.0, n * sum(y * y for y in ys)) else (
        sxy / math.sqrt(sxx * syy))


def _expected(history: list[Attempt], question: str) -> dict[str, object] | None:
    """Recompute one question's pooled statistics from the attempts as written."""
    present = WORDINGS["current"][question]
    by_version: dict[str, list[Attempt]] = {}
    for attempt in history:
        by_version.setdefault(attempt.version, []).append(attempt)
    n = right = 0
    seconds = upper = upper_right = lower = lower_right = 0.0
    xs: list[float] = []
    rests: list[float] = []
    people: set[int] = set()
    chosen = [0] * OPTIONS[question]
    changed = False
    for attempts in by_version.values():
        scores = [_score(a) for a in attempts]
        shares = _shares(scores)
        m = sum(len(a.answers) for a in attempts) / len(attempts)
        for attempt, score in zip(attempts, scores, strict=True):
            for q, picked, spent in attempt.answers:
                if q != question:
                    continue
                if _wording(attempt, q) != present:
                    changed = True
                    continue
                x = float(picked == RIGHT[q])
                n, right, seconds = n + 1, right + int(x), seconds + spent
                up, down = shares[score]
                upper, upper_right, lower, lower_right = upper + up, upper_right + up * x, lower + down, (
                    lower_right + down * x)
                xs.append(x)
                rests.append(m * score - x)
                people.add(attempt.person)
                for option in picked:
                    chosen[option] += 1
    if not n:
        return None
    return {"answers": n, "correct": right, "learners": len(people), "mean_seconds": seconds / n,
            "upper": upper_right / upper if upper else None, "lower": lower_right / lower if lower else None,
            "r": _correlation(xs, rests), "chosen": chosen, "changed": changed}


def _one_version(history: list[Attempt], version: str, question: str) -> dict[str, object] | None:
    """Recompute a question's statistics in one version alone: every answer, whatever its wording."""
    attempts = [a for a in history if a.version == version]
    scores = [_score(a) for a in attempts]
    shares = _shares(scores)
    xs: list[tuple[float, float, float]] = []  # (x, upper share, lower share)
    people = set()
    for attempt, score in zip(attempts, scores, strict=True):
        for q, picked, _ in attempt.answers:
            if q == question:
                xs.append((float(picked == RIGHT[q]), *shares[score]))
                people.add(attempt.person)
    if not xs:
        return None
    upper, lower = sum(u for _, u, _ in xs), sum(d for _, _, d in xs)
    return {"answers": len(xs), "correct": int(sum(x for x, _, _ in xs)), "learners": len(people),
            "upper": sum(x * u for x, u, _ in xs) / upper if upper else None,
            "lower": sum(x * d for x, _, d in xs) / lower if lower else None}


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _tables(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with read_session(engine) as session:
        return {t: sorted(tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                          for row in session.connection().execute(text(f"SELECT * FROM {t}")))
                for t in COUNTERS}


def _rebuilt(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Return the counters recomputed from the answers, leaving the kept ones as they were."""
    kept = _tables(engine)
    with write_transaction(engine) as session:
        item_counters.rebuild(session)
    rebuilt = _tables(engine)
    with write_transaction(engine) as session:
        item_counters.rebuild(session)
    assert _tables(engine) == rebuilt
    return {"kept": kept, "rebuilt": rebuilt}  # type: ignore[dict-item]


def _fresh(engine: Engine) -> list[int]:
    with write_transaction(engine) as session:  # each example starts from no learner work
        for table in (*COUNTERS, "quiz_answer", "quiz_attempt", "question_form", "content_revision",
                      "person"):
            session.connection().execute(text(f"DELETE FROM {table}"))
        content_history.import_revision(session, "quizzes/intro-quiz.md", content_history.NewRevision(
            text=REWORDED, hash=VERSIONS["reworded"], kind="imported", author_id=None, message="",
            saved_at=T0))
    return [write_person(engine, name, "legal") for name in ("ada", "bob", "cy", "dee")]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=ATTEMPTS)
def test_the_analysis_read_from_the_counters_equals_a_recomputation_from_the_answers(
    engine: Engine, write_tree: TreeWriter, history: list[Attempt]
) -> None:
    course = _course(write_tree)
    people = _fresh(engine)
    for minute, attempt in enumerate(history):
        write_attempt(
            engine, people[attempt.person], VERSIONS[attempt.version],
            [(q, chosen, chosen == RIGHT[q], spent) for q, chosen, spent in attempt.answers], minute,
            hashes=WORDINGS[attempt.claims if attempt.version == "lost" else attempt.version]
            if attempt.stored else None)
    trainer = Actor(0, "t@x.org", Grants(frozenset({Capability.TRAINER})))
    items = {r.question_id: r for r in get_item_analysis(engine, trainer, course).items}
    for question in RIGHT:
        expected = _expected(history, question)
        if expected is None:
            assert question not in items
            continue
        report = items[question]
        stats = report.stats
        got = {"answers": stats.answers, "correct": stats.correct, "learners": stats.learners,
               "mean_seconds": stats.mean_seconds, "upper": stats.upper_facility,
               "lower": stats.lower_facility, "r": stats.point_biserial,
               "chosen": [o.chosen for o in report.options], "changed": report.changed}
        assert all(_close(got[k], v) for k, v in expected.items()), (question, got, expected)
    for version in {a.version for a in history}:
        alone = {r.question_id: r.stats for r in get_item_analysis(
            engine, trainer, course, version=VERSIONS[version]).items}
        for question in RIGHT:
            wanted = _one_version(history, version, question)
            if wanted is None:
                assert question not in alone
                continue
            one = alone[question]
            seen = {"answers": one.answers, "correct": one.correct, "learners": one.learners,
                    "upper": one.upper_facility, "lower": one.lower_facility}
            assert all(_close(seen[k], v) for k, v in wanted.items()), (version, question, seen, wanted)
    # The counters kept by the writes are those recomputed from the answers, before and after
    # a person's erasure takes their answers out.
    both = _rebuilt(engine)
    assert both["kept"] == both["rebuilt"]
    with write_transaction(engine) as session:
        privacy.erase_rows(session, people[0], email="ada@x.org")
    both = _rebuilt(engine)
    assert both["kept"] == both["rebuilt"]


def test_two_writers_adding_to_the_same_counters_lose_nothing(engine: Engine) -> None:
    people = [write_person(engine, name, "legal") for name in ("ada", "bob")]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def write(person: int) -> None:
        try:
            start.wait()
            for minute in range(15):
                answers = [("q-one", (0,), True, 2.0), ("q-two", (minute % 3,), False, 1.0)]
                write_attempt(engine, person, "v1", answers, minute,
                              hashes={"q-one": "1111", "q-two": "2222"})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    both = _rebuilt(engine)
    assert both["kept"] == both["rebuilt"]
    with read_session(engine) as session:
        learners = session.connection().execute(
            text("SELECT SUM(learners) FROM item_form_learners")).scalar_one()
        answers = session.connection().execute(text(
            "SELECT SUM(answers) FROM item_score_count WHERE question_id = 'q-one'")).scalar_one()
    assert (learners, answers) == (4, 30)
