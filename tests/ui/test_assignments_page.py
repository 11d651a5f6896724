"""The assignments page and the learner's due list, through Streamlit's AppTest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from course.domain.permissions import Page
from course.services import demo
from course.services.database import Engine
from course.services.permissions import list_audit_events
from course.settings import load_settings
from course.store import people
from course.store.engine import write_transaction
from course.ui.links import PAGES
from tests.bundled import BUNDLED_INFO
from tests.ui.conftest import AppFactory
from tests.ui.hostile_text import seen

ADMIN = "admin@demo.needtoshare.invalid"
LEGAL_TRACK = f"{BUNDLED_INFO.roles['legal']} track"


def _open(at: AppTest) -> AppTest:
    at.switch_page(PAGES[Page.ADMIN_ASSIGNMENTS].script).run()
    assert not at.exception, at.exception
    return at


def _assign_legal(at: AppTest, *, departments: list[str], due_in_days: int) -> AppTest:
    at.selectbox(key="assign-target").set_value("legal")
    at.multiselect(key="assign-departments").set_value(departments)
    at.date_input(key="assign-due").set_value(datetime.now(UTC).date() + timedelta(days=due_in_days))
    at.button(key="assign-submit").click().run()
    assert not at.exception, at.exception
    return at


def test_the_admin_assigns_the_legal_track_and_sees_the_counts(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    at = _open(app(as_demo="admin"))
    assert [t.value for t in at.title] == ["Assignments"] and not at.error
    assert "Nothing is assigned yet." in [i.value for i in at.info]
    at = _assign_legal(at, departments=["Legal"], due_in_days=14)
    assert not at.error, [e.value for e in at.error]
    assert any("Assigned to 1 people" in s.value for s in at.success)
    at = _open(at)
    (row,) = at.dataframe[0].value.to_dict("records")
    assert (row["What"], row["Who"], row["Enrolled"], row["Done"], row["Overdue"]) == (
        LEGAL_TRACK, "department Legal", 1, 0, 0)
    at.button(key="assign-end").click().run()
    assert any("Ended" in s.value for s in at.success)
    engine = database()
    signed = demo.demo_sign_in(engine, ADMIN, settings=load_settings(), info=BUNDLED_INFO)
    assert signed.actor is not None
    kinds = {e.kind for e in list_audit_events(engine, signed.actor, limit=100)}
    assert {"assignment_created", "assignment_ended"} <= kinds


def test_the_learner_sees_what_is_due_with_a_link(app: AppFactory) -> None:
    _assign_legal(_open(app(as_demo="admin")), departments=["Legal"], due_in_days=10)
    at = app(as_demo="legal.learner")
    headers = [h.value for h in at.header]
    assert headers.index("Assigned to you") < headers.index("Your path")
    captions = [seen(c.value) for c in at.caption]
    assert any(c.startswith("Due · due ") and "not started" in c for c in captions), captions
    assert any(seen(m.value).endswith(f"**{LEGAL_TRACK}**") for m in at.markdown)


def test_a_leader_opens_the_page_and_a_rule_that_picks_nobody_is_refused(app: AppFactory) -> None:
    at = _open(app(as_demo="leader"))
    assert [t.value for t in at.title] == ["Assignments"]
    at = _assign_legal(at, departments=[], due_in_days=10)
    assert at.error  # nothing chosen: refused with a reason
    assert "Nothing is assigned yet." in [i.value for i in _open(at).info]


def test_a_manager_sees_their_reports_by_name_and_a_learner_without_reports_is_refused(
    app: AppFactory, database: Callable[[], Engine]
) -> None:
    _assign_legal(_open(app(as_demo="admin")), departments=["Legal"], due_in_days=14)
    engine = database()
    with write_transaction(engine) as session:
        leader = people.find_person_id(session, "leader@demo.needtoshare.invalid")
        learner = people.find_person_id(session, "legal.learner@demo.needtoshare.invalid")
        assert leader is not None and learner is not None
        people.set_managers(session, [(learner, leader)], now=datetime.now(UTC))
    manager = app(as_demo="leader")
    manager.switch_page(PAGES[Page.MY_TEAM].script).run()
    assert not manager.exception and not manager.error, manager.error
    assert [t.value for t in manager.title] == ["My team"]
    shown = [m.value for m in manager.markdown]
    assert "1 person reports to you · 1 assignment: 0 overdue, 1 due, 0 done" in shown
    name = f"{BUNDLED_INFO.roles['legal']} learner (demo)"
    assert any(name in seen(text) for text in shown), shown
    assert any(f"{LEGAL_TRACK}: due" in seen(text) and "not started" in text for text in shown), shown
    manager.selectbox(key="team-person").set_value(learner).run()
    assert not manager.error and any(name in seen(m.value) for m in manager.markdown)
    refused = app(as_demo="legal.learner")
    refused.switch_page(PAGES[Page.MY_TEAM].script).run()
    assert [e.value for e in refused.error] == ["You do not have access to this page."]
