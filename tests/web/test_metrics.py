"""The /metrics route: what it counts, and who may read it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.testclient import TestClient

from course.domain.accounts import parse_capabilities
from course.services import metrics
from course.services.accounts import Passwords, ThrottlePolicy, add_account, sign_in
from course.services.jobs import Job, run_due_jobs
from course.settings import SettingsError, load_settings
from course.store.engine import Engine
from course.web import resources
from course.web.routes import routes

TOKEN = "s3cret-metrics-token-0123456789"
PASSPHRASE = "a perfectly long passphrase"


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Engine]:
    """Point the routes at a fresh SQLite database, with no metrics token set."""
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("NTS_METRICS_TOKEN", raising=False)
    resources.settings.cache_clear()
    resources.engine.cache_clear()
    yield resources.engine()
    resources.engine().dispose()
    resources.settings.cache_clear()
    resources.engine.cache_clear()


def _client(host: str = "127.0.0.1") -> TestClient:
    return TestClient(Starlette(routes=routes()), client=(host, 50000))


def _values(body: str) -> dict[str, float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def _with_token(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("NTS_METRICS_TOKEN", token)
    resources.settings.cache_clear()


def test_loopback_reads_the_metrics_without_a_token(engine: Engine) -> None:
    response = _client().get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert response.headers["cache-control"] == "no-store"
    values = _values(response.text)
    for name in ("nts_connected_sessions", "nts_db_pool_in_use", "nts_db_pool_limit",
                 "nts_sign_in_failures_total", "nts_sign_in_throttled_total"):
        assert name in values, name
    assert values["nts_db_pool_limit"] >= 15  # this process's engine: 5 kept + 10 overflow


@pytest.mark.parametrize("host", ["203.0.113.9", "10.0.0.5", "::ffff:203.0.113.9", "testclient"])
def test_other_addresses_are_refused_without_a_token(engine: Engine, host: str) -> None:
    response = _client(host).get("/metrics")
    assert response.status_code == 403
    assert "nts_" not in response.text


def test_with_a_token_only_the_token_opens_it(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_token(monkeypatch, TOKEN)
    remote = _client("203.0.113.9")
    assert remote.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert remote.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    for wrong in ("", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer "):
        assert remote.get("/metrics", headers={"Authorization": wrong}).status_code == 403, wrong
    # Once a token is set, loopback needs it too: a shared host cannot read around it.
    assert _client().get("/metrics").status_code == 403


@pytest.mark.parametrize("token", ["short", "sixteen chars no", "é" * 20])
def test_a_weak_or_odd_token_is_refused_at_start(token: str) -> None:
    with pytest.raises(SettingsError, match="NTS_METRICS_TOKEN"):
        load_settings({"NTS_METRICS_TOKEN": token})


def test_sign_in_failures_and_throttles_are_counted(engine: Engine) -> None:
    passwords = Passwords(memory_kib=1024, time_cost=1)
    add_account(engine, "ada@example.org", name="Ada", grants=parse_capabilities("learner"), by=None,
                passwords=passwords, passphrase=PASSPHRASE)
    before = _values(_client().get("/metrics").text)
    policy = ThrottlePolicy()
    now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    outcomes = [sign_in(engine, "ada@example.org", "wrong passphrase 123", passwords=passwords,
                        address="198.51.100.7", throttling=policy, now=now + timedelta(seconds=n)).ok
                for n in range(12)]
    assert sign_in(engine, "x" * 400 + "@example.org", PASSPHRASE, passwords=passwords).ok is False
    after = _values(_client().get("/metrics").text)
    failed = after["nts_sign_in_failures_total"] - before["nts_sign_in_failures_total"]
    throttled = after["nts_sign_in_throttled_total"] - before["nts_sign_in_throttled_total"]
    assert not any(outcomes)
    assert throttled >= 1, "twelve wrong passphrases in twelve seconds were never throttled"
    assert failed + throttled == 13
    # A right passphrase counts as neither.
    assert sign_in(engine, "ada@example.org", PASSPHRASE, passwords=passwords,
                   now=now + timedelta(days=2)).ok
    last = _values(_client().get("/metrics").text)
    assert last["nts_sign_in_failures_total"] == after["nts_sign_in_failures_total"]


def test_rerun_latency_is_a_histogram_by_page() -> None:
    metrics.record_rerun("quiz", 0.03)
    metrics.record_rerun("quiz", 3.0)
    values = _values(metrics.exposition().decode())
    assert values["nts_rerun_seconds_bucket{le=0.05,page=quiz}"] >= 1
    slow = values["nts_rerun_seconds_count{page=quiz}"] - values["nts_rerun_seconds_bucket{le=2.5,page=quiz}"]
    assert slow >= 1


def test_job_runs_come_from_the_database(engine: Engine) -> None:
    job = Job("metrics-test", every=timedelta(hours=1), lease=timedelta(minutes=5),
              run=lambda _engine, _now: "done")
    run_due_jobs(engine, [job], holder="test")
    values = _values(_client().get("/metrics").text)
    assert values["nts_job_runs_total{job=metrics-test}"] == 1
    assert values["nts_job_last_run_failed{job=metrics-test}"] == 0
    assert values["nts_job_last_finished_seconds{job=metrics-test}"] > 0


def test_sessions_counted_from_the_registered_source() -> None:
    metrics.count_sessions_with(lambda: 7)
    try:
        assert _values(metrics.exposition().decode())["nts_connected_sessions"] == 7
    finally:
        metrics.count_sessions_with(lambda: 0)


def test_the_app_serves_metrics() -> None:
    assert "/metrics" in [getattr(route, "path", "") for route in routes()]
