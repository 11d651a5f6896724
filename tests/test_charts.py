"""Charts: figures built from plain data, and their PNG export through a local Chromium."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from course.charts import (
    NOT_ASSESSED,
    Bar,
    FlowLink,
    before_after_figure,
    count_bar_figure,
    figure_png,
    heatmap_figure,
    option_choice_figure,
    profile_figure,
    sankey_figure,
    stacked_bar_figure,
    trend_figure,
)
from course.domain.wording import counted

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


@pytest.mark.usefixtures("chromium_path")
def test_a_chart_renders_as_png_where_chromium_is_installed() -> None:
    figure = heatmap_figure(["Legal"], ["Crisis"], [[0.5]], labels=[["50%"]])
    image = figure_png(figure, width=400)
    assert image.problem == ""
    assert image.data is not None and image.data.startswith(PNG_SIGNATURE)


def test_a_machine_that_cannot_render_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: go.Figure, **_: object) -> bytes:
        raise RuntimeError("no browser found")

    monkeypatch.setattr(go.Figure, "to_image", refuse)
    image = figure_png(go.Figure())
    assert image.data is None
    assert "cannot render images" in image.problem and "no browser found" in image.problem


RACE = (
    "{'type': 'object', 'subtype': 'error', 'className': 'ReferenceError', "
    "'description': 'ReferenceError: kaleido_scopes is not defined'}"
)


def _to_image_failing(monkeypatch: pytest.MonkeyPatch, failures: list[str]) -> list[int]:
    calls: list[int] = []

    def render(self: go.Figure, **_: object) -> bytes:
        calls.append(1)
        if failures:
            raise RuntimeError(failures.pop(0))
        return PNG_SIGNATURE + b"image"

    monkeypatch.setattr(go.Figure, "to_image", render)
    return calls


def test_the_kaleido_start_up_race_is_rendered_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # Kaleido can read the blank page's JavaScript context under load: a fresh browser fixes it.
    calls = _to_image_failing(monkeypatch, [RACE, RACE])
    image = figure_png(go.Figure())
    assert image.problem == "" and image.data == PNG_SIGNATURE + b"image"
    assert len(calls) == 3


def test_a_race_that_keeps_happening_is_reported_with_the_tries(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _to_image_failing(monkeypatch, [RACE] * 5)
    image = figure_png(go.Figure())
    assert image.data is None and len(calls) == 3
    assert "cannot render images after 3 tries" in image.problem and "kaleido_scopes" in image.problem


def test_other_failures_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _to_image_failing(monkeypatch, ["Kaleido requires Chrome to be installed"])
    image = figure_png(go.Figure())
    assert image.data is None and len(calls) == 1
    assert "Chrome to be installed" in image.problem and "tries" not in image.problem


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
