"""What the scenario player says about meters: how each choice moved them, worked out from the run."""

from __future__ import annotations

from collections.abc import Mapping

from course.domain.model import Scenario
from course.domain.scenario import RunState, apply_effects
from course.ui.text import literal


def step_moves(scenario: Scenario, run: RunState) -> tuple[dict[str, int], ...]:
    """Return, for each choice taken in the run, how far it moved each meter (clamping included).

    The run is replayed from the meters' start values, so a choice that pushed a meter against
    its bound shows what really changed, not the effect written in the file.
    """
    meters: Mapping[str, int] = {m.id: m.start for m in scenario.meters.values()}
    moves = []
    for step in run.steps:
        choice = scenario.nodes[step.node_id].choices[step.choice_index]
        after = apply_effects(meters, choice.effects, scenario.meters)
        moves.append({meter_id: after[meter_id] - meters[meter_id] for meter_id in scenario.meters})
        meters = after
    return tuple(moves)


def signed(delta: int) -> str:
    """Write a change as "+10", "-5" or "no change"."""
    return f"{delta:+d}" if delta else "no change"


def moves_text(scenario: Scenario, move: Mapping[str, int]) -> str:
    """Say, safe for Markdown, how one choice moved the meters: "Customer trust +10 · Legal risk -5"."""
    parts = [f"{literal(m.label)} {signed(move[m.id])}" for m in scenario.meters.values()
             if move.get(m.id)]
    return " · ".join(parts) if parts else "no meter moved"
