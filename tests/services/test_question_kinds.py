"""Ordering, matching and reflection questions taken through the services, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, String, select
from sqlmodel import SQLModel

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.permissions import Actor
from course.domain.quiz import InvalidAnswer
from course.domain.scoring import EvidenceKind
from course.services import learner, privacy, quizzing
from course.services.studio_stats import get_item_analysis
from course.store import audit
from course.store.engine import read_session
from tests.conftest import QUIZ, TreeWriter
from tests.databases import MakePerson

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
SECRET = "My private note: I froze when the post went viral."

KINDS = QUIZ + """
{#first-hour competency=crisis kind=order}
## Put the first hour in order.

1. Acknowledge the post
2. Check the facts
3. Post the update
4. Review what happened

{#platforms competency=listening kind=match}
## Pair each platform with how it spreads a post.

- X -> reposts
- TikTok -> an algorithmic feed
- LinkedIn -> a professional network

{#my-habit kind=reflect}
## What will you do differently next time?
"""


@pytest.fixture
def course(write_tree: TreeWriter) -> Course:
    loaded = load_course(write_tree({"quizzes/intro-quiz.md": KINDS}))
    assert loaded.diagnostics == () and loaded.course is not None
    return loaded.course


def drawn(view: quizzing.AttemptView, question_id: str) -> tuple[int, ...]:
    return next(d.option_order for d in view.drawn if d.question_id == question_id)


def answer(engine: Engine, actor: Actor, course: Course, view: quizzing.AttemptView, question_id: str,
           chosen: list[int], text: str | None = None) -> quizzing.GradedAnswer:
    return quizzing.answer_question(engine, actor, course, "intro-quiz", attempt_key=view.attempt_key,
                                    question_id=question_id, chosen=chosen, seconds=4.0, now=NOW, text=text)


def take(engine: Engine, actor: Actor, course: Course, *, reflection: str = SECRET) -> quizzing.AttemptResult:
    """Answer q-one right, q-two wrong, half the order, a third of the pairs, and reflect."""
    view = quizzing.open_attempt(engine, actor, course, "intro-quiz", now=NOW)
    answer(engine, actor, course, view, "q-one", [0])
    answer(engine, actor, course, view, "q-two", [2])
    answer(engine, actor, course, view, "first-hour", [1, 0, 2, 3])
    answer(engine, actor, course, view, "platforms", [0, 2, 1])
    answer(engine, actor, course, view, "my-habit", [], text=reflection)
    return quizzing.submit_attempt(engine, actor, course, "intro-quiz", attempt_key=view.attempt_key, now=NOW)


def test_partial_credit_scores_the_attempt_and_enters_the_evidence(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    ada = make_person()
    view = quizzing.open_attempt(engine, ada, course, "intro-quiz", now=NOW)
    assert [d.question_id for d in view.drawn][-1] == "my-habit"
    assert sorted(drawn(view, "first-hour")) == [0, 1, 2, 3]
    result = take(engine, ada, course)
    assert result.questions == 4 and result.correct == 1
    assert result.score == pytest.approx((1 + 0 + 0.5 + 1 / 3) / 4)
    evidence = {e.detail_id: e.outcome for e in learner.get_evidence(engine, ada, course)
                if e.kind is EvidenceKind.ANSWER}
    assert evidence == pytest.approx({"q-one": 1.0, "q-two": 0.0, "first-hour": 0.5, "platforms": 1 / 3})


@pytest.mark.parametrize(
    ("question_id", "chosen", "text"),
    [
        ("first-hour", [0, 1, 2], None),
        ("first-hour", [0, 0, 1, 2], None),
        ("first-hour", [0, 1, 2, 9], None),
        ("first-hour", list(range(100_000)), None),
        ("first-hour", [0, 1, 2, 3], "words where none belong"),
        ("platforms", [0, 1], None),
        ("platforms", [1, 1, 2], None),
        ("my-habit", [0], "text"),
        ("my-habit", [], "x" * (quizzing.MAX_REFLECTION_CHARS + 1)),
        ("my-habit", [], None),
    ],
    ids=["short", "duplicate", "unknown", "huge", "text on a scored question", "short match",
         "repeated match", "options on a reflection", "reflection too long", "reflection without text"],
)
def test_a_forged_answer_is_refused_audited_and_saves_nothing(
    engine: Engine, course: Course, make_person: MakePerson, question_id: str, chosen: list[int],
    text: str | None,
) -> None:
    ada = make_person()
    view = quizzing.open_attempt(engine, ada, course, "intro-quiz", now=NOW)
    with pytest.raises(InvalidAnswer):
        answer(engine, ada, course, view, question_id, chosen, text)
    with read_session(engine) as session:
        assert len(audit.list_events(session, limit=10, kind="forged_request")) == 1
    assert quizzing.open_attempt(engine, ada, course, "intro-quiz", now=NOW).graded == {}
    assert quizzing.get_reflections(engine, ada, "intro-quiz") == {}


def test_a_reflection_is_kept_for_its_writer_and_an_empty_one_skips(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    ada = make_person()
    take(engine, ada, course, reflection="  First thoughts.  ")
    assert quizzing.get_reflections(engine, ada, "intro-quiz") == {"my-habit": "First thoughts."}
    take(engine, ada, course, reflection=" ")
    assert quizzing.get_reflections(engine, ada, "intro-quiz") == {"my-habit": "First thoughts."}
    take(engine, ada, course, reflection="Second thoughts.")
    assert quizzing.get_reflections(engine, ada, "intro-quiz") == {"my-habit": "Second thoughts."}
    bob = make_person("bob@example.org")
    assert quizzing.get_reflections(engine, bob, "intro-quiz") == {}


def test_a_reflection_reaches_no_one_else(engine: Engine, course: Course, make_person: MakePerson) -> None:
    ada, bob = make_person(), make_person("bob@example.org")
    take(engine, ada, course)
    take(engine, bob, course, reflection="Bob's own words.")
    # Nothing but the reflection table holds the words: every dashboard, item analysis and
    # export about other people reads the other tables.
    holders = []
    with read_session(engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                kind = getattr(column.type, "impl", column.type)
                text_column = isinstance(column.type, String) or isinstance(kind, String)
                if text_column and session.connection().execute(
                        select(column).where(column.contains("froze"))).first():
                    holders.append(f"{table.name}.{column.name}")
    assert holders == ["reflection.text"]
    admin = make_person("root@example.org", capabilities="admin")
    own = privacy.render_export(privacy.export_person(engine, "ada@example.org", by=admin))
    other = privacy.render_export(privacy.export_person(engine, "bob@example.org", by=admin))
    assert "I froze" in own and "I froze" not in other and "Bob's own words." in other
    trainer = make_person("t@example.org", capabilities="trainer")
    analysis = get_item_analysis(engine, trainer, course)
    assert "my-habit" not in {item.question_id for item in analysis.items}
    assert "froze" not in repr(analysis)


def test_item_analysis_reports_each_position_and_pair(
    engine: Engine, course: Course, make_person: MakePerson
) -> None:
    for email in ("ada@example.org", "bob@example.org", "cy@example.org"):
        take(engine, make_person(email), course)
    trainer = make_person("t@example.org", capabilities="trainer")
    by_id = {item.question_id: item for item in get_item_analysis(engine, trainer, course).items}
    assert set(by_id) == {"q-one", "q-two", "first-hour", "platforms"}
    order = by_id["first-hour"]
    assert order.options == () and order.stats.answers == 3 and order.stats.facility == 0.0
    assert [(p.text, p.right, p.answers) for p in order.parts] == [
        ("position 1: Acknowledge the post", 0, 3), ("position 2: Check the facts", 0, 3),
        ("position 3: Post the update", 3, 3), ("position 4: Review what happened", 3, 3)]
    match = by_id["platforms"]
    assert [(p.text, p.right) for p in match.parts] == [
        ("X → reposts", 3), ("TikTok → an algorithmic feed", 0), ("LinkedIn → a professional network", 0)]
    assert by_id["q-one"].parts == () and len(by_id["q-one"].options) == 2


def test_submitting_again_reports_the_same_result(
        engine: Engine, course: Course, make_person: MakePerson) -> None:
    ada = make_person()
    view = quizzing.open_attempt(engine, ada, course, "intro-quiz", now=NOW)
    answer(engine, ada, course, view, "q-one", [0])
    answer(engine, ada, course, view, "q-two", [2])
    answer(engine, ada, course, view, "first-hour", [1, 0, 2, 3])
    answer(engine, ada, course, view, "platforms", [0, 1, 2])
    answer(engine, ada, course, view, "my-habit", [], text="")
    first = quizzing.submit_attempt(engine, ada, course, "intro-quiz", attempt_key=view.attempt_key, now=NOW)
    again = quizzing.submit_attempt(engine, ada, course, "intro-quiz", attempt_key=view.attempt_key, now=NOW)
    assert first == again and first.correct == 2 and first.score == pytest.approx(2.5 / 4)
