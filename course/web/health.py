"""Liveness and readiness: does this process answer, and can it serve learners right now.

Streamlit answers unknown paths with its index page and status 200, so both answers carry a
body that says what they mean, and neither may be cached by a proxy.
"""

from __future__ import annotations

import threading

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from course.services.health import ReadinessProbe
from course.settings import SettingsError, load_settings

_NO_STORE = {"Cache-Control": "no-store"}
_probe: ReadinessProbe | None = None
_probe_lock = threading.Lock()


def healthz(request: Request) -> PlainTextResponse:
    """Answer that the process is alive; says nothing of the database (that is readiness)."""
    return PlainTextResponse("ok\n", headers=_NO_STORE)


def _shared_probe() -> ReadinessProbe:
    global _probe
    with _probe_lock:
        if _probe is None:
            _probe = ReadinessProbe(load_settings())
        return _probe


def readyz(request: Request) -> PlainTextResponse:
    """Answer 200 "ready", or 503 with one line saying why this process cannot serve now.

    A plain (not async) function: Starlette runs it in its thread pool, so a slow database
    never blocks the event loop that serves every other request.
    """
    try:
        result = _shared_probe().check()
    except SettingsError as error:
        return PlainTextResponse(f"not ready: settings: {error}\n", status_code=503, headers=_NO_STORE)
    if result.ready:
        return PlainTextResponse("ready\n", headers=_NO_STORE)
    return PlainTextResponse(f"not ready: {result.reason}\n", status_code=503, headers=_NO_STORE)
