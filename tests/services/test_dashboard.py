"""The dashboard service: permissions and scope on the server, suppression, cache, export."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from course.domain.dashboard import TOTAL, Suppression
from course.domain.model import Choice, Course, CourseInfo, ItemMeta, Node, Scenario
from course.domain.permissions import Actor, Capability, Grants
from course.domain.records import (
    AnswerRecord,
    QuizAttemptRecord,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    ScenarioStepRecord,
    new_key,
)
from course.services import dashboard
from course.services.dashboard import DashboardCache, Filters
from course.services.permissions import PermissionDenied
from course.store import attempts, audit, people, scenario_runs
from course.store.engine import read_session, write_transaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=20)


def _course(min_group_size: int = 2) -> Course:
    meta = ItemMeta(
        id="s1", title="S1", roles=("all",), competencies=("crisis",), source="s1.md", version="v1"
    )
    info = CourseInfo(
        id="c",
        title="C",
        version="1",
        roles={"hr": "HR", "it": "IT"},
        competencies={"listening": "Listening", "crisis": "Crisis"},
        min_group_size=min_group_size,
    )
    return Course(info, {}, {}, {"s1": Scenario(meta, "start", {}, {})})


def _person(
    engine: Engine, email: str, department: str, grants: Grants, tracks: tuple[str, ...] = ("hr",)
) -> Actor:
    with write_transaction(engine) as session:
        person_id = people.add_person(
            session, email, name=email, department=department, tracks=tracks, grants=grants, now=T0
        )
    return Actor(person_id, email, grants)


LEARNER = Grants(frozenset({Capability.LEARNER}))


def _answer(
    engine: Engine, actor: Actor, question: str, competency: str, correct: bool, at: datetime = T0
) -> None:
    record = QuizAttemptRecord(
        new_key(),
        actor.person_id,
        "q1",
        "v1",
        at,
        at,
        (AnswerRecord(question, competency, (0,), correct, 3.0),),
        float(correct),
        correct,
    )
    with write_transaction(engine) as session:
        attempts.record_quiz_attempt(session, record, now=at)


def _finished_run(engine: Engine, actor: Actor, score: float) -> None:
    key = new_key()
    with write_transaction(engine) as session:
        scenario_runs.start_run(session, ScenarioRunStartRecord(key, actor.person_id, "s1", "v1", T0))
        scenario_runs.finish_run(
            session, ScenarioRunFinishRecord(new_key(), actor.person_id, key, "end", "good", score, T0)
        )


@pytest.fixture
def org(engine: Engine) -> dict[str, Actor]:
    """HR: two learners; IT: one; Ops ("@Ops", a formula-looking name): two; a leader and an admin."""
    actors = {
        "h1": _person(engine, "h1@x.org", "HR", LEARNER),
        "h2": _person(engine, "h2@x.org", "HR", LEARNER),
        "i1": _person(engine, "i1@x.org", "IT", LEARNER, ("it",)),
        "o1": _person(engine, "o1@x.org", "@Ops", LEARNER),
        "o2": _person(engine, "o2@x.org", "@Ops", LEARNER),
        "leader": _person(
            engine, "lead@x.org", "HR", Grants(frozenset({Capability.LEADER}), frozenset({"HR"}))
        ),
        "admin": _person(engine, "admin@x.org", "IT", Grants(frozenset({Capability.ADMIN}))),
    }
    _answer(engine, actors["h1"], "qa", "listening", True)  # (1+1)/(2+1) = 2/3
    _answer(engine, actors["h2"], "qa", "listening", False)  # 1/3
    _answer(engine, actors["i1"], "qa", "listening", True)  # 2/3
    _finished_run(engine, actors["i1"], 1.0)  # crisis (1+3)/(2+3) = 0.8
    _answer(engine, actors["o1"], "qa", "listening", True)
    _answer(engine, actors["o2"], "qa", "listening", True)
    return actors


def test_a_learner_is_refused_and_the_refusal_is_audited(engine: Engine, org: dict[str, Actor]) -> None:
    with pytest.raises(PermissionDenied):
        dashboard.get_dashboard(engine, org["h1"], _course(), now=NOW)
    with pytest.raises(PermissionDenied):
        dashboard.export_csv(engine, org["h1"], _course(), table="department", now=NOW)
    with read_session(engine) as session:
        denied = audit.list_events(session, kind="action_denied")
    assert [(e.target, e.actor) for e in denied] == [
        ("export_dashboard", "h1@x.org"),
        ("view_dashboard", "h1@x.org"),
    ]


def test_an_admin_sees_every_department_with_small_groups_hidden(
    engine: Engine, org: dict[str, Actor]
) -> None:
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    table = board.by_department
    hr = table.cell("HR", "listening")
    assert hr is not None and (hr.learners, hr.estimate, hr.evidence) == (2, pytest.approx(0.5), 2.0)
    it = table.cell("IT", "listening")
    assert it is not None and it.suppression is Suppression.SMALL_GROUP and it.learners is None
    # IT/listening alone would be recoverable from the listening total: a partner is hidden too.
    partners = [
        c for c in table.cells if c.column == "listening" and c.suppression is Suppression.COMPLEMENTARY
    ]
    assert len(partners) == 1
    total = next(c for c in table.column_totals if c.column == "listening")
    assert (total.learners, total.estimate) == (5, pytest.approx((2 / 3 * 4 + 1 / 3) / 5))
    assert board.headline.learners == 5 and board.headline.active_learners == 5
    assert board.headline.participation == 1.0
    assert "5 learners" in board.captions["headline"]
    assert "from 5 learners" in board.captions["department"]
    assert "from the same 5 learners" in board.captions["track"]
    assert "(5 learners per competency)" in board.captions["pre_post"]  # crisis (1 learner) is hidden
    assert all(caption for caption in board.captions.values())


def test_a_leader_sees_only_their_departments_whatever_they_ask_for(
    engine: Engine, org: dict[str, Actor]
) -> None:
    board = dashboard.get_dashboard(engine, org["leader"], _course(), now=NOW)
    assert {c.row for c in board.by_department.cells} == {"HR"}
    assert board.departments == ("HR",)
    assert board.headline.learners == 2
    forged = dashboard.get_dashboard(
        engine, org["leader"], _course(), filters=Filters(departments=("IT", "HR")), now=NOW
    )
    assert {c.row for c in forged.by_department.cells} == {"HR"}
    other = dashboard.get_dashboard(
        engine, org["leader"], _course(), filters=Filters(departments=("IT",)), now=NOW
    )
    assert other.by_department.cells == () and other.headline.score is None


def test_the_department_filter_lists_only_the_departments_in_scope(
    engine: Engine, org: dict[str, Actor]
) -> None:
    _person(engine, "chair@x.org", "Board", Grants(frozenset({Capability.LEADER})))  # no learner there
    assert dashboard.departments_in_scope(engine, org["admin"]) == ("@Ops", "HR", "IT")
    assert dashboard.departments_in_scope(engine, org["leader"]) == ("HR",)
    with pytest.raises(PermissionDenied):
        dashboard.departments_in_scope(engine, org["h1"])


def test_nothing_in_the_dashboard_names_a_person(engine: Engine, org: dict[str, Actor]) -> None:
    board = dashboard.get_dashboard(engine, org["admin"], _course(min_group_size=1), now=NOW)
    text = repr(board)
    assert not any(a.email in text for a in org.values())


def test_the_cache_hits_on_unchanged_data_and_misses_after_a_new_answer(
    engine: Engine, org: dict[str, Actor]
) -> None:
    cache = DashboardCache()
    first = dashboard.get_dashboard(engine, org["admin"], _course(), cache=cache, now=NOW)
    again = dashboard.get_dashboard(engine, org["admin"], _course(), cache=cache, now=NOW)
    assert again is first and (cache.hits, cache.misses) == (1, 1)
    # A leader's view is cached apart from the admin's.
    dashboard.get_dashboard(engine, org["leader"], _course(), cache=cache, now=NOW)
    assert cache.misses == 2
    _answer(engine, org["h2"], "qa", "listening", True, at=T0 + timedelta(days=1))
    fresh = dashboard.get_dashboard(engine, org["admin"], _course(), cache=cache, now=NOW)
    assert fresh is not first and cache.misses == 3
    hr = fresh.by_department.cell("HR", "listening")
    assert hr is not None and hr.estimate == pytest.approx(2 / 3)


def test_export_is_suppressed_neutralised_and_audited(engine: Engine, org: dict[str, Actor]) -> None:
    text = dashboard.export_csv(engine, org["admin"], _course(), table="department", now=NOW)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["department", "competency", "learners"]
    ops = next(r for r in rows if r[0] == "'@Ops")
    assert ops[1] == "listening"
    it = next(r for r in rows if r[0] == "IT" and r[1] == "listening")
    assert it[2:5] == ["", "", ""] and it[5].startswith("hidden")
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    for table in dashboard.EXPORTABLE:
        dashboard.export_csv(engine, org["admin"], _course(), table=table, now=NOW)
    with read_session(engine) as session:
        events = audit.list_events(session, kind="dashboard_exported", limit=50)
    assert len(events) == 1 + len(dashboard.EXPORTABLE)
    assert {e.actor for e in events} == {"admin@x.org"}
    with pytest.raises(ValueError, match="unknown table"):
        dashboard.export_csv(engine, org["admin"], _course(), table="people", now=NOW)


def test_completion_and_endings_show_counts_only(engine: Engine, org: dict[str, Actor]) -> None:
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    by_department = {c.department: c for c in board.completion}
    assert by_department["IT"].suppression is Suppression.SMALL_GROUP
    assert by_department["IT"].learners is None
    assert by_department["@Ops"].suppression is Suppression.COMPLEMENTARY  # the next smallest
    hr = by_department["HR"]
    # This course has no modules, so nothing is required: starting is completing.
    assert (hr.learners, hr.not_started, hr.in_progress, hr.completed) == (2, 0, 0, 2)
    assert by_department[TOTAL].learners == 5
    endings = {(e.department, e.ending_kind) for e in board.endings}
    assert endings == set()  # only IT finished a run: one learner, hidden with its total


def test_pre_post_total_and_trend_points(engine: Engine, org: dict[str, Actor]) -> None:
    _answer(engine, org["h2"], "qa", "listening", True, at=T0 + timedelta(days=8))
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    total = next(p for p in board.pre_post if p.row == TOTAL and p.column == "listening")
    # h2 moved from wrong (1/3) to right (2/3); everyone else's first is their latest.
    assert total.change == pytest.approx((2 / 3 - 1 / 3) / 5)
    weeks = {t.period for t in board.trend if t.department == "HR"}
    assert weeks == {"2026-03-02", "2026-03-09"}
    hidden_week = next(t for t in board.trend if t.department == "HR" and t.period == "2026-03-09")
    assert hidden_week.estimate is None  # one learner that week


def test_demo_seeding_runs_once_through_the_services_and_feeds_the_dashboard(
    engine: Engine, org: dict[str, Actor]
) -> None:
    from course.services.catalog import load
    from course.services.seed import has_learner_work, seed_demo_if_empty
    from course.settings import BUNDLED_ROOT

    course = load(BUNDLED_ROOT).course
    assert course is not None
    assert has_learner_work(engine)  # the fixture's answers count: nothing is seeded
    assert seed_demo_if_empty(engine, course, learners=2) is None
    with write_transaction(engine) as session:
        for actor in org.values():
            session.connection().execute(text("DELETE FROM person WHERE id = :id"), {"id": actor.person_id})
    assert not has_learner_work(engine)
    report = seed_demo_if_empty(engine, course, learners=2, seed=3)
    assert report is not None and report.people == 2 and report.attempts > 0
    admin = _person(engine, "boss@x.org", "Board", Grants(frozenset({Capability.ADMIN})))
    board = dashboard.get_dashboard(engine, admin, course)
    assert board.headline.active_learners is None  # two learners: below the minimum group


def test_trend_by_track_counts_a_learner_in_both_tracks_and_hides_small_groups(
    engine: Engine, org: dict[str, Actor]
) -> None:
    both = _person(engine, "b1@x.org", "IT", LEARNER, ("hr", "it"))
    _answer(engine, both, "qa", "listening", True)
    _answer(engine, org["h2"], "qa", "listening", True, at=T0 + timedelta(days=8))
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    points = {(t.period, t.department, t.competency): t for t in board.trend_by_track}
    # First week, hr: h1, h2, o1, o2 and b1, four of five right: (1 + 4) / (2 + 5).
    hr = points[("2026-03-02", "hr", "listening")]
    assert (hr.learners, hr.answers, hr.estimate) == (5, 5, pytest.approx(5 / 7))
    # it: i1 and b1, both right: (1 + 2) / (2 + 2); b1 counts in both tracks.
    it = points[("2026-03-02", "it", "listening")]
    assert (it.learners, it.answers, it.estimate) == (2, 2, pytest.approx(3 / 4))
    # Second week, hr: h2 alone, hidden like a department of one.
    alone = points[("2026-03-09", "hr", "listening")]
    assert alone.suppression is Suppression.SMALL_GROUP
    assert (alone.learners, alone.answers, alone.estimate) == (None, None, None)
    assert set(points) == {
        ("2026-03-02", "hr", "listening"),
        ("2026-03-02", "it", "listening"),
        ("2026-03-09", "hr", "listening"),
    }
    # The department trend is unchanged by tracks: IT is i1 and b1.
    by_department = {(t.period, t.department): t.learners for t in board.trend}
    assert by_department[("2026-03-02", "IT")] == 2 and by_department[("2026-03-02", "HR")] == 2
    assert "7 answers shown" in board.captions["trend_track"]
    rows = list(
        csv.reader(
            io.StringIO(dashboard.export_csv(engine, org["admin"], _course(), table="trend_track", now=NOW))
        )
    )
    assert rows[0] == ["period", "track", "competency", "learners", "answers", "estimate", "shown"]
    assert rows[1:] == [
        ["2026-03-02", "hr", "listening", "5", "5", "0.7143", "yes"],
        ["2026-03-02", "it", "listening", "2", "2", "0.7500", "yes"],
        ["2026-03-09", "hr", "listening", "", "", "", "hidden (small group)"],
    ]


def test_the_headline_compares_with_the_score_some_days_earlier(
    engine: Engine, org: dict[str, Actor]
) -> None:
    _answer(engine, org["h2"], "qa", "listening", True, at=T0 + timedelta(days=18))
    compare = Filters(previous_days=5)  # NOW - 5 days: after T0, before h2's second answer
    board = dashboard.get_dashboard(engine, org["admin"], _course(), filters=compare, now=NOW)
    it = (2 / 3 + 0.8) / 2  # i1: listening 2/3, crisis 0.8
    assert board.headline.score == pytest.approx((4 * 2 / 3 + it) / 5)
    assert board.headline.previous_score == pytest.approx((3 * 2 / 3 + 1 / 3 + it) / 5)
    assert board.headline.change == pytest.approx((2 / 3 - 1 / 3) / 5)
    before_anything = dashboard.get_dashboard(
        engine, org["admin"], _course(), filters=Filters(previous_days=30), now=NOW
    )
    assert before_anything.headline.previous_score is None and before_anything.headline.change is None
    with pytest.raises(ValueError, match="must not be negative"):
        dashboard.get_dashboard(engine, org["admin"], _course(), filters=Filters(previous_days=-1), now=NOW)


def test_a_choice_scored_below_the_best_at_its_node_is_a_wrong_turn(
    engine: Engine, org: dict[str, Actor]
) -> None:
    """At "start", choice 0 scores 3, choice 1 scores 1 and choice 2 scores 0: only 0 is no wrong turn."""
    choices = tuple(Choice(i, f"c{i}", "end", 1, score=s) for i, s in enumerate((3, 1, 0)))
    nodes = {"start": Node("start", "Start", 1, "", choices), "end": Node("end", "End", 2, "")}
    base = _course(min_group_size=1)
    course = Course(base.info, {}, {}, {"s1": replace(base.scenarios["s1"], nodes=nodes)})
    for name, index in (("h1", 0), ("h2", 1), ("i1", 2)):
        key = new_key()
        with write_transaction(engine) as session:
            scenario_runs.start_run(session, ScenarioRunStartRecord(key, org[name].person_id, "s1", "v1", T0))
            person = org[name].person_id
            score = choices[index].score
            step = ScenarioStepRecord(
                new_key(), person, "s1", "v1", key, 1, "start", index, "end", {}, score, 2.0
            )
            scenario_runs.record_step(session, step, now=T0)
    board = dashboard.get_dashboard(engine, org["admin"], course, now=NOW)
    flows = {(f.choice_index, f.choice_score, f.wrong) for f in board.flows if f.department == TOTAL}
    assert flows == {(0, 3, False), (1, 1, True), (2, 0, True)}


def test_negative_periods_are_refused(engine: Engine, org: dict[str, Actor]) -> None:
    for filters in (Filters(previous_days=-1), Filters(overdue_days=-1)):
        with pytest.raises(ValueError, match="must not be negative"):
            dashboard.get_dashboard(engine, org["admin"], _course(), filters=filters, now=NOW)
