"""Job aids for learners: the aids of their path, and each aid as a one-page A4 PDF.

The PDF is drawn from the aid's plain-text parts (never from HTML), so nothing an author writes
is interpreted and no file or address is ever opened. It is set in the app's bundled Unicode font
(course/services/pdf_text.py), as certificates are, so an aid written in Polish, Greek or Hebrew
prints as written. Text is set as large as fits: the builder tries smaller type until the aid
holds on one page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FontFace
from fpdf.enums import Align, TableCellFillMode

from course.domain.law import law_note
from course.domain.model import Aid, AidPart, AidPartKind, Course, Module
from course.services.pdf_text import FAMILY, UnicodePdf

#: Type sizes (points) tried in turn until the aid fits on one page.
TYPE_SIZES = (10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5)
_MARGIN = 12.0  # millimetres
_FONT = FAMILY
#: The grey of the summary line under the title (the bundled family has no italic).
_SUMMARY_GREY = (70, 70, 70)


@dataclass(frozen=True, slots=True)
class PathAid:
    """A job aid on a learner's path and the modules of the path that link it."""

    aid: Aid
    modules: tuple[Module, ...]


def aids_of(course: Course, module: Module) -> tuple[Aid, ...]:
    """Return the job aids a module links that the course holds, in the module's order."""
    return tuple(course.aids[aid_id] for aid_id in module.aids if aid_id in course.aids)


def aids_for_modules(course: Course, modules: Sequence[Module]) -> tuple[PathAid, ...]:
    """Return every job aid these modules link (a learner's path), in their order, each with its modules."""
    found: dict[str, list[Module]] = {}
    for module in modules:
        for aid in aids_of(course, module):
            found.setdefault(aid.id, []).append(module)
    return tuple(PathAid(course.aids[aid_id], tuple(users)) for aid_id, users in found.items())


def aid_file_name(aid: Aid) -> str:
    """Return the name a downloaded aid is saved under."""
    return f"{aid.id}.pdf"


class _Page(UnicodePdf):
    def __init__(self, footer_text: str, fallback_fonts: Sequence[Path]) -> None:
        super().__init__(orientation="portrait", fallback_fonts=fallback_fonts)
        self._footer_text = self.settable(footer_text)

    def footer(self) -> None:
        self.set_y(-9)
        self.set_font(_FONT, size=7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, self._footer_text, align="C")


def _heading(pdf: _Page, part: AidPart, size: float) -> None:
    pdf.ln(size * 0.18)
    pdf.set_font(_FONT, "B", size + (2.0 if part.depth <= 2 else 1.0))
    pdf.paragraph(part.text, height=size * 0.5, align=Align.L)
    pdf.ln(size * 0.06)
    pdf.set_font(_FONT, size=size)


def _item(pdf: _Page, part: AidPart, size: float) -> None:
    indent = 4.0 + 5.0 * part.depth
    height = size * 0.45
    pdf.set_x(pdf.l_margin + indent)
    if part.kind is AidPartKind.CHECK:
        box = size * 0.3
        pdf.rect(pdf.get_x(), pdf.get_y() + (height - box) / 2, box, box)
        pdf.set_x(pdf.get_x() + box + 1.5)
    else:
        mark = f"{part.number}." if part.kind is AidPartKind.NUMBERED else "-"
        pdf.cell(5.0, height, mark)
    pdf.paragraph(part.text, height=height, align=Align.L)


def _widths(rows: Sequence[Sequence[str]], columns: int) -> tuple[float, ...]:
    """Share the line between columns by how much text each holds, never below its longest word."""
    def weight(column: int) -> float:
        cells = [row[column] for row in rows if column < len(row)]
        longest_word = max((len(word) for cell in cells for word in cell.split()), default=1)
        return max(longest_word * 2.6, min(max((len(cell) for cell in cells), default=1), 60))

    weights = [weight(c) for c in range(columns)]
    return tuple(w / sum(weights) for w in weights)


def _table(pdf: _Page, part: AidPart, size: float) -> None:
    columns = max(len(row) for row in part.rows)
    rows = [tuple(row) + ("",) * (columns - len(row)) for row in part.rows]
    pdf.set_font(_FONT, size=size - 0.5)
    with pdf.table(col_widths=_widths(rows, columns), text_align="LEFT", line_height=size * 0.42,
                   first_row_as_headings=True, padding=0.8, cell_fill_color=(238, 238, 238),
                   cell_fill_mode=TableCellFillMode.ROWS,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(215, 215, 215))) as table:
        for row in rows:
            cells = table.row()
            for value in row:
                cells.cell(pdf.settable(value))
    pdf.set_font(_FONT, size=size)
    pdf.ln(size * 0.12)


def _note(pdf: _Page, part: AidPart, size: float) -> None:
    pdf.ln(size * 0.25)
    top = pdf.get_y()
    pdf.set_x(pdf.l_margin + 3)
    pdf.set_font(_FONT, "B", size)
    pdf.paragraph(part.label, height=size * 0.45, align=Align.L)
    pdf.set_font(_FONT, size=size)
    for line in part.text.split("\n"):
        pdf.set_x(pdf.l_margin + 3)
        pdf.paragraph(line, height=size * 0.45, align=Align.L)
    pdf.set_draw_color(60, 60, 60)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin + 0.5, top, pdf.l_margin + 0.5, pdf.get_y())
    pdf.set_line_width(0.2)
    pdf.ln(size * 0.12)


def _dated(aid: Aid) -> str:
    """Return the line under the title: the law note for a law aid, else when it was reviewed."""
    if aid.jurisdiction:
        return law_note(aid.jurisdiction, aid.reviewed)
    return f"Last reviewed {aid.reviewed.day} {aid.reviewed:%B %Y}" if aid.reviewed else ""


def _draw(aid: Aid, size: float, course_title: str, fallback_fonts: Sequence[Path]) -> _Page:
    pdf = _Page(f"{course_title} \u2013 job aid" if course_title else "Job aid", fallback_fonts)
    pdf.set_title(pdf.settable(aid.title))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_MARGIN)
    pdf.add_page()
    pdf.set_font(_FONT, "B", size + 6)
    pdf.paragraph(aid.title, height=size * 0.7, align=Align.L)
    pdf.set_font(_FONT, size=size)
    pdf.set_text_color(*_SUMMARY_GREY)
    pdf.paragraph(aid.summary, height=size * 0.45, align=Align.L)
    pdf.set_text_color(0, 0, 0)
    dated = _dated(aid)
    if dated:
        pdf.set_font(_FONT, "B", size - 0.5)
        pdf.paragraph(dated, height=size * 0.45, align=Align.L)
    pdf.set_font(_FONT, size=size)
    pdf.ln(1.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.5)
    for part in aid.parts:
        if part.kind is AidPartKind.HEADING:
            _heading(pdf, part, size)
        elif part.kind is AidPartKind.TABLE:
            _table(pdf, part, size)
        elif part.kind is AidPartKind.NOTE:
            _note(pdf, part, size)
        elif part.kind is AidPartKind.PARAGRAPH:
            pdf.paragraph(part.text, height=size * 0.45, align=Align.L)
            pdf.ln(size * 0.1)
        else:
            _item(pdf, part, size)
    return pdf


def aid_pdf(aid: Aid, *, course_title: str = "", fallback_fonts: Sequence[Path] = ()) -> bytes:
    """Return the aid as an A4 PDF, in the largest type that keeps it to one page.

    An aid too long for one page even in the smallest type is returned on as many pages as it
    needs (the bundled aids are tested to fit). `fallback_fonts` are the operator's font files
    for scripts the bundled font lacks (NTS_PDF_FALLBACK_FONTS).
    """
    drawn: dict[int, _Page] = {}

    def fits(index: int) -> bool:
        drawn[index] = _draw(aid, TYPE_SIZES[index], course_title, fallback_fonts)
        return drawn[index].pages_count <= 1

    return bytes(drawn[first_fitting(len(TYPE_SIZES), fits)].output())


def first_fitting(count: int, fits: Callable[[int], bool]) -> int:
    """Return the first of `count` sizes (largest first) that `fits`, or the last when none does.

    Smaller type never takes more pages, so `fits` turns true once and stays true: the first
    size is tried alone (most aids fit in it), then the last, then halves of what is left. Each
    draw reads the fonts afresh (fpdf2 subsets them in place), so this draws an aid at most
    five times where trying each size in turn drew it up to nine.
    """
    if fits(0) or count == 1:
        return 0
    if not fits(count - 1):
        return count - 1
    low, high = 1, count - 1  # the first fitting size is in low..high, and high fits
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return high
