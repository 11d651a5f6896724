"""The literacy dashboard page: leaders see suppressed aggregates, nobody else gets in."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from course.content.loader import load_course
from course.domain.dashboard import TOTAL
from course.domain.permissions import Actor, Capability, Grants, Page
from course.services.dashboard import get_dashboard
from course.services.dashboard.summary import FirstScreen, first_screen, percent
from course.services.database import close_database, open_database
from course.services.org_settings import get_dashboard_settings
from course.services.seed import SEED_DOMAIN, seed_bulk, seed_demo
from course.settings import BUNDLED_ROOT, load_settings
from course.store import people
from course.store.engine import read_session
from course.ui.links import PAGES
from tests.bundled import BUNDLED_DEMO_PEOPLE
from tests.ui.conftest import AppFactory

DASHBOARD = PAGES[Page.DASHBOARD].script
FIRST_SCREEN = ("Status by department", "What to train next")
TABS = ("By department", "By track and level", "Before and after", "Trend", "Completion", "Decisions",
        "Weakest questions", "Downloads")


def _seed(learners: int) -> None:
    engine = open_database(load_settings())
    try:
        course = load_course(BUNDLED_ROOT).course
        assert course is not None
        seed_demo(engine, course, learners=learners, seed=3, weeks=4)
    finally:
        close_database(engine)


def _seed_fast(learners: int, answers: int) -> None:
    """Write learners and answers straight into the tables (seconds, where `_seed` takes minutes)."""
    engine = open_database(load_settings())
    try:
        course = load_course(BUNDLED_ROOT).course
        assert course is not None
        seed_bulk(engine, course, learners=learners, answers=answers, seed=3)
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
    assert [m.label for m in at.metric] == ["Literacy score", "Participation", "Target"]
    assert [t.label for t in at.tabs] == list(TABS)
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
    at = app(as_demo="leader", learners=90)  # enough for reporting cells of five in most departments
    at.switch_page(DASHBOARD).run()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == list(TABS)
    for kind in ("heatmap", "bar", "scatter", "sankey"):
        assert _traces(at, kind), kind
    at.radio(key="trend-by").set_value("track").run()
    assert not at.exception, at.exception
    assert _traces(at, "scatter")


def test_the_all_departments_flow_counts_each_learner_once(
        app: AppFactory, database: Callable[[], Engine]) -> None:
    at = app(as_demo="admin", learners=90)
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
    assert any("Every group in this view has fewer than" in i.value for i in at.info)  # words, no empty box
    assert not _traces(at, "heatmap") and any("no cell can be shown" in i.value for i in at.info)


def _overdue_total(at: AppTest) -> str:
    tables = [d.value for d in at.dataframe if "Overdue" in d.value.columns]
    assert len(tables) == 1
    table = tables[0]
    return str(table[table["Department"] == "All departments"]["Overdue"].iloc[0])


def test_the_overdue_threshold_is_the_leaders_to_choose(app: AppFactory) -> None:
    at = app(as_demo="admin", learners=90)  # learners joined about five weeks ago
    at.switch_page(DASHBOARD).run()
    assert int(_overdue_total(at)) > 0
    next(n for n in at.number_input if n.label.startswith("Overdue after")).set_value(365).run()
    assert not at.exception, at.exception
    assert _overdue_total(at) == "0"
    assert any("longer than 365 days" in c.value for c in at.caption)


def _leader_board(database: Callable[[], Engine]) -> FirstScreen:
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    engine = database()
    with read_session(engine) as session:
        person = people.find_person(session, _LEADER)
    assert person is not None
    board = get_dashboard(engine, Actor(person.id, person.email, person.grants), course)
    return first_screen(course, board, target=get_dashboard_settings(engine).target, previous_days=30)


_LEADER = next(p.email for p in BUNDLED_DEMO_PEOPLE if Capability.LEADER in p.capabilities)


def test_the_first_screen_gives_each_department_a_status_in_words(
        app: AppFactory, database: Callable[[], Engine]) -> None:
    at = app(as_demo="leader")
    _seed_fast(120, 6000)
    at.switch_page(DASHBOARD).run()
    assert not at.exception, at.exception
    screen = _leader_board(database)
    assert at.metric[0].value == percent(screen.score) and at.metric[2].value == "70%"
    assert [s.value for s in at.header if s.value in FIRST_SCREEN] == list(FIRST_SCREEN)
    text = _all_text(at)
    assert screen.departments
    for department in screen.departments:
        assert f"{department.status.value}]" in text, department  # the words inside the coloured badge
    assert screen.train_next
    links = [link.proto.page for link in at.get("page_link")]
    assert len(links) == len(screen.train_next)
    for item in screen.train_next:
        assert f"**{item.title}**: {percent(item.score)}" in text


def test_every_heatmap_and_the_trend_have_their_values_as_a_table(app: AppFactory) -> None:
    """A chart's text alternative (WCAG 1.1.1): the same figures as a table beside it."""
    at = app(as_demo="leader")
    _seed_fast(120, 6000)
    at.switch_page(DASHBOARD).run()
    assert not at.exception, at.exception
    tabled = [e for e in at.expander if e.label == "As a table"]
    assert len(tabled) >= 3  # by department, by track (and level), over time
    columns = [list(e.dataframe[0].value.columns) for e in tabled if e.dataframe]
    assert ["Department" in c for c in columns].count(True) >= 2  # the department grid and the trend
    assert any("Track" in c for c in columns)


def test_a_train_next_link_opens_the_competency_drill_down(app: AppFactory) -> None:
    at = app(as_demo="leader")
    _seed_fast(60, 2000)
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    competency = next(iter(course.info.competencies))
    at.query_params["competency"] = competency
    at.switch_page(DASHBOARD).run()
    assert not at.exception, at.exception
    chosen = next(m for m in at.multiselect if m.label == "Competencies")
    assert chosen.value == [competency]


def test_the_downloads_are_one_button_each_with_the_pages_names(app: AppFactory) -> None:
    at = app(as_demo="leader")
    _seed_fast(120, 6000)
    at.switch_page(DASHBOARD).run()
    assert not at.exception, at.exception
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels[0] == "Board report (PDF)" and "All tables (ZIP, for analysts)" in labels
    for title in ("Literacy score by department and competency (CSV)", "Completion (CSV)",
                  "Weakest questions (CSV)", "Status by department (CSV)"):
        assert title in labels
    assert not [b for b in at.button if b.label.startswith(("Prepare", "Render"))]  # no two-step buttons
    completion = next(d.value for d in at.dataframe if "Overdue" in d.value.columns)
    assert list(completion.columns) == ["Department", "Learners", "Not started", "In progress", "Completed",
                                        "Overdue"]


def test_only_an_administrator_sets_the_target(app: AppFactory, database: Callable[[], Engine]) -> None:
    leader = app(as_demo="leader")
    leader.switch_page(DASHBOARD).run()
    assert not [n for n in leader.number_input if n.label == "Target literacy score (%)"]
    at = app(as_demo="admin")
    at.switch_page(DASHBOARD).run()
    next(n for n in at.number_input if n.label == "Target literacy score (%)").set_value(85)
    next(b for b in at.button if b.label == "Save target").click().run()
    assert not at.exception, at.exception
    assert get_dashboard_settings(database()).target == 85
    assert at.metric[2].value == "85%"


def _headline_for(change: int | None) -> Any:
    def draw(change: int | None) -> None:
        from course.services.dashboard.summary import FirstScreen
        from course.ui.executive_view import headline

        headline(FirstScreen(0.7, change, 30, 10, 20, 0.5, 70, (), (), 5), lambda: b"%PDF", file_name="r.pdf")

    at = AppTest.from_function(draw, args=(change,)).run()
    assert not at.exception, at.exception
    return next(m for m in at.metric if m.label == "Literacy score").proto


def test_no_change_is_grey_without_an_arrow_and_a_rise_is_coloured() -> None:
    nothing, rise, unknown = (_headline_for(change) for change in (0, 3, None))
    assert (nothing.delta, nothing.color, nothing.direction) == ("No change", Metric.GRAY, Metric.NONE)
    assert (rise.delta, rise.color, rise.direction) == ("+3 points", Metric.GREEN, Metric.UP)
    assert unknown.delta == ""
