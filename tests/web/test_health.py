"""Liveness answers from the route itself, not Streamlit's catch-all index page."""

from __future__ import annotations

from starlette.requests import Request

from course.web import health
from course.web.routes import routes


def test_healthz_says_ok_in_its_body() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/healthz", "headers": []})
    response = health.healthz(request)
    assert response.status_code == 200
    assert response.body == b"ok\n"
    assert response.headers["cache-control"] == "no-store"


def test_the_app_serves_healthz() -> None:
    assert "/healthz" in [getattr(route, "path", "") for route in routes()]


def test_the_app_serves_readyz() -> None:
    assert "/readyz" in [getattr(route, "path", "") for route in routes()]
