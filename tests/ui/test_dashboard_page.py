"""The literacy dashboard page: leaders see suppressed aggregates, nobody else gets in."""

from __future__ import annotations

from course.content.loader import load_course
from course.domain.permissions import Page
from course.services.database import close_database, open_database
from course.services.seed import SEED_DOMAIN, seed_demo
from course.settings import BUNDLED_ROOT, load_settings
from course.ui.links import PAGES
from tests.ui.conftest import AppFactory

DASHBOARD = PAGES[Page.DASHBOARD][0]


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
    for kind in ("markdown", "caption", "title", "subheader", "metric", "dataframe", "info", "warning"):
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
    assert "Competency by department" in [s.value for s in at.subheader]
    text = _all_text(at)
    assert SEED_DOMAIN not in text and "Learner 0" not in text  # no names, no addresses


def test_learners_and_trainers_are_refused(app: AppFactory) -> None:
    for person in ("legal.learner", "trainer"):
        at = app(as_demo=person)
        at.switch_page(DASHBOARD).run()
        assert [e.value for e in at.error] == ["You do not have access to this page."]
        assert not at.metric
