"""The people directory for admins: search and page on the server, never the whole organisation.

At 20,000 people, sending every account to the browser on each click cost 2.5 MB and seconds;
a page holds at most `MAX_PER_PAGE` people, whatever the browser asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

from course.domain.accounts import PersonInfo
from course.domain.permissions import Action, Actor
from course.services.permissions import require
from course.store import people
from course.store.engine import Engine, read_session

#: People per page unless asked otherwise, and the most a page may hold.
PER_PAGE = 50
MAX_PER_PAGE = 200
#: Longer search text is cut: no email, name or department is longer.
MAX_SEARCH = 254


@dataclass(frozen=True, slots=True)
class PeoplePage:
    """One page of the people matching a search, and where it lies among them."""

    people: tuple[PersonInfo, ...]
    total: int
    page: int
    pages: int
    search: str


def find_people(
    engine: Engine, *, by: Actor | None, search: str = "", page: int = 1, per_page: int = PER_PAGE
) -> PeoplePage:
    """Return one page of the people whose email, name or department contains `search`.

    The page number is brought into range (a page past the end shows the last one), and
    `per_page` is capped, so a forged request cannot ask for everyone at once.
    """
    if by is not None:
        require(engine, by, Action.MANAGE_PEOPLE)
    size = max(1, min(per_page, MAX_PER_PAGE))
    text = search.strip()[:MAX_SEARCH]
    with read_session(engine) as session:
        found, total = people.search_people(session, text, limit=size, offset=(max(page, 1) - 1) * size)
        pages = max(1, -(-total // size))
        if page > pages:  # past the end, for example after a search narrowed the list
            found, total = people.search_people(session, text, limit=size, offset=(pages - 1) * size)
    return PeoplePage(people=tuple(found), total=total, page=min(max(page, 1), pages), pages=pages,
                      search=text)


def find_person(engine: Engine, email: str, *, by: Actor | None) -> PersonInfo | None:
    """Return one person by email (the one an admin is managing), or None."""
    if by is not None:
        require(engine, by, Action.MANAGE_PEOPLE)
    with read_session(engine) as session:
        return people.find_person(session, email)


def list_departments(engine: Engine, *, by: Actor | None) -> list[str]:
    """Return every department someone belongs to, for the leader-scope choices."""
    if by is not None:
        require(engine, by, Action.MANAGE_PEOPLE)
    with read_session(engine) as session:
        return people.list_departments(session)
