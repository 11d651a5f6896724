"""The dashboard's tables as the page shows them: its own column names, percentages, plain labels.

The page draws its tables from here and the exports (CSV, the analysts' ZIP, the board report)
write the same rows, so a figure reads the same wherever it is found. Every value comes from the
already-suppressed `Dashboard`: a hidden cell says "hidden", never a number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from course.domain.dashboard import TOTAL, Cell, Table, TrendPoint
from course.domain.model import Course
from course.services.dashboard.board import Dashboard
from course.services.dashboard.summary import department_statuses, percent
from course.services.plain_text import plain

HIDDEN = "hidden"
NO_DATA = "no data"
ALL_COMPETENCIES = "All competencies"

Row = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class ShownTable:
    """One table of the page: its title, its column names in order, and its rows."""

    title: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    def values(self) -> list[list[object]]:
        """Return the rows as lists in the order of the header (for CSV and the report)."""
        return [[row.get(column) for column in self.header] for row in self.rows]


def _label(course: Course, key: str) -> str:
    return course.info.competencies.get(key, course.info.roles.get(key, key))


def _points(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


def _cell_text(cell: Cell | None) -> str:
    if cell is None:
        return NO_DATA
    return HIDDEN if cell.suppressed or cell.estimate is None else percent(cell.estimate)


def grid(course: Course, table: Table, *, rows_are: str, all_rows: str) -> ShownTable:
    """Return a group x competency table as the page shows it, with its totals where shown."""
    columns = [_label(course, c) for c in table.columns]
    totals_by_row = {c.row: c for c in table.row_totals}
    header = (rows_are, *columns, ALL_COMPETENCIES) if table.row_totals else (rows_are, *columns)
    out: list[Row] = []

    def line(name: str, cells: list[Cell | None], total: Cell | None) -> Row:
        row: dict[str, object] = {rows_are: name}
        row.update({col: _cell_text(cell) for col, cell in zip(columns, cells, strict=True)})
        if table.row_totals:
            row[ALL_COMPETENCIES] = _cell_text(total)
        return row

    for name in table.rows:
        cells = [table.cell(name, c) for c in table.columns]
        out.append(line(_label(course, name), cells, totals_by_row.get(name)))
    if table.column_totals:
        by_column = {c.column: c for c in table.column_totals}
        out.append(line(all_rows, [by_column.get(c) for c in table.columns], table.grand_total))
    title = f"Literacy score by {rows_are.lower()} and competency"
    return ShownTable(title, header, tuple(out))


def headline(board: Dashboard, *, target: int | None = None) -> ShownTable:
    """Return the first screen's figures as one row."""
    h = board.headline
    row: dict[str, object] = {
        "Literacy score": percent(h.score),
        "Change (points)": None if h.change is None else round(h.change * 100),
        "Learners with first answers": h.learners,
        "Learners": h.active_learners,
        "Participation": percent(h.participation),
    }
    if target is not None:
        row["Target"] = f"{target}%"
    return ShownTable("Organisation literacy", tuple(row), (row,))


def status(board: Dashboard, *, target: int) -> ShownTable:
    """Return each department's literacy score and status against the target, in words."""
    rows = tuple(
        {"Department": d.department, "Literacy score": percent(d.score) if d.score is not None else HIDDEN,
         "Status": d.status.value, "Target": f"{target}%"}
        for d in department_statuses(board, target)
    )
    return ShownTable("Status by department", ("Department", "Literacy score", "Status", "Target"), rows)


def pre_post(course: Course, board: Dashboard) -> ShownTable:
    """Return first answers and after practice (latest answers) per department and competency."""
    rows = tuple(
        {"Department": "All departments" if p.row == TOTAL else p.row, "Competency": _label(course, p.column),
         "Learners": p.learners, "First answers": percent(p.before) if p.before is not None else HIDDEN,
         "After practice": percent(p.after) if p.after is not None else HIDDEN,
         "Change (points)": _points(p.change)}
        for p in board.pre_post
    )
    header = ("Department", "Competency", "Learners", "First answers", "After practice", "Change (points)")
    return ShownTable("Before and after training", header, rows)


def pre_check(course: Course, board: Dashboard) -> ShownTable:
    """Return, for learners who took the pre-check, its score and their first answers' score."""
    rows = tuple(
        {"Department": "All departments" if p.row == TOTAL else p.row, "Competency": _label(course, p.column),
         "Learners": p.learners, "Pre-check": percent(p.before) if p.before is not None else HIDDEN,
         "First answers": percent(p.after) if p.after is not None else HIDDEN,
         "Change (points)": _points(p.change)}
        for p in board.pre_check
    )
    header = ("Department", "Competency", "Learners", "Pre-check", "First answers", "Change (points)")
    return ShownTable("Pre-check and first answers", header, rows)


def trend(course: Course, points: tuple[TrendPoint, ...], *, by: str) -> ShownTable:
    """Return the share of answers correct per period, group and competency."""
    header = ("Period", by, "Competency", "Learners", "Answers", "Share correct")
    rows = tuple(
        {"Period": t.period, by: _label(course, t.department), "Competency": _label(course, t.competency),
         "Learners": t.learners, "Answers": t.answers,
         "Share correct": percent(t.estimate) if t.estimate is not None else HIDDEN}
        for t in points
    )
    return ShownTable(f"Trend by {by.lower()}", header, rows)


def completion(board: Dashboard) -> ShownTable:
    """Return learners by status per department (counts only)."""
    def count(value: int | None) -> object:
        return HIDDEN if value is None else value

    header = ("Department", "Learners", "Not started", "In progress", "Completed", "Overdue")
    rows = tuple(
        {"Department": "All departments" if c.department == TOTAL else c.department,
         "Learners": count(c.learners), "Not started": count(c.not_started),
         "In progress": count(c.in_progress), "Completed": count(c.completed), "Overdue": count(c.overdue)}
        for c in board.completion
    )
    return ShownTable("Completion", header, rows)


def _scenario(course: Course, scenario_id: str) -> str:
    found = course.scenarios.get(scenario_id)
    return found.meta.title if found is not None else scenario_id


def _node(course: Course, scenario_id: str, node_id: str) -> str:
    found = course.scenarios.get(scenario_id)
    return found.title_of(node_id) if found is not None else node_id


def _choice(course: Course, scenario_id: str, node_id: str, index: int) -> str:
    found = course.scenarios.get(scenario_id)
    choice = None if found is None else found.choice(node_id, index)
    return f"choice {index + 1}" if choice is None else choice.label_text or plain(choice.label_html)


def decisions(course: Course, board: Dashboard) -> ShownTable:
    """Return each choice taken at each scenario step, by department."""
    header = ("Scenario", "Department", "Step", "Choice", "Leads to", "Decisions", "Learners", "Wrong turn")
    rows = tuple(
        {"Scenario": _scenario(course, f.scenario_id),
         "Department": "All departments" if f.department == TOTAL else f.department,
         "Step": _node(course, f.scenario_id, f.node_id),
         "Choice": _choice(course, f.scenario_id, f.node_id, f.choice_index),
         "Leads to": _node(course, f.scenario_id, f.target_node), "Decisions": f.steps,
         "Learners": f.learners, "Wrong turn": "yes" if f.wrong else "no"}
        for f in board.flows
    )
    return ShownTable("Scenario decisions", header, rows)


def endings(course: Course, board: Dashboard) -> ShownTable:
    """Return the endings reached per scenario, by department."""
    header = ("Scenario", "Department", "Ending", "Kind", "Finished runs", "Learners")
    rows = tuple(
        {"Scenario": _scenario(course, e.scenario_id),
         "Department": "All departments" if e.department == TOTAL else e.department,
         "Ending": _node(course, e.scenario_id, e.ending_node), "Kind": e.ending_kind or "ending",
         "Finished runs": e.runs, "Learners": e.learners}
        for e in board.endings
    )
    return ShownTable("Scenario endings", header, rows)


def questions(course: Course, board: Dashboard) -> ShownTable:
    """Return the questions answered correctly least often, with their wording."""
    def stem(quiz_id: str, question_id: str) -> str:
        quiz = course.quizzes.get(quiz_id)
        question = quiz.question(question_id) if quiz else None
        return plain(question.stem_html) if question else question_id

    header = ("Quiz", "Question", "Competency", "Answered", "Right")
    rows = tuple(
        {"Quiz": course.quizzes[q.quiz_id].meta.title if q.quiz_id in course.quizzes else q.quiz_id,
         "Question": stem(q.quiz_id, q.question_id), "Competency": _label(course, q.competency),
         "Answered": q.answers, "Right": percent(q.facility)}
        for q in board.weakest_questions
    )
    return ShownTable("Weakest questions", header, rows)


def all_tables(course: Course, board: Dashboard, *, target: int) -> dict[str, ShownTable]:
    """Return every table of the page by its export name, as shown (hidden cells say so)."""
    makers: dict[str, Callable[[], ShownTable | None]] = {
        "headline": lambda: headline(board, target=target),
        "status": lambda: status(board, target=target),
        "department": lambda: grid(course, board.by_department, rows_are="Department",
                                   all_rows="All departments"),
        "track": lambda: grid(course, board.by_track, rows_are="Track", all_rows="All tracks"),
        "level": lambda: None if board.by_level is None else grid(
            course, board.by_level, rows_are="Level", all_rows="All levels"),
        "pre_post": lambda: pre_post(course, board),
        "pre_check": lambda: pre_check(course, board) if board.pre_check else None,
        "trend": lambda: trend(course, board.trend, by="Department"),
        "trend_track": lambda: trend(course, board.trend_by_track, by="Track"),
        "completion": lambda: completion(board),
        "flows": lambda: decisions(course, board),
        "endings": lambda: endings(course, board),
        "questions": lambda: questions(course, board),
    }
    made = {name: make() for name, make in makers.items()}
    return {name: table for name, table in made.items() if table is not None}
