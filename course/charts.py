"""Plotly figures from plain data. No Streamlit here: pages decide where figures go.

A chart is saved as an image in the browser (the camera button of Plotly's toolbar); reports
draw their own tables (course/services/dashboard/report.py), so no server-side renderer is needed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import plotly.graph_objects as go

from course.domain.course_map import EdgeKind, NodeKind, TrackMap
from course.domain.wording import counted

#: What every function here returns; pages that keep figures name the type through this module.
Figure = go.Figure



def _text(label: str) -> str:
    """Return a label Plotly shows as typed: its text reads `<a href>`, `<b>` and the like as markup."""
    return label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _texts(labels: Sequence[str]) -> list[str]:
    return [_text(label) for label in labels]


@dataclass(frozen=True, slots=True)
class Bar:
    """One competency bar: its label, estimate and band (0..1), and the evidence count."""

    label: str
    estimate: float
    low: float
    high: float
    evidence: int


#: What the profile shows, instead of a bar, for a competency with no evidence yet.
NOT_ASSESSED = "not yet assessed"


def profile_figure(bars: Sequence[Bar], *, title: str = "") -> go.Figure:
    """Return horizontal bars of estimates with their uncertainty bands, in percent.

    A competency with no evidence gets no bar (its estimate is only the prior), just the words
    "not yet assessed" on its line. A bar's text sits at its start, clear of the whiskers.
    """
    labels = [_text(b.label) for b in bars]
    values = [round(b.estimate * 100) if b.evidence else None for b in bars]
    figure = go.Figure(go.Bar(
        x=values, y=labels, orientation="h",
        error_x={"type": "data", "symmetric": False,
                 "array": [round((b.high - b.estimate) * 100) if b.evidence else 0 for b in bars],
                 "arrayminus": [round((b.estimate - b.low) * 100) if b.evidence else 0 for b in bars]},
        text=[f"{v}% ({counted(b.evidence, 'piece of evidence', 'pieces of evidence')})" if b.evidence
              else "" for v, b in zip(values, bars, strict=True)],
        textposition="auto", insidetextanchor="start", marker_color="#1f5fa8",
        hovertemplate="%{y}: %{x}%<extra></extra>",
    ))
    for label, bar in zip(labels, bars, strict=True):
        if not bar.evidence:
            figure.add_annotation(x=0, y=label, text=NOT_ASSESSED, showarrow=False, xanchor="left",
                                  font={"color": "#555555"})
    figure.update_layout(title=title, xaxis={"range": [0, 100], "title": "Estimated mastery (%)"},
                         yaxis={"autorange": "reversed"}, height=80 + 48 * len(bars),
                         margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 40})
    return figure


def heatmap_figure(rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[float | None]],
                   *, labels: Sequence[Sequence[str]]) -> go.Figure:
    """Return a heatmap of estimates in percent; hidden cells stay blank and say why."""
    figure = go.Figure(go.Heatmap(
        z=[[None if v is None else round(v * 100) for v in row] for row in values],
        x=_texts(columns), y=_texts(rows), text=[list(r) for r in labels], texttemplate="%{text}",
        zmin=0, zmax=100, colorscale="Blues", colorbar={"title": "%"}, hoverongaps=False,
        # A fixed size: left to itself Plotly shrinks the values to fit narrow cells (6 px at 320 px).
        textfont={"size": 13},
        hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
    ))
    # Room for the column labels (tilted when long) even when there is a single row.
    figure.update_layout(height=180 + 44 * len(rows), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                         xaxis={"automargin": True}, yaxis={"autorange": "reversed", "automargin": True})
    return figure


#: Per trend period: the axis title, the tick label format and one period in milliseconds (about).
_PERIODS = {"week": ("Week starting", "%-d %b %Y", 7 * 86_400_000),
            "month": ("Month", "%b %Y", 30 * 86_400_000)}


def trend_figure(series: dict[str, list[tuple[str, float]]], *, period: str = "week") -> go.Figure:
    """Return one line per series of (period start YYYY-MM-DD, estimate) points, in percent.

    The x axis is a date axis ticked once per period (or fewer when there are many), so that
    gaps keep their width; a single period gets half a period of room either side.
    """
    title, tick_format, step = _PERIODS.get(period, _PERIODS["week"])
    figure = go.Figure()
    for name, points in series.items():
        figure.add_trace(go.Scatter(x=[p for p, _ in points], y=[round(v * 100) for _, v in points],
                                    mode="lines+markers", name=_text(name)))
    starts = sorted({p for points in series.values() for p, _ in points})
    xaxis: dict[str, object] = {"type": "date", "title": title, "tickformat": tick_format}
    if len(starts) <= 12:
        xaxis["dtick"] = "M1" if period == "month" else step
        xaxis["tick0"] = starts[0] if starts else None
    if len(starts) == 1:
        middle = datetime.fromisoformat(starts[0])
        half = timedelta(milliseconds=step / 2)
        xaxis["range"] = [(middle - half).isoformat(), (middle + half).isoformat()]
    figure.update_layout(xaxis=xaxis, yaxis={"range": [0, 100], "title": "Estimated mastery (%)"},
                         height=380, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


class FlowLink(NamedTuple):
    """One arrow of a Sankey: the learners who went from one step to the next, and if it was wrong."""

    source: str
    target: str
    learners: int
    wrong: bool


def sankey_figure(links: Sequence[FlowLink]) -> go.Figure:
    """Return a Sankey of the links; wrong turns are drawn in red."""
    names = sorted({link.source for link in links} | {link.target for link in links})
    index = {name: i for i, name in enumerate(names)}
    figure = go.Figure(go.Sankey(
        node={"label": _texts(names), "pad": 12},
        link={"source": [index[link.source] for link in links],
              "target": [index[link.target] for link in links],
              "value": [link.learners for link in links],
              "color": ["rgba(200,40,40,0.45)" if link.wrong else "rgba(31,95,168,0.35)" for link in links]},
    ))
    figure.update_layout(height=460, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


def option_choice_figure(labels: Sequence[str], counts: Sequence[int], correct: Sequence[bool]) -> go.Figure:
    """Return horizontal bars of how often each option was chosen; right options in green."""
    total = max(1, max(counts, default=0))
    figure = go.Figure(go.Bar(
        x=list(counts), y=_texts(labels), orientation="h",
        marker_color=["#2e7d32" if ok else "#9e9e9e" for ok in correct],
        text=[f"{n} ({'right' if ok else 'wrong'})" for n, ok in zip(counts, correct, strict=True)],
        textposition="auto", hovertemplate="%{y}: chosen %{x} times<extra></extra>",
    ))
    figure.update_layout(xaxis={"title": "Times chosen", "range": [0, total * 1.05]},
                         yaxis={"autorange": "reversed"}, height=80 + 44 * len(labels),
                         margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return figure


def count_bar_figure(labels: Sequence[str], counts: Sequence[float], *, axis: str) -> go.Figure:
    """Return horizontal bars of counts (or means) per label, with the axis title given."""
    figure = go.Figure(go.Bar(x=list(counts), y=_texts(labels), orientation="h", marker_color="#1f5fa8",
                              hovertemplate="%{y}: %{x}<extra></extra>"))
    figure.update_layout(xaxis={"title": axis}, yaxis={"autorange": "reversed"},
                         height=80 + 40 * max(1, len(labels)), margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return figure


def before_after_figure(labels: Sequence[str], before: Sequence[float], after: Sequence[float]) -> go.Figure:
    """Return paired bars of first-answer and after-practice estimates per label, in percent."""
    figure = go.Figure()
    for name, values, colour in (("First answers", before, "#9e9e9e"), ("After practice", after, "#1f5fa8")):
        figure.add_trace(go.Bar(
            x=[round(v * 100) for v in values], y=_texts(labels), orientation="h", name=name,
            marker_color=colour, hovertemplate="%{y}: %{x}%<extra>" + name + "</extra>",
        ))
    figure.update_layout(barmode="group", xaxis={"range": [0, 100], "title": "Estimated mastery (%)"},
                         yaxis={"autorange": "reversed"}, height=100 + 56 * max(1, len(labels)),
                         margin={"l": 10, "r": 10, "t": 10, "b": 40}, legend={"orientation": "h"})
    return figure


def stacked_bar_figure(labels: Sequence[str], parts: dict[str, Sequence[int]], *, axis: str) -> go.Figure:
    """Return horizontal stacked bars: one bar per label, one segment per named part."""
    colours = ("#9e9e9e", "#f0a830", "#2e7d32", "#c62828", "#1f5fa8", "#6a1b9a")
    figure = go.Figure()
    for number, (name, values) in enumerate(parts.items()):
        colour = colours[number % len(colours)]
        figure.add_trace(go.Bar(x=list(values), y=_texts(labels), orientation="h", name=name,
                                marker_color=colour, hovertemplate="%{y}: %{x}<extra>" + name + "</extra>"))
    figure.update_layout(barmode="stack", xaxis={"title": axis}, yaxis={"autorange": "reversed"},
                         height=100 + 40 * max(1, len(labels)), legend={"orientation": "h"},
                         margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return figure


#: How each kind of course-map node is drawn: legend name, marker symbol, fill colour.
_MAP_STYLES = {
    NodeKind.MODULE: ("Module", "square", "#1f5fa8"),
    NodeKind.QUIZ: ("Quiz", "circle", "#2e7d32"),
    NodeKind.SCENARIO: ("Scenario", "diamond", "#f0a830"),
    NodeKind.OFF_TRACK: ("Prerequisite not on this track", "x", "#757575"),
}
_PROBLEM = "#c62828"
#: How far right of its module a quiz and a scenario sit (a column is 1 wide).
_MAP_SHIFT = {NodeKind.QUIZ: 0.22, NodeKind.SCENARIO: 0.4}


def _wrapped(label: str, width: int = 24) -> str:
    """Return an escaped label broken into lines of about `width` characters."""
    lines = textwrap.wrap(label, width) or [""]
    return "<br>".join(_text(line) for line in lines)


def course_map_figure(track: TrackMap) -> go.Figure:
    """Return the track's map: a row per module in path order, a column per layer, and arrows.

    A module's quiz and scenario sit just right of it, named on hover (and in the page's table).
    Prerequisite arrows are solid blue, a module's own quiz and scenario hang on grey arrows, and
    anything with a problem is red: the arrow, and a ring round the node it leaves waiting.
    """
    figure = go.Figure()
    place = {n.id: (n.layer + _MAP_SHIFT.get(n.kind, 0.0), -n.row) for n in track.nodes}
    arrows = []
    for edge in track.edges:
        (x0, y0), (x1, y1) = place[edge.source], place[edge.target]
        colour = _PROBLEM if edge.problem else ("#1f5fa8" if edge.kind is EdgeKind.REQUIRES else "#9e9e9e")
        connector = edge.kind is EdgeKind.ATTACHED and not edge.problem
        arrows.append({"x": x1, "y": y1, "ax": x0, "ay": y0, "xref": "x", "yref": "y", "axref": "x",
                       "ayref": "y", "showarrow": True, "arrowhead": 0 if connector else 2,
                       "arrowsize": 1.2, "arrowwidth": 2 if edge.problem else 1, "arrowcolor": colour,
                       "standoff": 9, "startstandoff": 9, "text": ""})
    figure.update_layout(annotations=arrows)  # at once: one add_annotation per arrow is slow
    for kind, (name, symbol, colour) in _MAP_STYLES.items():
        nodes = [n for n in track.nodes if n.kind is kind]
        if not nodes:
            continue
        figure.add_trace(go.Scatter(
            x=[place[n.id][0] for n in nodes], y=[place[n.id][1] for n in nodes], mode="markers+text",
            name=name, text=[_wrapped(f"{n.step}. {n.title}" if n.step else n.title)
                             if kind in (NodeKind.MODULE, NodeKind.OFF_TRACK) else "" for n in nodes],
            textposition="top center", textfont={"size": 11, "color": "#262730"},
            marker={"symbol": symbol, "size": 16, "color": colour,
                    "line": {"width": [3 if n.problems else 1 for n in nodes],
                             "color": [_PROBLEM if n.problems else "#ffffff" for n in nodes]}},
            hovertext=[_text(f"{name}: {n.title} ({n.id})") for n in nodes], hoverinfo="text",
        ))
    if track.problems:
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="Has a problem (red ring)",
                                    marker={"symbol": "circle-open", "size": 16, "color": _PROBLEM,
                                            "line": {"width": 3}}))
    rows = 1 + max((n.row for n in track.nodes), default=0)
    hidden = {"visible": False, "zeroline": False, "showgrid": False}
    figure.update_layout(
        height=120 + 72 * rows, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        xaxis={**hidden, "range": [-0.5, track.layers - 0.3]},
        yaxis={**hidden, "range": [-rows + 0.5, 0.7]},
        margin={"l": 10, "r": 10, "t": 40, "b": 10}, plot_bgcolor="#ffffff",
    )
    return figure
