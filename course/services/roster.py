"""Roster import from an HR export (CSV): check every row, classify each line once (add, change,
unchanged or problem), and apply all of it, or, when the admin chooses so, the good rows only.

Columns: email, name, department, tracks, manager, capabilities. Tracks and capabilities are
lists separated by semicolons ("legal; hr", "learner; leader:legal|hr"); manager is an email,
of someone in the file or already known. People absent from the file are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from course.domain.accounts import (
    AccountRuleError,
    PersonInfo,
    normalise_email,
    parse_capabilities,
    parse_list,
    render_capabilities,
)
from course.domain.dashboard import render_csv
from course.domain.permissions import Action, Actor, Capability, Grants
from course.services.assignments import enrol_matching
from course.services.permissions import require
from course.store import audit, people
from course.store.engine import Engine, read_session, write_transaction

COLUMNS = ("email", "name", "department", "tracks", "manager", "capabilities", "level")
REQUIRED = ("email", "name")
_TRACK = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """A row (or the header) that cannot be imported."""

    line: int
    message: str
    #: The line's values as read, for the download of the problem rows (not compared).
    values: tuple[str, ...] = field(default=(), compare=False)

    def render(self, source: str) -> str:
        """Return `source:line: error: message [roster]`."""
        return f"{source}:{self.line}: error: {self.message} [roster]"


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One valid row of the file."""

    line: int
    email: str
    name: str
    department: str
    tracks: tuple[str, ...]
    manager: str | None
    grants: Grants
    #: Management level; None when the file has no level column (the stored level is kept).
    level: str | None = None


class ChangeKind(StrEnum):
    """What the import does to one person."""

    ADD = "add"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class RosterChange:
    """The change to one person, with the fields that differ."""

    line: int
    email: str
    kind: ChangeKind
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RosterReport:
    """The outcome of an import: problems, planned changes, and whether they were applied."""

    problems: tuple[RosterProblem, ...]
    changes: tuple[RosterChange, ...] = ()
    applied: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    #: The file's header as read, for the download of the problem rows.
    header: tuple[str, ...] = ()
    #: Problem rows left out of an applied import.
    left_out: int = 0


def parse_roster(
    text: str, *, known_tracks: Iterable[str] | None = None
) -> tuple[list[RosterRow], list[RosterProblem]]:
    """Parse roster CSV text into rows, reporting every bad row with its line number."""
    tracks_allowed = None if known_tracks is None else set(known_tracks)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    problems: list[RosterProblem] = []
    try:
        header = [name.strip().casefold() for name in next(reader)]
    except StopIteration:
        return [], [RosterProblem(1, "the file is empty")]
    except csv.Error as error:
        return [], [RosterProblem(1, f"not CSV: {error}")]
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        detail = []
        if unknown:
            detail.append("unknown column(s) " + ", ".join(unknown))
        if missing:
            detail.append("missing column(s) " + ", ".join(missing))
        if len(set(header)) != len(header):
            detail.append("a column is repeated")
        expected = ", ".join(COLUMNS)
        return [], [RosterProblem(1, "; ".join(detail) + f" (expected: {expected})")]
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    line = 1
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                problems.append(RosterProblem(line, f"more than {MAX_ROWS} rows", tuple(values)))
                break
            row, problem = _parse_row(dict(zip(header, values, strict=False)), line, tracks_allowed)
            if len(values) != len(header):
                problem = problem or f"expected {len(header)} values, found {len(values)}"
            if problem is None and row is not None and row.email in seen:
                problem = f"{row.email} already appears on line {seen[row.email]}"
            if problem is not None or row is None:
                problems.append(RosterProblem(line, problem or "invalid row", tuple(values)))
                continue
            seen[row.email] = line
            rows.append(row)
    except csv.Error as error:
        problems.append(RosterProblem(line + 1, f"not CSV: {error}"))
    return rows, problems


def _parse_row(
    values: dict[str, str], line: int, tracks_allowed: set[str] | None
) -> tuple[RosterRow | None, str | None]:
    try:
        email = normalise_email(values.get("email", ""))
    except AccountRuleError as error:
        return None, str(error)
    name = values.get("name", "").strip()
    if not name:
        return None, f"{email}: the name is empty"
    tracks = tuple(t.casefold() for t in parse_list(values.get("tracks", "")))
    for track in tracks:
        if not _TRACK.match(track) or (tracks_allowed is not None and track not in tracks_allowed):
            return None, f"{email}: unknown track {track!r}"
    manager = None
    if values.get("manager", "").strip():
        try:
            manager = normalise_email(values["manager"])
        except AccountRuleError as error:
            return None, f"{email}: manager: {error}"
        if manager == email:
            return None, f"{email}: a person cannot be their own manager"
    try:
        grants = parse_capabilities(values.get("capabilities", "") or "learner")
    except AccountRuleError as error:
        return None, f"{email}: {error}"
    department = values.get("department", "").strip()
    level = values["level"].strip() if "level" in values else None
    return RosterRow(line, email, name, department, tracks, manager, grants, level), None


def _differences(row: RosterRow, person: PersonInfo) -> tuple[str, ...]:
    changed = []
    if row.name != person.name:
        changed.append("name")
    if row.department != person.department:
        changed.append("department")
    if tuple(sorted(row.tracks)) != tuple(sorted(person.tracks)):
        changed.append("tracks")
    if row.manager != person.manager_email:
        changed.append("manager")
    if row.grants != person.grants:
        changed.append("capabilities")
    if row.level is not None and row.level != person.level:
        changed.append("level")
    return tuple(changed)


def import_roster(
    engine: Engine,
    text: str,
    *,
    by: Actor | None,
    dry_run: bool,
    known_tracks: Iterable[str] | None = None,
    leave_out: Collection[int] = (),
    now: datetime | None = None,
) -> RosterReport:
    """Check the roster and, unless it is a dry run, apply its good rows in one transaction.

    Any problem row stops the import, unless the admin chose to leave out exactly those lines
    (`leave_out`, the lines of the problems they were shown): then the other rows are applied
    and the problem rows are not. Each line is either a problem or a change, never both.
    """
    if by is not None:
        require(engine, by, Action.IMPORT_ROSTER)
    rows, problems = parse_roster(text, known_tracks=known_tracks)
    with read_session(engine) as session:
        existing = {p.email: p for p in people.list_people(session)}
    header = _header(text)
    rows, late = _check_against(rows, existing, by, header)
    problems = sorted([*problems, *late], key=lambda problem: problem.line)
    changes = tuple(_plan(row, existing.get(row.email)) for row in rows)
    counts = {kind.value: sum(1 for c in changes if c.kind is kind) for kind in ChangeKind}
    report = RosterReport(tuple(problems), changes, applied=False, counts=counts, header=header)
    agreed = not problems or {problem.line for problem in problems} <= set(leave_out)
    if dry_run or not agreed or not rows:
        return report
    when = now or datetime.now(UTC)
    _apply(engine, rows, changes, by=by, counts=counts, left_out=len(problems), now=when)
    enrol_matching(engine, now=when)  # newcomers and movers join the running assignments
    return replace(report, applied=True, left_out=len(problems))


def _check_against(
    rows: list[RosterRow], existing: dict[str, PersonInfo], by: Actor | None, header: tuple[str, ...]
) -> tuple[list[RosterRow], list[RosterProblem]]:
    """Split the parsed rows into good rows and problems found against the people already known.

    A manager must be known or on a good row of the file, so a problem row's people lose their
    manager too and become problems themselves, until no more change.
    """
    problems: list[RosterProblem] = []
    good = list(rows)
    while True:
        in_file = {row.email for row in good}
        kept: list[RosterRow] = []
        for row in good:
            message = _row_problem(row, in_file, existing, by)
            if message is None:
                kept.append(row)
            else:
                problems.append(RosterProblem(row.line, message, _values_of(row, header)))
        if len(kept) == len(good):
            return kept, problems
        good = kept


def _row_problem(row: RosterRow, in_file: set[str], existing: dict[str, PersonInfo],
                 by: Actor | None) -> str | None:
    if row.manager is not None and row.manager not in in_file and row.manager not in existing:
        return f"{row.email}: unknown manager {row.manager}"
    if by is not None and row.email == by.email and Capability.ADMIN not in row.grants.capabilities:
        return f"{row.email}: you cannot remove your own admin capability"
    return None


def _values_of(row: RosterRow, header: tuple[str, ...]) -> tuple[str, ...]:
    """Return the row's values in the order of the file's header (for the problem rows' download)."""
    values = {"email": row.email, "name": row.name, "department": row.department,
              "tracks": "; ".join(row.tracks), "manager": row.manager or "",
              "capabilities": render_capabilities(row.grants), "level": row.level or ""}
    return tuple(values.get(name, "") for name in header)


def _header(text: str) -> tuple[str, ...]:
    try:
        first = next(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")), [])
    except csv.Error:
        return ()
    return tuple(name.strip().casefold() for name in first)


def problems_csv(report: RosterReport) -> str:
    """Return the problem rows as CSV: the line, the columns as read, and what is wrong.

    Every text cell is neutralised, so a spreadsheet runs no formula from the file.
    """
    header = list(report.header)
    width = len(header)
    rows = [[problem.line, *(list(problem.values) + [""] * width)[:width], problem.message]
            for problem in report.problems]
    return render_csv(["line", *header, "problem"], rows)


def _plan(row: RosterRow, person: PersonInfo | None) -> RosterChange:
    if person is None:
        return RosterChange(row.line, row.email, ChangeKind.ADD)
    fields = _differences(row, person)
    kind = ChangeKind.UPDATE if fields else ChangeKind.UNCHANGED
    return RosterChange(row.line, row.email, kind, fields)


def _apply(
    engine: Engine,
    rows: list[RosterRow],
    changes: tuple[RosterChange, ...],
    *,
    by: Actor | None,
    counts: dict[str, int],
    left_out: int,
    now: datetime,
) -> None:
    actor_id = None if by is None else by.person_id
    actor_label = "command line" if by is None else by.email
    with write_transaction(engine) as session:  # one transaction: all rows or none
        # People are added in a few bulk statements: 20,000 new people in seconds, not minutes.
        ids = people.find_person_ids(session, [row.email for row in rows])
        added = [row for row in rows if row.email not in ids]
        ids.update(people.add_people(session, [
            people.NewPerson(row.email, row.name, row.department, row.tracks, row.grants, row.level or "")
            for row in added
        ], now=now))
        audit.record_events(session, [
            {"kind": "account_created", "actor_id": actor_id, "actor_label": actor_label,
             "subject_id": ids[row.email], "subject_label": row.email, "detail": {"source": "roster"}}
            for row in added
        ], now=now)
        new_emails = {row.email for row in added}
        people.lock_people(session, [ids[row.email] for row, change in zip(rows, changes, strict=True)
                                     if row.email not in new_emails and change.kind is ChangeKind.UPDATE])
        for row, change in zip(rows, changes, strict=True):
            if row.email in new_emails or change.kind is not ChangeKind.UPDATE:
                continue
            person_id = ids[row.email]
            people.update_person(
                session,
                person_id,
                now=now,
                name=row.name,
                department=row.department,
                tracks=row.tracks,
                level=row.level,
            )
            audit.record_event(session, "account_updated", now=now, actor_id=actor_id,
                               actor_label=actor_label, subject_id=person_id, subject_label=row.email,
                               detail={"fields": list(change.fields), "source": "roster"})
            if "capabilities" in change.fields:
                people.set_grants(session, person_id, grants=row.grants)
                audit.record_event(
                    session,
                    "capabilities_changed",
                    now=now,
                    actor_id=actor_id,
                    actor_label=actor_label,
                    subject_id=person_id,
                    subject_label=row.email,
                    detail={"after": render_capabilities(row.grants), "via": "roster"},
                )
        managers: list[tuple[int, int | None]] = []
        for row, change in zip(rows, changes, strict=True):
            if change.kind is not ChangeKind.ADD and "manager" not in change.fields:
                continue
            if row.email in new_emails and row.manager is None:
                continue  # just added, without a manager: nothing to set
            manager_id = None
            if row.manager is not None:
                manager_id = ids.get(row.manager) or people.find_person_id(session, row.manager)
            managers.append((ids[row.email], manager_id))
        people.set_managers(session, managers, now=now)
        audit.record_event(
            session,
            "roster_imported",
            now=now,
            actor_id=actor_id,
            actor_label=actor_label,
            detail={**counts, "left_out": left_out} if left_out else dict(counts),
        )
