"""The list of HTTP routes the app serves beside Streamlit's own."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from course.services.session_cookies import HAND_OVER_PATH, SIGN_OUT_PATH
from course.web import health, metrics, sessions


def routes() -> list[BaseRoute]:
    """Return every route of the app, in the order Starlette should try them."""
    return [
        Route("/healthz", health.healthz, methods=["GET", "HEAD"]),
        Route(HAND_OVER_PATH, sessions.hand_over, methods=["GET"]),
        Route(SIGN_OUT_PATH, sessions.sign_out_route, methods=["GET", "POST"]),
        Route("/readyz", health.readyz, methods=["GET", "HEAD"]),
        Route(metrics.PATH, metrics.metrics_route, methods=["GET"]),
    ]
