"""The executive summary, the board report PDF and the one-click downloads, read as a board would.

The PDF's text is extracted with pypdf and must hold the same figures as the page's first
screen and department table for the same filters, and nothing the page hides.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, text

from course.content.loader import load_course
from course.domain.model import Course
from course.domain.permissions import Action
from course.domain.targets import DEFAULT_TARGET, Status, status_of
from course.services.dashboard import Filters, get_dashboard
from course.services.dashboard.downloads import export_table, export_zip
from course.services.dashboard.report import board_report
from course.services.dashboard.shown import HIDDEN, all_tables
from course.services.dashboard.summary import change_words, first_screen, percent
from course.services.org_settings import (
    DashboardSettings,
    SettingsError,
    get_dashboard_settings,
    update_dashboard_settings,
    update_privacy,
)
from course.services.permissions import PermissionDenied
from course.services.seed import seed_bulk
from course.settings import BUNDLED_ROOT
from course.store import audit
from course.store.engine import read_session, write_transaction
from tests.databases import MakePerson

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def course() -> Course:
    loaded = load_course(BUNDLED_ROOT).course
    assert loaded is not None
    return loaded


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize(("score", "status"), [
    (None, Status.HIDDEN), (0.70, Status.ON_TARGET), (0.9, Status.ON_TARGET), (0.694, Status.CLOSE),
    (0.65, Status.CLOSE), (0.644, Status.BELOW), (0.1, Status.BELOW),
])
def test_a_status_is_read_against_the_target_in_whole_points(score: float | None, status: Status) -> None:
    assert status_of(score, 70) is status


def test_no_change_is_said_as_no_change_never_as_plus_nothing() -> None:
    assert change_words(0, 30) == "No change since 30 days earlier"
    assert change_words(3, 30) == "Up 3 points since 30 days earlier"
    assert change_words(-1, 90) == "Down 1 point since 90 days earlier"
    assert change_words(None, 30).startswith("No figure")


def test_the_target_starts_at_seventy_and_an_admin_changes_it_audited(
    engine: Engine, make_person: MakePerson
) -> None:
    assert get_dashboard_settings(engine) == DashboardSettings(DEFAULT_TARGET, "Your organisation")
    admin = make_person("admin@x.org", capabilities="admin")
    saved = update_dashboard_settings(engine, admin, target=80, organisation="  Example Trust ", now=NOW)
    assert saved == get_dashboard_settings(engine) == DashboardSettings(80, "Example Trust")
    with read_session(engine) as session:
        (event,) = audit.list_events(session, kind="dashboard_target_changed")
    assert event.detail == {"target": [70, 80], "organisation": ["Your organisation", "Example Trust"]}


@pytest.mark.parametrize("capabilities", ["leader", "trainer", "learner"])
def test_a_leader_forging_the_target_is_refused_in_the_service(
    engine: Engine, make_person: MakePerson, capabilities: str
) -> None:
    person = make_person(f"{capabilities}@x.org", capabilities=capabilities)
    with pytest.raises(PermissionDenied):
        update_dashboard_settings(engine, person, target=10, organisation="Forged", now=NOW)
    assert get_dashboard_settings(engine).target == DEFAULT_TARGET
    with read_session(engine) as session:
        (denied,) = audit.list_events(session, kind="action_denied")
    assert denied.target == Action.SET_DASHBOARD_TARGET.value


@pytest.mark.parametrize(("target", "name", "message"), [
    (0, "X", "between 1% and 100%"), (101, "X", "between 1% and 100%"), (True, "X", "whole number"),
    (70, "   ", "must not be empty"),
])
def test_a_target_out_of_range_or_an_empty_name_is_refused(
    engine: Engine, make_person: MakePerson, target: object, name: str, message: str
) -> None:
    admin = make_person("admin@x.org", capabilities="admin")
    with pytest.raises(SettingsError, match=message):
        update_dashboard_settings(engine, admin, target=target, organisation=name, now=NOW)  # type: ignore[arg-type]


def test_the_board_report_holds_the_pages_figures_and_hides_what_it_hides(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    seed_bulk(engine, course, learners=80, answers=4000, seed=3)
    admin = make_person("admin@x.org", capabilities="admin")
    update_dashboard_settings(engine, admin, target=75, organisation="Example Trust", now=NOW)
    filters, now = Filters(previous_days=90), datetime.now(UTC)  # the seeded answers are recent
    pdf = board_report(engine, admin, course, filters=filters, now=now)
    text = _text(pdf)
    board = get_dashboard(engine, admin, course, filters=filters, now=now)
    screen = first_screen(course, board, target=75, previous_days=90)
    assert screen.score is not None
    for expected in ("Literacy board report", "Example Trust", course.info.title, f"{now:%Y-%m-%d}",
                     f"Literacy score: {percent(screen.score)} (target 75%)",
                     change_words(screen.change_points, 90), "Method and privacy",
                     "change compared with 90 days earlier"):
        assert expected in text, expected
    lines = text.splitlines()
    for department in screen.departments:
        shown = percent(department.score) if department.score is not None else HIDDEN
        assert any(department.department in line and shown in line and department.status.value in line
                   for line in lines), department
    grid = all_tables(course, board, target=75)["department"]
    cells = [str(v) for row in grid.values() for v in row[1:]]
    assert sorted(re.findall(r"\b\d+%", text)).count("75%") >= 1
    for value in set(cells):
        assert text.count(value) >= cells.count(value), value
    assert "@" not in text and "Learner 0" not in text



def test_the_board_report_prints_department_and_organisation_names_in_their_own_scripts(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    seed_bulk(engine, course, learners=80, answers=4000, seed=3)
    with read_session(engine) as session:
        departments = sorted(session.execute(text("SELECT DISTINCT department FROM person")).scalars())
    names = ["Łódź Logistics", "Отдел продаж", "Πωλήσεις", "İnsan Kaynakları", "Phòng Kế toán", "שיווק"]
    renamed = dict(zip(departments, names, strict=False))
    with write_transaction(engine) as session:
        for old, new in renamed.items():
            session.execute(text("UPDATE person SET department = :new WHERE department = :old"),
                            {"new": new, "old": old})
    admin = make_person("admin@x.org", capabilities="admin")
    update_dashboard_settings(engine, admin, target=70, organisation="Łódź Logistics – “Zarząd”", now=NOW)
    now = datetime.now(UTC)
    pdf = board_report(engine, admin, course, filters=Filters(previous_days=90), now=now)
    text_ = _text(pdf)
    assert "Łódź Logistics – “Zarząd” – " in text_ and "?" not in text_ and "\ufffd" not in text_
    screen = first_screen(course, get_dashboard(engine, admin, course, filters=Filters(previous_days=90),
                                                now=now), target=70, previous_days=90)
    shown_names = {d.department for d in screen.departments} & set(names)
    assert len(shown_names) >= 5 and "שיווק" in shown_names  # a group too small is left out
    lines = text_.splitlines()
    for department in screen.departments:
        shown = percent(department.score) if department.score is not None else HIDDEN
        assert any(department.department in line and shown in line and department.status.value in line
                   for line in lines), department
        assert text_.count(department.department) >= 2  # the status table and the heatmap


def test_when_every_group_is_hidden_the_report_says_so_and_shows_no_score(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    seed_bulk(engine, course, learners=12, answers=400, seed=3)
    admin = make_person("admin@x.org", capabilities="admin")
    update_privacy(engine, admin, min_group_size=50, leader_filters=[], now=NOW)
    text = _text(board_report(engine, admin, course))
    assert "Every group in this view has fewer than 50 learners" in text
    assert re.findall(r"\b\d+%", text.split("Method and privacy")[0]) == []  # not even a hidden cell's score


def test_the_downloads_use_the_pages_column_names_and_percentages(
    engine: Engine, make_person: MakePerson, course: Course
) -> None:
    seed_bulk(engine, course, learners=60, answers=3000, seed=3)
    admin = make_person("admin@x.org", capabilities="admin")
    now = datetime.now(UTC)
    board = get_dashboard(engine, admin, course, now=now)
    page = all_tables(course, board, target=DEFAULT_TARGET)
    exported = export_table(engine, admin, course, table="department", now=now)
    department = list(csv.reader(io.StringIO(exported)))
    assert tuple(department[0]) == page["department"].header
    assert department[0][0] == "Department" and department[-1][0] == "All departments"
    assert all(re.fullmatch(r"\d+%|hidden|no data", v) for row in department[1:] for v in row[1:])
    archive = zipfile.ZipFile(io.BytesIO(export_zip(engine, admin, course, now=now)))
    names = set(archive.namelist())
    assert {f"{name}.csv" for name in page} | {"README.txt", "exact/department.csv"} <= names
    completion = list(csv.reader(io.StringIO(archive.read("completion.csv").decode())))
    assert completion[0] == ["Department", "Learners", "Not started", "In progress", "Completed", "Overdue"]
    with read_session(engine) as session:
        targets = [e.target for e in audit.list_events(session, kind="dashboard_exported")]
    assert sorted(targets) == ["all tables (ZIP)", "department"]
