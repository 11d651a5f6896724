"""What this process counts for Prometheus: sessions, rerun latency, sign-ins, pool use, jobs.

One registry per process, outside Streamlit's caches. The pages (ui), the services and the
`/metrics` route (web) all record into it; only the route reads it. Nothing recorded here
names a person: labels are page names, job names and fixed outcomes.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from course.store.engine import Engine

#: Prometheus's text format, for the route's Content-Type.
CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
#: Seconds; a rerun over 2.5 s is one a learner notices.
RERUN_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # memory, CPU and open files of this process
PlatformCollector(registry=REGISTRY)

RERUN_SECONDS = Histogram("nts_rerun_seconds", "Time to run one page script (a click or a page view)",
                          ["page"], buckets=RERUN_BUCKETS, registry=REGISTRY)
SIGN_IN_FAILURES = Counter("nts_sign_in_failures", "Sign-ins refused for a wrong email or passphrase",
                           registry=REGISTRY)
SIGN_IN_THROTTLED = Counter("nts_sign_in_throttled", "Sign-ins refused unchecked while throttled",
                            registry=REGISTRY)
LTI_REFUSALS = Counter("nts_lti_refusals", "LTI logins, launches and choices refused, by reason",
                       ["reason"], registry=REGISTRY)
_CONNECTED = Gauge("nts_connected_sessions", "Browser sessions connected to this process",
                   registry=REGISTRY)

_engines: weakref.WeakSet[Engine] = weakref.WeakSet()
_engines_lock = threading.Lock()


def record_rerun(page: str, seconds: float) -> None:
    """Add one page run's duration, labelled by the page's file name."""
    RERUN_SECONDS.labels(page=page).observe(seconds)


def count_sessions_with(count: Callable[[], int]) -> None:
    """Read the number of connected sessions from `count` whenever metrics are collected."""
    _CONNECTED.set_function(lambda: float(count()))


def watch_pool(engine: Engine) -> None:
    """Report this engine's connections in use (for as long as the engine exists)."""
    with _engines_lock:
        _engines.add(engine)


class _PoolCollector(Collector):
    """Connections checked out of, and allowed by, the pools of this process's engines."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        in_use = GaugeMetricFamily("nts_db_pool_in_use", "Database connections in use by this process")
        limit = GaugeMetricFamily("nts_db_pool_limit",
                                  "Most connections this process's pools may open (size + overflow)")
        with _engines_lock:
            engines = list(_engines)
        used = allowed = 0
        for engine in engines:
            pool = engine.pool
            used += int(getattr(pool, "checkedout", lambda: 0)())
            size, overflow = getattr(pool, "size", lambda: 0)(), getattr(pool, "_max_overflow", 0)
            allowed += int(size) + max(0, int(overflow))
        in_use.add_metric([], used)
        limit.add_metric([], allowed)
        yield in_use
        yield limit


REGISTRY.register(_PoolCollector())


def exposition() -> bytes:
    """Return every metric this process keeps, as Prometheus text."""
    return generate_latest(REGISTRY)
