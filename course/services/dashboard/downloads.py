"""One-click downloads of the dashboard: each table as the page shows it, and one ZIP for analysts.

Each download is computed when it is asked for (the page hands these functions to its download
buttons), checks the export permission, and is audited like every dashboard export. The rows
are the page's own (course/services/dashboard/shown.py): its column names, percentages, and
"hidden" wherever the page hides a figure. Text cells are neutralised against spreadsheet
formulas by the CSV writer. The ZIP adds, for analysts, the same tables at full precision
(course/services/dashboard/exact.py), with the same suppression.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from course.domain.dashboard import render_csv
from course.domain.model import Course
from course.domain.permissions import Action, Actor
from course.services.dashboard.board import Dashboard, DashboardCache, Filters
from course.services.dashboard.compute import get_dashboard
from course.services.dashboard.exact import EXPORTABLE, export_rows
from course.services.dashboard.report import describe_filters
from course.services.dashboard.shown import ShownTable, all_tables
from course.services.org_settings import get_dashboard_settings
from course.services.permissions import record_audit_event, require
from course.store.engine import Engine


def table_csv(table: ShownTable) -> str:
    """Render a shown table as CSV (formula-safe), its header the page's column names."""
    return render_csv(table.header, table.values())


def _board(
    engine: Engine, actor: Actor, course: Course, filters: Filters | None, cache: DashboardCache | None,
    now: datetime,
) -> tuple[Dashboard, dict[str, ShownTable]]:
    require(engine, actor, Action.EXPORT_DASHBOARD)
    board = get_dashboard(engine, actor, course, filters=filters, cache=cache, now=now)
    return board, all_tables(course, board, target=get_dashboard_settings(engine).target)


def export_table(
    engine: Engine,
    actor: Actor,
    course: Course,
    *,
    table: str,
    filters: Filters | None = None,
    cache: DashboardCache | None = None,
    now: datetime | None = None,
) -> str:
    """Return one table of the page as CSV, as shown (suppressed, percentages), and audit it."""
    when = now or datetime.now(UTC)
    board, tables = _board(engine, actor, course, filters, cache, when)
    if table not in tables:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(tables)}")
    chosen = tables[table]
    record_audit_event(engine, actor, "dashboard_exported", target=table,
                       detail={"departments": list(board.departments), "rows": len(chosen.rows)}, now=when)
    return table_csv(chosen)


def export_zip(
    engine: Engine,
    actor: Actor,
    course: Course,
    *,
    filters: Filters | None = None,
    cache: DashboardCache | None = None,
    now: datetime | None = None,
) -> bytes:
    """Return every table of the page in one ZIP, plus full-precision copies, and audit it once."""
    when = now or datetime.now(UTC)
    wanted = filters or Filters()
    board, tables = _board(engine, actor, course, wanted, cache, when)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", _readme(course, wanted, board, when, tables))
        for name, table in tables.items():
            archive.writestr(f"{name}.csv", table_csv(table))
        for name in EXPORTABLE:
            header, rows = export_rows(board, name)
            archive.writestr(f"exact/{name}.csv", render_csv(header, rows))
    record_audit_event(engine, actor, "dashboard_exported", target="all tables (ZIP)",
                       detail={"departments": list(board.departments), "tables": len(tables)}, now=when)
    return buffer.getvalue()


def _readme(course: Course, filters: Filters, board: Dashboard, when: datetime,
            tables: dict[str, ShownTable]) -> str:
    lines = [
        f"Literacy dashboard tables: {course.info.title}",
        f"Made {when:%Y-%m-%d %H:%M} UTC.",
        *describe_filters(course, filters),
        "",
        "Each CSV holds one table as the dashboard page shows it, with the page's column names and",
        "percentages; 'hidden' marks a figure left out because it rests on fewer than "
        f"{board.min_group_size} learners",
        "(or would let such a figure be worked out). The exact/ folder holds the same tables with",
        "scores as fractions from 0 to 1 at full precision, with the same figures hidden.",
        "",
        *(f"{name}.csv: {table.title}" for name, table in tables.items()),
    ]
    return "\n".join(lines) + "\n"
