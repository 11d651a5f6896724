"""Question wordings: one row per (quiz, question, hash), shared by every answer that met it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from course.domain.records import AnswerRecord, QuizAttemptRecord, new_key
from course.store import attempts, question_forms
from course.store.engine import read_session, write_transaction
from tests.databases import MakePerson

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with read_session(engine) as session:
        return [tuple(row) for row in session.connection().execute(text(sql))]


def _attempt(person_id: int, hashes: dict[str, str | None]) -> QuizAttemptRecord:
    return QuizAttemptRecord(
        key=new_key(), person_id=person_id, quiz_id="quiz", content_version="v1", started_at=NOW,
        finished_at=NOW, score=1.0, passed=True,
        answers=tuple(AnswerRecord(q, "listening", (0,), True, 2.0, question_hash=h)
                      for q, h in hashes.items()))


def test_answers_name_their_wording_and_share_it(engine: Engine, make_person: MakePerson) -> None:
    ada, bob = make_person("ada@x.org"), make_person("bob@x.org")
    with write_transaction(engine) as session:
        attempts.record_quiz_attempt(session, _attempt(ada.person_id, {"q1": "aaaa", "q2": None}), now=NOW)
        attempts.record_quiz_attempt(session, _attempt(bob.person_id, {"q1": "aaaa", "q2": "bbbb"}), now=NOW)
        # Another quiz with the same question id and wording is another wording.
        other = question_forms.get_form_ids(session, "other", {"q1": "aaaa"})
    forms = dict(_rows(engine, "SELECT question_id || ':' || hash, id FROM question_form "
                               "WHERE quiz_id = 'quiz'"))
    assert set(forms) == {"q1:aaaa", "q2:bbbb"} and other["q1"] not in forms.values()
    answers = _rows(engine, "SELECT a.person_id, q.question_id, q.form_id FROM quiz_answer q "
                            "JOIN quiz_attempt a ON a.id = q.attempt_id ORDER BY 1, 2")
    assert answers == [(ada.person_id, "q1", forms["q1:aaaa"]), (ada.person_id, "q2", None),
                       (bob.person_id, "q1", forms["q1:aaaa"]), (bob.person_id, "q2", forms["q2:bbbb"])]
    with read_session(engine) as session:
        assert question_forms.hashes_of(session, [forms["q2:bbbb"], 10**6]) == {forms["q2:bbbb"]: "bbbb"}
        assert question_forms.hashes_of(session, []) == {}


def test_two_writers_meeting_a_new_wording_at_once_store_it_once(engine: Engine) -> None:
    """The first writer adds the wording and holds its transaction open while the second adds it too."""
    added = threading.Event()
    found: dict[str, int] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with write_transaction(engine) as session:
                found["first"] = question_forms.get_form_ids(session, "quiz", {"q1": "cccc"})["q1"]
                added.set()
                time.sleep(0.3)  # let the second writer reach its insert before this one commits
        except BaseException as exc:
            errors.append(exc)
            added.set()

    def second() -> None:
        added.wait()
        try:
            with write_transaction(engine) as session:
                found["second"] = question_forms.get_form_ids(session, "quiz", {"q1": "cccc"})["q1"]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert found["first"] == found["second"]
    assert _rows(engine, "SELECT COUNT(*) FROM question_form") == [(1,)]
