"""Charts: figures built from plain data."""

from __future__ import annotations

from course.charts import (
    NOT_ASSESSED,
    Bar,
    FlowLink,
    before_after_figure,
    count_bar_figure,
    course_map_figure,
    heatmap_figure,
    option_choice_figure,
    profile_figure,
    sankey_figure,
    stacked_bar_figure,
    trend_figure,
)
from course.domain.course_map import EdgeKind, MapEdge, MapNode, NodeKind, TrackMap
from course.domain.wording import counted


def test_before_after_pairs_each_label_with_two_bars_in_percent() -> None:
    figure = before_after_figure(["Crisis", "Policy"], [0.25, 0.5], [0.75, 0.5])
    first, latest = figure.data
    assert (first.name, latest.name) == ("First answers", "After practice")
    assert list(first.x) == [25, 50] and list(latest.x) == [75, 50]
    assert list(first.y) == ["Crisis", "Policy"]


def test_stacked_bars_keep_one_trace_per_part_in_order() -> None:
    parts = {"Not started": [1, 2], "Completed": [5, 6]}
    figure = stacked_bar_figure(["Legal", "HR"], parts, axis="Learners")
    assert [t.name for t in figure.data] == ["Not started", "Completed"]
    assert figure.layout.barmode == "stack"
    assert list(figure.data[1].x) == [5, 6]


def test_a_single_week_gets_a_dated_axis_half_a_week_either_side() -> None:
    figure = trend_figure({"Legal": [("2026-03-02", 0.5)]}, period="week")
    axis = figure.layout.xaxis
    assert (axis.type, axis.tickformat, axis.title.text) == ("date", "%-d %b %Y", "Week starting")
    assert list(axis.range) == ["2026-02-26T12:00:00", "2026-03-05T12:00:00"]
    assert list(figure.data[0].y) == [50]


def test_months_are_ticked_monthly_and_many_periods_left_to_plotly() -> None:
    months = trend_figure({"HR": [("2026-01-01", 0.2), ("2026-02-01", 0.4)]}, period="month")
    assert (months.layout.xaxis.dtick, months.layout.xaxis.tickformat) == ("M1", "%b %Y")
    assert months.layout.xaxis.range is None
    weeks = [(f"2026-{m:02d}-0{d}", 0.5) for m in range(1, 8) for d in (1, 8)]
    assert trend_figure({"HR": weeks}).layout.xaxis.dtick is None


def test_labels_typed_as_html_are_shown_as_typed() -> None:
    hostile = '<a href="https://evil.example/x">click</a> <b>bold</b> & more'
    shown = "&lt;a href=\"https://evil.example/x\"&gt;click&lt;/a&gt; &lt;b&gt;bold&lt;/b&gt; &amp; more"
    assert list(profile_figure([Bar(hostile, 0.5, 0.4, 0.6, 1)]).data[0].y) == [shown]
    heatmap = heatmap_figure([hostile], [hostile], [[0.5]], labels=[["50%"]]).data[0]
    assert (list(heatmap.x), list(heatmap.y)) == ([shown], [shown])
    assert trend_figure({hostile: [("2026-01-05", 0.5)]}).data[0].name == shown
    assert list(sankey_figure([FlowLink(hostile, "b", 3, False)]).data[0].node.label) == [shown, "b"]
    assert list(option_choice_figure([hostile], [1], [True]).data[0].y) == [shown]
    assert list(count_bar_figure([hostile], [1], axis="n").data[0].y) == [shown]
    assert list(before_after_figure([hostile], [0.1], [0.2]).data[0].y) == [shown]
    assert list(stacked_bar_figure([hostile], {"done": [1]}, axis="n").data[0].y) == [shown]


def test_a_competency_without_evidence_gets_no_bar_but_says_not_yet_assessed() -> None:
    figure = profile_figure([Bar("Listening", 0.5, 0.1, 0.9, 0), Bar("Tone", 0.7, 0.6, 0.8, 1),
                             Bar("Timing", 0.4, 0.3, 0.5, 3)])
    bars = figure.data[0]
    assert list(bars.x) == [None, 70, 40]  # no 50% bar for the prior alone
    assert list(bars.text) == ["", "70% (1 piece of evidence)", "40% (3 pieces of evidence)"]
    assert (bars.error_x.array[0], bars.error_x.arrayminus[0]) == (0, 0)
    assert [(a.y, a.text) for a in figure.layout.annotations] == [("Listening", NOT_ASSESSED)]


def test_counts_take_the_singular_for_exactly_one() -> None:
    assert [counted(n, "answer", "answers") for n in (0, 1, 2, 11)] == [
        "0 answers", "1 answer", "2 answers", "11 answers"]


def test_the_course_map_draws_each_arrow_and_each_kind_with_problems_in_red() -> None:
    track = TrackMap("legal", "Legal", (
        MapNode("a", "Read <b>this</b> first", NodeKind.MODULE, 0, 0, step=1),
        MapNode("a-quiz", "Check", NodeKind.QUIZ, 0, 0),
        MapNode("b", "Later", NodeKind.MODULE, 1, 1, step=2, problems=("b stays locked",)),
        MapNode("x", "Elsewhere", NodeKind.OFF_TRACK, 0, 2),
    ), (
        MapEdge("a", "a-quiz", EdgeKind.ATTACHED), MapEdge("a", "b", EdgeKind.REQUIRES),
        MapEdge("x", "b", EdgeKind.REQUIRES, problem="b stays locked"),
    ))
    figure = course_map_figure(track)
    assert [t.name for t in figure.data] == ["Module", "Quiz", "Prerequisite not on this track",
                                             "Has a problem (red ring)"]
    modules = figure.data[0]
    assert list(modules.text) == ["1. Read &lt;b&gt;this&lt;/b&gt;<br>first", "2. Later"]
    assert list(modules.marker.line.color) == ["#ffffff", "#c62828"]
    arrows = figure.layout.annotations
    assert [(a.ax, a.x, a.arrowcolor, a.arrowhead) for a in arrows] == [
        (0, 0.22, "#9e9e9e", 0), (0, 1, "#1f5fa8", 2), (0, 1, "#c62828", 2)]
