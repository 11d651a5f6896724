"""learner_page: the module and scenario pages served by `streamlit run`, driven over websocket.

Sessions speak Streamlit's own protocol from this process (bench/stclient.py) to a server on
127.0.0.1 running the real app.py in demo mode on a temporary database; each signs in as the
demo legal learner. Anchor: bench/apps/anchor.py, a one-button page, served and driven the same
way in the same run. Targets: the median rerun of the module and scenario pages within 2x of the
anchor's; with 50 sessions thinking 5 s +/- 50%, p95 rerun latency under 500 ms with no error;
server memory per connected session under 1 MB.
"""

from __future__ import annotations

import statistics
import tempfile
from typing import Any

from bench.load import ANCHOR_APP, ROOT, Scenario, Step, drive, start_server
from bench.stclient import RunResult, StreamlitClient

NAME = "learner_page"
RATIO_TARGET = 2.0
P95_TARGET_MS = 500.0
MEMORY_TARGET_BYTES = 1_000_000
MODULE_ID = "conversation-not-broadcast"
SCENARIO_ID = "viral-video"


def _open_page(client: StreamlitClient, page: str, item_id: str) -> RunResult:
    client.query_string = f"id={item_id}"
    return client.navigate(page)


def _sign_in(client: StreamlitClient, _: int) -> RunResult:
    return client.click("Demo: Learner on the Legal & compliance track")


def _start_scenario(client: StreamlitClient, _: int) -> RunResult:
    result = _open_page(client, "scenario", SCENARIO_ID)
    labels = {w.label for w in result.widgets()} | {w.label for w in client.widgets()}
    if "Start the scenario" in labels:
        return client.click("Start the scenario")
    return result


SIGN_IN = Step("sign in", _sign_in)
MODULE = Step("module", lambda c, _: _open_page(c, "module", MODULE_ID))
SCENARIO = Step("scenario", lambda c, _: _open_page(c, "scenario", SCENARIO_ID))
START = Step("start scenario", _start_scenario)


def _median_rerun(url: str, setup: list[Step], reruns: int) -> float:
    """Return the median latency (s) of plain reruns of the page the setup leaves a session on."""
    with StreamlitClient(url, timeout=60) as client:
        client.open()
        for step in setup:
            step.action(client, 0)
        for _ in range(3):
            client.rerun()
        samples = []
        for _ in range(reruns):
            result = client.rerun()
            if not result.ok or result.exceptions:
                raise RuntimeError(f"the page failed while measured: {result.exceptions or result.status}")
            samples.append(result.latency_s)
    return statistics.median(samples)


def run(*, quick: bool) -> dict[str, Any]:
    """Measure the pages against the anchor, then the app under many thinking sessions."""
    reruns = 20 if quick else 60
    sessions, duration = (15, 12.0) if quick else (50, 40.0)
    with tempfile.TemporaryDirectory() as data:
        env = {"NTS_DEMO": "1", "NTS_DATA_DIR": data, "DATABASE_URL": ""}
        with start_server(ANCHOR_APP, cwd=ROOT) as anchor_server:
            anchor = _median_rerun(anchor_server.url, [], reruns)
        with start_server(ROOT / "app.py", env=env, cwd=ROOT) as server:
            module = _median_rerun(server.url, [SIGN_IN, MODULE], reruns)
            scenario = _median_rerun(server.url, [SIGN_IN, START], reruns)
            plan = Scenario(steps=(MODULE, SCENARIO), setup=(SIGN_IN, START), name="learner")
            report = drive(server.url, plan, sessions, duration, think_s=5.0, think_jitter=0.5,
                           pid=server.pid, ramp_s=5.0)
    figures = report.as_dict()
    ratio = max(module, scenario) / anchor
    p95 = report.p95_ms or 0.0
    per_session = report.per_session_bytes or 0.0
    ok = (ratio <= RATIO_TARGET and p95 < P95_TARGET_MS and report.app_errors == 0
          and report.failures == 0 and per_session < MEMORY_TARGET_BYTES)
    return {
        "value": round(max(module, scenario) * 1000, 1),
        "anchor": round(anchor * 1000, 1),
        "ratio": round(ratio, 2),
        "target": f"<= {RATIO_TARGET}x anchor; p95 < {P95_TARGET_MS:.0f} ms with {sessions} sessions; "
                  "< 1 MB per session; no error",
        "unit": "ms",
        "pass": ok,
        "module_median_ms": round(module * 1000, 1),
        "scenario_median_ms": round(scenario * 1000, 1),
        "sessions": sessions,
        "reruns": report.reruns,
        "p95_ms": round(p95, 1),
        "app_errors": report.app_errors,
        "failures": report.failures,
        "kib_per_session": round(per_session / 1024, 1),
        "server_rss_mib": figures.get("rss_after_mib"),
    }
