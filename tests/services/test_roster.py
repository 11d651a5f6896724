"""Roster import: every bad row reported with its line, dry runs, all-or-nothing application."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from course.domain.accounts import render_capabilities
from course.domain.permissions import Actor, Capability
from course.services import roster
from course.services.permissions import PermissionDenied
from course.services.roster import ChangeKind, RosterProblem, parse_roster
from course.store import audit, people
from course.store.engine import read_session

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
MakePerson = Callable[..., Actor]
HEADER = "email,name,department,tracks,manager,capabilities\n"


def everyone(engine: Engine) -> dict[str, tuple[str, str, str | None, str]]:
    with read_session(engine) as session:
        return {
            p.email: (p.name, p.department, p.manager_email, render_capabilities(p.grants))
            for p in people.list_people(session)
        }


def test_every_bad_row_is_reported_with_its_line() -> None:
    text = HEADER + (
        "ok@example.org,Ok,hr,hr,,learner\n"
        "not-an-email,Bad,hr,hr,,learner\n"
        "noname@example.org,,hr,hr,,learner\n"
        "ok@example.org,Again,hr,hr,,learner\n"
        "cap@example.org,Cap,hr,hr,,emperor\n"
        "track@example.org,Track,hr,sales,,learner\n"
        "self@example.org,Self,hr,hr,self@example.org,learner\n"
        "\n"
        '"quoted@example.org","Quoted, Name",hr,"hr; legal",,"learner; leader:hr|legal"\n'
        "short@example.org,Short\n"
    )
    rows, problems = parse_roster(text, known_tracks={"legal", "hr", "it", "leadership"})
    assert problems == [
        RosterProblem(3, "'not-an-email' is not an email address"),
        RosterProblem(4, "noname@example.org: the name is empty"),
        RosterProblem(5, "ok@example.org already appears on line 2"),
        RosterProblem(
            6, "cap@example.org: unknown capability 'emperor' (known: learner, trainer, leader, admin)"
        ),
        RosterProblem(7, "track@example.org: unknown track 'sales'"),
        RosterProblem(8, "self@example.org: a person cannot be their own manager"),
        RosterProblem(11, "expected 6 values, found 2"),
    ]
    assert [row.email for row in rows] == ["ok@example.org", "quoted@example.org"]
    quoted = rows[1]
    assert (quoted.name, quoted.tracks) == ("Quoted, Name", ("hr", "legal"))
    assert quoted.grants.leader_departments == {"hr", "legal"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("email,name,salary\n", "unknown column(s) salary"),
        ("email,department\n", "missing column(s) name"),
    ],
)
def test_bad_headers(text: str, message: str) -> None:
    rows, problems = parse_roster(text)
    assert rows == [] and len(problems) == 1
    assert problems[0].line == 1 and message in problems[0].message


def test_problem_rendering() -> None:
    assert RosterProblem(3, "bad").render("hr.csv") == "hr.csv:3: error: bad [roster]"


def test_a_dry_run_shows_the_changes_and_applies_none(engine: Engine) -> None:
    text = HEADER + "a@example.org,A,legal,legal,,learner\n"
    report = roster.import_roster(engine, text, by=None, dry_run=True, now=NOW)
    assert not report.applied and report.problems == ()
    assert [(c.email, c.kind) for c in report.changes] == [("a@example.org", ChangeKind.ADD)]
    assert everyone(engine) == {}


def test_import_adds_updates_and_links_managers(engine: Engine) -> None:
    first = HEADER + (
        "staff@example.org,Staff,legal,legal,boss@example.org,learner\n"
        "boss@example.org,Boss,legal,leadership,,learner; leader:legal\n"
    )
    report = roster.import_roster(engine, first, by=None, dry_run=False, now=NOW)
    assert report.applied and report.counts == {"add": 2, "update": 0, "unchanged": 0}
    assert everyone(engine)["staff@example.org"] == ("Staff", "legal", "boss@example.org", "learner")
    second = HEADER + (
        "staff@example.org,Staff Member,hr,hr,,learner; trainer\n"
        "boss@example.org,Boss,legal,leadership,,learner; leader:legal\n"
    )
    report = roster.import_roster(engine, second, by=None, dry_run=False, now=NOW)
    assert [(c.email, c.kind, c.fields) for c in report.changes] == [
        ("staff@example.org", ChangeKind.UPDATE, ("name", "department", "tracks", "manager", "capabilities")),
        ("boss@example.org", ChangeKind.UNCHANGED, ()),
    ]
    assert everyone(engine)["staff@example.org"] == ("Staff Member", "hr", None, "learner; trainer")
    with read_session(engine) as session:
        assert len(audit.list_events(session, kind="roster_imported")) == 2
        assert len(audit.list_events(session, kind="capabilities_changed")) == 1
        # every person added or changed by an import is audited on their own
        assert len(audit.list_events(session, kind="account_created")) == 2
        assert len(audit.list_events(session, kind="account_updated")) == 1


def test_one_bad_row_means_nothing_is_applied(engine: Engine) -> None:
    text = HEADER + (
        "a@example.org,A,legal,legal,,learner\nb@example.org,B,legal,legal,ghost@example.org,learner\n"
    )
    report = roster.import_roster(engine, text, by=None, dry_run=False, now=NOW)
    assert report.problems == (RosterProblem(3, "b@example.org: unknown manager ghost@example.org"),)
    assert not report.applied and everyone(engine) == {}


def test_only_admins_import_and_they_keep_their_own_admin(engine: Engine, make_person: MakePerson) -> None:
    learner = make_person("lee@example.org")
    admin = make_person("root@example.org", capabilities="admin")
    text = HEADER + "root@example.org,Root,it,it,,learner\n"
    with pytest.raises(PermissionDenied):
        roster.import_roster(engine, text, by=learner, dry_run=True)
    report = roster.import_roster(engine, text, by=admin, dry_run=False)
    assert "cannot remove your own admin" in report.problems[0].message
    with read_session(engine) as session:
        person = people.find_person(session, "root@example.org")
    assert person is not None and Capability.ADMIN in person.grants.capabilities


def test_an_optional_level_column_is_imported_and_old_files_keep_it(engine: Engine) -> None:
    with_level = "email,name,department,level\nlee@example.org,Lee,HR,manager\n"
    roster.import_roster(engine, with_level, by=None, dry_run=False)
    roster.import_roster(engine, "email,name,department\nlee@example.org,Lee,HR\n", by=None, dry_run=False)
    with read_session(engine) as session:
        person = people.find_person(session, "lee@example.org")
    assert person is not None and person.level == "manager"
    report = roster.import_roster(
        engine, "email,name,department,level\nlee@example.org,Lee,HR,staff\n", by=None, dry_run=True)
    assert [c.fields for c in report.changes] == [("level",)]


def test_a_large_import_is_applied_in_bulk_with_every_manager_and_capability(engine: Engine) -> None:
    roster.import_roster(engine, HEADER + "chief@example.org,Chief,board,,,admin\n", by=None, dry_run=False,
                         now=NOW)
    lines = [f"p{n:04d}@example.org,Person {n},legal,legal,"
             f"{'chief@example.org' if n == 0 else f'p{n - 1:04d}@example.org'},learner; leader:legal|hr\n"
             for n in range(1_200)]  # more than one lookup batch; managers point across batches
    report = roster.import_roster(engine, HEADER + "".join(reversed(lines)), by=None, dry_run=False, now=NOW)
    assert report.applied and report.counts == {"add": 1_200, "update": 0, "unchanged": 0}
    people_now = everyone(engine)
    assert people_now["p0000@example.org"][2] == "chief@example.org"
    assert people_now["p1199@example.org"] == ("Person 1199", "legal", "p1198@example.org",
                                               "learner; leader:hr|legal")
    assert people_now["chief@example.org"] == ("Chief", "board", None, "admin")
    with read_session(engine) as session:
        assert len(audit.list_events(session, kind="account_created", limit=5_000)) == 1_201


def test_each_line_is_either_a_change_or_a_problem_never_both(engine: Engine) -> None:
    text = HEADER + (
        "a@example.org,A,legal,legal,,learner\n"
        "b@example.org,B,legal,legal,ghost@example.org,learner\n"  # unknown manager
        "c@example.org,C,legal,legal,b@example.org,learner\n"  # managed by a problem row
        "not-an-email,D,legal,legal,,learner\n"
    )
    report = roster.import_roster(engine, text, by=None, dry_run=True)
    assert [c.line for c in report.changes] == [2]
    assert [(p.line, p.message) for p in report.problems] == [
        (3, "b@example.org: unknown manager ghost@example.org"),
        (4, "c@example.org: unknown manager b@example.org"),
        (5, "'not-an-email' is not an email address"),
    ]
    lines = [c.line for c in report.changes] + [p.line for p in report.problems]
    assert sorted(lines) == [2, 3, 4, 5] and len(set(lines)) == len(lines)


def test_the_good_rows_are_applied_only_when_the_admin_leaves_out_exactly_the_problems(
    engine: Engine, make_person: MakePerson
) -> None:
    admin = make_person("root@example.org", capabilities="admin")
    text = HEADER + (
        "a@example.org,A,legal,legal,,learner\n"
        "b@example.org,B,legal,legal,ghost@example.org,learner\n"
        "not-an-email,D,legal,legal,,learner\n"
    )
    refused = roster.import_roster(engine, text, by=admin, dry_run=False, leave_out={3}, now=NOW)
    assert not refused.applied and "a@example.org" not in everyone(engine)  # line 4 was not agreed
    report = roster.import_roster(engine, text, by=admin, dry_run=False, leave_out={3, 4}, now=NOW)
    assert report.applied and report.left_out == 2 and report.counts["add"] == 1
    assert set(everyone(engine)) == {"root@example.org", "a@example.org"}
    with read_session(engine) as session:
        (imported,) = audit.list_events(session, kind="roster_imported")
    assert imported.detail == {"add": 1, "update": 0, "unchanged": 0, "left_out": 2}
    assert imported.actor == "root@example.org"


def test_a_forged_partial_apply_by_a_non_admin_is_refused(engine: Engine, make_person: MakePerson) -> None:
    learner = make_person("lee@example.org")
    text = HEADER + "a@example.org,A,legal,legal,,learner\nnot-an-email,D,legal,legal,,learner\n"
    with pytest.raises(PermissionDenied):
        roster.import_roster(engine, text, by=learner, dry_run=False, leave_out={3})
    assert "a@example.org" not in everyone(engine)
    with read_session(engine) as session:
        denied = audit.list_events(session, kind="action_denied")
    assert [(e.actor, e.target) for e in denied] == [("lee@example.org", "import_roster")]


def test_the_problem_rows_download_says_what_is_wrong_and_runs_no_formula(engine: Engine) -> None:
    text = "name,email,department\n=HYPERLINK(\"http://evil.example\"),not-an-email,@SUM(1)\n" \
        "Ann,ann@example.org,-2+3\n"
    report = roster.import_roster(engine, text, by=None, dry_run=True)
    rows = list(csv.reader(io.StringIO(roster.problems_csv(report))))
    assert rows == [
        ["line", "name", "email", "department", "problem"],
        ["2", "'=HYPERLINK(\"http://evil.example\")", "not-an-email", "'@SUM(1)",
         "'not-an-email' is not an email address"],
    ]
    managed = HEADER + "b@example.org,B,legal,legal,ghost@example.org,learner\n"
    late = roster.import_roster(engine, managed, by=None, dry_run=True)
    assert list(csv.reader(io.StringIO(roster.problems_csv(late))))[1] == [
        "2", "b@example.org", "B", "legal", "legal", "ghost@example.org", "learner",
        "b@example.org: unknown manager ghost@example.org"]
