"""What one question's answers add to a person's evidence totals per period (pure).

The dashboards need, per person and competency, sums over the first answer to each question
and over the latest answer before a release point (a Monday), and the periods in which the
person was active. Totals per period let them add up whole periods instead of reading every
answer. A period is the part of a week (Monday 00:00 UTC) that lies in one calendar month, so
sums of periods give weeks and months alike.

For one question (a slot), `contributions` maps each period to what the slot adds there:

- the first answer's credit, a count of one, and one more "right" when it earned full credit,
  all in the period of the first answer;
- the change of the slot's latest credit at the end of the period (the credit of the last
  answer up to then minus that at the end of the period before), so that the sum over the
  periods before a release point is the latest credit before it (zero before any answer);
- the number of answers given in the period (the activity behind the release windows).

Answers are ordered by (time, attempt id, position), as the dashboards order them. The totals
stored are the sums of these over every slot; a new answer changes them by the difference of
its slot's contributions with and without it, whatever the order in which answers arrive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer to a slot's question: when, its order key after time, and its credit."""

    at: datetime
    attempt_id: int
    position: int
    credit: float


@dataclass(frozen=True, slots=True)
class Totals:
    """What a slot adds to one period, or (summed) a person's period totals for a competency."""

    first_score: float = 0.0
    first_count: int = 0
    first_right: int = 0
    latest_change: float = 0.0
    answers: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.first_score + other.first_score,
            self.first_count + other.first_count,
            self.first_right + other.first_right,
            self.latest_change + other.latest_change,
            self.answers + other.answers,
        )

    def __neg__(self) -> Totals:
        return Totals(-self.first_score, -self.first_count, -self.first_right, -self.latest_change,
                      -self.answers)

    @property
    def empty(self) -> bool:
        """True when adding this changes nothing."""
        return self == Totals()


def period_start(moment: datetime) -> datetime:
    """Return the start (00:00 UTC) of the period holding a moment: its week, within its month."""
    at = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    day = at.date()
    monday = day - timedelta(days=day.weekday())
    start = max(monday, day.replace(day=1))
    return datetime.combine(start, time.min, tzinfo=UTC)


def contributions(answers: Iterable[Answer]) -> dict[datetime, Totals]:
    """Return what one slot's answers add to each period (see the module docstring)."""
    ordered = sorted(answers, key=lambda a: (_utc(a.at), a.attempt_id, a.position))
    out: dict[datetime, Totals] = {}
    if not ordered:
        return out
    first = ordered[0]
    right = 1 if first.credit >= 1 else 0
    out[period_start(first.at)] = Totals(first.credit, 1, right)
    last_in: dict[datetime, float] = {}
    counts: dict[datetime, int] = {}
    for answer in ordered:  # in order, so the last one written per period is the latest
        period = period_start(answer.at)
        last_in[period] = answer.credit
        counts[period] = counts.get(period, 0) + 1
    before = 0.0
    for period in sorted(last_in):
        change = Totals(latest_change=last_in[period] - before, answers=counts[period])
        out[period] = out.get(period, Totals()) + change
        before = last_in[period]
    return out


def difference(
    after: Mapping[datetime, Totals], before: Mapping[datetime, Totals]
) -> dict[datetime, Totals]:
    """Return, per period, what changes from `before` to `after` (periods with no change left out)."""
    out = {}
    for period in set(after) | set(before):
        change = after.get(period, Totals()) + -before.get(period, Totals())
        if not change.empty:
            out[period] = change
    return out


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
