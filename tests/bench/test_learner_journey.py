"""The learner_journey benchmark end to end, at its smallest: two learners through nginx.

It proves the benchmark works (every kind of click reached, no error, the anchor measured, the
figures filled in); it asserts no speed, which is the benchmark's own business (bench/run.py).
"""

from __future__ import annotations

import math

import pytest

from bench import learner_journey
from bench.learner_journey import KINDS, Plan, Tally, percentile_ms
from bench.run import BENCHMARKS
from tests.deploy.proxy import nginx_binary


def test_percentiles_are_nearest_rank_in_milliseconds() -> None:
    values = [n / 1000 for n in range(1, 101)]  # 1 ms .. 100 ms
    assert percentile_ms(values, 95) == pytest.approx(95.0)
    assert percentile_ms([0.2], 95) == pytest.approx(200.0)
    assert math.isnan(percentile_ms([], 95))


def test_a_learner_is_covered_only_when_every_kind_of_click_was_measured() -> None:
    tally = Tally(by_kind={kind: [0.1] for kind in KINDS[:-1]})
    assert not tally.covered()
    tally.by_kind[KINDS[-1]] = []
    assert not tally.covered()
    tally.by_kind[KINDS[-1]] = [0.2]
    assert tally.covered() and tally.clicks == len(KINDS)


@pytest.mark.slow
def test_two_learners_make_every_kind_of_click_through_nginx_without_error() -> None:
    nginx_binary()  # skips without nginx, fails under NTS_REQUIRE_NGINX=1
    assert learner_journey.NAME in BENCHMARKS
    plan = Plan(sessions=2, run_s=2.0, think_s=(0.05, 0.15), anchor_s=2.0, ramp_s=0.5)
    result = learner_journey.measure(plan)
    assert result["errors"] == 0 and result["failures"] == 0, result["samples"]
    assert result["missing_kinds"] == []
    assert set(KINDS) <= set(result["kinds"])
    assert all(figures["count"] >= 1 and figures["p95_ms"] > 0 for figures in result["kinds"].values())
    assert result["anchor_clicks"] > 0 and result["anchor_failures"] == 0
    assert result["anchor"] > 0 and result["ratio"] == pytest.approx(result["value"] / result["anchor"],
                                                                      rel=0.02)
    assert result["rss_two_processes_mib"] > 0 and result["clicks"] >= len(KINDS)
    assert isinstance(result["pass"], bool)
