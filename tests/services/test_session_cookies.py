"""Session tickets and the cookie they hand over: single use, expiry, replay, redirects, garbage."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import select

from course.domain.permissions import Grants
from course.services import accounts, session_cookies
from course.services.accounts import SessionPolicy
from course.services.session_cookies import TICKET_SECONDS, HandOver, redeem_ticket, safe_return_path
from course.store import people, sessions
from course.store.engine import read_session, write_transaction
from course.store.tables import SessionTicket
from tests.databases import MakePerson

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
LONG = SessionPolicy(idle=timedelta(days=1), absolute=timedelta(days=2))


def _session(engine: Engine, person_id: int, *, now: datetime = NOW) -> str:
    token = secrets.token_urlsafe(32)
    with write_transaction(engine) as session:
        sessions.create_session(session, accounts.hash_token(token), person_id=person_id, now=now)
    return token


def _ticket(engine: Engine, person_id: int, **options: str) -> str:
    token = _session(engine, person_id)
    return session_cookies.issue_ticket(engine, token, person_id=person_id, now=NOW, **options)


def _tickets(engine: Engine) -> int:
    with read_session(engine) as session:
        return int(session.exec(select(func.count()).select_from(SessionTicket)).one())


def _handed(engine: Engine, make_person: MakePerson, **options: str) -> tuple[str, HandOver]:
    actor = make_person()
    token = _session(engine, actor.person_id)
    ticket = session_cookies.issue_ticket(engine, token, person_id=actor.person_id, now=NOW, **options)
    handed = redeem_ticket(engine, ticket, now=NOW + timedelta(seconds=5))
    assert handed is not None
    return token, handed


def test_a_ticket_hands_the_session_to_a_new_token_only_the_cookie_holds(
    engine: Engine, make_person: MakePerson
) -> None:
    token, handed = _handed(engine, make_person, return_path="/quiz?id=q1")
    assert handed.token != token and session_cookies.is_opaque_value(handed.token)
    assert handed.return_path == "/quiz?id=q1"
    later = NOW + timedelta(minutes=1)
    resumed = accounts.resume_session(engine, handed.token, policy=LONG, now=later)
    assert resumed is not None and resumed.email == "ada@example.org"
    # The token the page saw no longer opens anything: only the cookie's does.
    assert accounts.resume_session(engine, token, policy=LONG, now=later) is None
    assert _tickets(engine) == 0


def test_a_ticket_works_once(engine: Engine, make_person: MakePerson) -> None:
    actor = make_person()
    ticket = _ticket(engine, actor.person_id)
    assert redeem_ticket(engine, ticket, now=NOW) is not None
    assert redeem_ticket(engine, ticket, now=NOW) is None


def test_an_expired_ticket_is_refused_and_removed(engine: Engine, make_person: MakePerson) -> None:
    actor = make_person()
    token = _session(engine, actor.person_id)
    ticket = session_cookies.issue_ticket(engine, token, person_id=actor.person_id, now=NOW)
    assert redeem_ticket(engine, ticket, now=NOW + timedelta(seconds=TICKET_SECONDS)) is None
    assert _tickets(engine) == 0
    # The page's own token still works: the refused ticket moved nothing.
    assert accounts.resume_session(engine, token, policy=LONG, now=NOW) is not None


def test_a_ticket_of_a_session_ended_meanwhile_opens_nothing(engine: Engine, make_person: MakePerson) -> None:
    actor = make_person()
    token = _session(engine, actor.person_id)
    ticket = session_cookies.issue_ticket(engine, token, person_id=actor.person_id, now=NOW)
    accounts.sign_out(engine, token, now=NOW)
    assert redeem_ticket(engine, ticket, now=NOW) is None


def test_expired_tickets_are_purged_when_a_new_one_is_issued(engine: Engine, make_person: MakePerson) -> None:
    actor = make_person()
    for minute in range(3):
        session_cookies.issue_ticket(engine, _session(engine, actor.person_id), person_id=actor.person_id,
                                     now=NOW + timedelta(minutes=minute))
    assert _tickets(engine) == 1


def test_two_requests_with_the_same_ticket_get_one_session(engine: Engine, make_person: MakePerson) -> None:
    actor = make_person()
    ticket = _ticket(engine, actor.person_id)
    barrier = threading.Barrier(8)
    outcomes: list[HandOver | None] = []

    def redeem() -> None:
        barrier.wait()
        outcomes.append(redeem_ticket(engine, ticket, now=NOW))

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(o is not None for o in outcomes) == 1


@pytest.mark.parametrize(
    "ticket",
    ["", "short", "a" * 65, "x" * 3_000_000, "é" * 43, "ticket with spaces in it here",
     "../../etc/passwd", None, 12345, b"bytes-are-not-a-ticket-at-all-no", ["list"]],
)
def test_malformed_or_unknown_tickets_open_nothing(
    engine: Engine, make_person: MakePerson, ticket: object
) -> None:
    actor = make_person()
    _ticket(engine, actor.person_id)
    assert redeem_ticket(engine, ticket, now=NOW) is None
    assert redeem_ticket(engine, secrets.token_urlsafe(32), now=NOW) is None  # well-formed, unknown
    assert _tickets(engine) == 1  # the real ticket is untouched


@pytest.mark.parametrize(
    "cookie",
    ["", "x", "A" * 43, "A" * 129, "=" * 5_000_000, "\u00df" * 200_000, "\x00" * 50,
     "'; DROP TABLE person; --"],
)
def test_forged_or_garbage_cookies_sign_nobody_in(
    engine: Engine, make_person: MakePerson, cookie: str
) -> None:
    actor = make_person()
    _session(engine, actor.person_id)
    assert accounts.resume_session(engine, cookie, policy=LONG, now=NOW) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/", "/"),
        ("/quiz", "/quiz"),
        ("/module?id=m1&section=2", "/module?id=m1&section=2"),
        ("//evil.example", "/"),
        ("///evil.example", "/"),
        ("https://evil.example/", "/"),
        ("http:evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        (" /quiz", "/"),
        ("quiz", "/"),
        ("", "/"),
        ("/auth/session?ticket=x", "/"),
        ("/auth/sign-out", "/"),
        ("/" + "a" * 600, "/"),
        (None, "/"),
    ],
)
def test_return_paths_stay_on_this_site(raw: object, expected: str) -> None:
    assert safe_return_path(raw) == expected


def test_a_ticket_never_stores_a_path_to_another_site(engine: Engine, make_person: MakePerson) -> None:
    _, handed = _handed(engine, make_person, return_path="//evil.example/phish")
    assert handed.return_path == "/"


def test_the_device_value_travels_with_the_ticket_and_a_malformed_one_is_dropped(
    engine: Engine, make_person: MakePerson
) -> None:
    device = secrets.token_urlsafe(32)
    _, handed = _handed(engine, make_person, device=device)
    assert handed.device == device
    other = make_person("bo@example.org")
    ticket = _ticket(engine, other.person_id, device="<script>")
    forged = redeem_ticket(engine, ticket, now=NOW)
    assert forged is not None and forged.device == ""


def test_tickets_hold_only_hashes(engine: Engine, make_person: MakePerson) -> None:
    actor = make_person()
    token = _session(engine, actor.person_id)
    ticket = session_cookies.issue_ticket(engine, token, person_id=actor.person_id, now=NOW)
    with read_session(engine) as session:
        (row,) = session.exec(select(SessionTicket)).all()
    assert row.id == accounts.hash_token(ticket) and row.session_id == accounts.hash_token(token)
    assert ticket not in {row.id, row.session_id} and token not in {row.id, row.session_id}


def test_resuming_reads_session_person_and_grants_in_one_statement(
    engine: Engine, make_person: MakePerson
) -> None:
    actor = make_person(capabilities="learner; leader:legal|hr")
    token = _session(engine, actor.person_id)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        resumed = accounts.resume_session(engine, token, policy=LONG, now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert resumed == actor
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_a_person_without_grants_still_resumes(engine: Engine, make_person: MakePerson) -> None:
    actor = make_person()
    with write_transaction(engine) as session:
        people.set_grants(session, actor.person_id, grants=Grants(frozenset()))
    resumed = accounts.resume_session(engine, _session(engine, actor.person_id), policy=LONG, now=NOW)
    assert resumed is not None and resumed.grants.capabilities == frozenset()


def test_the_security_purge_removes_expired_tickets(engine: Engine, make_person: MakePerson) -> None:
    actor = make_person()
    _ticket(engine, actor.person_id)
    accounts.purge_security_records(engine, now=NOW + timedelta(seconds=TICKET_SECONDS - 1))
    assert _tickets(engine) == 1
    accounts.purge_security_records(engine, now=NOW + timedelta(seconds=TICKET_SECONDS))
    assert _tickets(engine) == 0
