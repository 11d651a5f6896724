"""Playing a scenario: runs that survive the end of a session, every choice checked again here.

A run's state is never trusted from the browser: it is rebuilt from the recorded steps by
replaying them through the domain engine, and a choice is taken only if the engine offers it at
the current node with the current meters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from course.domain.model import Course, EndingKind, Scenario
from course.domain.permissions import Action, Actor
from course.domain.records import (
    RecordOutcome,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    ScenarioStepRecord,
)
from course.domain.scenario import InvalidChoice, RunState, ending_of, run_score, start_run, take_choice
from course.domain.xapi import (
    DecisionEvent,
    ItemRef,
    Statement,
    XapiContext,
    build_scenario_decision,
    build_scenario_ended,
)
from course.services import lti_grades, progress
from course.services.learner import NotAvailable, get_path, linked_from_path
from course.services.learning_records import context_for, queue
from course.services.permissions import record_audit_event, require
from course.store import scenario_runs
from course.store.engine import Engine, Session, read_session, write_transaction


@dataclass(frozen=True, slots=True)
class RunView:
    """A run as the player shows it: where it stands, and how it ended if it has."""

    scenario: Scenario
    run_id: str
    state: RunState
    ending: EndingKind | None
    score: float | None


@dataclass(frozen=True, slots=True)
class ScenarioRecord:
    """The learner's finished runs of a scenario."""

    finished: int
    best: float | None
    latest_ending: str | None


def _scenario(engine: Engine, actor: Actor, course: Course, scenario_id: str) -> Scenario:
    require(engine, actor, Action.TAKE_CHOICE)
    scenario = course.scenarios.get(scenario_id)
    if scenario is None:
        raise NotAvailable(f"scenario '{scenario_id}' does not exist")
    linked_from_path(get_path(engine, actor, course), scenario_id=scenario_id)
    return scenario


def _replay(scenario: Scenario, steps: list[scenario_runs.StoredStep]) -> RunState:
    state = start_run(scenario)
    for step in steps:
        state = take_choice(scenario, state, step.choice_index)
    return state


def _view(engine: Engine, scenario: Scenario, run: scenario_runs.RunSummary) -> RunView:
    with read_session(engine) as session:
        steps = scenario_runs.list_steps(session, run.run_id)
    state = _replay(scenario, steps)
    ending = ending_of(scenario, state)
    return RunView(scenario, run.run_id, state, ending,
                   run_score(scenario, state) if ending is not None else None)


def get_record(engine: Engine, actor: Actor, scenario_id: str) -> ScenarioRecord:
    """Return how the learner's finished runs of a scenario went."""
    require(engine, actor, Action.TAKE_CHOICE)
    with read_session(engine) as session:
        runs = [r for r in scenario_runs.list_runs(session, actor.person_id, scenario_id=scenario_id)
                if r.finished_at is not None]
    scores = [r.score for r in runs if r.score is not None]
    return ScenarioRecord(len(runs), max(scores, default=None), runs[-1].ending_kind if runs else None)


def open_run(engine: Engine, actor: Actor, course: Course, scenario_id: str) -> RunView | None:
    """Return the learner's unfinished run of the current version, or None."""
    scenario = _scenario(engine, actor, course, scenario_id)
    with read_session(engine) as session:
        run = scenario_runs.find_open_run(session, actor.person_id, scenario_id=scenario_id,
                                          content_version=scenario.meta.version)
        steps = scenario_runs.list_steps(session, run.run_id) if run is not None else []
    if run is None:
        return None
    state = _replay(scenario, steps)
    if ending_of(scenario, state) is not None:  # ended, but its finish was never stored
        _finish_if_ended(engine, actor, scenario, run, state, now=datetime.now(UTC),
                         ctx=context_for(engine, course))
        return _view(engine, scenario, _reload(engine, run.run_id))
    return _view(engine, scenario, run)


def start_new_run(
    engine: Engine, actor: Actor, course: Course, scenario_id: str, *, key: str,
    now: datetime | None = None,
) -> RunView:
    """Start a run (or return the one this key already started)."""
    scenario = _scenario(engine, actor, course, scenario_id)
    record = ScenarioRunStartRecord(key=key, person_id=actor.person_id, scenario_id=scenario_id,
                                    content_version=scenario.meta.version,
                                    started_at=now or datetime.now(UTC))
    if not progress.start_scenario_run(engine, actor, record).ok:
        raise NotAvailable("this run could not be started; reload the page")
    with read_session(engine) as session:
        run = scenario_runs.get_run(session, key)
    assert run is not None
    return _view(engine, scenario, run)


def choose(
    engine: Engine, actor: Actor, course: Course, scenario_id: str, *, run_id: str, step_no: int,
    choice_index: int, key: str, seconds: float, now: datetime | None = None,
) -> RunView:
    """Take a choice at the run's current node, after checking the engine offers it there.

    `step_no` is the step the browser believes it is taking: a repeat of a step already taken
    with the same key returns the run as it stands; anything else stale or forged is refused.
    """
    scenario = _scenario(engine, actor, course, scenario_id)
    when = now or datetime.now(UTC)
    with read_session(engine) as session:
        run = scenario_runs.get_run(session, run_id)
        owned = run is not None and run in scenario_runs.list_runs(session, actor.person_id,
                                                                   scenario_id=scenario_id)
        steps = scenario_runs.list_steps(session, run_id) if owned else []
    if run is None or not owned or run.content_version != scenario.meta.version:
        raise _refuse(engine, actor, scenario_id, f"run '{run_id}' is not one of yours on this version")
    state = _replay(scenario, steps)
    ctx = context_for(engine, course)
    if step_no != len(steps) + 1:  # a repeated or stale click: show where the run is
        _finish_if_ended(engine, actor, scenario, run, state, now=when, ctx=ctx)
        return _view(engine, scenario, _reload(engine, run_id))
    try:
        after = take_choice(scenario, state, choice_index)
    except InvalidChoice as exc:
        raise _refuse(engine, actor, scenario_id, str(exc)) from None
    step = ScenarioStepRecord(
        key=key, person_id=actor.person_id, scenario_id=scenario_id,
        content_version=scenario.meta.version, run_id=run_id, step_no=step_no,
        node_id=state.node_id, choice_index=choice_index, target_node=after.node_id,
        meters_after=dict(after.meters), score=after.steps[-1].score,
        seconds=max(0.0, min(seconds, 86_400.0)),
    )
    with write_transaction(engine) as session:  # the last step and the finish land together
        outcome = scenario_runs.record_step(session, step, now=when)
        if outcome is RecordOutcome.RECORDED:
            if ctx is not None:
                queue(session, [_decision(ctx, actor, scenario, step, state, at=when)], now=when)
            _finish(session, actor, scenario, run_id, after, now=when, ctx=ctx)
    return _view(engine, scenario, _reload(engine, run_id))


def _reload(engine: Engine, run_id: str) -> scenario_runs.RunSummary:
    with read_session(engine) as session:
        run = scenario_runs.get_run(session, run_id)
    assert run is not None
    return run


def finish_key(run_id: str) -> str:
    """Return the idempotency key of a run's finish, derived from the run so a retry repeats it."""
    return "end-" + hashlib.sha256(run_id.encode()).hexdigest()[:40]


def _ref(scenario: Scenario) -> ItemRef:
    return ItemRef(scenario.meta.id, scenario.meta.title, scenario.meta.version)


def _decision(ctx: XapiContext, actor: Actor, scenario: Scenario, step: ScenarioStepRecord,
              before: RunState, *, at: datetime) -> Statement:
    """Return the statement of a decision just taken: the node, the choice, the meters after it."""
    node = scenario.nodes.get(before.node_id)
    offered = tuple((c.index, c.label_text) for c in node.choices) if node is not None else ()
    event = DecisionEvent(
        run_id=step.run_id, step_no=step.step_no, node_id=before.node_id,
        node_title=scenario.title_of(before.node_id), choice_index=step.choice_index, offered=offered,
        meters_after=step.meters_after, score=step.score)
    return build_scenario_decision(ctx, person_id=actor.person_id, scenario=_ref(scenario),
                                   decision=event, at=at)


def _finish(session: Session, actor: Actor, scenario: Scenario, run_id: str, state: RunState, *,
            now: datetime, ctx: XapiContext | None = None) -> None:
    ending = ending_of(scenario, state)
    if ending is None:
        return
    record = ScenarioRunFinishRecord(key=finish_key(run_id), person_id=actor.person_id, run_id=run_id,
                                     ending_node=state.node_id, ending_kind=str(ending),
                                     score=run_score(scenario, state), finished_at=now)
    outcome = scenario_runs.finish_run(session, record)
    if ctx is not None and outcome is RecordOutcome.RECORDED and record.score is not None:
        queue(session, [build_scenario_ended(
            ctx, person_id=actor.person_id, scenario=_ref(scenario), run_id=run_id,
            ending_node=state.node_id, ending_title=scenario.title_of(state.node_id),
            ending_kind=str(ending), score=record.score, meters=state.meters, at=now)], now=now)
    lti_grades.queue_scores(session, person_id=actor.person_id, item_kind="scenario",
                            item_id=scenario.meta.id, score=record.score, work_key=record.key, earned_at=now)


def _finish_if_ended(engine: Engine, actor: Actor, scenario: Scenario, run: scenario_runs.RunSummary,
                     state: RunState, *, now: datetime, ctx: XapiContext | None = None) -> None:
    """Record a finish that an earlier request reached but did not store (a crash, a lost write)."""
    if run.finished_at is None and ending_of(scenario, state) is not None:
        with write_transaction(engine) as session:
            _finish(session, actor, scenario, run.run_id, state, now=now, ctx=ctx)


def _refuse(engine: Engine, actor: Actor, scenario_id: str, problem: str) -> InvalidChoice:
    record_audit_event(engine, actor, "forged_request", target=f"scenario:{scenario_id}",
                       detail={"problem": problem})
    return InvalidChoice(problem)
