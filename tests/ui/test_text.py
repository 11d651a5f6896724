"""`literal` escapes plain text for Streamlit's Markdown: the typed characters, and nothing else.

Streamlit's browser rendering of the same catalogue is checked in tests/browser/test_plain_text.py;
here a CommonMark parser with tables and strikethrough stands in for it, on the catalogue and on
any text hypothesis can make.
"""

from __future__ import annotations

import string
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from course.ui.text import JOINER, literal, shown
from tests.ui.hostile_text import CATALOGUE

_PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


class _Text(HTMLParser):
    """Collect the text of rendered HTML and the tags it used."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _rendered(markdown: str) -> tuple[list[str], str]:
    reader = _Text()
    reader.feed(_PARSER.render(markdown))
    return reader.tags, "".join(reader.parts).strip("\n").replace(JOINER, "")


@pytest.mark.parametrize("text", CATALOGUE)
def test_the_catalogue_renders_as_one_paragraph_of_its_own_characters(text: str) -> None:
    assert _rendered(literal(text)) == (["p"], shown(text))


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_any_text_renders_as_its_own_characters(text: str) -> None:
    tags, seen = _rendered(literal(text))
    assert seen == shown(text)
    assert set(tags) <= {"p"}


@given(st.text(alphabet=string.punctuation + " \nabw:/.@", min_size=1))
def test_punctuation_soup_renders_as_its_own_characters(text: str) -> None:
    tags, seen = _rendered(literal(text))
    assert seen == shown(text)
    assert set(tags) <= {"p"}


@pytest.mark.parametrize(("text", "escaped"), [
    ("**bold**", "\\*\\*bold\\*\\*"),
    ("$5", "\\$5"),
    (":red[x]", f":{JOINER}red\\[x\\]"),
    ("# one\n- two", "\\# one - two"),
    ("- item", "\\- item"),
    ("12) item", "12\\) item"),
    ("a@b.example", f"a@{JOINER}b.example"),
    ("WWW.example", f"WWW{JOINER}.example"),
    ("https://x", f"https:{JOINER}//x"),
    (":+1: and :100:", f":{JOINER}+1: and :{JOINER}100:"),
    ("&amp; &#60; & more", "\\&amp; \\&#60; & more"),
    ("  Zoë  ", "Zoë"),
])
def test_each_special_character_is_escaped(text: str, escaped: str) -> None:
    assert literal(text) == escaped


def test_nothing_streamlit_looks_for_in_the_raw_source_survives() -> None:
    escaped = literal(":material/home: :smile: $x$ :streamlit:")
    assert ":material/" not in escaped
    assert "$x$" not in escaped
    assert ":smile:" not in escaped


def test_common_punctuation_stays_as_typed_for_accessible_names() -> None:
    typed = "Step 2: act (now), at 22:45 - or not? \"Yes\"; it's 50% off!"
    assert literal(typed) == typed


def test_text_that_is_not_a_string_is_shown_as_its_string() -> None:
    assert literal(12.5) == "12.5"
    assert shown(None) == "None"


@pytest.mark.parametrize("text", ["#hashtag", "-5 degrees", "+1 vote", "12.5 percent", "(2025)", "-x-"])
def test_what_only_looks_like_a_block_start_stays_as_typed(text: str) -> None:
    assert literal(text) == text
    assert _rendered(literal(text)) == (["p"], text)
