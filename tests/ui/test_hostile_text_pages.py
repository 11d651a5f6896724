"""Every page shows a hostile course's plain text literally, and no value from the address as Markdown.

The course of tests/ui/hostile_text.py puts links, images, emphasis, colours, formulas, raw HTML,
shortcodes and bare addresses into every plain-text field (course, module, quiz and scenario
titles, summaries, section and node titles, options, choices, meters, roles, competencies), and
a person with such a name and department is on the roster. Each page is drawn under AppTest and
every string it sends to a Markdown-reading element is checked: the payload is there, and only
in escaped form. The browser test tests/browser/test_hostile_course.py checks what a real
browser then shows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from course.domain.permissions import Capability, Grants, Page
from course.services.accounts import add_account
from course.services.database import Engine
from course.ui.links import PAGES
from tests.ui.conftest import AppFactory
from tests.ui.hostile_text import (
    ADDRESS_IDS,
    BOLD_WORD,
    EVIL_HOST,
    HOSTILE_PERSON,
    seen,
    write_hostile_course,
)

#: Substrings that only unescaped Markdown contains: each payload piece, as typed.
#: The people page keeps the chosen person under this session key.
PERSON_KEY = "admin_people:person"
RAW_MARKERS = (f"**{BOLD_WORD}", "![x]", ":red[", "<img", "$x^2$", f"www.{EVIL_HOST}", ":streamlit:",
               f"https://{EVIL_HOST}", "<script", "[x](", ":material/warning:", ":smile:")
#: A backslash escape: the character after it is shown, not read as markup.
_ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")
#: Element kinds whose strings Streamlit reads as Markdown (st.html and st.code are not).
MARKDOWN_KINDS = ("markdown", "title", "header", "subheader", "caption", "info", "warning", "error",
                  "success", "toast")


def _strings(at: AppTest) -> Iterator[str]:
    """Yield every string the page sent that Streamlit's front end reads as Markdown."""
    for node in _walk(at._tree):
        kind = getattr(node, "type", "")
        if kind in MARKDOWN_KINDS:
            yield str(node.value)
        for attribute in ("label", "text"):
            value = getattr(node, attribute, None) if kind not in ("html", "code") else None
            if isinstance(value, str):
                yield value
        if kind == "radio":
            yield from (str(option) for option in node.options)
        if kind == "page_link":
            yield str(node.value)


def _walk(node: object) -> Iterator[object]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _checked(at: AppTest, where: str) -> list[str]:
    """Assert no Markdown string holds a raw payload piece; return the strings shown."""
    assert not at.exception, at.exception
    strings = list(_strings(at))
    for text in strings:
        markup = _ESCAPED.sub("\x00", text)  # what is left is what Markdown would read as markup
        for marker in RAW_MARKERS:
            assert marker not in markup, f"{where}: {marker!r} unescaped in {text!r}"
    return strings


def _shows_payload(strings: list[str]) -> bool:
    return any(f"**{BOLD_WORD}**" in seen(s) or BOLD_WORD in seen(s) for s in strings)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """Write the hostile course."""
    return write_hostile_course(tmp_path / "hostile")


def _open(at: AppTest, page: Page, **params: str) -> AppTest:
    at.switch_page(PAGES[page][0])
    at.query_params.clear()
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    return at


def _click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if seen(b.label).startswith(label)).click().run()
    return at


def test_learner_pages_show_the_hostile_course_literally(app: AppFactory, hostile: Path) -> None:
    at = app(as_demo="legal.learner", content=hostile)
    assert _shows_payload(_checked(at, "home"))
    assert _shows_payload(_checked(_open(at, Page.MODULE, id="intro"), "module"))
    _click(at, "Finish reading")
    assert _shows_payload(_checked(at, "module, read"))
    assert _shows_payload(_checked(_open(at, Page.QUIZ, id="intro-quiz"), "quiz"))
    at.radio(key="opt-q-one").set_value(0)
    _click(at, "Check answer")
    assert _shows_payload(_checked(at, "quiz, feedback"))
    _click(at, "Submit the attempt")
    result = _checked(at, "quiz, result")  # the review list, the module's link or the next step's button
    assert any(seen(s).startswith(("Reread ", "Next: ")) for s in result), result
    assert _shows_payload(_checked(_open(at, Page.SCENARIO, id="first-day"), "scenario"))
    _click(at, "Start the scenario")
    assert _shows_payload(_checked(at, "scenario, started"))
    _click(at, "C ")
    assert _shows_payload(_checked(at, "scenario, ending"))
    assert _shows_payload(_checked(_open(at, Page.PROFILE), "profile"))


def test_trainer_pages_show_the_hostile_course_literally(app: AppFactory, hostile: Path) -> None:
    at = app(as_demo="trainer", content=hostile)
    for page in (Page.STUDIO_HEALTH, Page.STUDIO_ANALYTICS):
        _checked(_open(at, page), page.value)
    _open(at, Page.STUDIO_PREVIEW)
    assert _shows_payload(_checked(at, "preview, module"))
    for kind in ("Quiz", "Scenario"):
        at.radio[0].set_value(kind).run()
        assert _shows_payload(_checked(at, f"preview, {kind}"))
    _checked(_open(at, Page.STUDIO_EDITOR, file=ADDRESS_IDS[0], line="1"), "editor")


def test_admin_pages_show_a_hostile_person_literally(
        app: AppFactory, hostile: Path, database: Callable[[], Engine]) -> None:
    at = app(as_demo="admin", content=hostile)
    add_account(database(), HOSTILE_PERSON["email"], name=HOSTILE_PERSON["name"], by=None,
                grants=_learner(), department=HOSTILE_PERSON["department"], tracks=("legal",))
    _open(at, Page.ADMIN_PEOPLE)
    at.selectbox(key=PERSON_KEY).select(HOSTILE_PERSON["email"]).run()
    _checked(at, "people, the hostile person chosen")
    for page in (Page.ADMIN_ROSTER, Page.ADMIN_AUDIT):
        _checked(_open(at, page), page.value)
    at.text_input(key="audit-person").input(HOSTILE_PERSON["name"]).run()
    _checked(at, "audit log, filtered by a hostile name")
    _open(at, Page.ADMIN_ROSTER)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([
        ("email", "name", "department", "manager"),
        ("new@example.org", HOSTILE_PERSON["name"], HOSTILE_PERSON["department"], ""),
        ("bad@example.org", HOSTILE_PERSON["name"], HOSTILE_PERSON["department"], f"ghost@{EVIL_HOST}"),
    ])
    roster = buffer.getvalue()
    at.text_area(key="roster-text").input(roster).run()
    at.button(key="roster-preview").click().run()
    strings = _checked(at, "roster preview with a hostile name and department")
    assert any("1 to add, 0 to update, 0 unchanged, 1 problem(s)" in seen(text) for text in strings)


def _learner() -> Grants:
    return Grants(capabilities=frozenset({Capability.LEARNER}))


@pytest.mark.parametrize("page", [Page.MODULE, Page.QUIZ, Page.SCENARIO])
@pytest.mark.parametrize("item_id", ADDRESS_IDS)
def test_an_address_id_is_never_shown_as_markdown(app: AppFactory, hostile: Path, page: Page,
                                                  item_id: str) -> None:
    at = _open(app(as_demo="legal.learner", content=hostile), page, id=item_id)
    strings = _checked(at, f"{page.value}?id={item_id}")
    assert not any(item_id in seen(s) for s in strings)
    assert [seen(w.value) for w in at.warning] == [f"That {page.value} does not exist."]
