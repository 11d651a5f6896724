"""Text in the app's own PDFs (certificates, the board report): Unicode fonts, fallbacks, direction.

The PDF core fonts hold Latin-1 only, so a name such as "Łukasz Żółć" or "Σοφία" came out with
question marks, on a credential. These PDFs are set in DejaVu Sans instead (regular and bold,
bundled in course/assets/fonts with its licence): Latin with every accent, Greek, Cyrillic,
Armenian, Georgian, Hebrew and Arabic letters. Scripts it lacks (Chinese, Japanese, Korean,
Devanagari, Thai...) print from fallback font files the operator names (NTS_PDF_FALLBACK_FONTS);
a character no font holds becomes U+FFFD, a visible mark, so the reader sees that something is
missing instead of a silently shortened name.

Text is plain: nothing is read as Markdown or HTML. Every line is shaped by HarfBuzz (through
fpdf2 and uharfbuzz): Arabic letters join as they do in print, lam and alef form their ligature,
and marks sit on their letters. Optional Latin ligatures ("fi") are left off, so a word reads
back as typed.

Lines are put in visual order by the Unicode bidirectional algorithm (fpdf2's), line by line
after wrapping, in the direction of the whole paragraph. fpdf2 orders a line's runs by a
shortcut that holds for two levels only (it misplaces a number inside a right-to-left name in a
left-to-right line), so UnicodePdf hands it the runs already in the order they are seen (rule
L2), and HarfBuzz orders and mirrors the letters inside each right-to-left run.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.bidi import BidiParagraph, auto_detect_base_direction
from fpdf.enums import Align, MethodReturnValue, TextDirection, XPos, YPos
from fpdf.fonts import TTFFont

log = logging.getLogger(__name__)

#: The bundled font files (DejaVu Sans 2.37; see LICENSE beside them).
FONT_FOLDER = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT_FILES = {"": FONT_FOLDER / "DejaVuSans.ttf", "B": FONT_FOLDER / "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVuSans"
#: What a character that no font holds is printed as.
MISSING = "\ufffd"
#: Explicit direction embeddings, overrides and isolates: invisible, and able to make a line read
#: differently from the text it stores, so they are left out and the text's own letters decide.
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_RIGHT_TO_LEFT = frozenset({"R", "AL"})
#: HarfBuzz's default features, but for the optional ligatures: Arabic's required ones ("rlig")
#: stay, and "fi" or "fl" are not drawn as one glyph a reader might copy back as a single sign.
_FEATURES = {"liga": False}


class UnicodePdf(FPDF):
    """An A4 FPDF set in the bundled Unicode family, with the operator's fallback fonts after it."""

    def __init__(self, *, orientation: str, fallback_fonts: Sequence[Path] = ()) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self._wrapping = False
        for style, path in FONT_FILES.items():
            self.add_font(FAMILY, style, path)
        # Each face backs up the other (a few glyphs are in one only), then the operator's files.
        families = [FAMILY, *self._add_fallbacks(fallback_fonts)]
        self.set_fallback_fonts(families, exact_match=False)
        self.shape_in(None)
        self._covered = frozenset().union(*(font.cmap for font in self.fonts.values()
                                            if isinstance(font, TTFFont)))

    def _preload_bidirectional_text(self, text: str, markdown: bool) -> Sequence[Any]:
        """Return the text's runs as fpdf2 draws them: one per direction, in the order they are seen.

        fpdf2 calls this to measure and to draw text. While a paragraph is being wrapped the
        runs stay in stored order, so that each line holds the text that comes next.
        """
        if not self.text_shaping or self._wrapping or markdown:
            return super()._preload_bidirectional_text(text, markdown)
        base = self.text_shaping["direction"] or auto_detect_base_direction(text)
        # The runs are in visual order already: fpdf2 must lay them out left to right as given.
        self.text_shaping["paragraph_direction"] = TextDirection.LTR
        fragments: list[Any] = []
        for run, direction in visual_runs(text, base):
            self.text_shaping["fragment_direction"] = direction
            fragments.extend(self._preload_font_styles(run, False))
        return tuple(fragments)

    def shape_in(self, direction: TextDirection | None) -> None:
        """Shape the text drawn next, its paragraph direction given, or found from its first letter."""
        self.set_text_shaping(True, features=_FEATURES, direction=direction)

    def _add_fallbacks(self, paths: Sequence[Path]) -> list[str]:
        added = []
        for number, path in enumerate(paths):
            family = f"fallback-{number}"
            try:
                self.add_font(family, "", path)
            except Exception as error:  # any reading error: a broken file must not stop a certificate
                log.warning("PDF fallback font %s cannot be used (%s: %s); the characters only it "
                            "holds print as U+FFFD", path, type(error).__name__, error)
                continue
            added.append(family)
        return added

    def settable(self, text: str) -> str:
        """Return one line of plain text as these fonts can set it, in logical order.

        Composed (NFC) so that accents stacked as separate marks print as one letter; control
        characters (line breaks, tabs) become spaces; direction controls are left out; a visible
        character no font holds becomes U+FFFD, an invisible one (a format character) is left out.
        """
        kept = []
        for char in unicodedata.normalize("NFC", text):
            category = unicodedata.category(char)
            if category == "Cc":
                kept.append(" ")
            elif char in _DIRECTION_CONTROLS:
                continue
            elif ord(char) in self._covered:
                kept.append(char)
            elif category != "Cf":
                kept.append(MISSING)
        return "".join(kept)

    def paragraph(self, text: str, *, height: float, align: Align | str = Align.J) -> None:
        """Write text across the full width, wrapped, right-to-left runs in visual order."""
        shown = self.settable(text)
        if not has_right_to_left(shown):
            self.multi_cell(0, height, shown, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            return
        self.write_lines(self.wrap(shown, height=height), height=height, align=align)

    def wrap(self, text: str, *, height: float) -> list[str]:
        """Return the lines the current font wraps settable text into across the full width."""
        self._wrapping = True
        try:
            lines = self.multi_cell(0, height, text, dry_run=True, output=MethodReturnValue.LINES)
        finally:
            self._wrapping = False
        assert isinstance(lines, list)  # what fpdf2 returns for this `output`
        return lines

    def write_lines(self, lines: Sequence[str], *, height: float, align: Align | str) -> None:
        """Write wrapped lines one under the other, each in visual order.

        The direction of the whole paragraph (its first strong letter) orders every line, as
        the bidirectional algorithm orders lines after wrapping; a right-to-left paragraph that
        is not centred is set flush right.
        """
        base = auto_detect_base_direction(" ".join(lines))
        if Align.coerce(align) is not Align.C:
            align = Align.R if base is TextDirection.RTL else Align.L
        self.shape_in(base)
        try:
            for line in lines:
                self.cell(0, height, line, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        finally:
            self.shape_in(None)


def has_right_to_left(text: str) -> bool:
    """Say whether the text holds a right-to-left letter (Hebrew, Arabic, Syriac, Thaana...)."""
    return any(unicodedata.bidirectional(char) in _RIGHT_TO_LEFT for char in text)


def visual_runs(line: str, base: TextDirection) -> list[tuple[str, TextDirection]]:
    """Return one line's runs of one direction, left to right as seen, each in stored order.

    The bidirectional algorithm gives every character a level and the line's visual order
    (rule L2: each maximal sequence at or above a level is reversed, highest level first).
    Characters that sit side by side and share a direction form one run; a right-to-left run
    is turned back into stored order, which is what a shaping engine reads.
    """
    ordered = BidiParagraph(text=line, base_direction=base).get_reordered_characters()
    runs: list[tuple[str, TextDirection]] = []
    for odd, group in groupby(ordered, key=lambda c: c.embedding_level % 2 == 1):
        chars = "".join(c.character for c in group)
        runs.append((chars[::-1], TextDirection.RTL) if odd else (chars, TextDirection.LTR))
    return runs
