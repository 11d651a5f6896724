"""The scenario engine on hand-built scenarios: starting, offering, taking choices, scoring."""

from __future__ import annotations

import pytest

from course.domain.conditions import parse_condition
from course.domain.model import Choice, EndingKind, ItemMeta, Meter, Node, Scenario, frozen_map
from course.domain.scenario import (
    InvalidChoice,
    RunState,
    Step,
    apply_effects,
    available_choices,
    best_score_sum,
    current_node,
    ending_of,
    run_score,
    start_run,
    take_choice,
)

META = ItemMeta("crisis-drill", "Crisis drill", ("all",), ("crisis",), "scenarios/drill.md", "v1")


def choice(index: int, target: str, *, score: int = 0, when: str = "",
           **effects: int) -> Choice:
    return Choice(
        index=index,
        label_html=f"<p>to {target}</p>",
        target=target,
        line=10 + index,
        effects=frozen_map(effects),
        score=score,
        when=parse_condition(when) if when else None,
        when_text=when,
    )


def node(node_id: str, *choices: Choice, ending: EndingKind | None = None) -> Node:
    return Node(node_id, node_id.title(), 1, f"<p>{node_id}</p>", tuple(choices), ending)


def scenario(*nodes: Node, start: str | None = None, meters: tuple[Meter, ...] = ()) -> Scenario:
    return Scenario(
        meta=META,
        start=start or nodes[0].id,
        meters=frozen_map({m.id: m for m in meters}),
        nodes=frozen_map({n.id: n for n in nodes}),
    )


REPUTATION = Meter("reputation", "Public reputation", start=50, min=0, max=100)
TRUST = Meter("trust", "Employee trust", start=30, min=-10, max=40)


@pytest.fixture
def drill() -> Scenario:
    """start -> (reply | wait | unblock when trust >= 40) -> ... -> good, mixed or bad."""
    return scenario(
        node(
            "start",
            choice(0, "reply", score=2, reputation=10),
            choice(1, "wait", score=0, reputation=-15, trust=5),
            choice(2, "unblock", score=3, when="trust >= 40"),
        ),
        node(
            "reply",
            choice(0, "good", score=2, trust=20),
            choice(1, "bad", score=0, reputation=-100),
            choice(2, "wait", score=1),
        ),
        node("wait", choice(0, "mixed", score=1), choice(1, "start", score=0, trust=15)),
        node("unblock", choice(0, "good", score=1)),
        node("good", ending=EndingKind.GOOD),
        node("mixed", ending=EndingKind.MIXED),
        node("bad", ending=EndingKind.BAD),
        meters=(REPUTATION, TRUST),
    )


def test_start_run_is_at_the_start_with_every_meter_at_its_start(drill: Scenario) -> None:
    state = start_run(drill)
    assert state.node_id == "start"
    assert dict(state.meters) == {"reputation": 50, "trust": 30}
    assert state.steps == ()
    assert state.score_sum == 0
    assert current_node(drill, state) is drill.nodes["start"]
    assert ending_of(drill, state) is None


def test_start_run_honours_an_explicit_start() -> None:
    story = scenario(node("a", choice(0, "b")), node("b", ending=EndingKind.GOOD), start="b")
    assert start_run(story).node_id == "b"
    assert ending_of(story, start_run(story)) is EndingKind.GOOD


def test_available_choices_hide_those_whose_condition_fails(drill: Scenario) -> None:
    state = start_run(drill)
    assert [c.index for c in available_choices(drill, state)] == [0, 1]
    trusted = RunState("start", frozen_map({"reputation": 50, "trust": 40}))
    assert [c.index for c in available_choices(drill, trusted)] == [0, 1, 2]


def test_take_choice_moves_the_run_and_records_the_step(drill: Scenario) -> None:
    state = start_run(drill)
    after = take_choice(drill, state, 1)
    assert after.node_id == "wait"
    assert dict(after.meters) == {"reputation": 35, "trust": 35}
    assert after.steps == (Step("start", 1, "wait", 0),)
    # The earlier state is a value: taking a choice did not change it.
    assert state.node_id == "start"
    assert dict(state.meters) == {"reputation": 50, "trust": 30}
    assert state.steps == ()


def test_a_condition_met_along_the_way_opens_its_choice(drill: Scenario) -> None:
    state = take_choice(drill, start_run(drill), 1)  # at 'wait', trust 30 + 5 = 35
    state = take_choice(drill, state, 1)  # back at 'start', trust 35 + 15 = 50, capped at 40
    assert dict(state.meters)["trust"] == 40
    assert [c.index for c in available_choices(drill, state)] == [0, 1, 2]
    state = take_choice(drill, state, 2)
    assert state.node_id == "unblock"
    assert [s.node_id for s in state.steps] == ["start", "wait", "start"]
    assert state.score_sum == 3


def test_take_choice_refuses_a_choice_whose_condition_fails(drill: Scenario) -> None:
    state = start_run(drill)  # trust 30 < 40
    with pytest.raises(InvalidChoice, match="choice 2 is not on offer at node 'start'"):
        take_choice(drill, state, 2)


def test_take_choice_refuses_an_index_that_belongs_to_another_node(drill: Scenario) -> None:
    state = take_choice(drill, start_run(drill), 1)  # at 'wait', which has choices 0 and 1
    assert [c.index for c in drill.nodes["wait"].choices] == [0, 1]
    assert 2 in {c.index for c in drill.nodes["reply"].choices}
    with pytest.raises(InvalidChoice, match="choice 2 is not on offer at node 'wait'"):
        take_choice(drill, state, 2)


@pytest.mark.parametrize("index", [-1, 3, 99, 10**9])
def test_take_choice_refuses_an_unknown_index(drill: Scenario, index: int) -> None:
    with pytest.raises(InvalidChoice):
        take_choice(drill, start_run(drill), index)


def test_take_choice_refuses_any_choice_at_an_ending() -> None:
    # An ending with a choice is refused by the validator; the engine refuses it on its own too.
    story = scenario(
        node("start", choice(0, "end")),
        node("end", choice(0, "start"), ending=EndingKind.MIXED),
    )
    state = take_choice(story, start_run(story), 0)
    assert ending_of(story, state) is EndingKind.MIXED
    for index in (0, 1, -1):
        with pytest.raises(InvalidChoice, match="the run has ended at 'end'"):
            take_choice(story, state, index)


def test_meters_are_clamped_at_their_maximum_and_minimum(drill: Scenario) -> None:
    state = take_choice(drill, start_run(drill), 0)  # reputation 60, trust 30
    assert dict(state.meters) == {"reputation": 60, "trust": 30}
    good = take_choice(drill, state, 0)  # trust +20 -> 50, clamped to 40
    assert dict(good.meters) == {"reputation": 60, "trust": 40}
    bad = take_choice(drill, state, 1)  # reputation -100 -> -40, clamped to 0
    assert dict(bad.meters) == {"reputation": 0, "trust": 30}


def test_apply_effects_clamps_each_meter_to_its_own_bounds() -> None:
    definitions = {"reputation": REPUTATION, "trust": TRUST}
    meters = {"reputation": 95, "trust": -5}
    assert dict(apply_effects(meters, {"reputation": 10, "trust": -10}, definitions)) == {
        "reputation": 100, "trust": -10,
    }
    assert dict(apply_effects(meters, {"reputation": -95}, definitions)) == {
        "reputation": 0, "trust": -5,
    }
    assert dict(apply_effects(meters, {}, definitions)) == meters


# --- Scores ---------------------------------------------------------------------------------


def test_best_score_sum_on_a_hand_computed_graph(drill: Scenario) -> None:
    # Simple paths from start to an ending, conditions ignored:
    #   start-reply-good 2+2=4, start-reply-bad 2+0=2, start-reply-wait-mixed 2+1+1=4,
    #   start-wait-mixed 0+1=1, start-unblock-good 3+1=4; wait->start would revisit start.
    assert best_score_sum(drill) == 4


def test_best_score_sum_on_an_acyclic_graph() -> None:
    story = scenario(
        node("s", choice(0, "a", score=2), choice(1, "b", score=1)),
        node("a", choice(0, "end", score=1), choice(1, "c", score=5)),
        node("b", choice(0, "far", score=10)),
        node("c", choice(0, "low", score=0)),
        node("end", ending=EndingKind.GOOD),
        node("far", ending=EndingKind.MIXED),
        node("low", ending=EndingKind.BAD),
    )
    # s-a-end 3, s-a-c-low 7, s-b-far 11.
    assert best_score_sum(story) == 11


def test_best_score_sum_does_not_count_loops() -> None:
    story = scenario(
        node("s", choice(0, "x", score=1)),
        node("x", choice(0, "s", score=100), choice(1, "end", score=2)),
        node("end", ending=EndingKind.GOOD),
    )
    assert best_score_sum(story) == 3


def test_best_score_sum_ignores_conditions_and_dead_ends() -> None:
    story = scenario(
        node("s", choice(0, "end", score=1), choice(1, "rich", score=9, when="m > 1000"),
             choice(2, "nowhere", score=50), choice(3, "stuck", score=40)),
        node("rich", choice(0, "end", score=1)),
        node("stuck", choice(0, "stuck", score=1)),
        node("end", ending=EndingKind.GOOD),
        meters=(Meter("m", "M", 0),),
    )
    assert best_score_sum(story) == 10


def test_best_score_sum_is_zero_when_no_ending_can_be_reached() -> None:
    story = scenario(node("s", choice(0, "s", score=5)), node("end", ending=EndingKind.GOOD))
    assert best_score_sum(story) == 0
    assert run_score(story, start_run(story)) == 1.0


def test_run_score_is_the_path_sum_over_the_best_sum(drill: Scenario) -> None:
    state = start_run(drill)
    assert run_score(drill, state) == 0.0
    reply = take_choice(drill, state, 0)
    assert run_score(drill, reply) == 0.5  # 2 of 4
    assert run_score(drill, take_choice(drill, reply, 0)) == 1.0  # 4 of 4
    assert run_score(drill, take_choice(drill, reply, 1)) == 0.5  # 2 of 4
    mixed = take_choice(drill, take_choice(drill, state, 1), 0)
    assert run_score(drill, mixed) == 0.25  # 1 of 4


def test_run_score_is_clamped_to_one_after_a_loop(drill: Scenario) -> None:
    state = start_run(drill)
    for _ in range(3):  # reply -> wait -> start... each round scores 2 + 1 + 0
        state = take_choice(drill, state, 0)
        state = take_choice(drill, state, 2)
        state = take_choice(drill, state, 1)
    assert state.score_sum == 9
    assert run_score(drill, state) == 1.0


def test_run_score_is_clamped_to_zero_for_negative_paths() -> None:
    story = scenario(
        node("s", choice(0, "end", score=4), choice(1, "end", score=-3)),
        node("end", ending=EndingKind.GOOD),
    )
    state = take_choice(story, start_run(story), 1)
    assert state.score_sum == -3
    assert run_score(story, state) == 0.0


def test_run_score_is_one_when_nothing_can_score() -> None:
    story = scenario(
        node("s", choice(0, "end", score=0), choice(1, "end", score=-2)),
        node("end", ending=EndingKind.GOOD),
    )
    assert best_score_sum(story) == 0
    assert run_score(story, take_choice(story, start_run(story), 1)) == 1.0


def test_a_scenario_finds_its_choices_and_titles_by_node(drill: Scenario) -> None:
    found = drill.choice("reply", 1)
    assert found is not None and (found.target, found.score) == ("bad", 0)
    assert drill.choice("reply", 7) is None and drill.choice("gone", 0) is None
    assert (drill.title_of("reply"), drill.title_of("gone")) == ("Reply", "gone")
