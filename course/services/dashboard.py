"""Leadership dashboards: scoped on the server, suppressed for privacy, cached by data version.

`get_dashboard` checks Action.VIEW_DASHBOARD, narrows the departments to the leader's scope (an
admin sees all), runs the GROUP BY queries of course/store/analytics.py, applies the small-group
suppression of course/domain/dashboard.py and keeps the result in the `DashboardCache` passed in,
keyed by a data version (learner work, people, grants) and the content. `export_csv` renders any
table of it as CSV, with the same suppression, and audits the export.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from course.domain.dashboard import (
    TOTAL,
    Aggregate,
    ChoiceFlow,
    Completion,
    Dimension,
    EndingCount,
    Headline,
    PrePost,
    QuestionFacility,
    Suppression,
    Table,
    TrendPoint,
    build_table,
    render_csv,
    suppress,
    suppress_rows,
    table_rows,
)
from course.domain.model import Course
from course.domain.paths import path_for
from course.domain.permissions import Action, Actor, Capability
from course.domain.scoring import estimate
from course.services.permissions import record_audit_event, require
from course.store import analytics
from course.store.engine import Engine, read_session

#: The tables export_csv can render, by name.
EXPORTABLE = (
    "headline",
    "department",
    "track",
    "level",
    "pre_post",
    "trend",
    "completion",
    "flows",
    "endings",
    "questions",
)


@dataclass(frozen=True, slots=True)
class Filters:
    """What the leader asked to see. None means everything (within their scope).

    `since`/`until` bound the period of evidence; the headline compares the score at `until`
    with the score `previous_days` earlier. `period` buckets trends by "week" or "month".
    """

    since: datetime | None = None
    until: datetime | None = None
    departments: tuple[str, ...] | None = None
    tracks: tuple[str, ...] | None = None
    competencies: tuple[str, ...] | None = None
    period: str = "week"
    previous_days: int = 30
    overdue_days: int = 28


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard page shows, already scoped and suppressed; no person appears."""

    headline: Headline
    by_department: Table
    by_track: Table
    by_level: Table | None
    pre_post: tuple[PrePost, ...]
    trend: tuple[TrendPoint, ...]
    completion: tuple[Completion, ...]
    flows: tuple[ChoiceFlow, ...]
    endings: tuple[EndingCount, ...]
    weakest_questions: tuple[QuestionFacility, ...]
    weakest_competencies: tuple[tuple[str, float, int], ...]
    departments: tuple[str, ...]
    min_group_size: int
    captions: dict[str, str] = field(default_factory=dict)


class DashboardCache:
    """A small in-process LRU of computed dashboards (aggregates only, never security state)."""

    def __init__(self, max_entries: int = 64) -> None:
        self._entries: OrderedDict[tuple[Any, ...], Dashboard] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Dashboard | None:
        """Return the cached dashboard for the key, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple[Any, ...], value: Dashboard) -> None:
        """Store a dashboard, dropping the least recently used beyond max_entries."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def content_key(course: Course) -> str:
    """Return a fingerprint of what the dashboard reads from the content."""
    parts = [course.info.version, str(course.info.min_group_size), *course.info.competencies]
    parts += [f"module:{key}@{item.meta.version}" for key, item in sorted(course.modules.items())]
    parts += [f"quiz:{key}@{item.meta.version}" for key, item in sorted(course.quizzes.items())]
    parts += [f"scenario:{key}@{item.meta.version}" for key, item in sorted(course.scenarios.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _departments_in_scope(actor: Actor, requested: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Narrow the requested departments to those the actor may see (None: all of them)."""
    allowed = actor.grants.leader_departments
    if Capability.ADMIN in actor.grants.capabilities or allowed is None:
        return requested
    if requested is None:
        return tuple(sorted(allowed))
    return tuple(sorted(set(requested) & allowed))


def build_scope(course: Course, filters: Filters, departments: tuple[str, ...] | None) -> analytics.Scope:
    """Return what the queries look at: these filters over these departments (None: all)."""
    competencies = tuple(
        c for c in course.info.competencies if filters.competencies is None or c in filters.competencies
    )
    pairs = tuple((sid, c) for sid, s in sorted(course.scenarios.items()) for c in s.meta.competencies)
    return analytics.Scope(
        competencies=competencies,
        scenario_competencies=pairs,
        tracks_known=tuple(course.info.roles),
        departments=departments,
        tracks=filters.tracks,
        since=filters.since,
        until=filters.until,
    )


def get_dashboard(
    engine: Engine,
    actor: Actor,
    course: Course,
    *,
    filters: Filters | None = None,
    cache: DashboardCache | None = None,
    now: datetime | None = None,
) -> Dashboard:
    """Return the dashboard the actor may see for these filters (leaders: their departments)."""
    require(engine, actor, Action.VIEW_DASHBOARD)
    wanted = filters or Filters()
    departments = _departments_in_scope(actor, wanted.departments)
    with read_session(engine) as session:
        version = analytics.get_data_version(session)
    when = now or datetime.now(UTC)
    # `now` matters only when no end is given (overdue, previous period): a day's resolution.
    key = (version, content_key(course), departments, wanted, when.date() if wanted.until is None else None)
    if cache is not None:
        found = cache.get(key)
        if found is not None:
            return found
    dashboard = _compute(engine, course, wanted, departments, now=when)
    if cache is not None:
        cache.put(key, dashboard)
    return dashboard


def _compute(
    engine: Engine, course: Course, filters: Filters, departments: tuple[str, ...] | None, *, now: datetime
) -> Dashboard:
    k = course.info.min_group_size
    scope = build_scope(course, filters, departments)
    end = filters.until or now
    with read_session(engine) as session:
        cells = analytics.competency_scores(session, scope, grouping="department")
        row_totals = analytics.competency_scores(session, scope, grouping="department", by_competency=False)
        column_totals = analytics.competency_scores(session, scope, grouping="all")
        overall = analytics.competency_scores(session, scope, grouping="all", by_competency=False)
        previous = analytics.competency_scores(
            session,
            scope,
            grouping="all",
            by_competency=False,
            until=end - timedelta(days=filters.previous_days),
        )
        track_cells = analytics.competency_scores(session, scope, grouping="track")
        levels = analytics.list_levels(session)
        level_cells = analytics.competency_scores(session, scope, grouping="level") if levels else []
        changes = analytics.first_and_latest(session, scope, grouping="department")
        change_totals = analytics.first_and_latest(session, scope, grouping="all")
        periods = analytics.answers_per_period(session, scope, period=filters.period)
        required = _required(course, analytics.list_track_sets(session))
        completion = analytics.completion_counts(
            session, scope, required=required, overdue_before=now - timedelta(days=filters.overdue_days)
        )
        learners = analytics.count_learners(session, scope)
        flows = analytics.choice_flows(session, scope)
        endings = analytics.ending_tallies(session, scope)
        questions = analytics.question_counts(session, scope)
    competencies = scope.competencies
    by_department = _table(cells, Dimension.DEPARTMENT, k, competencies, row_totals, column_totals, overall)
    by_track = _table(track_cells, Dimension.TRACK, k, competencies, (), column_totals, None)
    by_level = _table(level_cells, Dimension.LEVEL, k, competencies, (), (), None) if levels else None
    headline = _headline(
        overall, previous, learners, k, since=filters.since, end=end, previous_days=filters.previous_days
    )
    shown_departments = tuple(sorted({c.department for c in completion} | {c.group for c in cells}))
    board = Dashboard(
        headline=headline,
        by_department=by_department,
        by_track=by_track,
        by_level=by_level,
        pre_post=_pre_post(changes, change_totals, k),
        trend=_trend(periods, k),
        completion=_completion(completion, k),
        flows=_flows(course, flows, k),
        endings=_endings(endings, k),
        weakest_questions=_weakest_questions(questions, k),
        weakest_competencies=_weakest_competencies(by_department),
        departments=shown_departments,
        min_group_size=k,
    )
    return _with_captions(board)


def _required(course: Course, track_sets: list[str]) -> list[tuple[str, str, str]]:
    """List, per stored track list, the quizzes and scenarios its path requires."""
    required = []
    for stored in track_sets:
        for module in path_for(course, [t for t in stored.split(";") if t]):
            if module.quiz is not None:
                required.append((stored, "quiz", module.quiz))
            if module.scenario is not None:
                required.append((stored, "scenario", module.scenario))
    return sorted(set(required))


def _aggregate(
    row: analytics.GroupScore, *, row_key: str | None = None, column_key: str | None = None
) -> Aggregate:
    return Aggregate(
        row.group if row_key is None else row_key,
        row.competency if column_key is None else column_key,
        row.learners,
        row.estimate,
        row.evidence,
    )


def _table(
    cells: list[analytics.GroupScore],
    rows_are: Dimension,
    k: int,
    competencies: tuple[str, ...],
    row_totals: list[analytics.GroupScore] | tuple[()],
    column_totals: list[analytics.GroupScore] | tuple[()],
    grand: list[analytics.GroupScore] | None,
) -> Table:
    return build_table(
        [_aggregate(c) for c in cells],
        rows_are=rows_are,
        columns_are=Dimension.COMPETENCY,
        min_group_size=k,
        row_totals=[_aggregate(r, column_key=TOTAL) for r in row_totals],
        column_totals=[_aggregate(c, row_key=TOTAL) for c in column_totals],
        grand_total=_aggregate(grand[0], row_key=TOTAL, column_key=TOTAL) if grand else None,
        columns=[c for c in competencies if any(x.competency == c for x in cells)],
    )


def _headline(
    overall: list[analytics.GroupScore],
    previous: list[analytics.GroupScore],
    learners: int,
    k: int,
    *,
    since: datetime | None,
    end: datetime,
    previous_days: int,
) -> Headline:
    now_row = overall[0] if overall else None
    before = previous[0] if previous else None
    shown = now_row is not None and now_row.learners >= k
    score = now_row.estimate if shown and now_row is not None else None
    previous_score = before.estimate if before is not None and before.learners >= k else None
    participants = now_row.learners if shown and now_row is not None else None
    participation = participants / learners if participants is not None and learners else None
    change = score - previous_score if score is not None and previous_score is not None else None
    caption = (
        f"Literacy score of {participants} learners with evidence, out of {learners} learners; "
        f"change against {previous_days} days earlier."
        if participants is not None
        else f"Fewer than {k} learners have evidence yet: the score is hidden."
    )
    return Headline(
        score,
        participants,
        learners if learners >= k else None,
        participation,
        previous_score,
        change,
        since,
        end,
        caption,
    )


def _pre_post(
    changes: list[analytics.GroupChange], totals: list[analytics.GroupChange], k: int
) -> tuple[PrePost, ...]:
    counts = {(c.group, c.competency): c.learners for c in changes}
    hidden, hidden_totals = suppress(counts, min_group_size=k, row_totals=False, column_totals=True)
    out = [
        PrePost(c.group, c.competency, None, None, None, hidden[(c.group, c.competency)])
        if (c.group, c.competency) in hidden
        else PrePost(c.group, c.competency, c.learners, c.before, c.after)
        for c in changes
    ]
    for t in totals:
        small = t.learners < k or (TOTAL, t.competency) in hidden_totals
        out.append(
            PrePost(TOTAL, t.competency, None, None, None, Suppression.SMALL_GROUP)
            if small
            else PrePost(TOTAL, t.competency, t.learners, t.before, t.after)
        )
    return tuple(out)


def _trend(periods: list[analytics.PeriodScore], k: int) -> tuple[TrendPoint, ...]:
    """Pool each period's answers per department and competency; hide small groups.

    No totals are shown across departments in the trend, so primary suppression suffices.
    """
    out = []
    for p in periods:
        if p.learners < k:
            out.append(
                TrendPoint(p.period, p.department, p.competency, None, None, None, Suppression.SMALL_GROUP)
            )
        else:
            out.append(
                TrendPoint(
                    p.period,
                    p.department,
                    p.competency,
                    p.learners,
                    p.answers,
                    estimate(p.correct, p.answers)[0],
                )
            )
    return tuple(out)


def _completion(rows: list[analytics.CompletionCounts], k: int) -> tuple[Completion, ...]:
    hidden = suppress_rows({r.department: r.learners for r in rows}, min_group_size=k)
    out = [
        Completion(r.department, None, None, None, None, None, hidden[r.department])
        if r.department in hidden
        else Completion(
            r.department, r.learners, r.learners - r.started, r.started - r.completed, r.completed, r.overdue
        )
        for r in rows
    ]
    total = [sum(getattr(r, f) for r in rows) for f in ("learners", "started", "completed", "overdue")]
    if TOTAL in hidden or not rows:
        out.append(
            Completion(TOTAL, None, None, None, None, None, hidden.get(TOTAL, Suppression.SMALL_GROUP))
        )
    else:
        out.append(Completion(TOTAL, total[0], total[0] - total[1], total[1] - total[2], total[2], total[3]))
    return tuple(out)


def _flows(course: Course, flows: list[analytics.FlowCount], k: int) -> tuple[ChoiceFlow, ...]:
    """Show each choice's flow per department and in total, suppressed along departments."""
    lines: dict[tuple[str, str, int, str], list[analytics.FlowCount]] = {}
    for f in flows:
        lines.setdefault((f.scenario_id, f.node_id, f.choice_index, f.target_node), []).append(f)
    out = []
    for (scenario_id, node_id, index, target), group in sorted(lines.items()):
        score = _choice_score(course, scenario_id, node_id, index)
        hidden = suppress_rows({f.department: f.learners for f in group}, min_group_size=k)
        wrong = score is not None and score < 0
        for f in group:
            if f.department not in hidden:
                out.append(
                    ChoiceFlow(
                        scenario_id, f.department, node_id, index, target, f.steps, f.learners, score, wrong
                    )
                )
        if TOTAL not in hidden:
            out.append(
                ChoiceFlow(
                    scenario_id,
                    TOTAL,
                    node_id,
                    index,
                    target,
                    sum(f.steps for f in group),
                    sum(f.learners for f in group),
                    score,
                    wrong,
                )
            )
    return tuple(out)


def _choice_score(course: Course, scenario_id: str, node_id: str, index: int) -> int | None:
    scenario = course.scenarios.get(scenario_id)
    node = None if scenario is None else scenario.nodes.get(node_id)
    choice = None if node is None else next((c for c in node.choices if c.index == index), None)
    return None if choice is None else choice.score


def _endings(rows: list[EndingCount], k: int) -> tuple[EndingCount, ...]:
    lines: dict[tuple[str, str, str], list[EndingCount]] = {}
    for e in rows:
        lines.setdefault((e.scenario_id, e.ending_node, e.ending_kind), []).append(e)
    out = []
    for (scenario_id, node, kind), group in sorted(lines.items()):
        hidden = suppress_rows({e.department: e.learners for e in group}, min_group_size=k)
        out += [e for e in group if e.department not in hidden]
        if TOTAL not in hidden:
            out.append(
                EndingCount(
                    scenario_id, TOTAL, node, kind, sum(e.runs for e in group), sum(e.learners for e in group)
                )
            )
    return tuple(out)


def _weakest_questions(
    rows: list[QuestionFacility], k: int, limit: int = 10
) -> tuple[QuestionFacility, ...]:
    shown = [r for r in rows if r.learners >= k]
    return tuple(sorted(shown, key=lambda q: (q.facility, -q.answers, q.question_id))[:limit])


def _weakest_competencies(table: Table) -> tuple[tuple[str, float, int], ...]:
    shown = [
        (c.column, c.estimate, c.learners)
        for c in table.column_totals
        if not c.suppressed and c.estimate is not None and c.learners
    ]
    return tuple(sorted(shown, key=lambda item: (item[1], item[0])))


def _with_captions(board: Dashboard) -> Dashboard:
    k = board.min_group_size
    hidden = f"groups under {k} learners are hidden, with a partner where totals could reveal them"
    dept_n = board.by_department.learners
    captions = {
        "headline": board.headline.caption,
        "department": (
            f"Mean literacy estimate per department and competency, from "
            f"{dept_n if dept_n is not None else 'a hidden number of'} learners; {hidden}."
        ),
        "track": f"The same by course track (a learner on two tracks counts in both); {hidden}.",
        "level": f"The same by management level from the roster; {hidden}.",
        "pre_post": (
            f"Mean estimate from each learner's first answers and runs against their latest, "
            f"on the same questions and scenarios; {hidden}."
        ),
        "trend": (
            f"Share of answers correct per period (Beta-Binomial estimate), "
            f"{sum(p.answers or 0 for p in board.trend)} answers shown; {hidden}."
        ),
        "completion": (
            f"Learners by status per department (counts only), "
            f"{sum(c.learners or 0 for c in board.completion if c.department == TOTAL)} learners; "
            f"{hidden}."
        ),
        "flows": f"Choices taken at each scenario step, by department; {hidden}.",
        "endings": f"Endings reached per scenario, by department; {hidden}.",
        "questions": (
            f"The questions answered correctly least often, each with at least {k} learners "
            f"({sum(q.answers for q in board.weakest_questions)} answers)."
        ),
    }
    return Dashboard(**{**{f: getattr(board, f) for f in board.__dataclass_fields__}, "captions": captions})


def _export_rows(board: Dashboard, table: str) -> tuple[list[str], list[list[object]]]:
    """Return the header and rows of one table of the dashboard, as shown (suppressed)."""
    if table in ("department", "track", "level"):
        chosen = {"department": board.by_department, "track": board.by_track, "level": board.by_level}[table]
        if chosen is None:
            return ["level"], []
        return table_rows(chosen)
    if table == "headline":
        h = board.headline
        return (
            ["score", "learners", "active_learners", "participation", "previous_score", "change"],
            [[h.score, h.learners, h.active_learners, h.participation, h.previous_score, h.change]],
        )
    simple: dict[str, tuple[list[str], list[list[object]]]] = {
        "pre_post": (
            ["department", "competency", "learners", "before", "after", "change", "shown"],
            [
                [p.row, p.column, p.learners, p.before, p.after, p.change, _shown(p.suppression)]
                for p in board.pre_post
            ],
        ),
        "trend": (
            ["period", "department", "competency", "learners", "answers", "estimate", "shown"],
            [
                [
                    t.period,
                    t.department,
                    t.competency,
                    t.learners,
                    t.answers,
                    t.estimate,
                    _shown(t.suppression),
                ]
                for t in board.trend
            ],
        ),
        "completion": (
            ["department", "learners", "not_started", "in_progress", "completed", "overdue", "shown"],
            [
                [
                    c.department,
                    c.learners,
                    c.not_started,
                    c.in_progress,
                    c.completed,
                    c.overdue,
                    _shown(c.suppression),
                ]
                for c in board.completion
            ],
        ),
        "flows": (
            ["scenario", "department", "node", "choice", "target", "steps", "learners", "choice_score"],
            [
                [
                    f.scenario_id,
                    f.department,
                    f.node_id,
                    f.choice_index,
                    f.target_node,
                    f.steps,
                    f.learners,
                    f.choice_score,
                ]
                for f in board.flows
            ],
        ),
        "endings": (
            ["scenario", "department", "ending", "kind", "runs", "learners"],
            [
                [e.scenario_id, e.department, e.ending_node, e.ending_kind, e.runs, e.learners]
                for e in board.endings
            ],
        ),
        "questions": (
            ["quiz", "question", "competency", "answers", "correct", "learners", "facility"],
            [
                [q.quiz_id, q.question_id, q.competency, q.answers, q.correct, q.learners, q.facility]
                for q in board.weakest_questions
            ],
        ),
    }
    return simple[table]


def _shown(suppression: Suppression) -> str:
    return "yes" if suppression is Suppression.SHOWN else f"hidden ({suppression.value})"


def export_csv(
    engine: Engine,
    actor: Actor,
    course: Course,
    *,
    table: str,
    filters: Filters | None = None,
    cache: DashboardCache | None = None,
    now: datetime | None = None,
) -> str:
    """Return one dashboard table as CSV, suppressed and neutralised, and audit the export."""
    require(engine, actor, Action.EXPORT_DASHBOARD)
    if table not in EXPORTABLE:
        raise ValueError(f"unknown table {table!r}; choose one of {', '.join(EXPORTABLE)}")
    board = get_dashboard(engine, actor, course, filters=filters, cache=cache, now=now)
    header, rows = _export_rows(board, table)
    record_audit_event(
        engine,
        actor,
        "dashboard_exported",
        target=table,
        detail={"departments": list(board.departments), "rows": len(rows)},
        now=now,
    )
    return render_csv(header, rows)
