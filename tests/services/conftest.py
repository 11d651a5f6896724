"""Service tests run on the same databases as store tests (see tests/databases.py)."""

import pytest

from course.content.loader import load_course
from course.domain.model import Course
from course.services.accounts import Passwords
from course.settings import BUNDLED_ROOT
from tests.databases import database_url, engine, make_person, sqlite_engine
from tests.mail_sink import mail_sink, smtp_server

__all__ = ["bundled_course", "database_url", "engine", "mail_sink", "make_person", "passwords", "smtp_server",
           "sqlite_engine"]


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    """Return a cheap argon2id hasher, so that tests hash quickly (the policy is the same)."""
    return Passwords(memory_kib=1024, time_cost=1)


@pytest.fixture(scope="session")
def bundled_course() -> Course:
    """Return the bundled course, loaded once (tests only read it)."""
    loaded = load_course(BUNDLED_ROOT)
    assert loaded.course is not None
    return loaded.course
