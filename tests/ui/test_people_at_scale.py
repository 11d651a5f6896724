"""The People page at 20,000 people: one page of rows per click, searched in the database.

What a click sends is measured as the size of the page's elements as Streamlit serialises them
(the same protobuf messages go to the browser), not as time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from streamlit.testing.v1 import AppTest

from course.domain.permissions import Page
from course.services.database import Engine
from course.store import bulk
from course.store.engine import write_transaction
from course.ui.links import PAGES
from tests.bundled import BUNDLED_DEMO_PEOPLE
from tests.ui.conftest import AppFactory

PEOPLE = 20_000
#: The budget per click at 20,000 people (it was 2.5 MB when every account was sent).
BUDGET_BYTES = 200_000
DEPARTMENTS = ("legal", "hr", "it", "finance")


def _add_people(engine: Engine, count: int) -> None:
    when = datetime(2026, 5, 1, tzinfo=UTC)
    rows = [{"email": f"person{n:05d}@example.org",
             "name": f"Person {n:05d}" + (" Okafor" if n % 1000 == 7 else ""),
             "department": DEPARTMENTS[n % 4], "tracks": "legal", "level": "", "created_at": when,
             "updated_at": when} for n in range(count)]
    with write_transaction(engine) as session:
        bulk.insert_people(session, rows)


def _elements(node: Any) -> Iterator[Any]:
    proto = getattr(node, "proto", None)
    if proto is not None:
        yield proto
    for child in getattr(node, "children", {}).values():
        yield from _elements(child)


def _bytes_sent(at: AppTest) -> int:
    """Return the serialised size of everything the page shows (main area and sidebar)."""
    return sum(proto.ByteSize() for proto in _elements(at._tree))


def _emails(at: AppTest) -> list[str]:
    return [str(row["Email"]) for row in at.dataframe[0].value.to_dict("records")]


def test_the_people_page_sends_one_page_at_20000_people(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = app(as_demo="admin")
    _add_people(database(), PEOPLE)
    at.switch_page(PAGES[Page.ADMIN_PEOPLE][0]).run()
    assert not at.exception, at.exception
    total = PEOPLE + len(BUNDLED_DEMO_PEOPLE)
    assert at.caption[0].value == f"{total:,} account(s); page 1 of {-(-total // 50)}"
    assert len(_emails(at)) == 50
    assert len(at.selectbox(key="admin_people:person").options) == 50
    first_click = _bytes_sent(at)
    print(f"people page at {total:,} people: {first_click:,} bytes per click")
    assert first_click < BUDGET_BYTES, first_click

    at.number_input(key="admin_people:page").set_value(3).run()
    emails = _emails(at)
    assert len(emails) == 50 and emails == sorted(emails)
    assert at.caption[0].value.endswith(f"page 3 of {-(-total // 50)}")

    # A forged page number far past the end is refused by Streamlit (back to page 1); the
    # service clamps it too (tests/services/test_directory.py): never an error, never everyone.
    at.number_input(key="admin_people:page").set_value(10**9).run()
    assert not at.exception, at.exception
    assert at.caption[0].value.endswith(f"page 1 of {-(-total // 50)}")
    assert len(_emails(at)) == 50

    at.text_input(key="admin_people:search").input("okafor").run()
    assert _emails(at) == [f"person{n:05d}@example.org" for n in range(7, PEOPLE, 1000)]
    assert at.caption[0].value == "20 account(s) matching “okafor”; page 1 of 1"
    assert _bytes_sent(at) < BUDGET_BYTES


def test_search_text_is_matched_literally(app: AppFactory, database: Callable[[], Engine]) -> None:
    at = app(as_demo="admin")
    _add_people(database(), 30)
    at.switch_page(PAGES[Page.ADMIN_PEOPLE][0]).run()
    for text in ("%", "_", "person0001_"):  # LIKE wildcards match only themselves
        at.text_input(key="admin_people:search").input(text).run()
        assert _emails(at) == [], text
    at.text_input(key="admin_people:search").input("PERSON0001").run()
    assert _emails(at) == [f"person{n:05d}@example.org" for n in range(10, 20)]
    at.text_input(key="admin_people:search").input("Finance").run()
    assert len(_emails(at)) == 7  # departments match too, in any case


def test_the_person_being_managed_stays_chosen_while_the_table_pages_on(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = app(as_demo="admin")
    _add_people(database(), 120)
    at.switch_page(PAGES[Page.ADMIN_PEOPLE][0]).run()
    chosen = "person00000@example.org"
    at.selectbox(key="admin_people:person").set_value(chosen).run()
    at.number_input(key="admin_people:page").set_value(3).run()
    assert not at.exception, at.exception
    assert chosen not in _emails(at)
    box = at.selectbox(key="admin_people:person")
    assert box.value == chosen and box.options[0].endswith(f"<{chosen}>")
    assert f"erase-{chosen}" in [b.key for b in at.button]
