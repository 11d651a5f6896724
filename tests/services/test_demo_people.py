"""Demo people and the demo organisation follow whatever course is served."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from course.content.manifest import parse_manifest
from course.domain.permissions import Capability, Grants
from course.services import demo, seed
from course.services.catalog import load
from course.settings import load_settings
from course.store import people
from course.store.engine import Engine, read_session, write_transaction
from tests.bundled import BUNDLED_INFO, TEST_COURSE_INFO
from tests.conftest import TreeWriter

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEMO_ON = load_settings({"NTS_DEMO": "1"})

HOSPITAL = """\
id: ward-talk
title: Ward talk
version: "1"
roles:
  board: Board members
  clinical-lead: Clinical leads
competencies:
  candour: Candour
"""


def test_every_role_gets_a_learner_named_after_its_track_and_the_staff_follow() -> None:
    info = parse_manifest(HOSPITAL).item
    assert info is not None
    people_ = demo.demo_people(info)
    assert [p.local for p in people_] == ["board.learner", "clinical-lead.learner",
                                         "leader", "trainer", "admin"]
    board = people_[0]
    assert (board.name, board.tracks, board.department) == ("Board members learner (demo)", ("board",),
                                                             "Board members")
    assert board.label == "Learner on the Board members track"
    assert board.capabilities == frozenset({Capability.LEARNER})
    leader = people_[2]
    # Without a `demo:` section the leader sits in the first role's department.
    assert (leader.department, leader.tracks) == ("Board members", ("board",))
    assert leader.capabilities == frozenset({Capability.LEADER, Capability.LEARNER})


def test_the_bundled_demo_keeps_the_emails_and_places_it_always_had() -> None:
    by_local = {p.local: p for p in demo.demo_people(BUNDLED_INFO)}
    assert set(by_local) == {"legal.learner", "hr.learner", "it.learner", "leadership.learner",
                             "leader", "trainer", "admin"}
    assert by_local["leader"].department == "Leadership"
    assert by_local["leader"].tracks == ("leadership",)
    # A learner sits in the first demo department that follows their track.
    assert by_local["leadership.learner"].department == "Communications"


def test_without_a_course_only_trainer_and_administrator_are_offered() -> None:
    assert [p.local for p in demo.demo_people(None)] == ["trainer", "admin"]


def test_existing_demo_people_are_matched_by_email_and_left_as_they_are(engine: Engine) -> None:
    email = f"legal.learner@{demo.DEMO_DOMAIN}"
    with write_transaction(engine) as session:
        people.add_person(session, email, name="An earlier name", department="Old",
                          tracks=("legal",), grants=Grants(frozenset({Capability.LEARNER})), now=WHEN)
    added = demo.ensure_demo_organisation(engine, DEMO_ON, info=TEST_COURSE_INFO, now=WHEN)
    assert added == len(demo.demo_people(TEST_COURSE_INFO)) - 1
    with read_session(engine) as session:
        kept = people.get_person(session, people.find_person_id(session, email) or 0)
    assert kept is not None and kept.name == "An earlier name"
    assert demo.ensure_demo_organisation(engine, DEMO_ON, info=TEST_COURSE_INFO, now=WHEN) == 0


def test_a_demo_learner_of_a_role_the_course_does_not_have_cannot_sign_in(engine: Engine) -> None:
    demo.ensure_demo_organisation(engine, DEMO_ON, info=BUNDLED_INFO, now=WHEN)
    it_learner = f"it.learner@{demo.DEMO_DOMAIN}"  # exists in the database, not in the test course
    assert demo.demo_sign_in(engine, it_learner, settings=DEMO_ON, info=BUNDLED_INFO).actor is not None
    with pytest.raises(demo.DemoUnavailable):
        demo.demo_sign_in(engine, it_learner, settings=DEMO_ON, info=TEST_COURSE_INFO)
    with pytest.raises(demo.DemoUnavailable):
        demo.demo_sign_in(engine, it_learner, settings=load_settings({}), info=BUNDLED_INFO)


def test_the_synthetic_organisation_has_one_department_per_role_without_a_demo_section(
    engine: Engine, write_tree: TreeWriter
) -> None:
    course = load(write_tree()).course
    assert course is not None and not course.info.demo_departments
    seed.seed_bulk(engine, course, learners=40, answers=40, seed=2)
    assert _roster(engine) == {("Legal", "legal"), ("HR", "hr")}


def test_the_synthetic_organisation_follows_the_demo_section(engine: Engine, write_tree: TreeWriter) -> None:
    root: Path = write_tree({"course.yaml": TEST_MANIFEST_WITH_DEMO})
    loaded = load(root)
    assert loaded.course is not None, loaded.diagnostics
    seed.seed_bulk(engine, loaded.course, learners=60, answers=60, seed=2)
    assert _roster(engine) == {("Counsel", "legal"), ("People and payroll", "hr;legal")}


TEST_MANIFEST_WITH_DEMO = """\
id: test-course
title: Test course
version: 1.0.0
roles:
  legal: Legal
  hr: HR
competencies:
  crisis: Crisis response
  listening: Listening
demo:
  departments:
    - {name: Counsel, share: 1, tracks: [legal], skill: 80}
    - {name: People and payroll, share: 3, tracks: [hr, legal]}
"""


def _roster(engine: Engine) -> set[tuple[str, str]]:
    with read_session(engine) as session:
        rows = session.connection().execute(text("SELECT department, tracks FROM person")).all()
    return {(str(d), str(t)) for d, t in rows}
