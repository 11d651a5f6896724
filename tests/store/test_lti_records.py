"""LTI records on SQLite and PostgreSQL: nonces used once, links and line items kept once, scores held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from course.store import lti
from course.store.engine import write_transaction
from tests.databases import MakePerson

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
HOLD = timedelta(minutes=10)


def test_a_nonce_is_used_once_and_only_while_fresh(engine: Engine) -> None:
    with write_transaction(engine) as session:
        lti.add_nonce(session, "fresh", now=NOW)
        lti.add_nonce(session, "stale", now=NOW - timedelta(minutes=30))
        lti.add_nonce(session, "fresh", now=NOW)  # saving it again changes nothing
    window = NOW - timedelta(minutes=10)
    with write_transaction(engine) as session:
        assert lti.use_nonce(session, "fresh", now=NOW, issued_after=window)
        assert not lti.use_nonce(session, "fresh", now=NOW, issued_after=window)  # a replay
        assert not lti.use_nonce(session, "stale", now=NOW, issued_after=window)
        assert not lti.use_nonce(session, "never-issued", now=NOW, issued_after=window)
        assert lti.purge_nonces(session, issued_before=NOW - timedelta(minutes=1)) == 1


def test_links_line_items_and_scores_are_kept_once(engine: Engine, make_person: MakePerson) -> None:
    ada, bob = make_person("ada@example.org").person_id, make_person("bob@example.org").person_id
    with write_transaction(engine) as session:
        assert lti.link_person(session, "https://lms", "s-1", ada, now=NOW) == ada
        assert lti.link_person(session, "https://lms", "s-1", bob, now=NOW) == ada  # the first link stays
        first = lti.keep_line_item(session, issuer="https://lms", client_id="c", url="https://lms/li/1",
                                   item_kind="quiz", item_id="q", now=NOW)
        again = lti.keep_line_item(session, issuer="https://lms", client_id="c", url="https://lms/li/1",
                                   item_kind="quiz", item_id="q", now=NOW)
        assert first == again
        lti.add_member(session, first, ada, subject="s-1", now=NOW)
        lti.add_member(session, first, ada, subject="s-1", now=NOW)
        assert lti.line_items_of(session, ada, item_kind="quiz", item_id="q") == [(first, "s-1")]
        assert lti.line_items_of(session, ada, item_kind="scenario", item_id="q") == []
        queued = [lti.queue_grade(session, key="k", line_item_id=first, person_id=ada, subject="s-1",
                                  score=0.5, earned_at=NOW, now=NOW) for _ in range(2)]
        assert queued == [True, False]
    with write_transaction(engine) as session:
        [claimed] = lti.claim_due_grades(session, now=NOW, hold=HOLD, limit=10)
        assert (claimed.line_item_url, claimed.subject, claimed.score, claimed.attempts) == (
            "https://lms/li/1", "s-1", 0.5, 1)
        assert claimed.earned_at == NOW
        # A second sender finds it held until the hold ends.
        assert lti.claim_due_grades(session, now=NOW + timedelta(minutes=1), hold=HOLD, limit=10) == []
        [taken_over] = lti.claim_due_grades(session, now=NOW + HOLD, hold=HOLD, limit=10)
        assert taken_over.attempts == 2
        lti.mark_grade_sent(session, claimed.id, now=NOW + HOLD)
        counts = lti.count_grades(session)
        assert (counts.pending, counts.sent, counts.failed) == (0, 1, 0)
