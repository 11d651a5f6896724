"""The Prometheus `/metrics` route: this process's metrics, and the jobs as the database records them.

Scrape every app process at its own address (each counts only its own sessions and reruns).
Reading is allowed with `Authorization: Bearer <NTS_METRICS_TOKEN>`, or, while that setting is
unset, only from the loopback address. Behind the reverse proxy the client address is the one
the proxy forwarded, so a visitor from outside is refused, however the request reached the app.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from course.services import metrics
from course.services.database import UNAVAILABLE_ERRORS, Engine, describe_unavailable
from course.services.jobs import list_job_states
from course.settings import SettingsError
from course.web import resources

PATH = "/metrics"
_NO_STORE = {"Cache-Control": "no-store"}
log = logging.getLogger(__name__)


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_allowed(request: Request, token: str) -> bool:
    """Tell whether this request may read the metrics (the right bearer token, or loopback without one)."""
    if not token:
        return _is_loopback(request.client.host if request.client else None)
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


class _JobCollector(Collector):
    """The runs of each background job, from the database (every runner on every host)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        runs = CounterMetricFamily("nts_job_runs", "Runs of each background job, by every runner",
                                   labels=["job"])
        failed = GaugeMetricFamily("nts_job_last_run_failed", "1 when the job's latest run failed",
                                   labels=["job"])
        finished = GaugeMetricFamily("nts_job_last_finished_seconds",
                                     "When the job's latest run finished (Unix time)", labels=["job"])
        for state in list_job_states(self.engine):
            runs.add_metric([state.name], state.runs)
            failed.add_metric([state.name], 1.0 if state.last_outcome == "failed" else 0.0)
            if state.last_finished_at is not None:
                finished.add_metric([state.name], state.last_finished_at.timestamp())
        yield from (runs, failed, finished)


def _jobs_text() -> bytes:
    try:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_JobCollector(resources.engine()))
        return generate_latest(registry)
    except UNAVAILABLE_ERRORS as error:
        # The process's own metrics still answer; /readyz says the database is away.
        log.warning("metrics: job runs left out: %s", describe_unavailable(error))
        return b""


def metrics_route(request: Request) -> Response:
    """Answer the Prometheus text of this process, to an allowed reader only."""
    try:
        token = resources.settings().metrics_token
    except SettingsError as error:
        return PlainTextResponse(f"metrics unavailable: settings: {error}\n", status_code=503,
                                 headers=_NO_STORE)
    if not is_allowed(request, token):
        return PlainTextResponse("forbidden\n", status_code=403, headers=_NO_STORE)
    body = metrics.exposition() + _jobs_text()
    return Response(body, media_type=metrics.CONTENT_TYPE, headers=_NO_STORE)
