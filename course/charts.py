"""Plotly figures from plain data. No Streamlit here: pages decide where figures go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go


@dataclass(frozen=True, slots=True)
class Bar:
    """One competency bar: its label, estimate and band (0..1), and the evidence count."""

    label: str
    estimate: float
    low: float
    high: float
    evidence: int


def profile_figure(bars: Sequence[Bar], *, title: str = "") -> go.Figure:
    """Return horizontal bars of estimates with their uncertainty bands, in percent."""
    labels = [b.label for b in bars]
    values = [round(b.estimate * 100) for b in bars]
    figure = go.Figure(go.Bar(
        x=values, y=labels, orientation="h",
        error_x={"type": "data", "symmetric": False,
                 "array": [round((b.high - b.estimate) * 100) for b in bars],
                 "arrayminus": [round((b.estimate - b.low) * 100) for b in bars]},
        text=[f"{v}% ({b.evidence} pieces of evidence)" for v, b in zip(values, bars, strict=True)],
        textposition="auto", marker_color="#1f5fa8",
        hovertemplate="%{y}: %{x}%<extra></extra>",
    ))
    figure.update_layout(title=title, xaxis={"range": [0, 100], "title": "Estimated mastery (%)"},
                         yaxis={"autorange": "reversed"}, height=80 + 48 * len(bars),
                         margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 40})
    return figure


def heatmap_figure(rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[float | None]],
                   *, labels: Sequence[Sequence[str]]) -> go.Figure:
    """Return a heatmap of estimates in percent; hidden cells stay blank and say why."""
    figure = go.Figure(go.Heatmap(
        z=[[None if v is None else round(v * 100) for v in row] for row in values],
        x=list(columns), y=list(rows), text=[list(r) for r in labels], texttemplate="%{text}",
        zmin=0, zmax=100, colorscale="Blues", colorbar={"title": "%"}, hoverongaps=False,
        hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
    ))
    figure.update_layout(height=120 + 44 * len(rows), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                         yaxis={"autorange": "reversed"})
    return figure


def trend_figure(series: dict[str, list[tuple[str, float]]]) -> go.Figure:
    """Return one line per series of (period, estimate) points, in percent."""
    figure = go.Figure()
    for name, points in series.items():
        figure.add_trace(go.Scatter(x=[p for p, _ in points], y=[round(v * 100) for _, v in points],
                                    mode="lines+markers", name=name))
    figure.update_layout(yaxis={"range": [0, 100], "title": "Estimated mastery (%)"}, height=360,
                         margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


def sankey_figure(links: Sequence[tuple[str, str, int, bool]]) -> go.Figure:
    """Return a Sankey of (from, to, learners, wrong) links; wrong turns are drawn in red."""
    names = sorted({a for a, _, _, _ in links} | {b for _, b, _, _ in links})
    index = {name: i for i, name in enumerate(names)}
    figure = go.Figure(go.Sankey(
        node={"label": names, "pad": 12},
        link={"source": [index[a] for a, _, _, _ in links], "target": [index[b] for _, b, _, _ in links],
              "value": [n for _, _, n, _ in links],
              "color": ["rgba(200,40,40,0.45)" if wrong else "rgba(31,95,168,0.35)"
                        for _, _, _, wrong in links]},
    ))
    figure.update_layout(height=460, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


def option_choice_figure(labels: Sequence[str], counts: Sequence[int], correct: Sequence[bool]) -> go.Figure:
    """Return horizontal bars of how often each option was chosen; right options in green."""
    total = max(1, max(counts, default=0))
    figure = go.Figure(go.Bar(
        x=list(counts), y=list(labels), orientation="h",
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
    figure = go.Figure(go.Bar(x=list(counts), y=list(labels), orientation="h", marker_color="#1f5fa8",
                              hovertemplate="%{y}: %{x}<extra></extra>"))
    figure.update_layout(xaxis={"title": axis}, yaxis={"autorange": "reversed"},
                         height=80 + 40 * max(1, len(labels)), margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return figure
