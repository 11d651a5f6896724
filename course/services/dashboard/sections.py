"""Turn the store's raw aggregates into the dashboard's sections, suppressing small groups.

Pure functions: `assemble` takes what course/store/analytics/ counted and returns the
`Dashboard` value, with the suppression rules of course/domain/dashboard.py applied to every
section (primary, complementary and audit where a section shows totals).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

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
    suppress,
    suppress_rows,
)
from course.domain.model import Course
from course.domain.scoring import estimate
from course.services.dashboard.board import Dashboard
from course.services.dashboard.captions import with_captions
from course.store import analytics


@dataclass(frozen=True, slots=True)
class Aggregates:
    """Everything the store counted for one dashboard, before any suppression."""

    cells: list[analytics.GroupScore]
    row_totals: list[analytics.GroupScore]
    column_totals: list[analytics.GroupScore]
    overall: list[analytics.GroupScore]
    previous: list[analytics.GroupScore]
    track_cells: list[analytics.GroupScore]
    level_cells: list[analytics.GroupScore] | None
    changes: list[analytics.GroupChange]
    change_totals: list[analytics.GroupChange]
    #: Learners who took the placement pre-check: their pre-check against their first answers.
    pre_checks: list[analytics.GroupChange]
    pre_check_totals: list[analytics.GroupChange]
    periods: list[analytics.PeriodScore]
    completion: list[analytics.CompletionCounts]
    learners: int
    flows: list[analytics.FlowCount]
    endings: list[EndingCount]
    questions: list[QuestionFacility]


def assemble(
    course: Course,
    raw: Aggregates,
    *,
    competencies: tuple[str, ...],
    since: datetime | None,
    end: datetime,
    previous_days: int,
    min_group_size: int,
) -> Dashboard:
    """Return the dashboard these aggregates make, every section suppressed, with captions."""
    k = min_group_size
    raw = _derive_overall(raw)
    by_department = _table(
        raw.cells, Dimension.DEPARTMENT, k, competencies, raw.row_totals, raw.column_totals, raw.overall
    )
    by_track = _table(raw.track_cells, Dimension.TRACK, k, competencies, (), raw.column_totals, None)
    by_level = (
        None
        if raw.level_cells is None
        else _table(raw.level_cells, Dimension.LEVEL, k, competencies, (), (), None)
    )
    shown = tuple(sorted({c.department for c in raw.completion} | {c.group for c in raw.cells}))
    board = Dashboard(
        headline=_headline(raw, k, since=since, end=end, previous_days=previous_days),
        by_department=by_department,
        by_track=by_track,
        by_level=by_level,
        pre_post=_pre_post(raw.changes, raw.change_totals, k),
        pre_check=_pre_check(raw, k),
        trend=_trend([p for p in raw.periods if p.grouping == "department"], k),
        trend_by_track=_trend([p for p in raw.periods if p.grouping == "track"], k),
        completion=_completion(raw.completion, k),
        flows=_flows(course, raw.flows, k),
        endings=_endings(raw.endings, k),
        weakest_questions=_weakest_questions(raw.questions, k),
        weakest_competencies=_weakest_competencies(by_department),
        departments=shown,
        min_group_size=k,
    )
    return with_captions(board)


def _mean_of(rows: list[analytics.GroupScore]) -> float | None:
    return sum(r.estimate for r in rows) / len(rows) if rows else None


def _derive_overall(raw: Aggregates) -> Aggregates:
    """Replace every score over all competencies by the mean of its competency scores.

    A learner's own mean over competencies would let two published figures differ by one
    learner's evidence on one competency (someone without evidence on a competency counts in
    the overall figure differently); the mean of published competency scores adds nothing that
    those scores do not already show. Counts of learners stay as counted.
    """
    Scores = list[analytics.GroupScore]

    def derived(totals: Scores, parts: Scores) -> Scores:
        out = []
        for total in totals:
            mean = _mean_of([p for p in parts if p.group == total.group])
            if mean is not None:
                out.append(replace(total, estimate=mean))
        return out

    everyone = [replace(c, group=o.group) for o in raw.overall[:1] for c in raw.column_totals]
    same = {p.competency for p in raw.previous} == {c.competency for c in raw.column_totals}
    before = _mean_of(raw.previous) if same else None  # a change only on the same competencies
    previous = (
        [analytics.GroupScore(analytics.EVERYONE, "", min(p.learners for p in raw.previous), before,
                              sum(p.evidence for p in raw.previous))]
        if before is not None
        else []
    )
    return replace(
        raw,
        row_totals=derived(raw.row_totals, raw.cells),
        overall=derived(raw.overall, everyone),
        previous=previous,
    )


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
    raw: Aggregates, k: int, *, since: datetime | None, end: datetime, previous_days: int
) -> Headline:
    now_row = raw.overall[0] if raw.overall else None
    before = raw.previous[0] if raw.previous else None
    learners = raw.learners
    shown = now_row is not None and now_row.learners >= k
    score = now_row.estimate if shown and now_row is not None else None
    previous_score = before.estimate if before is not None and before.learners >= k else None
    participants = now_row.learners if shown and now_row is not None else None
    participation = participants / learners if participants is not None and learners else None
    change = score - previous_score if score is not None and previous_score is not None else None
    caption = (
        f"Literacy score from first answers of {participants} learners with evidence, out of "
        f"{learners} learners; change against {previous_days} days earlier."
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


def _pre_check(raw: Aggregates, k: int) -> tuple[PrePost, ...]:
    """Compare the pre-check with first answers for the learners who took it, complement-proof.

    Those learners are a part of each cell of the department grid. A cell where fewer than k of
    the grid's learners did not take it is hidden (its first-answer mean, set beside the grid's,
    would give away the few others' mean); so is a total short of the same rule. Then the usual
    suppression runs, with the complementary cells it needs.
    """
    everyone = {(c.group, c.competency): c.learners for c in raw.cells}
    everyone_total = {c.competency: c.learners for c in raw.column_totals}

    def others_few(total: int, part: int) -> bool:
        return 0 < total - part < k

    changes = [
        c if not others_few(everyone.get((c.group, c.competency), c.learners), c.learners)
        else analytics.GroupChange(c.group, c.competency, 1, c.before, c.after)  # 1: hidden as small
        for c in raw.pre_checks
    ]
    totals = [
        t if not others_few(everyone_total.get(t.competency, t.learners), t.learners)
        else analytics.GroupChange(t.group, t.competency, 0, t.before, t.after)
        for t in raw.pre_check_totals
    ]
    return _pre_post(changes, totals, k)


def _trend(periods: list[analytics.PeriodScore], k: int) -> tuple[TrendPoint, ...]:
    """Pool each period's answers per group (department or track) and competency; hide small groups.

    No totals are shown across groups in the trend, so primary suppression suffices.
    """
    out = []
    for p in periods:
        if p.learners < k:
            out.append(TrendPoint(p.period, p.group, p.competency, None, None, None, Suppression.SMALL_GROUP))
        else:
            shown = estimate(p.correct, p.answers)[0]
            out.append(TrendPoint(p.period, p.group, p.competency, p.learners, p.answers, shown))
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
        score, wrong = _choice_quality(course, scenario_id, node_id, index)
        hidden = suppress_rows({f.department: f.learners for f in group}, min_group_size=k)
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


def _choice_quality(course: Course, scenario_id: str, node_id: str, index: int) -> tuple[int | None, bool]:
    """Return a choice's score and whether it is a wrong turn: scored below the node's best choice."""
    scenario = course.scenarios.get(scenario_id)
    choice = None if scenario is None else scenario.choice(node_id, index)
    if scenario is None or choice is None:
        return None, False
    return choice.score, choice.score < max(c.score for c in scenario.nodes[node_id].choices)


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


def _weakest_questions(rows: list[QuestionFacility], k: int, limit: int = 10) -> tuple[QuestionFacility, ...]:
    shown = [r for r in rows if r.learners >= k]
    return tuple(sorted(shown, key=lambda q: (q.facility, -q.answers, q.question_id))[:limit])


def _weakest_competencies(table: Table) -> tuple[tuple[str, float, int], ...]:
    shown = [
        (c.column, c.estimate, c.learners)
        for c in table.column_totals
        if not c.suppressed and c.estimate is not None and c.learners
    ]
    return tuple(sorted(shown, key=lambda item: (item[1], item[0])))
