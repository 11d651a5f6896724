"""The list of HTTP routes the app serves beside Streamlit's own."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from course.web import health


def routes() -> list[BaseRoute]:
    """Return every route of the app, in the order Starlette should try them."""
    return [
        Route("/healthz", health.healthz, methods=["GET", "HEAD"]),
        Route("/readyz", health.readyz, methods=["GET", "HEAD"]),
    ]
