"""The board report: one PDF with the first screen, the department heatmap and a method note.

The heatmap is drawn as a coloured PDF table (fpdf2), not as a chart image, so the report needs
no browser and renders the same on a busy machine. Every figure comes from the same suppressed
tables the page shows (course/services/dashboard/shown.py): a hidden cell is "hidden" here too.
Text is set in the bundled Unicode fonts (course/services/pdf_text.py), so organisation,
department and competency names print in their own script, typographic marks as themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fpdf.fonts import FontFace

from course.domain.model import Course
from course.domain.permissions import Action, Actor
from course.domain.targets import AMBER_POINTS, STATUS_COLOURS, Status, status_of
from course.services.dashboard.board import DashboardCache, Filters
from course.services.dashboard.compute import get_dashboard
from course.services.dashboard.shown import HIDDEN, ShownTable, all_tables
from course.services.dashboard.summary import FirstScreen, change_words, first_screen, percent
from course.services.org_settings import get_dashboard_settings
from course.services.pdf_text import FAMILY, UnicodePdf
from course.services.permissions import record_audit_event, require
from course.store.engine import Engine

#: Light fills behind dark text for each status (readable in print and in black and white).
_FILLS = {
    "green": (198, 239, 206), "orange": (255, 229, 180), "red": (255, 199, 199), "gray": (230, 230, 230),
}


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What the report says about itself: whose, when, and for which filters."""

    organisation: str
    course: str
    made: datetime
    filters: tuple[str, ...]


def describe_filters(course: Course, filters: Filters) -> tuple[str, ...]:
    """Say in words which filters the figures were computed for."""
    def names(keys: tuple[str, ...] | None, every: str, known: dict[str, str]) -> str:
        return every if keys is None else ", ".join(known.get(k, k) for k in keys)

    until = (
        "the latest weekly release" if filters.until is None else f"releases before {filters.until:%Y-%m-%d}"
    )
    since = "" if filters.since is None else f"; trends from {filters.since:%Y-%m-%d}"
    return (
        f"Departments: {names(filters.departments, 'all in your view', {})}",
        f"Tracks: {names(filters.tracks, 'all', dict(course.info.roles))}",
        f"Competencies: {names(filters.competencies, 'all', dict(course.info.competencies))}",
        f"Evidence: {until}{since}; change compared with {filters.previous_days} days earlier",
    )


def board_report(
    engine: Engine,
    actor: Actor,
    course: Course,
    *,
    filters: Filters | None = None,
    cache: DashboardCache | None = None,
    now: datetime | None = None,
    fallback_fonts: Sequence[Path] = (),
) -> bytes:
    """Return the board report PDF for these filters (leaders: their departments), audited.

    `fallback_fonts` are font files for the characters the bundled fonts lack (see pdf_text).
    """
    require(engine, actor, Action.EXPORT_DASHBOARD)
    wanted = filters or Filters()
    when = now or datetime.now(UTC)
    board = get_dashboard(engine, actor, course, filters=wanted, cache=cache, now=when)
    settings = get_dashboard_settings(engine)
    screen = first_screen(course, board, target=settings.target, previous_days=wanted.previous_days)
    facts = ReportFacts(settings.organisation, course.info.title, when, describe_filters(course, wanted))
    pdf = render_report(facts, screen, all_tables(course, board, target=settings.target),
                        fallback_fonts=fallback_fonts)
    record_audit_event(engine, actor, "dashboard_exported", target="board report (PDF)",
                       detail={"departments": list(board.departments)}, now=when)
    return pdf


def render_report(facts: ReportFacts, screen: FirstScreen, tables: dict[str, ShownTable], *,
                  fallback_fonts: Sequence[Path] = ()) -> bytes:
    """Return the report as PDF bytes (pure: the same inputs give the same text)."""
    pdf = UnicodePdf(orientation="landscape", fallback_fonts=fallback_fonts)
    pdf.set_creation_date(facts.made)
    pdf.set_title(f"Literacy board report: {facts.organisation}")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    _heading(pdf, "Literacy board report", size=18)
    _line(pdf, f"{facts.organisation} \u2013 {facts.course}", bold=True)
    _line(pdf, f"Made {facts.made:%Y-%m-%d %H:%M} UTC")
    for described in facts.filters:
        _line(pdf, described, size=9)
    _glance(pdf, screen)
    _heatmap(pdf, tables["department"], screen.target)
    _method(pdf, screen)
    return bytes(pdf.output())


def _heading(pdf: UnicodePdf, text: str, *, size: int = 13) -> None:
    pdf.ln(2)
    pdf.set_font(FAMILY, "B", size)
    pdf.paragraph(text, height=size * 0.5)
    pdf.ln(1)


def _line(pdf: UnicodePdf, text: str, *, bold: bool = False, size: int = 11) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.paragraph(text, height=size * 0.5)


def _cell(pdf: UnicodePdf, text: object) -> str:
    """Return a table cell's text as the fonts set it (shaped and ordered as it is drawn)."""
    return pdf.settable(str(text))


def _glance(pdf: UnicodePdf, screen: FirstScreen) -> None:
    _heading(pdf, "At a glance")
    if screen.everything_hidden:
        _line(pdf, f"Every group in this view has fewer than {screen.min_group_size} learners with first "
                   "answers, so no figure can be shown without pointing at individuals.")
        return
    _line(pdf, f"Literacy score: {percent(screen.score)} (target {screen.target}%)", bold=True)
    _line(pdf, change_words(screen.change_points, screen.previous_days))
    who = (
        "" if screen.participants is None
        else f" ({screen.participants} of {screen.learners or '-'} learners)"
    )
    _line(pdf, f"Participation: {percent(screen.participation)}{who}")
    _heading(pdf, "Status by department")
    pdf.set_font(FAMILY, "", 10)
    with pdf.table(col_widths=(70, 35, 60), width=165, align="LEFT", text_align="LEFT") as table:
        table.row(["Department", "Literacy score", "Status"])
        for department in screen.departments:
            row = table.row()
            row.cell(_cell(pdf, department.department))
            row.cell(percent(department.score) if department.score is not None else HIDDEN)
            fill = _FILLS[STATUS_COLOURS[department.status]]
            row.cell(department.status.value, style=FontFace(fill_color=fill))
    if screen.train_next:
        _heading(pdf, "What to train next")
        for item in screen.train_next:
            module = f"assign '{item.module_title}'" if item.module_title else "no module teaches it yet"
            _line(pdf, f"{item.title}: {percent(item.score)} across {item.learners} learners; {module}.")


def _fill(text: object, target: int) -> tuple[int, int, int]:
    shown = str(text)
    if not shown.endswith("%"):
        return _FILLS["gray"]
    return _FILLS[STATUS_COLOURS[status_of(int(shown[:-1]) / 100, target)]]


def _heatmap(pdf: UnicodePdf, table: ShownTable, target: int) -> None:
    pdf.add_page()
    _heading(pdf, "Literacy score by department and competency")
    if not any(str(value).endswith("%") for row in table.values() for value in row[1:]):
        _line(pdf, "Every cell is hidden: no department and competency has enough learners with first "
                   "answers to show a figure without pointing at individuals.")
        return
    _line(pdf, f"Each cell is coloured by its status against the {target}% target: green on target, amber "
               f"within {AMBER_POINTS} points, red below; grey cells are hidden (too few learners) or "
               "have no data.", size=9)
    pdf.ln(1)
    pdf.set_font(FAMILY, "", 8)
    first = 40.0
    rest = (pdf.epw - first) / max(1, len(table.header) - 1)
    with pdf.table(col_widths=(first, *[rest] * (len(table.header) - 1)), text_align="CENTER",
                   headings_style=FontFace(emphasis="BOLD", fill_color=(240, 240, 240))) as grid:
        grid.row([_cell(pdf, h) for h in table.header])
        for values in table.values():
            row = grid.row()
            row.cell(_cell(pdf, values[0]), align="LEFT")
            for value in values[1:]:
                row.cell(_cell(pdf, value), style=FontFace(fill_color=_fill(value, target)))


def _method(pdf: UnicodePdf, screen: FirstScreen) -> None:
    _heading(pdf, "Method and privacy")
    k = screen.min_group_size
    for text in (
        "The literacy score is the mean, over competencies, of each competency's estimated share of "
        "questions answered well, taken from learners' first answers so that practice and retries do "
        "not inflate it. The change compares the same score with the chosen number of days earlier.",
        "Participation is the share of learners on the roster in this view who have answered at least "
        "one question.",
        f"No figure counts a group of fewer than {k} learners: smaller groups, and any figure that would "
        "let a hidden one be worked out, are shown as 'hidden' here exactly as on the dashboard. No "
        "person's name or answer appears in this report.",
        f"{Status.ON_TARGET.value}: at or above the target. {Status.CLOSE.value}: within "
        f"{AMBER_POINTS} points below "
        f"it. {Status.BELOW.value}: further below. The target is set by an administrator.",
    ):
        _line(pdf, text, size=9)
        pdf.ln(1)
