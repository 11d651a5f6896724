"""Scores for LMS gradebooks are queued with the learning event, once, and only when they count.

The sender here is a stand-in that records what it is handed and can fail like an LMS that is
away: the real platform round trip is in tests/web/test_lti.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from course.content.loader import load_course
from course.domain.lti import ItemRef, LaunchFacts, OutgoingScore, ScoreNotSent, ToolKey
from course.domain.model import Course
from course.domain.permissions import Actor, Capability, Grants
from course.domain.quiz import right_answer
from course.domain.records import new_key
from course.domain.scenario import available_choices
from course.services import lti as services_lti
from course.services import lti_grades, playing, quizzing
from course.services.accounts import add_account
from course.services.outbox import RetryPolicy
from course.settings import BUNDLED_ROOT, LtiPlatform
from course.store import lti
from course.store.engine import write_transaction

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
KEY = ToolKey(kid="k", private_pem="", public_pem="")


class _Gradebook:
    def __init__(self) -> None:
        self.received: list[OutgoingScore] = []
        self.away = False

    def send(self, score: OutgoingScore, *, key: ToolKey) -> None:
        if self.away:
            raise ScoreNotSent("HTTP 503 from the LMS")
        self.received.append(score)


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT).course
    assert loaded is not None
    return loaded


def _launched(engine: Engine, course: Course, kind: str, item_id: str) -> Actor:
    info = add_account(engine, "ada@example.org", name="Ada", grants=Grants(frozenset({Capability.LEARNER})),
                       by=None, tracks=("legal",))
    with write_transaction(engine) as session:
        line = lti.keep_line_item(session, issuer="https://lms.example.org", client_id="c",
                                  url=f"https://lms.example.org/li/{item_id}", item_kind=kind,
                                  item_id=item_id,
                                  now=NOW)
        lti.add_member(session, line, info.id, subject="ada-at-lms", now=NOW)
    return Actor(info.id, info.email, info.grants)


def _open_quiz(course: Course) -> str:
    for module in sorted(course.modules.values(), key=lambda m: (m.meta.order or 0, m.meta.id)):
        if module.quiz and not module.meta.requires and module.meta.is_for({"legal"}):
            return module.quiz
    raise AssertionError("no open quiz on the legal track")


def _take(engine: Engine, actor: Actor, course: Course, quiz_id: str, *,
          right: bool) -> quizzing.AttemptResult:
    view = quizzing.open_attempt(engine, actor, course, quiz_id)
    for drawn in view.drawn:
        question = view.question(drawn.question_id)
        chosen = list(right_answer(question)) if right else [
            i for i in range(len(question.options)) if i not in right_answer(question)][:1] or [0]
        quizzing.answer_question(engine, actor, course, quiz_id, attempt_key=view.attempt_key,
                                 question_id=drawn.question_id, chosen=chosen, seconds=3.0,
                                 text=None if question.scored else "")
    return quizzing.submit_attempt(engine, actor, course, quiz_id, attempt_key=view.attempt_key)


def test_only_a_passed_quiz_is_queued_and_sent_once(sqlite_engine: Engine, course: Course) -> None:
    quiz_id = _open_quiz(course)
    actor = _launched(sqlite_engine, course, "quiz", quiz_id)
    assert not _take(sqlite_engine, actor, course, quiz_id, right=False).passed
    assert lti_grades.score_counts(sqlite_engine).pending == 0
    assert _take(sqlite_engine, actor, course, quiz_id, right=True).passed
    gradebook = _Gradebook()
    gradebook.away = True
    now = datetime.now(UTC)  # the attempt was submitted just now
    report = lti_grades.send_scores(sqlite_engine, gradebook, key=KEY, now=now)
    assert (report.sent, report.retrying, report.errors) == (0, 1, ("HTTP 503 from the LMS",))
    # Not due again before the back-off, then sent once.
    gradebook.away = False
    for later, sent in ((timedelta(seconds=30), 0), (timedelta(minutes=2), 1), (timedelta(days=1), 0)):
        assert lti_grades.send_scores(sqlite_engine, gradebook, key=KEY, now=now + later).sent == sent, later
    [sent] = gradebook.received
    assert (sent.subject, sent.score, sent.line_item_url) == ("ada-at-lms", 1.0, f"https://lms.example.org/li/{quiz_id}")


def test_a_finished_scenario_is_queued_with_its_run_score(sqlite_engine: Engine, course: Course) -> None:
    scenario_id = next(m.scenario for m in course.modules.values()
                       if m.scenario and not m.meta.requires and m.meta.is_for({"legal"}))
    assert scenario_id is not None
    actor = _launched(sqlite_engine, course, "scenario", scenario_id)
    run = playing.start_new_run(sqlite_engine, actor, course, scenario_id, key=new_key())
    while run.ending is None:
        best = max(available_choices(run.scenario, run.state), key=lambda c: c.score)
        run = playing.choose(sqlite_engine, actor, course, scenario_id, run_id=run.run_id,
                             step_no=len(run.state.steps) + 1, choice_index=best.index, key=new_key(),
                             seconds=5.0)
    gradebook = _Gradebook()
    assert lti_grades.send_scores(sqlite_engine, gradebook, key=KEY).sent == 1
    assert gradebook.received[0].score == run.score


def test_a_score_is_given_up_after_the_last_try(sqlite_engine: Engine, course: Course) -> None:
    quiz_id = _open_quiz(course)
    actor = _launched(sqlite_engine, course, "quiz", quiz_id)
    _take(sqlite_engine, actor, course, quiz_id, right=True)
    gradebook = _Gradebook()
    gradebook.away = True
    retry = RetryPolicy(max_attempts=2)
    now = datetime.now(UTC)
    assert lti_grades.send_scores(sqlite_engine, gradebook, key=KEY, retry=retry, now=now).retrying == 1
    assert lti_grades.send_scores(sqlite_engine, gradebook, key=KEY, retry=retry,
                                  now=now + timedelta(hours=1)).failed == 1
    counts = lti_grades.score_counts(sqlite_engine)
    assert (counts.pending, counts.sent, counts.failed) == (0, 0, 1)
    with write_transaction(sqlite_engine) as session:
        later = now + timedelta(days=9)
        assert lti.claim_due_grades(session, now=later, hold=timedelta(minutes=1), limit=9) == []


def test_a_launch_cannot_point_scores_at_another_host(sqlite_engine: Engine, course: Course) -> None:
    quiz_id = _open_quiz(course)
    platform = LtiPlatform(issuer="https://lms.example.org", client_id="c", deployment_ids=("1",),
                           auth_login_url="https://lms.example.org/auth",
                           auth_token_url="https://lms.example.org/token",
                           key_set_url="https://lms.example.org/keys")
    launches = (("u-evil", "https://internal.example/admin"), ("u-ok", "https://lms.example.org/li/7"))
    for subject, url in launches:
        facts = LaunchFacts(issuer=platform.issuer, client_id="c", subject=subject, name="", email="",
                            item=ItemRef("quiz", quiz_id), line_item_url=url, can_score=True,
                            department="", tracks=("legal",))
        assert services_lti.admit(sqlite_engine, facts, platform).ticket
    with write_transaction(sqlite_engine) as session:
        evil = lti.find_linked_person(session, platform.issuer, "u-evil")
        fine = lti.find_linked_person(session, platform.issuer, "u-ok")
        assert evil is not None and fine is not None
        assert lti.line_items_of(session, evil, item_kind="quiz", item_id=quiz_id) == []
        assert lti.line_items_of(session, fine, item_kind="quiz", item_id=quiz_id) == [(1, "u-ok")]


def test_a_launch_cannot_join_a_column_of_another_platform_or_item(sqlite_engine: Engine,
                                                                   course: Course) -> None:
    quiz_id = _open_quiz(course)
    other_quiz = next(q for q in sorted(course.quizzes) if q != quiz_id)

    def registered(client_id: str) -> LtiPlatform:  # two schools on one hosted LMS: one token host
        return LtiPlatform(issuer="https://lms.example.org", client_id=client_id, deployment_ids=("1",),
                           auth_login_url="https://lms.example.org/auth",
                           auth_token_url="https://lms.example.org/token",
                           key_set_url="https://lms.example.org/keys")

    column = "https://lms.example.org/li/school-a-7"
    launches = (("school-a", "u-a", quiz_id), ("school-b", "u-b", quiz_id), ("school-a", "u-c", other_quiz))
    for client_id, subject, item in launches:
        facts = LaunchFacts(issuer="https://lms.example.org", client_id=client_id, subject=subject, name="",
                            email="", item=ItemRef("quiz", item), line_item_url=column, can_score=True,
                            department="", tracks=("legal",))
        assert services_lti.admit(sqlite_engine, facts, registered(client_id)).ticket
    with write_transaction(sqlite_engine) as session:
        person = {s: lti.find_linked_person(session, "https://lms.example.org", s) or 0
                  for s in ("u-a", "u-b", "u-c")}
        assert lti.line_items_of(session, person["u-a"], item_kind="quiz", item_id=quiz_id) == [(1, "u-a")]
        # School B's launch named school A's column: B's learner's scores must not land there.
        assert lti.line_items_of(session, person["u-b"], item_kind="quiz", item_id=quiz_id) == []
        # Nor does a launch of another quiz join the column made for this one.
        assert lti.line_items_of(session, person["u-c"], item_kind="quiz", item_id=other_quiz) == []
