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
