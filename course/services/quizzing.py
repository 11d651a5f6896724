"""Taking a quiz: an attempt drawn on the server, answers graded on the server, one record.

The attempt in progress is stored (its seed and the answers so far), so the learner can leave
and pick up the same questions later, and so every answer is checked against what was really
offered: an option that was never shown, a question from another draw or a second answer to the
same question is refused and audited.

Reflections are answered in the same flow, but their text goes to the learner's own reflections,
never into the attempt: it is not scored, and nothing that shows other people's work reads it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from course.domain.model import Course, Question, QuestionKind, Quiz
from course.domain.permissions import Action, Actor
from course.domain.question_hash import question_hash
from course.domain.quiz import (
    DrawnQuestion,
    GradedAnswer,
    InvalidAnswer,
    draw_attempt,
    grade_answer,
    has_passed,
    score_attempt,
)
from course.domain.records import AnswerRecord, QuizAttemptRecord, new_key
from course.domain.xapi import (
    AnswerEvent,
    ItemRef,
    XapiContext,
    build_question_answered,
    build_quiz_finished,
)
from course.services import lti_grades
from course.services.assignments import quiz_cycle_start
from course.services.learner import NotAvailable, get_path, linked_from_path
from course.services.learning_records import context_for, queue
from course.services.permissions import record_audit_event, require
from course.store import attempts, drafts, reflections
from course.store.engine import Engine, Session, read_session, write_transaction


class AttemptsUsedUp(NotAvailable):
    """Every attempt the quiz allows has been made."""


#: The longest reflection a learner may save, in characters.
MAX_REFLECTION_CHARS = reflections.MAX_REFLECTION_CHARS


class QuizChanged(NotAvailable):
    """The quiz was edited while the attempt was open; the attempt is discarded."""


@dataclass(frozen=True, slots=True)
class QuizHistory:
    """The learner's submitted attempts of a quiz."""

    used: int
    best: float | None
    latest: float | None
    passed: bool


@dataclass(frozen=True, slots=True)
class AttemptView:
    """An attempt in progress: the questions drawn, in order, and the answers graded so far."""

    quiz: Quiz
    attempt_key: str
    drawn: tuple[DrawnQuestion, ...]
    graded: dict[str, GradedAnswer]
    started_at: datetime

    def question(self, question_id: str) -> Question:
        """Return a drawn question."""
        found = self.quiz.question(question_id)
        assert found is not None
        return found

    @property
    def complete(self) -> bool:
        """Tell whether every drawn question has been answered."""
        return all(d.question_id in self.graded for d in self.drawn)

    @property
    def scored(self) -> tuple[DrawnQuestion, ...]:
        """Return the drawn questions that are graded (all but the reflections)."""
        return tuple(d for d in self.drawn if self.question(d.question_id).scored)


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """A submitted attempt: its score and whether it passed."""

    score: float
    passed: bool
    correct: int
    questions: int


def _quiz(engine: Engine, actor: Actor, course: Course, quiz_id: str) -> Quiz:
    require(engine, actor, Action.SUBMIT_QUIZ)
    quiz = course.quizzes.get(quiz_id)
    if quiz is None:
        raise NotAvailable(f"quiz '{quiz_id}' does not exist")
    linked_from_path(get_path(engine, actor, course), quiz_id=quiz_id)
    return quiz


def _counted_attempts(session: Session, course: Course, person_id: int, quiz_id: str,
                      when: datetime) -> list[attempts.AttemptSummary]:
    """Return the attempts that count now: all of them, or in a re-take those of its cycle only.

    A re-take asks for the quiz afresh, so the attempt limit starts again with the cycle; without
    this, someone who used every attempt in the first cycle could never pass the re-take.
    """
    done = attempts.list_attempts(session, person_id, quiz_id=quiz_id)
    if not done:
        return done
    since = quiz_cycle_start(session, course, person_id, quiz_id, when.date())
    return done if since is None else [a for a in done if a.finished_at.astimezone(UTC).date() >= since]


def get_history(engine: Engine, actor: Actor, course: Course, quiz_id: str, *,
                now: datetime | None = None) -> QuizHistory:
    """Return the learner's submitted attempts of a quiz that count now (those of a running re-take)."""
    require(engine, actor, Action.SUBMIT_QUIZ)
    with read_session(engine) as session:
        done = _counted_attempts(session, course, actor.person_id, quiz_id, now or datetime.now(UTC))
    scores = [a.score for a in done]
    return QuizHistory(len(done), max(scores, default=None), scores[-1] if scores else None,
                       any(a.passed for a in done))


def _view(session: Session, person_id: int, quiz: Quiz, draft: drafts.Draft) -> AttemptView:
    """Rebuild the attempt in progress: the draw prefers questions of no earlier attempt.

    The draft is the only open attempt of this quiz, so what was seen before cannot change
    until it is submitted: the same questions are drawn again on every request.
    """
    seen = attempts.seen_questions(session, person_id, quiz_id=quiz.meta.id) if quiz.pick is not None else ()
    drawn = draw_attempt(quiz, seed=draft.seed, seen=seen)
    graded = {}
    for item in drawn:
        answer = draft.answers.get(item.question_id)
        if answer is not None:
            graded[item.question_id] = grade_answer(quiz.question(item.question_id),  # type: ignore[arg-type]
                                                    answer.chosen, offered=item.option_order)
    return AttemptView(quiz, draft.attempt_key, drawn, graded, draft.started_at)


def open_attempt(
    engine: Engine, actor: Actor, course: Course, quiz_id: str, *, now: datetime | None = None
) -> AttemptView:
    """Return the attempt in progress, starting one (drawn afresh) when there is none."""
    quiz = _quiz(engine, actor, course, quiz_id)
    when = now or datetime.now(UTC)
    with write_transaction(engine) as session:
        draft = drafts.get_draft(session, actor.person_id, quiz_id=quiz_id)
        if draft is not None and draft.content_version != quiz.meta.version:
            drafts.delete_draft(session, actor.person_id, quiz_id=quiz_id)  # the quiz was edited
            draft = None
        if draft is None:
            used = len(_counted_attempts(session, course, actor.person_id, quiz_id, when))
            if quiz.max_attempts is not None and used >= quiz.max_attempts:
                raise AttemptsUsedUp(f"all {quiz.max_attempts} attempts of this quiz are used")
            fresh = drafts.Draft(quiz_id, quiz.meta.version, new_key(), secrets.randbelow(2**31), {}, when)
            draft = drafts.start_draft(session, actor.person_id, fresh, now=when)
        return _view(session, actor.person_id, quiz, draft)


def _refuse(engine: Engine, actor: Actor, quiz_id: str, problem: str) -> InvalidAnswer:
    record_audit_event(engine, actor, "forged_request", target=f"quiz:{quiz_id}", detail={"problem": problem})
    return InvalidAnswer(problem)


_CHANGED = "the quiz was updated while you were taking it; please start again"


def _open_draft(session: Session, actor: Actor, quiz: Quiz, attempt_key: str) -> drafts.Draft | None:
    """Return the draft this key names; None (after discarding it) when the quiz has changed.

    A draft made on another version of the quiz is discarded rather than graded against options
    the learner never saw; the caller raises QuizChanged once the discard is committed.
    """
    draft = drafts.get_draft(session, actor.person_id, quiz_id=quiz.meta.id, lock=True)
    if draft is None or draft.attempt_key != attempt_key:
        raise NotAvailable("this attempt is no longer open; start the quiz again")
    if draft.content_version != quiz.meta.version:
        drafts.delete_draft(session, actor.person_id, quiz_id=quiz.meta.id)
        return None
    return draft


def answer_question(
    engine: Engine, actor: Actor, course: Course, quiz_id: str, *, attempt_key: str,
    question_id: str, chosen: list[int], seconds: float, now: datetime | None = None,
    text: str | None = None,
) -> GradedAnswer:
    """Grade one answer against what this attempt offered, store it, and return the verdict.

    Reading the draft, grading and saving happen in one write transaction, so two tabs answering
    the same question get the same verdict: the first answer stands. A reflection is answered
    with `text` (and no options): up to MAX_REFLECTION_CHARS characters, saved for the learner
    alone; left empty, it is skipped and nothing is saved.
    """
    quiz = _quiz(engine, actor, course, quiz_id)
    ctx = context_for(engine, course)
    try:
        with write_transaction(engine) as session:
            draft = _open_draft(session, actor, quiz, attempt_key)
            if draft is not None:
                return _grade_and_save(session, actor, quiz, draft, question_id=question_id,
                                       chosen=chosen, seconds=seconds, now=now, text=text, ctx=ctx)
    except InvalidAnswer as exc:  # nothing was written; the refusal is audited on its own
        raise _refuse(engine, actor, quiz_id, str(exc)) from None
    raise QuizChanged(_CHANGED)


def _grade_and_save(
    session: Session, actor: Actor, quiz: Quiz, draft: drafts.Draft, *, question_id: str,
    chosen: list[int], seconds: float, now: datetime | None, text: str | None,
    ctx: XapiContext | None = None,
) -> GradedAnswer:
    view = _view(session, actor.person_id, quiz, draft)
    if question_id in view.graded:
        return view.graded[question_id]  # a repeat of an answer already given changes nothing
    offered = next((d.option_order for d in view.drawn if d.question_id == question_id), None)
    if offered is None:
        raise InvalidAnswer(f"question '{question_id}' is not part of this attempt")
    question = view.question(question_id)
    graded = grade_answer(question, chosen, offered=offered)
    when = now or datetime.now(UTC)
    _keep_reflection(session, actor, quiz, question, text=text, now=when)
    answer = drafts.DraftAnswer(graded.stored, max(0.0, min(seconds, 86_400.0)))
    drafts.save_answer(session, actor.person_id, attempt_key=draft.attempt_key, question_id=question_id,
                       answer=answer, now=when)
    if ctx is not None and question.scored:  # a reflection's words stay with the learner
        queue(session, [build_question_answered(
            ctx, person_id=actor.person_id, quiz=_ref(quiz),
            answer=_answer_event(question, graded, attempt_key=draft.attempt_key), at=when)], now=when)
    return graded


def _ref(quiz: Quiz) -> ItemRef:
    return ItemRef(quiz.meta.id, quiz.meta.title, quiz.meta.version)


def _answer_event(question: Question, graded: GradedAnswer, *, attempt_key: str) -> AnswerEvent:
    """Describe a graded answer for its xAPI statement, by the positions of options in the file."""
    if question.kind is QuestionKind.CHOICE:
        return AnswerEvent(attempt_key, question.id, "choice", question.stem_text, graded.stored,
                           tuple(sorted(question.correct_indexes)),
                           tuple((o.index, o.text) for o in question.options), graded.correct, graded.score)
    if question.kind is QuestionKind.ORDER:
        return AnswerEvent(attempt_key, question.id, "sequencing", question.stem_text, graded.stored,
                           tuple(e.index for e in question.items),
                           tuple((e.index, e.text) for e in question.items), graded.correct, graded.score)
    return AnswerEvent(attempt_key, question.id, "other", question.stem_text, graded.stored, (), (),
                       graded.correct, graded.score)


def _keep_reflection(
    session: Session, actor: Actor, quiz: Quiz, question: Question, *, text: str | None, now: datetime
) -> None:
    """Save a reflection's text for the learner; refuse text sent with any other question."""
    if question.scored:
        if text is not None:
            raise InvalidAnswer(f"question '{question.id}' is not answered in words")
        return
    if not isinstance(text, str) or len(text) > MAX_REFLECTION_CHARS:
        raise InvalidAnswer(f"a reflection holds text of at most {MAX_REFLECTION_CHARS} characters")
    if text.strip():
        reflections.save_reflection(session, actor.person_id, quiz_id=quiz.meta.id,
                                    question_id=question.id, text=text.strip(), now=now)


def get_reflections(engine: Engine, actor: Actor, quiz_id: str) -> dict[str, str]:
    """Return the learner's own saved reflections on a quiz's prompts, by question id."""
    require(engine, actor, Action.SUBMIT_QUIZ)
    with read_session(engine) as session:
        saved = reflections.list_reflections(session, actor.person_id, quiz_id=quiz_id)
    return {question_id: item.text for question_id, item in saved.items()}


def submit_attempt(
    engine: Engine, actor: Actor, course: Course, quiz_id: str, *, attempt_key: str,
    now: datetime | None = None,
) -> AttemptResult:
    """Record the finished attempt once and close it; submitting it again changes nothing."""
    quiz = _quiz(engine, actor, course, quiz_id)
    when = now or datetime.now(UTC)
    ctx = context_for(engine, course)
    with write_transaction(engine) as session:
        stored = [a for a in attempts.list_attempts(session, actor.person_id, quiz_id=quiz_id)
                  if a.key == attempt_key]
        if stored:  # submitted already: report the same result, store nothing
            done = stored[0]
            return AttemptResult(done.score, done.passed, done.correct, done.answers)
        draft = _open_draft(session, actor, quiz, attempt_key)
        if draft is not None:
            return _record_attempt(session, actor, quiz, draft, when=when, ctx=ctx)
    raise QuizChanged(_CHANGED)


def _record_attempt(
    session: Session, actor: Actor, quiz: Quiz, draft: drafts.Draft, *, when: datetime,
    ctx: XapiContext | None = None,
) -> AttemptResult:
    """Store the graded attempt and remove its draft, in the caller's transaction."""
    view = _view(session, actor.person_id, quiz, draft)
    if not view.complete:
        raise NotAvailable("answer every question before submitting")
    score = score_attempt(view.graded.values(), question_count=len(view.scored))
    passed = has_passed(score, pass_mark=quiz.pass_mark)
    answers = tuple(
        AnswerRecord(d.question_id, view.graded[d.question_id].competency, view.graded[d.question_id].stored,
                     view.graded[d.question_id].correct, draft.answers[d.question_id].seconds,
                     score=view.graded[d.question_id].score,
                     question_hash=question_hash(view.question(d.question_id)))
        for d in view.scored
    )
    record = QuizAttemptRecord(
        key=draft.attempt_key, person_id=actor.person_id, quiz_id=quiz.meta.id,
        content_version=quiz.meta.version, started_at=min(draft.started_at, when), finished_at=when,
        answers=answers, score=score, passed=passed,
    )
    attempts.record_quiz_attempt(session, record, now=when)
    drafts.delete_draft(session, actor.person_id, quiz_id=quiz.meta.id)
    if ctx is not None:
        queue(session, [build_quiz_finished(
            ctx, person_id=actor.person_id, quiz=_ref(quiz), attempt_key=draft.attempt_key, score=score,
            passed=passed, at=when, seconds=(when - record.started_at).total_seconds())], now=when)
    if passed:  # a passed quiz's score goes to the LMS gradebook of a launched person
        lti_grades.queue_scores(session, person_id=actor.person_id, item_kind="quiz", item_id=quiz.meta.id,
                                score=score, work_key=draft.attempt_key, earned_at=when)
    return AttemptResult(score, passed, sum(a.correct for a in answers), len(answers))
