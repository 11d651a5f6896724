"""The literacy score: a Beta-Binomial estimate of mastery per competency, with its evidence.

Each piece of evidence is an outcome between 0 and 1 with a weight: a quiz answer counts once
(1 if right, 0 if wrong); a finished scenario run counts SCENARIO_WEIGHT times its normalised
score. Starting from a uniform prior Beta(1, 1), the estimate is the posterior mean
(1 + successes) / (2 + trials), and the band is the mean plus or minus 1.645 posterior standard
deviations (about a 90% interval). Only the first evidence per question and per scenario
counts: a retake after feedback cannot raise the score. The latest evidence of the same
questions and scenarios is scored separately, as "after practice". docs/scoring.md explains
the model and why it was chosen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

#: How many quiz answers one finished scenario run is worth.
SCENARIO_WEIGHT = 3.0
#: The prior Beta(a, b): one imagined success and one imagined failure.
PRIOR_SUCCESSES = 1.0
PRIOR_FAILURES = 1.0
_Z90 = 1.645


class EvidenceKind(StrEnum):
    """Where a piece of evidence comes from."""

    ANSWER = "answer"
    SCENARIO = "scenario"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One graded answer or finished scenario run, for one competency."""

    kind: EvidenceKind
    competency: str
    item_id: str
    detail_id: str
    outcome: float
    at: datetime

    @property
    def weight(self) -> float:
        """Return how many trials this evidence counts as."""
        return SCENARIO_WEIGHT if self.kind is EvidenceKind.SCENARIO else 1.0


@dataclass(frozen=True, slots=True)
class CompetencyScore:
    """A competency's estimate, its uncertainty band and the evidence it rests on."""

    competency: str
    estimate: float
    low: float
    high: float
    successes: float
    trials: float
    evidence: tuple[Evidence, ...]

    @property
    def answers(self) -> int:
        """Count the quiz answers behind the score."""
        return sum(e.kind is EvidenceKind.ANSWER for e in self.evidence)

    @property
    def runs(self) -> int:
        """Count the scenario runs behind the score."""
        return sum(e.kind is EvidenceKind.SCENARIO for e in self.evidence)


def _slot(item: Evidence) -> tuple[str, str, str]:
    """What a newer piece of evidence replaces: the same question, or any run of the scenario."""
    detail = item.detail_id if item.kind is EvidenceKind.ANSWER else ""
    return item.competency, item.item_id, detail


def latest_only(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Keep the latest evidence for each question or scenario (and competency)."""
    latest: dict[tuple[str, str, str], Evidence] = {}
    for item in sorted(evidence, key=lambda e: e.at):
        latest[_slot(item)] = item
    return sorted(latest.values(), key=lambda e: e.at)


def first_only(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Keep the first evidence for each question or scenario (and competency)."""
    first: dict[tuple[str, str, str], Evidence] = {}
    for item in sorted(evidence, key=lambda e: e.at):
        first.setdefault(_slot(item), item)
    return sorted(first.values(), key=lambda e: e.at)


def estimate(successes: float, trials: float) -> tuple[float, float, float]:
    """Return the posterior mean and its ~90% band for these successes out of these trials."""
    a = PRIOR_SUCCESSES + successes
    b = PRIOR_FAILURES + trials - successes
    mean = a / (a + b)
    spread = _Z90 * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    return mean, max(0.0, mean - spread), min(1.0, mean + spread)


def score_competency(competency: str, evidence: Iterable[Evidence]) -> CompetencyScore:
    """Score one competency from its evidence (already filtered to what should count)."""
    mine = tuple(e for e in evidence if e.competency == competency)
    successes = sum(e.outcome * e.weight for e in mine)
    trials = sum(e.weight for e in mine)
    mean, low, high = estimate(successes, trials)
    return CompetencyScore(competency, mean, low, high, successes, trials, mine)


def profile(evidence: Iterable[Evidence], competencies: Iterable[str]) -> dict[str, CompetencyScore]:
    """Score every competency from the first evidence for each question and scenario."""
    first = first_only(evidence)
    return {c: score_competency(c, first) for c in competencies}


def after_practice(evidence: Iterable[Evidence], competencies: Iterable[str]) -> dict[str, CompetencyScore]:
    """Score every competency from the latest evidence of the same questions and scenarios.

    Shown next to the score, never in its place: it tells how practice after feedback went.
    """
    latest = latest_only(evidence)
    return {c: score_competency(c, latest) for c in competencies}


def scenario_evidence(
    *, scenario_id: str, run_id: str, competencies: Iterable[str], score: float, at: datetime
) -> list[Evidence]:
    """Turn a finished run into one piece of evidence per competency the scenario assesses."""
    return [Evidence(EvidenceKind.SCENARIO, c, scenario_id, run_id, score, at) for c in competencies]
