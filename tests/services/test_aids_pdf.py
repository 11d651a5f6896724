"""Job aids as one-page A4 PDFs: what is printed, in what type, and that the bundled aids fit."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from course.content.loader import load_course
from course.domain.model import Aid, Module
from course.services.aids import aid_file_name, aid_pdf, aids_for_modules, first_fitting
from course.services.pdf_text import MISSING
from tests.conftest import TreeWriter
from tests.content.test_aids_and_law_notes import AID, LAW_MODULE

ROOT = Path(__file__).resolve().parents[2]


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def _aid(write_tree: TreeWriter, text: str = AID) -> Aid:
    result = load_course(write_tree({"modules/intro.md": LAW_MODULE, "aids/first-hour.md": text}),
                         today=date(2026, 12, 4))
    assert result.course is not None, result.diagnostics
    return result.course.aids["first-hour"]


def test_an_aid_prints_on_one_a4_page_with_its_title_and_text(write_tree: TreeWriter) -> None:
    pdf = aid_pdf(_aid(write_tree), course_title="Test course")
    pages, text = _text(pdf)
    assert pages == 1
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4
    for expected in ("The first hour", "What to do first", "Last reviewed 1 June 2026", "First 15 minutes",
                     "Screenshot the post", "Duty lead", "Reply now or not", "Watch out",
                     "Do not delete the post.", "1.", "keep it short", "Test course"):
        assert expected in text


def test_a_law_aid_prints_the_law_note(write_tree: TreeWriter) -> None:
    aid = _aid(write_tree, AID.replace("reviewed: 2026-06-01", "reviewed: 2026-06-01\njurisdiction: [EU]"))
    _, text = _text(aid_pdf(aid))
    assert "Law as of 1 June 2026, for EU; ask counsel where you operate." in text


def test_a_long_aid_is_set_smaller_until_it_fits(write_tree: TreeWriter) -> None:
    lines = "\n".join(f"- [ ] Step {n}: check the facts before anyone replies in public" for n in range(60))
    pages, text = _text(aid_pdf(_aid(write_tree, AID + "\n## More\n\n" + lines)))
    assert pages == 1 and "Step 59" in text
    far_too_long = "\n".join(f"- Line {n} of a sheet nobody could print on one page" for n in range(150))
    pages, text = _text(aid_pdf(_aid(write_tree, AID + "\n" + far_too_long)))
    assert pages > 1 and "Line 149" in text  # nothing is cut: it runs on


def test_an_aid_prints_every_script_the_font_holds_and_marks_what_it_lacks(write_tree: TreeWriter) -> None:
    """A trainer's aid in Polish, Greek or Hebrew prints as written; nothing makes it fail."""
    odd = ("Keep calm \u2014 \u201cquoted\u201d \u20ac10 \u2192 \u2265 \u0141\u00f3d\u017a "
           "\u03a3\u03bf\u03c6\u03af\u03b1 \u4e2d\u6587 \u202e")
    hostile = AID.replace("Keep calm.", odd)
    _, text = _text(aid_pdf(_aid(write_tree, hostile)))
    assert ("Keep calm \u2014 \u201cquoted\u201d \u20ac10 \u2192 \u2265 \u0141\u00f3d\u017a "
            f"\u03a3\u03bf\u03c6\u03af\u03b1 {MISSING}{MISSING}") in text
    assert "\u202e" not in text  # a direction override never reaches the page
    hebrew = AID.replace("Keep calm.", "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd")
    _, text = _text(aid_pdf(_aid(write_tree, hebrew)))
    assert "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd" in text


def test_a_path_lists_each_aid_once_with_the_modules_that_link_it(write_tree: TreeWriter) -> None:
    second = LAW_MODULE.replace("id: intro", "id: second").replace("quiz: intro-quiz\n", "").replace(
        "scenario: first-day\n", "")
    result = load_course(write_tree({"modules/intro.md": LAW_MODULE, "modules/second.md": second,
                                     "aids/first-hour.md": AID}), today=date(2026, 12, 4))
    assert result.course is not None
    modules: list[Module] = [result.course.modules["intro"], result.course.modules["second"]]
    found = aids_for_modules(result.course, modules)
    assert [(f.aid.id, [m.meta.id for m in f.modules]) for f in found] == [
        ("first-hour", ["intro", "second"])]
    assert aids_for_modules(result.course, [replace(modules[0], aids=())]) == ()
    assert aid_file_name(found[0].aid) == "first-hour.pdf"


BUNDLED = load_course(ROOT).course


@pytest.mark.parametrize("aid_id", sorted(BUNDLED.aids) if BUNDLED else [])
def test_every_bundled_aid_fits_one_page(aid_id: str) -> None:
    assert BUNDLED is not None
    aid = BUNDLED.aids[aid_id]
    pages, text = _text(aid_pdf(aid, course_title=BUNDLED.info.title))
    assert pages == 1
    assert aid.title.split()[0] in text


@given(count=st.integers(1, 12), threshold=st.integers(0, 14))
def test_the_size_search_finds_the_largest_type_that_fits_in_few_draws(count: int, threshold: int) -> None:
    tried: list[int] = []

    def fits(index: int) -> bool:
        tried.append(index)
        return index >= threshold

    linear = next((i for i in range(count) if i >= threshold), count - 1)
    assert first_fitting(count, fits) == linear
    assert len(tried) <= 2 + max(count - 2, 1).bit_length()
