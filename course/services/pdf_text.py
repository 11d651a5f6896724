"""Text in the app's own PDFs (certificates, the board report): Unicode fonts, fallbacks, direction.

The PDF core fonts hold Latin-1 only, so a name such as "Łukasz Żółć" or "Σοφία" came out with
question marks, on a credential. These PDFs are set in DejaVu Sans instead (regular and bold,
bundled in course/assets/fonts with its licence): Latin with every accent, Greek, Cyrillic,
Armenian, Georgian, Hebrew and Arabic letters. Scripts it lacks (Chinese, Japanese, Korean,
Devanagari, Thai...) print from fallback font files the operator names (NTS_PDF_FALLBACK_FONTS);
a character no font holds becomes U+FFFD, a visible mark, so the reader sees that something is
missing instead of a silently shortened name.

Text is plain: nothing is read as Markdown or HTML. Right-to-left runs are put in visual order
with the Unicode bidirectional algorithm (fpdf2's own implementation), line by line after
wrapping; there is no shaping engine, so Arabic letters print in their isolated forms.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.bidi import BIDI_BRACKETS, BidiParagraph, auto_detect_base_direction
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


class UnicodePdf(FPDF):
    """An A4 FPDF set in the bundled Unicode family, with the operator's fallback fonts after it."""

    def __init__(self, *, orientation: str, fallback_fonts: Sequence[Path] = ()) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        for style, path in FONT_FILES.items():
            self.add_font(FAMILY, style, path)
        # Each face backs up the other (a few glyphs are in one only), then the operator's files.
        families = [FAMILY, *self._add_fallbacks(fallback_fonts)]
        self.set_fallback_fonts(families, exact_match=False)
        self._covered = frozenset().union(*(font.cmap for font in self.fonts.values()
                                            if isinstance(font, TTFFont)))

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
        lines = self.multi_cell(0, height, text, dry_run=True, output=MethodReturnValue.LINES)
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
        for line in lines:
            self.cell(0, height, visual(line, base), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def has_right_to_left(text: str) -> bool:
    """Say whether the text holds a right-to-left letter (Hebrew, Arabic, Syriac, Thaana...)."""
    return any(unicodedata.bidirectional(char) in _RIGHT_TO_LEFT for char in text)


def visual(line: str, base: TextDirection | None = None) -> str:
    """Return one line in the order its characters are seen, left to right, brackets mirrored.

    PDF text is drawn left to right; text extraction (pypdf, screen readers' PDF layers) reads
    right-to-left runs back into their logical order.
    """
    if not has_right_to_left(line):
        return line
    direction = base or auto_detect_base_direction(line)
    ordered = BidiParagraph(text=line, base_direction=direction).get_reordered_characters()
    return "".join(
        BIDI_BRACKETS[c.character]["pair"] if c.embedding_level % 2 and c.character in BIDI_BRACKETS
        else c.character
        for c in ordered
    )
