"""Names in every script on the certificate PDF: read back with pypdf, exactly as written.

The certificate is the credential, so each test draws one and reads its text (and, where the
layout is the point, the position of every piece of text) back out of the PDF.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from fpdf.enums import TextDirection
from pypdf import PdfReader

from course.domain.certificates import Certificate
from course.services.certificate_pdf import draw_certificate
from course.services.pdf_text import FONT_FILES, MISSING, UnicodePdf, visual_runs

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
URL = "https://learn.example.org"
ISSUED = Certificate("C0DEC0DEC0DEC0DEC0DE", 1, "legal", "Legal – compliance", NOW, None, "Completed")
MM = 72 / 25.4  # PDF points in a millimetre
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
#: Where Debian's Noto packages put their fonts; a CJK one is used when installed.
NOTO_FOLDERS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))


def _certificate(name: str, *, title: str = "Łódź Logistics Academy",
                 fonts: Sequence[Path] = (), certificate: Certificate = ISSUED) -> PdfReader:
    data = draw_certificate(certificate, holder_name=name, course_title=title, public_url=URL,
                            fallback_fonts=fonts)
    return PdfReader(io.BytesIO(data))


def _lines(reader: PdfReader) -> list[str]:
    return reader.pages[0].extract_text().splitlines()


def _placed(reader: PdfReader) -> list[tuple[str, float, float]]:
    """Return each piece of text as drawn, left to right, with its x and y (points from bottom left)."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            found.append((text, tm[4] + cm[4], tm[5] + cm[5]))

    reader.pages[0].extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("name", [
    "Łukasz Żółć",  # Polish
    "Ђорђе Јовановић",  # Serbian Cyrillic
    "Σοφία Παπαδοπούλου",  # Greek, with tonos
    "İlkay Şahin Işık",  # Turkish dotted capital I and dotless i
    "Nguyễn Thị Ngọc Ánh",  # Vietnamese: two marks stacked on one letter
    "Siobhán O’Brien-Ní Dhúill",  # a typographic apostrophe is part of the name
    "Åsa Ærø Øystein Ðorđe Þóra",
])
def test_a_name_prints_exactly_as_written(name: str) -> None:
    reader = _certificate(name)
    assert len(reader.pages) == 1
    lines = _lines(reader)
    assert name in lines
    assert "Łódź Logistics Academy" in lines[3]
    assert MISSING not in "".join(lines) and "?" not in "".join(lines[:-1])  # the address has one


def test_a_name_typed_with_combining_marks_prints_as_the_composed_letters() -> None:
    composed = "Nguyễn Thị Ngọc Ánh"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert composed in _lines(_certificate(decomposed))


@pytest.mark.parametrize("name", ["דוד כהן", "نور الهدى", "لا إله", "Ada fin"])
def test_a_name_in_any_direction_reads_back_in_the_order_it_was_typed(name: str) -> None:
    assert name in _lines(_certificate(name))  # "fin": no ligature a reader copies back as one sign


def _drawn_glyphs(reader: PdfReader) -> set[str]:
    """Return the names of the glyphs of the bundled regular face that the page draws."""
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names: set[str] = set()
    for font in fonts.values():
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        names.update(embedded.getGlyphOrder())
    return names


def test_arabic_letters_are_joined_as_in_print_not_set_apart() -> None:
    glyphs = _drawn_glyphs(_certificate("نور الهدى لا"))
    # Lam at the start of "الهدى" joins the next letter (initial form, U+FEDF), heh sits between
    # two letters (medial, U+FEEC), and lam-alef is the one ligature Arabic requires (U+FEFB).
    assert {"uniFEDF", "uniFEEC", "uniFEFB"} <= glyphs
    assert "uni0644" not in glyphs  # no lam drawn on its own, unjoined


def test_a_hebrew_name_without_joining_letters_keeps_its_letters() -> None:
    glyphs = _drawn_glyphs(_certificate("דוד כהן"))
    assert {"uni05D3", "uni05D5", "uni05DB", "uni05D4", "uni05DF"} <= glyphs


@pytest.mark.parametrize(("line", "base", "runs"), [
    ("Ada Lovelace", TextDirection.LTR, [("Ada Lovelace", "LTR")]),
    ("completed the שרה כהן track", TextDirection.LTR,
     [("completed the ", "LTR"), ("שרה כהן", "RTL"), (" track", "LTR")]),
    # A number inside a right-to-left name: the name's words swap places around it (rule L2).
    ("completed the שרה 2 כהן track", TextDirection.LTR,
     [("completed the ", "LTR"), (" כהן", "RTL"), ("2", "LTR"), ("שרה ", "RTL"), (" track", "LTR")]),
    ("(דוד) 2026", TextDirection.RTL, [("2026", "LTR"), ("(דוד) ", "RTL")]),
    ("نور (مديرة) ABC 12", TextDirection.RTL, [("ABC 12", "LTR"), ("نور (مديرة) ", "RTL")]),
])
def test_a_line_is_drawn_as_runs_left_to_right_each_in_the_order_it_was_typed(
    line: str, base: TextDirection, runs: list[tuple[str, str]],
) -> None:
    assert [(text, direction.value) for text, direction in visual_runs(line, base)] == runs


def test_the_certificate_hands_each_line_to_the_pdf_library_as_it_is_seen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handed: list[list[str]] = []
    preload = UnicodePdf._preload_bidirectional_text

    def record(pdf: UnicodePdf, text: str, markdown: bool) -> Any:
        fragments = preload(pdf, text, markdown)
        handed.append(["".join(f.characters) for f in fragments])
        return fragments

    monkeypatch.setattr(UnicodePdf, "_preload_bidirectional_text", record)
    _certificate("(דוד) כהן 2026")
    # The paragraph is right to left: the year, typed last, is drawn leftmost.
    assert ["2026", "(דוד) כהן "] in handed


def test_typographic_marks_print_as_themselves_and_markup_as_plain_text() -> None:
    reader = _certificate("**Ada** <b>Lovelace</b> [x](javascript:1)", title="“Need to Share” — 2026…")
    text = "\n".join(_lines(reader))
    assert "**Ada** <b>Lovelace</b> [x](javascript:1)" in text
    assert "Legal – compliance" in text and "“Need to Share” — 2026…" in text


def test_line_breaks_and_direction_overrides_in_a_name_do_not_change_the_page() -> None:
    reader = _certificate("Ada\nLovelace\t\u202eecalevoL\u202c\u0000")
    lines = _lines(reader)
    assert "Ada Lovelace ecalevoL" in [line.strip() for line in lines]
    assert len(lines) == 7 and not any("\u202e" in line for line in lines)


def test_a_character_no_font_holds_prints_as_a_visible_mark_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        reader = _certificate("Zoë 李 \u0915")  # Chinese and Devanagari: not in DejaVu Sans
    assert f"Zoë {MISSING} {MISSING}" in _lines(reader)
    assert caplog.records == []


def test_a_fallback_font_prints_the_characters_the_bundled_one_lacks() -> None:
    mono = SYSTEM_FONTS / "DejaVuSansMono.ttf"
    if not mono.is_file():
        pytest.skip(f"{mono} is not installed")
    name = "Ada ⍟ Lovelace"  # an APL symbol: in DejaVu Sans Mono, not in DejaVu Sans
    assert f"Ada {MISSING} Lovelace" in _lines(_certificate(name))
    assert name in _lines(_certificate(name, fonts=[mono]))


def _cjk_font() -> Path | None:
    for folder in NOTO_FOLDERS:
        for pattern in ("*CJK*", "NotoSans[SJTK][CPRC]-*", "NotoSerif[SJTK][CPRC]-*"):
            found = sorted(folder.glob(pattern))
            if found:
                return found[0]
    return None


def test_a_chinese_japanese_or_korean_name_prints_from_a_cjk_fallback_font() -> None:
    font = _cjk_font()
    if font is None:
        pytest.skip(f"no CJK font in {', '.join(map(str, NOTO_FOLDERS))} (Debian: fonts-noto-cjk)")
    for name in ("王小明", "山田 花子", "김민준"):
        # pypdf reads this collection font's character map with a NUL before each character;
        # poppler's pdftotext and PDF viewers read the names exactly.
        assert name in [line.replace("\x00", "") for line in _lines(_certificate(name, fonts=[font]))]


def test_a_fallback_file_that_is_not_a_font_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"\x00\x01\x00\x00" + b"not a font" * 100)
    with caplog.at_level(logging.WARNING):
        reader = _certificate("Łukasz 李", fonts=[broken])
    assert f"Łukasz {MISSING}" in _lines(reader)
    assert any(str(broken) in record.getMessage() for record in caplog.records)


def _inside_the_frame(reader: PdfReader) -> None:
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    for text, x, y in _placed(reader):
        assert 25 * MM - 0.01 <= x < width - 25 * MM, (text, x)  # centred text within the margins
        assert 10 * MM < y < height - 10 * MM, (text, y)  # between the frame's top and bottom


@pytest.mark.parametrize("name", [
    "Maria da Conceição Fernandes de Albuquerque e Vasconcelos Bragança Orléans Saxe-Coburgo",
    "Hubert Blaine Wolfeschlegelsteinhausenbergerdorff " * 6,
    "Ł" * 400,  # one word longer than the page is wide
])
def test_a_long_name_wraps_smaller_inside_the_frame_and_keeps_the_rest_on_the_page(name: str) -> None:
    revoked = Certificate(ISSUED.code, 1, "legal", "Legal " * 30, NOW, None, "Completed",
                          revoked_at=NOW, revoked_reason="test")
    reader = _certificate(name, title="Course " * 40, certificate=revoked)
    assert len(reader.pages) == 1
    _inside_the_frame(reader)
    text = reader.pages[0].extract_text()
    assert f"Check it at {URL}" in text and "This certificate has been revoked." in text
    shown = "".join(line for line in text.splitlines()[2:] if line.startswith(name[:3]))
    assert len(shown) > 40


def test_a_name_is_cut_with_an_ellipsis_only_when_even_small_type_cannot_hold_it() -> None:
    fits = "Ada Lovelace " * 12
    assert " ".join(fits.split()) in " ".join(_certificate(fits).pages[0].extract_text().split())
    endless = "Ada Lovelace " * 60
    text = _certificate(endless).pages[0].extract_text()
    assert "…" in text and "Ada Lovelace" in text and text.count("Ada") < 60


def test_the_bundled_faces_back_each_other_up() -> None:
    assert set(FONT_FILES) == {"", "B"} and all(path.is_file() for path in FONT_FILES.values())
    assert (FONT_FILES[""].parent / "LICENSE").is_file()
    both = "\U0001d5a0 \U0001d5d4"  # sans-serif A (regular face only), bold A (bold face only)
    assert UnicodePdf(orientation="portrait").settable(both) == both
    assert both in _lines(_certificate(both))  # the name is set in bold
