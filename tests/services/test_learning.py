"""Learning through the services: the path, reading, quizzes, scenarios and the literacy profile.

Every test runs on a SQLite file and on PostgreSQL (the `engine` fixture of this folder), with
people created through `add_account` and courses loaded from real files: small inline trees
where a test needs a particular shape, the bundled course where realism helps.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from course.content.loader import load_course
from course.domain.diagnostics import has_errors
from course.domain.model import Course
from course.domain.permissions import Actor, Capability, Grants
from course.domain.quiz import GradedAnswer, InvalidAnswer
from course.domain.records import RecordOutcome, new_key
from course.domain.scenario import InvalidChoice
from course.domain.scoring import EvidenceKind
from course.services import learner, playing, quizzing, reading
from course.services.accounts import add_account
from course.services.learner import ModuleState, NotAvailable
from course.services.permissions import PermissionDenied
from course.settings import BUNDLED_ROOT
from course.store import attempts, audit, drafts, progress, scenario_runs
from course.store.engine import create_store_engine, read_session
from tests.conftest import QUIZ, TreeWriter, dedent

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
AddPerson = Callable[..., Actor]


# --- content ---------------------------------------------------------------------------------

def module_text(module_id: str, *, roles: str = "[all]", order: int | None = None, minutes: int = 5,
                requires: str | None = None, quiz: str | None = None, scenario: str | None = None,
                sections: int = 1) -> str:
    """Return a module file; `sections` counts the `## ` headings (no introduction)."""
    lines = [f"id: {module_id}", f"title: Module {module_id}", f"roles: {roles}", "competencies: [crisis]",
             f"minutes: {minutes}"]
    lines += [f"order: {order}"] if order is not None else []
    lines += [f"requires: {requires}"] if requires else []
    lines += [f"quiz: {quiz}"] if quiz else []
    lines += [f"scenario: {scenario}"] if scenario else []
    body = "".join(f"## Part {n}\n\nText of part {n}.\n\n" for n in range(1, sections + 1))
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body


def quiz_text(**keys: object) -> str:
    """Return the test quiz (q-one single choice, q-two multiple) with extra front matter."""
    extra = "".join(f"{k}: {v}\n" for k, v in keys.items())
    anchor = "competencies: [crisis, listening]\n"
    return QUIZ.replace(anchor, anchor + extra, 1)


#: A scenario with a condition and a meter that clamps. Best path: Boost (2), then Carry on (2).
TRICKY = dedent("""
    ---
    id: tricky
    title: Tricky
    roles: [all]
    competencies: [crisis]
    meters:
      trust: {label: Trust, start: 90, min: 0, max: 100}
    ---

    {#start}
    ## The start

    Something happens.

    - [Boost](#middle){trust=30 score=2}
      > Trust grows.
    - [Drop](#middle){trust=-95 score=0}
      > Trust falls.
    - [Walk away](#bad-end){score=0}
      > Nothing more.

    {#middle}
    ## The middle

    It goes on.

    - [Carry on](#good-end){score=2 when="trust >= 50"}
      > Only the trusted can.
    - [Give up](#bad-end){score=0}
      > That ends it.

    {#good-end ending=good}
    ## Good end

    Well done.

    {#bad-end ending=bad}
    ## Bad end

    Not so well.
""")

#: A path: basics for everyone (two sections, the quiz and the scenario), a deep module per track
#: that requires basics, and an afterword for everyone without an order.
PATH_TREE: dict[str, str | None] = {
    "modules/intro.md": None,
    "modules/basics.md": module_text("basics", order=1, minutes=5, quiz="intro-quiz",
                                     scenario="first-day", sections=2),
    "modules/legal-deep.md": module_text("legal-deep", roles="[legal]", order=2, minutes=7,
                                         requires="[basics]"),
    "modules/hr-deep.md": module_text("hr-deep", roles="[hr]", order=2, minutes=4, requires="[basics]"),
    "modules/afterword.md": module_text("afterword", minutes=3),
}

#: The base course plus a module that practises the tricky scenario.
SCENARIO_TREE: dict[str, str | None] = {
    "scenarios/tricky.md": TRICKY,
    "modules/practice.md": module_text("practice", order=2, scenario="tricky"),
}


def load(root: Path) -> Course:
    result = load_course(root)
    assert result.course is not None
    assert not has_errors(result.diagnostics), [str(d) for d in result.diagnostics]
    return result.course


@pytest.fixture(scope="module")
def bundled() -> Course:
    return load(BUNDLED_ROOT)


# --- people and the database -----------------------------------------------------------------

@pytest.fixture
def add_person(engine: Engine) -> AddPerson:
    """Return a function that creates an account (a learner on the legal track by default)."""

    def add(email: str = "ada@example.org", *, tracks: Iterable[str] = ("legal",),
            capabilities: Iterable[Capability] = (Capability.LEARNER,)) -> Actor:
        info = add_account(engine, email, name=email.split("@")[0].title(),
                           grants=Grants(frozenset(capabilities)), by=None, department="legal",
                           tracks=tracks, now=NOW)
        return Actor(info.id, info.email, info.grants)

    return add


@pytest.fixture
def ada(add_person: AddPerson) -> Actor:
    return add_person()


def rows(engine: Engine, table: str) -> int:
    with read_session(engine) as session:
        return int(session.connection().execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def events(engine: Engine, kind: str) -> list[audit.AuditEntry]:
    with read_session(engine) as session:
        return audit.list_events(session, kind=kind)


def draft_of(engine: Engine, actor: Actor, quiz_id: str) -> drafts.Draft | None:
    with read_session(engine) as session:
        return drafts.get_draft(session, actor.person_id, quiz_id=quiz_id)


def runs_of(engine: Engine, actor: Actor, scenario_id: str) -> list[scenario_runs.RunSummary]:
    with read_session(engine) as session:
        return scenario_runs.list_runs(session, actor.person_id, scenario_id=scenario_id)


def status_of(engine: Engine, actor: Actor, course: Course, module_id: str) -> learner.ModuleStatus:
    found = learner.get_path(engine, actor, course).status(module_id)
    assert found is not None, module_id
    return found


def progress_of(engine: Engine, actor: Actor) -> dict[tuple[str, str], int]:
    with read_session(engine) as session:
        return {(e.kind.value, e.item_id): e.events for e in progress.list_progress(session, actor.person_id)}


# --- doing things ----------------------------------------------------------------------------

def wrong_option(course: Course, quiz_id: str, question_id: str) -> list[int]:
    question = course.quizzes[quiz_id].question(question_id)
    assert question is not None
    return [next(o.index for o in question.options if not o.correct)]


def right_options(course: Course, quiz_id: str, question_id: str) -> list[int]:
    question = course.quizzes[quiz_id].question(question_id)
    assert question is not None
    return sorted(question.correct_indexes)


def take_quiz(engine: Engine, actor: Actor, course: Course, quiz_id: str, *,
              wrong: Iterable[str] = (), now: datetime = NOW) -> quizzing.AttemptResult:
    """Open an attempt, answer every drawn question (right unless listed in `wrong`), submit."""
    view = quizzing.open_attempt(engine, actor, course, quiz_id, now=now)
    for drawn in view.drawn:
        qid = drawn.question_id
        chosen = wrong_option(course, quiz_id, qid) if qid in wrong else right_options(course, quiz_id, qid)
        quizzing.answer_question(engine, actor, course, quiz_id, attempt_key=view.attempt_key,
                                 question_id=qid, chosen=chosen, seconds=4.0, now=now)
    return quizzing.submit_attempt(engine, actor, course, quiz_id, attempt_key=view.attempt_key, now=now)


def play(engine: Engine, actor: Actor, course: Course, scenario_id: str, choices: Iterable[int], *,
         now: datetime = NOW) -> playing.RunView:
    """Start a run and take these choices, one step after the other."""
    view = playing.start_new_run(engine, actor, course, scenario_id, key=new_key(), now=now)
    for step_no, index in enumerate(choices, start=1):
        view = playing.choose(engine, actor, course, scenario_id, run_id=view.run_id, step_no=step_no,
                              choice_index=index, key=new_key(), seconds=3.0, now=now)
    return view


def read_all(engine: Engine, actor: Actor, course: Course, module_id: str) -> None:
    for index in range(len(course.modules[module_id].sections)):
        reading.mark_section_read(engine, actor, course, module_id, section_index=index, key=new_key(),
                                  now=NOW)


# --- the path --------------------------------------------------------------------------------

def test_the_path_holds_foundation_modules_and_the_persons_tracks_in_order(
    engine: Engine, add_person: AddPerson, write_tree: TreeWriter
) -> None:
    course = load(write_tree(PATH_TREE))
    legal = add_person("ada@example.org", tracks=("legal",))
    both = add_person("bo@example.org", tracks=("hr", "legal"))
    nobody = add_person("cy@example.org", tracks=())

    def ids(actor: Actor) -> list[str]:
        return [s.module.meta.id for s in learner.get_path(engine, actor, course).modules]

    assert ids(legal) == ["basics", "legal-deep", "afterword"]
    assert ids(both) == ["basics", "hr-deep", "legal-deep", "afterword"]  # a tie on order: by id
    assert ids(nobody) == ["basics", "afterword"]
    assert learner.get_path(engine, legal, course).person.tracks == ("legal",)


def test_a_fresh_path_locks_what_requires_unfinished_modules(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    course = load(write_tree(PATH_TREE))
    path = learner.get_path(engine, ada, course)
    assert [(s.module.meta.id, s.state) for s in path.modules] == [
        ("basics", ModuleState.NOT_STARTED),
        ("legal-deep", ModuleState.LOCKED),
        ("afterword", ModuleState.NOT_STARTED),
    ]
    basics = path.status("basics")
    assert basics is not None
    assert (basics.sections_read, basics.quiz_passed, basics.scenario_done) == (frozenset(), False, False)
    afterword = path.status("afterword")
    assert afterword is not None and (afterword.quiz_passed, afterword.scenario_done) == (None, None)
    assert path.next is basics
    assert path.minutes_left == 5 + 7 + 3
    assert path.done == 0
    assert path.status("hr-deep") is None


def test_a_module_is_done_once_read_passed_and_played_which_unlocks_the_next(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    course = load(write_tree(PATH_TREE))

    def states() -> dict[str, ModuleState]:
        return {s.module.meta.id: s.state for s in learner.get_path(engine, ada, course).modules}

    reading.mark_section_read(engine, ada, course, "basics", section_index=1, key=new_key())
    assert states()["basics"] is ModuleState.IN_PROGRESS
    read_all(engine, ada, course, "basics")
    assert states() == {"basics": ModuleState.IN_PROGRESS, "legal-deep": ModuleState.LOCKED,
                        "afterword": ModuleState.NOT_STARTED}

    failed = take_quiz(engine, ada, course, "intro-quiz", wrong=["q-one", "q-two"])
    assert not failed.passed
    status = learner.get_path(engine, ada, course).status("basics")
    assert status is not None and status.quiz_passed is False and status.state is ModuleState.IN_PROGRESS

    assert take_quiz(engine, ada, course, "intro-quiz").passed
    assert states()["basics"] is ModuleState.IN_PROGRESS  # the scenario is still to play
    assert states()["legal-deep"] is ModuleState.LOCKED

    play(engine, ada, course, "first-day", [1])  # any ending finishes the scenario, even a bad one
    path = learner.get_path(engine, ada, course)
    assert [(s.module.meta.id, s.state) for s in path.modules] == [
        ("basics", ModuleState.DONE),
        ("legal-deep", ModuleState.NOT_STARTED),
        ("afterword", ModuleState.NOT_STARTED),
    ]
    assert path.done == 1
    assert path.next is path.status("legal-deep")
    assert path.minutes_left == 7 + 3

    read_all(engine, ada, course, "legal-deep")
    read_all(engine, ada, course, "afterword")
    path = learner.get_path(engine, ada, course)
    assert path.done == 3 and path.next is None and path.minutes_left == 0


@pytest.mark.parametrize("missing", ["a section", "the quiz", "the scenario"])
def test_a_module_missing_any_part_is_not_done_and_keeps_the_next_locked(
    engine: Engine, ada: Actor, write_tree: TreeWriter, missing: str
) -> None:
    course = load(write_tree(PATH_TREE))
    if missing != "a section":
        read_all(engine, ada, course, "basics")
    else:
        reading.mark_section_read(engine, ada, course, "basics", section_index=0, key=new_key())
    if missing != "the quiz":
        assert take_quiz(engine, ada, course, "intro-quiz").passed
    if missing != "the scenario":
        play(engine, ada, course, "first-day", [0])
    path = learner.get_path(engine, ada, course)
    basics, deep = path.status("basics"), path.status("legal-deep")
    assert basics is not None and deep is not None
    assert basics.state is ModuleState.IN_PROGRESS
    assert deep.state is ModuleState.LOCKED
    assert path.next is basics
    with pytest.raises(NotAvailable, match="locked"):
        reading.mark_section_read(engine, ada, course, "legal-deep", section_index=0, key=new_key())


# --- reading ---------------------------------------------------------------------------------

def test_a_section_read_is_recorded_once_per_key(engine: Engine, ada: Actor, write_tree: TreeWriter) -> None:
    course = load(write_tree(PATH_TREE))
    key = new_key()
    first = reading.mark_section_read(engine, ada, course, "basics", section_index=1, key=key, now=NOW)
    again = reading.mark_section_read(engine, ada, course, "basics", section_index=1, key=key, now=NOW)
    other_key = reading.mark_section_read(engine, ada, course, "basics", section_index=1, key=new_key())
    assert (first, again, other_key) == (RecordOutcome.RECORDED, RecordOutcome.DUPLICATE,
                                         RecordOutcome.DUPLICATE)
    assert rows(engine, "section_read") == 1
    assert progress_of(engine, ada) == {("module", "basics"): 1}
    status = reading.open_module(engine, ada, course, "basics")
    assert status.sections_read == frozenset({1})
    assert status.module.meta.version == course.modules["basics"].meta.version


@pytest.mark.parametrize("index", [-1, 2, 99])
def test_a_section_out_of_range_is_refused(
    engine: Engine, ada: Actor, write_tree: TreeWriter, index: int
) -> None:
    course = load(write_tree(PATH_TREE))
    assert len(course.modules["basics"].sections) == 2
    with pytest.raises(NotAvailable, match="has no section"):
        reading.mark_section_read(engine, ada, course, "basics", section_index=index, key=new_key())
    assert rows(engine, "section_read") == 0


@pytest.mark.parametrize(("module_id", "message"), [
    ("hr-deep", "not on your path"),
    ("no-such-module", "not on your path"),
    ("legal-deep", "locked"),
])
def test_a_module_off_the_path_or_locked_is_not_available(
    engine: Engine, ada: Actor, write_tree: TreeWriter, module_id: str, message: str
) -> None:
    course = load(write_tree(PATH_TREE))
    with pytest.raises(NotAvailable, match=message):
        reading.mark_section_read(engine, ada, course, module_id, section_index=0, key=new_key())
    with pytest.raises(NotAvailable, match=message):
        reading.open_module(engine, ada, course, module_id)
    assert rows(engine, "section_read") == 0


def test_reading_needs_the_learner_capability_and_a_refusal_is_audited(
    engine: Engine, add_person: AddPerson, write_tree: TreeWriter
) -> None:
    course = load(write_tree(PATH_TREE))
    trainer = add_person("tess@example.org", capabilities=(Capability.TRAINER,))
    with pytest.raises(PermissionDenied, match="may not read_section"):
        reading.mark_section_read(engine, trainer, course, "basics", section_index=0, key=new_key())
    (denial,) = events(engine, "action_denied")
    assert (denial.actor, denial.target) == ("tess@example.org", "read_section")
    assert rows(engine, "section_read") == 0


# --- quizzes ---------------------------------------------------------------------------------

CNB = "conversation-not-broadcast-quiz"


def test_a_retake_draws_the_questions_not_seen_before_any_repeat(
    engine: Engine, ada: Actor, bundled: Course
) -> None:
    quiz = bundled.quizzes[CNB]
    bank = {q.id for q in quiz.scored_questions}
    assert quiz.pick is not None and quiz.pick < len(bank)
    seen: set[str] = set()
    for attempt in range(3):
        view = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW + timedelta(hours=attempt))
        drawn = {d.question_id for d in view.drawn if d.question_id in bank}
        unseen = bank - seen
        assert drawn >= unseen if len(unseen) <= quiz.pick else drawn <= unseen
        take_quiz(engine, ada, bundled, CNB, now=NOW + timedelta(hours=attempt))
        seen |= drawn


def test_an_attempt_is_drawn_once_and_resumed_in_a_later_session(
    engine: Engine, ada: Actor, bundled: Course, database_url: str
) -> None:
    first = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW)
    assert len(first.drawn) == 5 and first.graded == {} and not first.complete
    again = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW + timedelta(minutes=1))
    assert (again.attempt_key, again.drawn, again.started_at) == (first.attempt_key, first.drawn,
                                                                  first.started_at)
    qid = first.drawn[0].question_id
    verdict = quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=first.attempt_key,
                                       question_id=qid, chosen=right_options(bundled, CNB, qid),
                                       seconds=7.5, now=NOW)
    # A new browser session, even a new process: a fresh engine on the same database.
    later_engine = create_store_engine(database_url)
    try:
        resumed = quizzing.open_attempt(later_engine, ada, bundled, CNB, now=NOW + timedelta(days=1))
    finally:
        later_engine.dispose()
    assert (resumed.attempt_key, resumed.drawn) == (first.attempt_key, first.drawn)
    assert resumed.graded == {qid: verdict}
    assert rows(engine, "quiz_draft") == 1


def test_answers_are_graded_on_the_server(engine: Engine, ada: Actor, bundled: Course) -> None:
    view = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW)
    right_id, wrong_id = view.drawn[0].question_id, view.drawn[1].question_id
    right = quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=view.attempt_key,
                                     question_id=right_id, chosen=right_options(bundled, CNB, right_id),
                                     seconds=3.0)
    wrong = quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=view.attempt_key,
                                     question_id=wrong_id, chosen=wrong_option(bundled, CNB, wrong_id),
                                     seconds=3.0)
    quiz = bundled.quizzes[CNB]
    assert (right.question_id, right.correct, right.chosen) == (
        right_id, True, frozenset(right_options(bundled, CNB, right_id)))
    asked = quiz.question(right_id)
    assert asked is not None and right.competency == asked.competency
    assert (wrong.question_id, wrong.correct) == (wrong_id, False)
    draft = draft_of(engine, ada, CNB)
    assert draft is not None
    assert {q: a.chosen for q, a in draft.answers.items()} == {
        right_id: tuple(right_options(bundled, CNB, right_id)),
        wrong_id: tuple(wrong_option(bundled, CNB, wrong_id)),
    }
    assert rows(engine, "quiz_attempt") == 0


def _forged(kind: str, course: Course, view: quizzing.AttemptView) -> tuple[str, list[int]]:
    single = next(d for d in view.drawn if not view.question(d.question_id).multiple)
    if kind == "an option not offered":
        return single.question_id, [max(single.option_order) + 1]
    if kind == "a negative option":
        return single.question_id, [-1]
    if kind == "no option":
        return single.question_id, []
    if kind == "two options on a single-choice question":
        return single.question_id, list(single.option_order[:2])
    drawn = {d.question_id for d in view.drawn}
    if kind == "a question not in this draw":
        other = next(q for q in course.quizzes[CNB].questions if q.id not in drawn)
        return other.id, sorted(other.correct_indexes)
    assert kind == "a question that does not exist"
    return "no-such-question", [0]


@pytest.mark.parametrize("kind", [
    "an option not offered",
    "a negative option",
    "no option",
    "two options on a single-choice question",
    "a question not in this draw",
    "a question that does not exist",
])
def test_a_forged_answer_is_refused_audited_and_changes_nothing(
    engine: Engine, ada: Actor, bundled: Course, kind: str
) -> None:
    view = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW)
    # One honest answer first, to a question the forgery does not touch.
    single = next(d for d in view.drawn if not view.question(d.question_id).multiple)
    honest = next(d.question_id for d in view.drawn if d is not single)
    quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=view.attempt_key, question_id=honest,
                             chosen=right_options(bundled, CNB, honest), seconds=2.0)
    before = draft_of(engine, ada, CNB)
    question_id, chosen = _forged(kind, bundled, view)
    with pytest.raises(InvalidAnswer):
        quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=view.attempt_key,
                                 question_id=question_id, chosen=chosen, seconds=2.0)
    (event,) = events(engine, "forged_request")
    assert (event.actor, event.target) == ("ada@example.org", f"quiz:{CNB}")
    assert event.detail["problem"]
    assert draft_of(engine, ada, CNB) == before
    assert (rows(engine, "quiz_attempt"), rows(engine, "quiz_answer")) == (0, 0)
    # The question refused is still open to an honest answer.
    if question_id == single.question_id:
        honest_verdict = quizzing.answer_question(
            engine, ada, bundled, CNB, attempt_key=view.attempt_key, question_id=question_id,
            chosen=right_options(bundled, CNB, question_id), seconds=2.0)
        assert honest_verdict.correct


def test_answering_a_question_again_returns_the_first_verdict(
    engine: Engine, ada: Actor, bundled: Course
) -> None:
    view = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW)
    qid = view.drawn[0].question_id
    first = quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=view.attempt_key,
                                     question_id=qid, chosen=right_options(bundled, CNB, qid), seconds=3.0)
    before = draft_of(engine, ada, CNB)
    second = quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=view.attempt_key,
                                      question_id=qid, chosen=wrong_option(bundled, CNB, qid), seconds=9.0)
    assert first.correct and second == first
    assert draft_of(engine, ada, CNB) == before
    assert events(engine, "forged_request") == []


def _at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together, as two browser tabs would; return results."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_tabs_answering_one_question_at_once_both_get_the_stored_verdict(
    engine: Engine, ada: Actor, bundled: Course
) -> None:
    view = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW)
    qid = view.drawn[0].question_id

    def answer(chosen: list[int]) -> Callable[[], object]:
        return lambda: quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=view.attempt_key,
                                                question_id=qid, chosen=chosen, seconds=1.0)

    right, wrong = _at_once(answer(right_options(bundled, CNB, qid)), answer(wrong_option(bundled, CNB, qid)))
    assert isinstance(right, GradedAnswer) and isinstance(wrong, GradedAnswer)
    assert right == wrong  # whichever landed first, both tabs are told the same verdict
    draft = draft_of(engine, ada, CNB)
    assert draft is not None and set(draft.answers[qid].chosen) == set(right.chosen)


def test_two_tabs_opening_a_quiz_at_once_share_one_attempt(
    engine: Engine, ada: Actor, bundled: Course
) -> None:
    first, second = _at_once(lambda: quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW),
                             lambda: quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW))
    assert isinstance(first, quizzing.AttemptView) and isinstance(second, quizzing.AttemptView)
    assert (first.attempt_key, first.drawn) == (second.attempt_key, second.drawn)
    assert rows(engine, "quiz_draft") == 1


def test_an_answer_to_an_attempt_that_is_not_open_is_refused(
    engine: Engine, ada: Actor, bundled: Course
) -> None:
    view = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW)
    qid = view.drawn[0].question_id
    with pytest.raises(NotAvailable, match="no longer open"):
        quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=new_key(), question_id=qid,
                                 chosen=right_options(bundled, CNB, qid), seconds=1.0)
    draft = draft_of(engine, ada, CNB)
    assert draft is not None and draft.answers == {}


def test_submitting_before_every_answer_is_refused(engine: Engine, ada: Actor, bundled: Course) -> None:
    view = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW)
    for drawn in view.drawn[:-1]:
        quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=view.attempt_key,
                                 question_id=drawn.question_id,
                                 chosen=right_options(bundled, CNB, drawn.question_id), seconds=1.0)
    with pytest.raises(NotAvailable, match="answer every question"):
        quizzing.submit_attempt(engine, ada, bundled, CNB, attempt_key=view.attempt_key)
    assert rows(engine, "quiz_attempt") == 0
    draft = draft_of(engine, ada, CNB)
    assert draft is not None and len(draft.answers) == 4


def test_a_submitted_attempt_is_recorded_once_with_every_answer(
    engine: Engine, ada: Actor, bundled: Course
) -> None:
    view = quizzing.open_attempt(engine, ada, bundled, CNB, now=NOW)
    wrong_id = view.drawn[2].question_id
    verdicts = {}
    for drawn in view.drawn:
        qid = drawn.question_id
        chosen = wrong_option(bundled, CNB, qid) if qid == wrong_id else right_options(bundled, CNB, qid)
        verdicts[qid] = quizzing.answer_question(engine, ada, bundled, CNB, attempt_key=view.attempt_key,
                                                 question_id=qid, chosen=chosen, seconds=6.0).correct
    done_at = NOW + timedelta(minutes=4)
    result = quizzing.submit_attempt(engine, ada, bundled, CNB, attempt_key=view.attempt_key, now=done_at)
    assert result == quizzing.AttemptResult(score=0.8, passed=True, correct=4, questions=5)
    assert draft_of(engine, ada, CNB) is None
    assert [rows(engine, t) for t in ("quiz_attempt", "quiz_answer", "quiz_draft")] == [1, 5, 0]
    with read_session(engine) as session:
        (stored,) = attempts.list_attempts(session, ada.person_id, quiz_id=CNB)
        answers = attempts.list_answers(session, ada.person_id)
    assert (stored.key, stored.score, stored.passed, stored.answers) == (view.attempt_key, 0.8, True, 5)
    assert stored.content_version == bundled.quizzes[CNB].meta.version
    assert [(a.question_id, a.correct) for a in answers] == [(d.question_id, verdicts[d.question_id])
                                                             for d in view.drawn]
    assert quizzing.get_history(engine, ada, bundled, CNB) == quizzing.QuizHistory(1, 0.8, 0.8, True)

    # The same submission again (a double click, a retry), before and after a new attempt begins.
    assert quizzing.submit_attempt(engine, ada, bundled, CNB, attempt_key=view.attempt_key) == result
    fresh = quizzing.open_attempt(engine, ada, bundled, CNB, now=done_at)
    assert fresh.attempt_key != view.attempt_key and fresh.graded == {}
    assert quizzing.submit_attempt(engine, ada, bundled, CNB, attempt_key=view.attempt_key) == result
    assert (rows(engine, "quiz_attempt"), rows(engine, "quiz_answer")) == (1, 5)
    assert progress_of(engine, ada)[("quiz", CNB)] == 1
    assert draft_of(engine, ada, CNB) is not None  # the new attempt is untouched


def test_a_quiz_off_the_path_is_not_available(engine: Engine, ada: Actor, bundled: Course) -> None:
    with pytest.raises(NotAvailable, match="not on your path"):
        quizzing.open_attempt(engine, ada, bundled, "hr-policy-and-training-quiz")  # an HR quiz
    with pytest.raises(NotAvailable, match="not on your path"):
        quizzing.open_attempt(engine, ada, bundled, "legal-employment-law-quiz")  # legal, but locked
    with pytest.raises(NotAvailable, match="does not exist"):
        quizzing.open_attempt(engine, ada, bundled, "no-such-quiz")
    assert rows(engine, "quiz_draft") == 0


def test_max_attempts_refuses_a_new_attempt_once_used_up(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    course = load(write_tree({"quizzes/intro-quiz.md": quiz_text(max_attempts=2)}))
    assert not take_quiz(engine, ada, course, "intro-quiz", wrong=["q-one"]).passed
    assert take_quiz(engine, ada, course, "intro-quiz").passed
    with pytest.raises(quizzing.AttemptsUsedUp, match="all 2 attempts"):
        quizzing.open_attempt(engine, ada, course, "intro-quiz")
    assert (rows(engine, "quiz_attempt"), rows(engine, "quiz_draft")) == (2, 0)
    assert quizzing.get_history(engine, ada, course, "intro-quiz") == quizzing.QuizHistory(2, 1.0, 1.0, True)


def test_a_quiz_edited_since_the_draft_began_starts_a_fresh_draw(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    old = load(write_tree())
    started = quizzing.open_attempt(engine, ada, old, "intro-quiz", now=NOW)
    quizzing.answer_question(engine, ada, old, "intro-quiz", attempt_key=started.attempt_key,
                             question_id="q-one", chosen=[0], seconds=2.0)
    new = load(write_tree({"quizzes/intro-quiz.md": QUIZ.replace("Introduction check", "Introduction quiz")}))
    assert new.quizzes["intro-quiz"].meta.version != old.quizzes["intro-quiz"].meta.version
    fresh = quizzing.open_attempt(engine, ada, new, "intro-quiz", now=NOW + timedelta(hours=1))
    assert fresh.attempt_key != started.attempt_key
    assert fresh.graded == {}
    assert fresh.started_at == NOW + timedelta(hours=1)
    draft = draft_of(engine, ada, "intro-quiz")
    assert draft is not None and draft.content_version == new.quizzes["intro-quiz"].meta.version
    assert rows(engine, "quiz_draft") == 1
    with pytest.raises(NotAvailable, match="no longer open"):
        quizzing.submit_attempt(engine, ada, new, "intro-quiz", attempt_key=started.attempt_key)


def test_an_attempt_begun_before_an_edit_never_contradicts_the_verdicts_given(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    old = load(write_tree())
    view = quizzing.open_attempt(engine, ada, old, "intro-quiz", now=NOW)
    told = quizzing.answer_question(engine, ada, old, "intro-quiz", attempt_key=view.attempt_key,
                                    question_id="q-one", chosen=[0], seconds=2.0)
    assert told.correct  # "Listen" is right in the version the learner sees
    # A trainer swaps the correct option of q-one while the learner is mid-quiz.
    swapped = QUIZ.replace("- [x] Listen", "- [ ] Listen").replace("- [ ] Broadcast", "- [x] Broadcast")
    new = load(write_tree({"quizzes/intro-quiz.md": swapped}))
    with pytest.raises(quizzing.QuizChanged):
        quizzing.answer_question(engine, ada, new, "intro-quiz", attempt_key=view.attempt_key,
                                 question_id="q-two", chosen=[0, 1], seconds=2.0)
    # The stale attempt is discarded, not regraded: nothing is stored and the draft is gone.
    assert (rows(engine, "quiz_attempt"), rows(engine, "quiz_draft")) == (0, 0)
    with pytest.raises(NotAvailable):
        quizzing.submit_attempt(engine, ada, new, "intro-quiz", attempt_key=view.attempt_key)
    fresh = quizzing.open_attempt(engine, ada, new, "intro-quiz", now=NOW)
    assert fresh.attempt_key != view.attempt_key and fresh.graded == {}


@pytest.mark.parametrize(("pass_mark", "wrong", "passed"), [
    (50, ["q-two"], True),   # 1 of 2 is exactly 50%
    (51, ["q-two"], False),
    (100, [], True),
    (100, ["q-one"], False),
])
def test_the_pass_mark_is_inclusive(
    engine: Engine, ada: Actor, write_tree: TreeWriter, pass_mark: int, wrong: list[str], passed: bool
) -> None:
    course = load(write_tree({"quizzes/intro-quiz.md": quiz_text(pass_mark=pass_mark)}))
    result = take_quiz(engine, ada, course, "intro-quiz", wrong=wrong)
    assert (result.score, result.passed) == ((2 - len(wrong)) / 2, passed)
    status = learner.get_path(engine, ada, course).status("intro")
    assert status is not None and status.quiz_passed is passed


# --- scenarios -------------------------------------------------------------------------------

def test_starting_a_run_twice_with_one_key_creates_one_run(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    key = new_key()
    first = playing.start_new_run(engine, ada, course, "tricky", key=key, now=NOW)
    again = playing.start_new_run(engine, ada, course, "tricky", key=key, now=NOW + timedelta(seconds=1))
    assert first.run_id == again.run_id == key
    assert (first.state.node_id, dict(first.state.meters), first.ending, first.score) == (
        "start", {"trust": 90}, None, None)
    assert again.state == first.state
    assert rows(engine, "scenario_run") == 1


def test_a_choice_advances_the_run_and_moves_the_meters_within_their_bounds(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    boosted = play(engine, ada, course, "tricky", [0])
    assert (boosted.state.node_id, dict(boosted.state.meters)) == ("middle", {"trust": 100})  # 90 + 30
    assert [(s.node_id, s.choice_index, s.target, s.score) for s in boosted.state.steps] == [
        ("start", 0, "middle", 2)]
    dropped = play(engine, ada, course, "tricky", [1])
    assert (dropped.state.node_id, dict(dropped.state.meters)) == ("middle", {"trust": 0})  # 90 - 95
    with read_session(engine) as session:
        (step,) = scenario_runs.list_steps(session, dropped.run_id)
    assert (step.step_no, step.node_id, step.choice_index, step.target_node) == (1, "start", 1, "middle")
    assert (step.meters_after, step.score) == ({"trust": 0}, 0)
    assert boosted.ending is None and dropped.ending is None


@pytest.mark.parametrize(("kind", "path", "choice"), [
    ("a choice of another node", [1], 2),        # 'Walk away' exists at the start, not in the middle
    ("a choice that does not exist", [], 7),
    ("a choice whose condition fails", [1], 0),  # trust is 0, 'Carry on' needs trust >= 50
    ("a choice at an ending", [2], 0),
])
def test_a_forged_choice_is_refused_audited_and_changes_nothing(
    engine: Engine, ada: Actor, write_tree: TreeWriter, kind: str, path: list[int], choice: int
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    view = play(engine, ada, course, "tricky", path)
    (before,) = runs_of(engine, ada, "tricky")
    steps_before = rows(engine, "scenario_step")
    with pytest.raises(InvalidChoice):
        playing.choose(engine, ada, course, "tricky", run_id=view.run_id, step_no=len(path) + 1,
                       choice_index=choice, key=new_key(), seconds=1.0)
    (event,) = events(engine, "forged_request")
    assert (event.actor, event.target) == ("ada@example.org", "scenario:tricky")
    assert runs_of(engine, ada, "tricky") == [before]
    assert rows(engine, "scenario_step") == steps_before
    resumed = playing.open_run(engine, ada, course, "tricky")
    if view.ending is None:
        assert resumed is not None and resumed.state == view.state
    else:
        assert resumed is None and progress_of(engine, ada)[("scenario", "tricky")] == 1


def test_a_stale_step_number_returns_the_run_as_it_stands(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    view = playing.start_new_run(engine, ada, course, "tricky", key=new_key(), now=NOW)
    key = new_key()
    after = playing.choose(engine, ada, course, "tricky", run_id=view.run_id, step_no=1, choice_index=0,
                           key=key, seconds=2.0)
    double_click = playing.choose(engine, ada, course, "tricky", run_id=view.run_id, step_no=1,
                                  choice_index=0, key=key, seconds=2.0)
    other_tab = playing.choose(engine, ada, course, "tricky", run_id=view.run_id, step_no=1,
                               choice_index=1, key=new_key(), seconds=2.0)
    assert double_click.state == other_tab.state == after.state
    assert (after.state.node_id, dict(after.state.meters)) == ("middle", {"trust": 100})
    assert rows(engine, "scenario_step") == 1
    assert events(engine, "forged_request") == []


def test_a_run_reaching_an_ending_is_finished_once_with_its_normalised_score(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    assert status_of(engine, ada, course, "practice").scenario_done is False
    view = play(engine, ada, course, "tricky", [0])
    end_key = new_key()
    ended = playing.choose(engine, ada, course, "tricky", run_id=view.run_id, step_no=2, choice_index=1,
                           key=end_key, seconds=2.0, now=NOW + timedelta(minutes=3))
    # Boost (2) then Give up (0), out of the best path's 2 + 2.
    assert (ended.state.node_id, ended.ending, ended.score) == ("bad-end", "bad", 0.5)
    repeat = playing.choose(engine, ada, course, "tricky", run_id=view.run_id, step_no=2, choice_index=1,
                            key=end_key, seconds=2.0, now=NOW + timedelta(minutes=4))
    assert (repeat.ending, repeat.score) == ("bad", 0.5)
    (run,) = runs_of(engine, ada, "tricky")
    assert (run.steps, run.ending_kind, run.score) == (2, "bad", 0.5)
    assert run.finished_at is not None
    assert progress_of(engine, ada)[("scenario", "tricky")] == 1
    assert playing.get_record(engine, ada, "tricky") == playing.ScenarioRecord(1, 0.5, "bad")
    assert playing.open_run(engine, ada, course, "tricky") is None
    assert status_of(engine, ada, course, "practice").scenario_done is True

    best = play(engine, ada, course, "tricky", [0, 0])
    assert (best.ending, best.score) == ("good", 1.0)
    assert playing.get_record(engine, ada, "tricky") == playing.ScenarioRecord(2, 1.0, "good")
    assert progress_of(engine, ada)[("scenario", "tricky")] == 2


def test_a_lost_finish_is_recorded_when_the_click_is_retried(
    engine: Engine, ada: Actor, write_tree: TreeWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    view = play(engine, ada, course, "tricky", [0])

    def connection_lost(*args: object, **kwargs: object) -> RecordOutcome:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(scenario_runs, "finish_run", connection_lost)
    key = new_key()
    with pytest.raises(ConnectionError):
        playing.choose(engine, ada, course, "tricky", run_id=view.run_id, step_no=2, choice_index=1,
                       key=key, seconds=2.0)
    monkeypatch.undo()
    retried = playing.choose(engine, ada, course, "tricky", run_id=view.run_id, step_no=2, choice_index=1,
                             key=key, seconds=2.0)
    assert (retried.ending, retried.score) == ("bad", 0.5)
    (run,) = runs_of(engine, ada, "tricky")
    assert (run.steps, run.ending_kind, run.score) == (2, "bad", 0.5)  # the step rolled back too
    assert progress_of(engine, ada).get(("scenario", "tricky")) == 1


def test_a_run_started_with_a_64_character_key_can_finish(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    key = hashlib.sha256(b"run").hexdigest()  # 64 characters, accepted as a run key
    view = playing.start_new_run(engine, ada, course, "tricky", key=key, now=NOW)
    ended = playing.choose(engine, ada, course, "tricky", run_id=view.run_id, step_no=1, choice_index=2,
                           key=new_key(), seconds=1.0)
    assert ended.ending == "bad"
    (run,) = runs_of(engine, ada, "tricky")
    assert run.finished_at is not None


def test_a_run_resumes_after_the_browser_is_closed(
    engine: Engine, ada: Actor, write_tree: TreeWriter, database_url: str
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    assert playing.open_run(engine, ada, course, "tricky") is None
    view = play(engine, ada, course, "tricky", [1])
    later_engine = create_store_engine(database_url)
    try:
        resumed = playing.open_run(later_engine, ada, course, "tricky")
        assert resumed is not None
        assert (resumed.run_id, resumed.state.node_id, dict(resumed.state.meters)) == (
            view.run_id, "middle", {"trust": 0})
        assert resumed.state == view.state
        # The resumed run goes on where it stopped, with the condition judged on the stored meters.
        with pytest.raises(InvalidChoice):
            playing.choose(later_engine, ada, course, "tricky", run_id=resumed.run_id, step_no=2,
                           choice_index=0, key=new_key(), seconds=1.0)
        ended = playing.choose(later_engine, ada, course, "tricky", run_id=resumed.run_id, step_no=2,
                               choice_index=1, key=new_key(), seconds=1.0)
    finally:
        later_engine.dispose()
    assert (ended.ending, ended.score) == ("bad", 0.0)


def test_another_persons_run_is_refused(
    engine: Engine, add_person: AddPerson, write_tree: TreeWriter
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    ada = add_person("ada@example.org")
    bo = add_person("bo@example.org")
    theirs = play(engine, bo, course, "tricky", [])
    with pytest.raises(InvalidChoice, match="not one of yours"):
        playing.choose(engine, ada, course, "tricky", run_id=theirs.run_id, step_no=1, choice_index=0,
                       key=new_key(), seconds=1.0)
    (event,) = events(engine, "forged_request")
    assert (event.actor, event.target) == ("ada@example.org", "scenario:tricky")
    assert rows(engine, "scenario_step") == 0
    assert playing.open_run(engine, ada, course, "tricky") is None
    still = playing.open_run(engine, bo, course, "tricky")
    assert still is not None and still.state.node_id == "start"


# --- the profile -----------------------------------------------------------------------------

def test_the_profile_scores_the_first_answers_and_runs_with_their_evidence(
    engine: Engine, ada: Actor, write_tree: TreeWriter
) -> None:
    course = load(write_tree(SCENARIO_TREE))
    untouched = learner.get_profile_and_practice(engine, ada, course)[0]
    assert {c: s.estimate for c, s in untouched.items()} == {"crisis": 0.5, "listening": 0.5}

    take_quiz(engine, ada, course, "intro-quiz", wrong=["q-two"], now=NOW)
    take_quiz(engine, ada, course, "intro-quiz", wrong=["q-one"], now=NOW + timedelta(hours=1))
    assert play(engine, ada, course, "tricky", [0, 1], now=NOW + timedelta(hours=2)).score == 0.5
    assert play(engine, ada, course, "first-day", [1], now=NOW + timedelta(hours=3)).score == 0.0
    play(engine, ada, course, "tricky", [0], now=NOW + timedelta(hours=4))  # unfinished: no evidence

    scores = learner.get_profile_and_practice(engine, ada, course)[0]
    assert list(scores) == ["crisis", "listening"]
    crisis, listening = scores["crisis"], scores["listening"]
    # crisis: q-one right in the first attempt (1 of 1), tricky 0.5 x 3, first-day 0 x 3:
    # 2.5 successes of 7 trials; a = 3.5, b = 5.5, mean 3.5 / 9, spread 1.645 * 0.154160.
    assert (crisis.successes, crisis.trials) == (2.5, 7.0)
    assert crisis.estimate == pytest.approx(0.388889, abs=1e-6)
    assert (crisis.low, crisis.high) == (pytest.approx(0.135295, abs=1e-6), pytest.approx(0.642483, abs=1e-6))
    assert sorted((e.kind, e.item_id, e.detail_id if e.kind is EvidenceKind.ANSWER else "", e.outcome)
                  for e in crisis.evidence) == [
        (EvidenceKind.ANSWER, "intro-quiz", "q-one", 1.0),
        (EvidenceKind.SCENARIO, "first-day", "", 0.0),
        (EvidenceKind.SCENARIO, "tricky", "", 0.5),
    ]
    assert (crisis.answers, crisis.runs) == (1, 2)
    # listening: q-two wrong in the first attempt (0 of 1), first-day 0 x 3: 0 of 4; mean 1 / 6.
    assert (listening.successes, listening.trials) == (0.0, 4.0)
    assert listening.estimate == pytest.approx(1 / 6)
    assert (listening.low, listening.high) == (0.0, pytest.approx(0.398380, abs=1e-6))
    assert sorted((e.kind, e.item_id, e.outcome) for e in listening.evidence) == [
        (EvidenceKind.ANSWER, "intro-quiz", 0.0),
        (EvidenceKind.SCENARIO, "first-day", 0.0),
    ]
    # After practice: the second attempt's answers (q-one wrong, q-two right), shown apart.
    same, practised = learner.get_profile_and_practice(engine, ada, course)
    assert same == scores
    assert (practised["crisis"].successes, practised["listening"].successes) == (1.5, 1.0)
    # Every answer and finished run is still kept as evidence, for before-and-after comparisons.
    everything = learner.get_evidence(engine, ada, course)
    assert sorted((e.kind.value, e.competency) for e in everything) == sorted(
        [("answer", "crisis"), ("answer", "listening")] * 2
        + [("scenario", "crisis"), ("scenario", "crisis"), ("scenario", "listening")])


def test_the_profile_is_the_learners_own(
    engine: Engine, add_person: AddPerson, write_tree: TreeWriter
) -> None:
    course = load(write_tree())
    ada = add_person("ada@example.org")
    bo = add_person("bo@example.org")
    take_quiz(engine, bo, course, "intro-quiz")
    assert {c: s.trials for c, s in learner.get_profile_and_practice(engine, ada, course)[0].items()} == {
        "crisis": 0, "listening": 0}
    assert {c: s.trials for c, s in learner.get_profile_and_practice(engine, bo, course)[0].items()} == {
        "crisis": 1, "listening": 1}
