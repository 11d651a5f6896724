"""How the scenario player works out and words each choice's effect on the meters."""

from __future__ import annotations

from course.domain.model import Choice, ItemMeta, Meter, Node, Scenario
from course.domain.scenario import start_run, take_choice
from course.ui import scenario_view


def _scenario() -> Scenario:
    meters = {"trust": Meter("trust", "Customer trust", 50), "risk": Meter("risk", "Legal risk", 95)}
    start = Node("start", "Start", 1, "<p>Go.</p>",
                 choices=(Choice(0, "<p>Reply</p>", "middle", 2, effects={"trust": 10, "risk": 10}),))
    middle = Node("middle", "Middle", 3, "<p>Then.</p>",
                  choices=(Choice(0, "<p>Wait</p>", "end", 4, effects={"trust": -5}),))
    end = Node("end", "End", 5, "<p>Done.</p>")
    meta = ItemMeta("s", "S", ("all",), ("crisis",), "s.md", "1")
    return Scenario(meta, "start", meters, {"start": start, "middle": middle, "end": end})


def test_step_moves_replay_the_run_with_the_bounds_applied() -> None:
    scenario = _scenario()
    run = take_choice(scenario, take_choice(scenario, start_run(scenario), 0), 0)
    assert scenario_view.step_moves(scenario, run) == ({"trust": 10, "risk": 5}, {"trust": -5, "risk": 0})
    assert scenario_view.step_moves(scenario, start_run(scenario)) == ()


def test_moves_are_worded_with_signs_and_unmoved_meters_left_out() -> None:
    scenario = _scenario()
    both = scenario_view.moves_text(scenario, {"trust": 10, "risk": -5})
    assert both == "Customer trust +10 · Legal risk -5"
    assert scenario_view.moves_text(scenario, {"trust": -5, "risk": 0}) == "Customer trust -5"
    assert scenario_view.moves_text(scenario, {"trust": 0, "risk": 0}) == "no meter moved"
    assert [scenario_view.signed(d) for d in (3, -2, 0)] == ["+3", "-2", "no change"]
