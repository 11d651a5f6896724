"""The literacy dashboard page: leaders see suppressed aggregates, nobody else gets in."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from course.content.loader import load_course
from course.domain.dashboard import TOTAL
from course.domain.permissions import Actor, Capability, Grants, Page
from course.services.dashboard import get_dashboard
from course.services.database import close_database, open_database
from course.services.seed import SEED_DOMAIN, seed_demo
from course.settings import BUNDLED_ROOT, load_settings
from course.ui.links import PAGES
from tests.ui.conftest import AppFactory

DASHBOARD = PAGES[Page.DASHBOARD].script


def _seed(learners: int) -> None:
    engine = open_database(load_settings())
    try:
        course = load_course(BUNDLED_ROOT).course
        assert course is not None
        seed_demo(engine, course, learners=learners, seed=3, weeks=4)
    finally:
        close_database(engine)


def _all_text(at: object) -> str:
    parts = []
    kinds = ("markdown", "caption", "title", "header", "subheader", "metric", "dataframe", "info", "warning")
    for kind in kinds:
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
    return "\n".join(parts)


def test_a_leader_sees_the_dashboard_without_any_person(app: AppFactory) -> None:
    at = app(as_demo="leader")
    _seed(16)
    at.switch_page(DASHBOARD).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Literacy dashboard"]
    assert [m.label for m in at.metric] == ["Organisation literacy", "Learners", "Participation"]
    assert "Competency by department" in [s.value for s in at.header]
    text = _all_text(at)
    assert SEED_DOMAIN not in text and "Learner 0" not in text  # no names, no addresses


def test_learners_and_trainers_are_refused(app: AppFactory) -> None:
    for person in ("legal.learner", "trainer"):
        at = app(as_demo=person)
        at.switch_page(DASHBOARD).run()
        assert [e.value for e in at.error] == ["You do not have access to this page."]
        assert not at.metric



def _charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _traces(at: AppTest, kind: str) -> list[dict[str, Any]]:
    return [t for chart in _charts(at) for t in chart["data"] if t["type"] == kind]


def test_every_section_is_drawn_with_a_chart(app: AppFactory) -> None:
    at = app(as_demo="leader")
    _seed(90)  # enough learners for reporting cells of five in most departments
    at.switch_page(DASHBOARD).run()
    assert not at.exception, at.exception
    subheaders = [s.value for s in at.header]
    for section in ("Competency by department", "What to train next", "Before and after training", "Trend",
                    "Completion", "Scenario decisions", "Weakest questions", "Exports"):
        assert section in subheaders
    for kind in ("heatmap", "bar", "scatter", "sankey"):
        assert _traces(at, kind), kind
    at.radio(key="trend-by").set_value("track").run()
    assert not at.exception, at.exception
    assert _traces(at, "scatter")


def test_the_all_departments_flow_counts_each_learner_once(
        app: AppFactory, database: Callable[[], Engine]) -> None:
    at = app(as_demo="admin")
    _seed(90)
    at.switch_page(DASHBOARD).run()
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    admin = Actor(0, "admin@example.org", Grants(frozenset({Capability.ADMIN})))
    board = get_dashboard(database(), admin, course)
    chosen = next(s.value for s in at.selectbox if s.label == "Scenario")
    expected = sum(f.learners for f in board.flows if f.scenario_id == chosen and f.department == TOTAL)
    (sankey,) = _traces(at, "sankey")
    assert expected > 0 and sum(sankey["link"]["value"]) == expected


def test_a_period_that_ends_before_it_starts_is_refused(app: AppFactory) -> None:
    at = app(as_demo="leader")
    at.switch_page(DASHBOARD).run()
    at.date_input[0].set_value(date(2026, 6, 2))
    at.date_input[1].set_value(date(2026, 6, 1)).run()
    assert not at.exception, at.exception
    assert any("'From' is after 'Until'" in e.value for e in at.error)


def test_a_period_narrows_the_evidence(app: AppFactory) -> None:
    at = app(as_demo="leader")
    _seed(24)
    at.switch_page(DASHBOARD).run()
    everything = at.metric[1].value
    at.date_input[1].set_value(date(2020, 1, 1)).run()
    assert not at.exception, at.exception
    assert everything != "–" and at.metric[1].value == "–"  # no evidence before 2020


@pytest.mark.usefixtures("chromium_path")
def test_a_chart_is_offered_as_png(app: AppFactory) -> None:
    at = app(as_demo="leader")
    _seed(12)
    at.switch_page(DASHBOARD).run()
    next(b for b in at.button if b.label == "Render PNG").click().run()
    assert not at.exception, at.exception
    labels = [d.proto.label for d in at.get("download_button")]
    assert any(label.startswith("Download ") and label.endswith(".png") for label in labels)


def _overdue_total(at: AppTest) -> str:
    tables = [d.value for d in at.dataframe if "Overdue" in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    return str(table[table["Department"] == TOTAL]["Overdue"].iloc[0])


def test_the_overdue_threshold_is_the_leaders_to_choose(app: AppFactory) -> None:
    at = app(as_demo="admin")
    _seed(90)  # learners joined the roster about five weeks ago; cells of five in most departments
    at.switch_page(DASHBOARD).run()
    assert int(_overdue_total(at)) > 0
    at.number_input[0].set_value(365).run()
    assert not at.exception, at.exception
    assert _overdue_total(at) == "0"
    assert any("longer than 365 days" in c.value for c in at.caption)
