"""The policy simulator: blind policies played through the real scenario engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.content.scenarios import parse_scenario
from course.domain.model import Choice, EndingKind, Scenario
from course.domain.policies import moderation, simulate, simulate_all
from course.domain.scenario import RunState, best_score_sum

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "item-writing" / "scenarios"


def scenario(name: str) -> Scenario:
    result = parse_scenario((FIXTURES / f"{name}.md").read_text(encoding="utf-8"),
                            source=f"scenarios/{name}.md")
    assert result.item is not None
    return result.item


def test_each_policy_scores_a_share_of_the_best_and_names_its_ending() -> None:
    runs = {r.policy: r for r in simulate_all(scenario("balanced-choices"))}
    # Longest: the first of two equally long choices, then the longest at the second point.
    assert (runs["longest"].score, runs["longest"].ending, runs["longest"].ending_node) == (
        0.75, EndingKind.MIXED, "messy")
    # Moderate: "listen and agree ... together" is wrong at the first point here.
    assert (runs["moderate"].score, runs["moderate"].ending) == (0.0, EndingKind.BAD)
    assert (runs["best"].score, runs["best"].ending, runs["best"].good) == (1.0, EndingKind.GOOD, True)
    assert not runs["longest"].good


def test_conditions_decide_what_a_policy_is_offered() -> None:
    def wait_then_first(_s: Scenario, _state: RunState, offered: tuple[Choice, ...]) -> Choice:
        waiting = [c for c in offered if c.label_text == "Wait and see"]
        return waiting[0] if waiting else offered[0]

    run = simulate(scenario("balanced-choices"), "wait", wait_then_first)
    # trust is 55 at "locked", so "Only when trusted" (trust > 90) is never offered.
    assert (run.ending_node, run.steps) == ("messy", 3)


def test_a_policy_that_goes_round_a_loop_stops_unscored() -> None:
    looping = scenario("looping")
    assert best_score_sum(looping) == 2
    runs = {r.policy: r for r in simulate_all(looping)}
    assert (runs["longest"].ending, runs["longest"].score) == (None, 0.0)
    assert runs["longest"].ending_node == "round"
    assert (runs["best"].ending, runs["best"].score) == (EndingKind.GOOD, 1.0)


@pytest.mark.parametrize(("text", "sign"), [
    ("Listen to the team and agree a plan together", 1),
    ("Refuse the request and report the call now", -1),
    ("Post the apology", 0),
])
def test_moderation_weighs_hedging_words_against_firm_ones(text: str, sign: int) -> None:
    value = moderation(text)
    assert (value > 0) - (value < 0) == sign
