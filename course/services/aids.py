"""Job aids for learners: the aids of their path, and each aid as a one-page A4 PDF.

The PDF is drawn from the aid's plain-text parts (never from HTML), with the PDF core fonts, so
nothing an author writes is interpreted and no file or address is ever opened. Text is set as
large as fits: the builder tries smaller type until the aid holds on one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, XPos, YPos

from course.domain.law import law_note
from course.domain.model import Aid, AidPart, AidPartKind, Course, Module

#: Type sizes (points) tried in turn until the aid fits on one page.
TYPE_SIZES = (10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5)
_MARGIN = 12.0  # millimetres
_FONT = "helvetica"
#: Characters outside Latin-1 (which the core fonts hold) written as their nearest plain text.
_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u2022": "-", "\u2192": "->", "\u2190": "<-", "\u2264": "<=", "\u2265": ">=",
    "\u20ac": "EUR ", "\u2212": "-", "\u00a0": " ", "\u2011": "-", "\u2010": "-", "\u2122": "(TM)",
    "\u2713": "x", "\u2714": "x", "\u2717": "x", "\u2610": "[ ]",
})


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


def printable(text: str) -> str:
    """Return text the core fonts can set: typographic marks made plain, anything else as '?'."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def aid_file_name(aid: Aid) -> str:
    """Return the name a downloaded aid is saved under."""
    return f"{aid.id}.pdf"


class _Page(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-9)
        self.set_font(_FONT, size=7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, self._footer_text, align="C")


def _heading(pdf: FPDF, part: AidPart, size: float) -> None:
    pdf.ln(size * 0.18)
    pdf.set_font(_FONT, "B", size + (2.0 if part.depth <= 2 else 1.0))
    pdf.multi_cell(0, size * 0.5, printable(part.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(size * 0.06)
    pdf.set_font(_FONT, size=size)


def _item(pdf: FPDF, part: AidPart, size: float) -> None:
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
    pdf.multi_cell(0, height, printable(part.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _widths(rows: Sequence[Sequence[str]], columns: int) -> tuple[float, ...]:
    """Share the line between columns by how much text each holds, never below its longest word."""
    def weight(column: int) -> float:
        cells = [row[column] for row in rows if column < len(row)]
        longest_word = max((len(word) for cell in cells for word in cell.split()), default=1)
        return max(longest_word * 2.6, min(max((len(cell) for cell in cells), default=1), 60))

    weights = [weight(c) for c in range(columns)]
    return tuple(w / sum(weights) for w in weights)


def _table(pdf: FPDF, part: AidPart, size: float) -> None:
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
                cells.cell(printable(value))
    pdf.set_font(_FONT, size=size)
    pdf.ln(size * 0.12)


def _note(pdf: FPDF, part: AidPart, size: float) -> None:
    pdf.ln(size * 0.25)
    top = pdf.get_y()
    pdf.set_x(pdf.l_margin + 3)
    pdf.set_font(_FONT, "B", size)
    pdf.multi_cell(0, size * 0.45, printable(part.label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, size=size)
    for line in part.text.split("\n"):
        pdf.set_x(pdf.l_margin + 3)
        pdf.multi_cell(0, size * 0.45, printable(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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


def _draw(aid: Aid, size: float, course_title: str) -> _Page:
    pdf = _Page(printable(f"{course_title} - job aid" if course_title else "Job aid"))
    pdf.set_title(printable(aid.title))
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_MARGIN)
    pdf.add_page()
    pdf.set_font(_FONT, "B", size + 6)
    pdf.multi_cell(0, size * 0.7, printable(aid.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, "I", size)
    pdf.multi_cell(0, size * 0.45, printable(aid.summary), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    dated = _dated(aid)
    if dated:
        pdf.set_font(_FONT, "B", size - 0.5)
        pdf.multi_cell(0, size * 0.45, printable(dated), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
            pdf.multi_cell(0, size * 0.45, printable(part.text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(size * 0.1)
        else:
            _item(pdf, part, size)
    return pdf


def aid_pdf(aid: Aid, *, course_title: str = "") -> bytes:
    """Return the aid as an A4 PDF, in the largest type that keeps it to one page.

    An aid too long for one page even in the smallest type is returned on as many pages as it
    needs (the bundled aids are tested to fit).
    """
    pdf = _draw(aid, TYPE_SIZES[0], course_title)
    for size in TYPE_SIZES[1:]:
        if pdf.pages_count <= 1:
            break
        pdf = _draw(aid, size, course_title)
    return bytes(pdf.output())

