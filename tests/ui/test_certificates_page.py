"""Certificates in the app: the learner's list and records on their profile, and revoking as an admin."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from course.domain.certificates import VERIFY_PATH, Certificate
from course.domain.permissions import Page
from course.services.database import Engine
from course.store import certificates, people
from course.store.engine import read_session, write_transaction
from tests.ui.conftest import AppFactory
from tests.ui.test_admin_pages import _choose, _click, _events, _open, downloads

__all__ = ["downloads"]

LEARNER = "legal.learner@demo.needtoshare.invalid"
CODE = "0123456789ABCDEF0123"


def _give_certificate(engine: Engine) -> int:
    with read_session(engine) as session:
        person_id = people.find_person_id(session, LEARNER)
    assert person_id is not None
    with write_transaction(engine) as session:
        certificates.add_certificate(session, Certificate(
            CODE, person_id, "legal", "Legal & compliance", datetime(2026, 5, 1, tzinfo=UTC), 0.84,
            "Proficient"))
    return person_id


def test_a_new_learner_is_told_how_to_earn_a_certificate(app: AppFactory) -> None:
    at = _open(app(as_demo="legal.learner"), Page.PROFILE)
    assert "My certificates" in [h.value for h in at.header]
    assert any("to earn the track's certificate" in c.value for c in at.caption)
    assert not [b for b in at.download_button if b.label.startswith("Certificate")]


def test_the_learner_sees_their_certificate_and_downloads_their_records(
    app: AppFactory, database: Callable[[], Engine], downloads: dict[str, bytes]
) -> None:
    at = app(as_demo="legal.learner")
    _give_certificate(database())
    _open(at, Page.PROFILE)
    assert any("Legal & compliance" in m.value and "Proficient (84%)" in m.value for m in at.markdown)
    assert any(CODE in c.value and f"{VERIFY_PATH}?code={CODE}" in c.value for c in at.caption)
    labels = [b.label for b in at.download_button]
    assert labels == ["Certificate (PDF)", "Signed badge (Open Badges 3.0, JWT)", "Badge contents (JSON)"]

    _click(at, "records-prepare")
    records = json.loads(downloads["my-records.json"])
    assert records["email"] == LEARNER
    assert [row["code"] for row in records["tables"]["certificate"]] == [CODE]
    readable = downloads["my-records.txt"].decode()
    assert readable.startswith(f"Records held about {LEARNER}") and f"code: {CODE}" in readable
    assert _events(database(), "own_records_exported")[0] == (LEARNER, LEARNER, "")


def test_an_admin_revokes_a_certificate_from_the_people_page(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = _open(app(as_demo="admin"), Page.ADMIN_PEOPLE)
    _give_certificate(database())
    _choose(at, LEARNER)
    at.text_input(key=f"revoke-reason-{CODE}").input("issued by mistake").run()
    _click(at, f"revoke-{CODE}")
    assert any("Revoked the Legal & compliance certificate" in s.value for s in at.success)
    with read_session(database()) as session:
        revoked = certificates.get_certificate(session, CODE)
    assert revoked is not None and revoked.revoked and revoked.revoked_reason == "issued by mistake"
    assert _events(database(), "certificate_revoked")[0][2] == "legal"
    assert any("Revoked on" in c.value and "issued by mistake" in c.value for c in at.caption)
