"""Liveness: does this process answer HTTP at all (Streamlit answers unknown paths with 200)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse


def healthz(request: Request) -> PlainTextResponse:
    """Answer that the process is alive; says nothing of the database (that is readiness)."""
    return PlainTextResponse("ok\n", headers={"Cache-Control": "no-store"})
