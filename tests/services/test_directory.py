"""The people directory pages and searches in the database, with limits a browser cannot lift."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from course.services import directory
from course.services.permissions import PermissionDenied
from course.store import bulk
from course.store.engine import write_transaction
from tests.databases import MakePerson


def _add(engine: Engine, count: int) -> None:
    when = datetime(2026, 5, 1, tzinfo=UTC)
    rows = [{"email": f"p{n:04d}@example.org", "name": f"Name {n:04d}" + (" 100%_x" if n == 5 else ""),
             "department": "legal" if n % 2 else "HR", "tracks": "", "level": "", "created_at": when,
             "updated_at": when} for n in range(count)]
    with write_transaction(engine) as session:
        bulk.insert_people(session, rows)


def test_pages_are_sorted_by_email_and_clamped(engine: Engine) -> None:
    _add(engine, 450)
    first = directory.find_people(engine, by=None)
    assert (first.total, first.pages, first.page, len(first.people)) == (450, 9, 1, 50)
    assert [p.email for p in first.people][:2] == ["p0000@example.org", "p0001@example.org"]
    last = directory.find_people(engine, by=None, page=10**9)
    assert (last.page, last.people[0].email, len(last.people)) == (9, "p0400@example.org", 50)
    assert directory.find_people(engine, by=None, page=-3).page == 1
    huge = directory.find_people(engine, by=None, per_page=10**6)
    assert len(huge.people) == directory.MAX_PER_PAGE


def test_search_matches_email_name_or_department_literally(engine: Engine) -> None:
    _add(engine, 20)
    assert directory.find_people(engine, by=None, search=" hr ").total == 10
    assert [p.email for p in directory.find_people(engine, by=None, search="100%_").people] == [
        "p0005@example.org"]
    assert directory.find_people(engine, by=None, search="%").total == 1  # only the literal %
    assert directory.find_people(engine, by=None, search="P001").total == 10
    assert directory.find_people(engine, by=None, search="x" * 10_000).total == 0
    assert directory.list_departments(engine, by=None) == ["HR", "legal"]


def test_only_admins_may_page_through_people(engine: Engine, make_person: MakePerson) -> None:
    learner = make_person("lee@example.org")
    with pytest.raises(PermissionDenied):
        directory.find_people(engine, by=learner)
    with pytest.raises(PermissionDenied):
        directory.find_person(engine, "lee@example.org", by=learner)
    admin = make_person("root@example.org", capabilities="admin")
    assert directory.find_people(engine, by=admin, search="root").total == 1
