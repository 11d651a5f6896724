"""Policies that play a scenario without reading it, to see whether its wording gives the answer away.

A policy looks only at the choices on offer and picks one. Running it through the real engine
(meters move, `when` conditions decide what is offered) shows what a learner who follows a blind
rule, such as "always click the longest choice", would score. A well written scenario gives such a
learner a low score and a poor ending.

Three policies are defined:

- `longest`: the choice with the most characters (the first of equals, in file order);
- `moderate`: the choice whose wording sounds most moderate: most hedging and consensus words
  (listen, acknowledge, review, together, consult...) less firm words (refuse, escalate, stop,
  report, immediately...); the first of equals;
- `best`: the choice on a highest-scoring path from here (the engine's notion of best, conditions
  ignored for what lies ahead), which is the yardstick the others are measured against.

A run stops at an ending, when nothing is on offer, or when it comes back to a node with the same
meters (a blind policy would go round for ever). Only a run that reaches an ending is scored, as
in the app; the others score 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from course.domain.model import Choice, EndingKind, Scenario
from course.domain.scenario import (
    BestFrom,
    RunState,
    available_choices,
    best_finder,
    best_sums,
    ending_of,
    run_score,
    start_run,
    take_choice,
)

#: A policy: given the scenario, the run so far and the choices on offer (never empty), pick one.
Policy = Callable[[Scenario, RunState, tuple[Choice, ...]], Choice]
#: What makes a policy for one scenario (so that work on the scenario is done once per run).
PolicyMaker = Callable[[Scenario], Policy]
#: A choice's score plus the best sum after it, avoiding some nodes (None: it reaches no ending).
ChoiceValue = Callable[[Choice, frozenset[str]], "int | None"]

#: Word beginnings that make a choice sound careful, consultative or consensual.
MODERATE_WORDS = (
    "listen", "acknowledg", "review", "together", "balanc", "consult", "discuss", "consider",
    "understand", "explain", "agree", "share", "invit", "ask", "talk", "align", "calm", "gentl",
    "careful", "both", "compromis", "dialog", "perhaps", "maybe", "might",
    "suggest", "offer", "open", "thank", "apologis", "apologiz", "sorry", "empath", "reassur",
    "support", "collaborat", "feedback", "check", "clarif",
)
#: Word beginnings that make a choice sound firm: refusing, stopping, escalating, staying silent.
FIRM_WORDS = (
    "refus", "declin", "stop", "delet", "remov", "escalat", "report", "block", "suspend",
    "immediate", "now", "never", "no", "not", "insist", "demand", "order", "ban", "lock", "shut",
    "silen", "wait", "nothing", "freez", "halt", "withdraw", "reject", "deny", "forbid",
)

_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True, slots=True)
class PolicyRun:
    """How a policy fared on a scenario: its score as a share of the best, and where it ended."""

    scenario: str
    policy: str
    score: float
    ending: EndingKind | None
    ending_node: str
    steps: int

    @property
    def good(self) -> bool:
        """Tell whether the run reached an ending marked `ending=good`."""
        return self.ending is EndingKind.GOOD


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold().replace("\u2019", "'"))


def moderation(text: str) -> int:
    """Return how moderate a text sounds: hedging and consensus words less firm words."""
    words = _words(text)
    soft = sum(any(w.startswith(m) for m in MODERATE_WORDS) for w in words)
    firm = sum(w in FIRM_WORDS or any(w.startswith(f) for f in FIRM_WORDS if len(f) > 3)
               for w in words)
    return soft - firm


def _label(choice: Choice) -> str:
    return choice.label_text or choice.label_html


def longest(_scenario: Scenario, _state: RunState, choices: tuple[Choice, ...]) -> Choice:
    """Pick the choice with the most characters (the first of equals)."""
    return max(choices, key=lambda c: (len(_label(c).strip()), -c.index))


def moderate(_scenario: Scenario, _state: RunState, choices: tuple[Choice, ...]) -> Choice:
    """Pick the choice whose wording sounds most moderate (the first of equals)."""
    return max(choices, key=lambda c: (moderation(_label(c)), -c.index))


def valuer(scenario: Scenario) -> ChoiceValue:
    """Return how to value a choice of this scenario: its score plus the best sum after it."""
    find: BestFrom = best_finder(scenario)

    def value(choice: Choice, visited: frozenset[str]) -> int | None:
        rest = find(choice.target, visited)
        return None if rest is None else choice.score + rest

    return value


def best(scenario: Scenario) -> Policy:
    """Return the policy that picks a choice on a highest-scoring path from here (first of equals)."""
    value = valuer(scenario)
    loops = best_sums(scenario) is None

    def pick(_scenario: Scenario, state: RunState, choices: tuple[Choice, ...]) -> Choice:
        # Only with loops does the path so far matter: a path never visits a node twice.
        visited = frozenset({state.node_id, *(s.node_id for s in state.steps)}) if loops else frozenset()
        values = {c.index: value(c, visited) for c in choices}
        return max(choices, key=lambda c: (values[c.index] is not None, values[c.index] or 0, -c.index))

    return pick


POLICIES: dict[str, PolicyMaker] = {"longest": lambda _s: longest, "moderate": lambda _s: moderate,
                                    "best": best}


def simulate(scenario: Scenario, name: str, policy: Policy | None = None) -> PolicyRun:
    """Play the scenario with a policy (by default the one named) and return how it fared.

    Linear in the number of distinct (node, meters) states the run passes through.
    """
    chosen = policy or POLICIES[name](scenario)
    state = start_run(scenario)
    seen: set[tuple[str, tuple[tuple[str, int], ...]]] = set()
    while ending_of(scenario, state) is None:
        key = (state.node_id, tuple(sorted(state.meters.items())))
        offered = available_choices(scenario, state)
        if key in seen or not offered:
            return PolicyRun(scenario.meta.id, name, 0.0, None, state.node_id, len(state.steps))
        seen.add(key)
        state = take_choice(scenario, state, chosen(scenario, state, offered).index)
    return PolicyRun(scenario.meta.id, name, run_score(scenario, state), ending_of(scenario, state),
                     state.node_id, len(state.steps))


def simulate_all(scenario: Scenario) -> tuple[PolicyRun, ...]:
    """Run every policy on the scenario, in the order of POLICIES."""
    return tuple(simulate(scenario, name) for name in POLICIES)
