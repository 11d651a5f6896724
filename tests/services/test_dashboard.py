"""The dashboard service: permissions and scope on the server, suppression, cache, export."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from course.domain.dashboard import TOTAL, Suppression
from course.domain.model import Choice, Course, CourseInfo, ItemMeta, Node, Scenario
from course.domain.org_settings import LEADER_FILTERS
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
from course.services.org_settings import update_privacy
from course.services.permissions import PermissionDenied
from course.store import attempts, audit, people, placement, scenario_runs
from course.store.engine import read_session, write_transaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=20)


def _course() -> Course:
    meta = ItemMeta(
        id="s1", title="S1", roles=("all",), competencies=("crisis",), source="s1.md", version="v1"
    )
    info = CourseInfo(
        id="c",
        title="C",
        version="1",
        roles={"hr": "HR", "it": "IT"},
        competencies={"listening": "Listening", "crisis": "Crisis"},
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
    """HR: three learners; IT: one; Ops ("@Ops", a formula-looking name): three; a leader, an admin.

    The organisation's minimum group is set to 3, the lowest an administrator may choose.
    """
    actors = {
        "h1": _person(engine, "h1@x.org", "HR", LEARNER),
        "h2": _person(engine, "h2@x.org", "HR", LEARNER),
        "h3": _person(engine, "h3@x.org", "HR", LEARNER),
        "i1": _person(engine, "i1@x.org", "IT", LEARNER, ("it",)),
        "o1": _person(engine, "o1@x.org", "@Ops", LEARNER),
        "o2": _person(engine, "o2@x.org", "@Ops", LEARNER),
        "o3": _person(engine, "o3@x.org", "@Ops", LEARNER),
        "leader": _person(
            engine, "lead@x.org", "HR", Grants(frozenset({Capability.LEADER}), frozenset({"HR"}))
        ),
        "admin": _person(engine, "admin@x.org", "IT", Grants(frozenset({Capability.ADMIN}))),
    }
    _answer(engine, actors["h1"], "qa", "listening", True)  # (1+1)/(2+1) = 2/3
    _answer(engine, actors["h2"], "qa", "listening", False)  # 1/3
    _answer(engine, actors["h3"], "qa", "listening", True)
    _answer(engine, actors["i1"], "qa", "listening", True)  # 2/3
    _finished_run(engine, actors["i1"], 1.0)  # crisis (1+3)/(2+3) = 0.8
    _answer(engine, actors["o1"], "qa", "listening", True)
    _answer(engine, actors["o2"], "qa", "listening", True)
    _answer(engine, actors["o3"], "qa", "listening", True)
    update_privacy(engine, actors["admin"], min_group_size=3, leader_filters=LEADER_FILTERS, now=T0)
    return actors


def test_a_learner_is_refused_and_the_refusal_is_audited(engine: Engine, org: dict[str, Actor]) -> None:
    with pytest.raises(PermissionDenied):
        dashboard.get_dashboard(engine, org["h1"], _course(), now=NOW)
    with pytest.raises(PermissionDenied):
        dashboard.export_table(engine, org["h1"], _course(), table="department", now=NOW)
    with read_session(engine) as session:
        denied = audit.list_events(session, kind="action_denied")
    assert [(e.target, e.actor) for e in denied] == [
        ("export_dashboard", "h1@x.org"),
        ("view_dashboard", "h1@x.org"),
    ]


def test_an_admin_sees_every_department_with_small_reporting_cells_withheld(
    engine: Engine, org: dict[str, Actor]
) -> None:
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    table = board.by_department
    hr = table.cell("HR", "listening")
    assert hr is not None and (hr.learners, hr.estimate, hr.evidence) == (3, pytest.approx(5 / 9), 3.0)
    # IT has one learner: withheld from every figure, totals included, so nothing can recover it.
    assert table.cell("IT", "listening") is None and "IT" not in table.rows
    assert table.cell("IT", "crisis") is None and "crisis" not in table.columns
    assert not any(c.suppressed for c in table.cells)
    total = next(c for c in table.column_totals if c.column == "listening")
    assert (total.learners, total.estimate) == (6, pytest.approx(11 / 18))
    assert board.headline.score == pytest.approx(total.estimate)  # the mean of the competency scores
    assert board.headline.learners == 6 and board.headline.active_learners == 6
    assert board.headline.participation == 1.0
    assert "6 learners" in board.captions["headline"]
    assert "from 6 learners" in board.captions["department"]
    assert "from the same 6 learners" in board.captions["track"]
    assert "(6 learners per competency)" in board.captions["pre_post"]
    assert all(caption for caption in board.captions.values())


def test_a_leader_sees_only_their_departments_whatever_they_ask_for(
    engine: Engine, org: dict[str, Actor]
) -> None:
    board = dashboard.get_dashboard(engine, org["leader"], _course(), now=NOW)
    assert {c.row for c in board.by_department.cells} == {"HR"}
    assert board.departments == ("HR",)
    assert board.headline.learners == 3
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
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    assert board.headline.learners
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
    # A retake counts after practice only: the score still rests on h2's first (wrong) answer.
    hr = fresh.by_department.cell("HR", "listening")
    assert hr is not None and hr.estimate == pytest.approx(5 / 9)
    practised = next(p for p in fresh.pre_post if (p.row, p.column) == ("HR", "listening"))
    assert (practised.before, practised.after) == (pytest.approx(5 / 9), pytest.approx(2 / 3))


def test_a_retake_all_right_does_not_raise_the_headline_but_shows_after_practice(
    engine: Engine, org: dict[str, Actor]
) -> None:
    before = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    for who in ("h1", "h2", "h3", "o1", "o2", "o3", "i1"):
        _answer(engine, org[who], "qa", "listening", True, at=T0 + timedelta(days=1))
    after = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    assert after.headline.score == pytest.approx(before.headline.score)
    assert after.by_department.cell("HR", "listening") == before.by_department.cell("HR", "listening")
    total = next(p for p in after.pre_post if p.row == TOTAL and p.column == "listening")
    assert total.after is not None and total.before is not None and total.after > total.before


def _zip(engine: Engine, actor: Actor, filters: Filters | None = None) -> zipfile.ZipFile:
    """The one-click ZIP of every table (audited once)."""
    download = dashboard.export_zip(engine, actor, _course(), filters=filters, now=NOW)
    return zipfile.ZipFile(io.BytesIO(download))


def _exact(engine: Engine, actor: Actor, table: str, filters: Filters | None = None) -> str:
    """One table at full precision, as the ZIP download holds it."""
    return _zip(engine, actor, filters).read(f"exact/{table}.csv").decode()


def test_export_is_suppressed_neutralised_and_audited(engine: Engine, org: dict[str, Actor]) -> None:
    text = _exact(engine, org["admin"], "department")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["department", "competency", "learners"]
    ops = next(r for r in rows if r[0] == "'@Ops")
    assert ops[1] == "listening"
    assert not any(r[0] == "IT" for r in rows)  # withheld: a department of one learner
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    archive = _zip(engine, org["admin"])
    assert sorted(n for n in archive.namelist() if n.startswith("exact/")) == sorted(
        f"exact/{t}.csv" for t in dashboard.EXPORTABLE)
    shown = [n.removesuffix(".csv") for n in archive.namelist() if n.endswith(".csv") and "/" not in n]
    for table in shown:  # each table as the page shows it, one click each
        page = list(csv.reader(io.StringIO(
            dashboard.export_table(engine, org["admin"], _course(), table=table, now=NOW))))
        assert all(not cell.startswith(("=", "+", "@")) for row in page for cell in row)
        assert not any(row and row[0] == "IT" for row in page)
    with read_session(engine) as session:
        events = audit.list_events(session, kind="dashboard_exported", limit=50)
    assert len(events) == 2 + len(shown)
    assert {e.actor for e in events} == {"admin@x.org"}
    with pytest.raises(ValueError, match="unknown table"):
        dashboard.export_table(engine, org["admin"], _course(), table="people", now=NOW)


def test_completion_and_endings_show_counts_only(engine: Engine, org: dict[str, Actor]) -> None:
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    by_department = {c.department: c for c in board.completion}
    assert "IT" not in by_department  # one learner: withheld, and absent from the total too
    hr = by_department["HR"]
    # This course has no modules, so nothing is required: starting is completing.
    assert (hr.learners, hr.not_started, hr.in_progress, hr.completed) == (3, 0, 0, 3)
    assert by_department[TOTAL].learners == 6 == hr.learners + (by_department["@Ops"].learners or 0)
    endings = {(e.department, e.ending_kind) for e in board.endings}
    assert endings == set()  # only IT finished a run: one learner, withheld


def test_pre_post_total_and_trend_points(engine: Engine, org: dict[str, Actor]) -> None:
    _answer(engine, org["h2"], "qa", "listening", True, at=T0 + timedelta(days=8))
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    total = next(p for p in board.pre_post if p.row == TOTAL and p.column == "listening")
    # h2 answered alone in the second week: held back until another learner of HR answers.
    assert total.change == 0
    assert {t.period for t in board.trend if t.department == "HR"} == {"2026-03-02"}
    _answer(engine, org["h1"], "qa", "listening", True, at=T0 + timedelta(days=9))
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    assert next(p for p in board.pre_post if p.row == TOTAL and p.column == "listening").change == 0
    _answer(engine, org["h3"], "qa", "listening", True, at=T0 + timedelta(days=9))  # the third
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    total = next(p for p in board.pre_post if p.row == TOTAL and p.column == "listening")
    # h2 moved from wrong (1/3) to right (2/3); h1 and h3 answered right again; @Ops did not change.
    assert total.change == pytest.approx((2 / 3 - 1 / 3) / 6)
    # Trends count first answers, like the score: the retakes of the second week add no point.
    assert {t.period for t in board.trend if t.department == "HR"} == {"2026-03-02"}


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


def test_trend_by_track_counts_a_learner_in_both_tracks_and_withholds_small_cells(
    engine: Engine, org: dict[str, Actor]
) -> None:
    both = [_person(engine, f"b{i}@x.org", "IT", LEARNER, ("hr", "it")) for i in (1, 2, 3)]
    for person in both:
        _answer(engine, person, "qa", "listening", True)
    _answer(engine, org["h2"], "qa", "listening", True, at=T0 + timedelta(days=8))
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    points = {(t.period, t.department, t.competency): t for t in board.trend_by_track}
    # First week, hr: HR, @Ops and b1 to b3, eight of nine right: (1 + 8) / (2 + 9).
    hr = points[("2026-03-02", "hr", "listening")]
    assert (hr.learners, hr.answers, hr.estimate) == (9, 9, pytest.approx(9 / 11))
    # it: b1 to b3, who count in both tracks; i1 is alone in their reporting cell, withheld.
    it = points[("2026-03-02", "it", "listening")]
    assert (it.learners, it.answers, it.estimate) == (3, 3, pytest.approx(4 / 5))
    # Second week: h2 alone, not released at all.
    assert set(points) == {("2026-03-02", "hr", "listening"), ("2026-03-02", "it", "listening")}
    by_department = {(t.period, t.department): t.learners for t in board.trend}
    assert by_department[("2026-03-02", "IT")] == 3 and by_department[("2026-03-02", "HR")] == 3
    assert "12 answers shown" in board.captions["trend_track"]
    rows = list(csv.reader(io.StringIO(_exact(engine, org["admin"], "trend_track"))))
    assert rows[0] == ["period", "track", "competency", "learners", "answers", "estimate", "shown"]
    assert rows[1:] == [
        ["2026-03-02", "hr", "listening", "9", "9", "0.8182", "yes"],
        ["2026-03-02", "it", "listening", "3", "3", "0.8000", "yes"],
    ]


def test_the_headline_compares_with_the_score_some_days_earlier(
    engine: Engine, org: dict[str, Actor]
) -> None:
    # The three learners of HR answer a new question right in the second week (answering qa
    # again would change nothing: the score rests on first answers). HR: 3/4, 1/2, 3/4.
    for name in ("h1", "h2", "h3"):
        _answer(engine, org[name], "qb", "listening", True, at=T0 + timedelta(days=8))
    compare = Filters(previous_days=10)  # NOW - 10 days falls in the second week: its Monday
    board = dashboard.get_dashboard(engine, org["admin"], _course(), filters=compare, now=NOW)
    # Only listening is shown (crisis has one learner); HR and @Ops, six learners.
    assert board.headline.score == pytest.approx(2 / 3)
    assert board.headline.previous_score == pytest.approx(11 / 18)
    assert board.headline.change == pytest.approx(2 / 3 - 11 / 18)
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
    base = _course()
    course = Course(base.info, {}, {}, {"s1": replace(base.scenarios["s1"], nodes=nodes)})
    it = [org["i1"], *(_person(engine, f"i{n}@x.org", "IT", LEARNER, ("it",)) for n in (2, 3))]
    takers = [(org[f"h{n}"], 0) for n in (1, 2, 3)] + [(org[f"o{n}"], 1) for n in (1, 2, 3)]
    for actor, index in [*takers, *((a, 2) for a in it)]:
        key = new_key()
        with write_transaction(engine) as session:
            scenario_runs.start_run(session, ScenarioRunStartRecord(key, actor.person_id, "s1", "v1", T0))
            person = actor.person_id
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


def test_a_filter_switched_off_by_the_admin_is_refused_to_leaders_only(
    engine: Engine, org: dict[str, Actor]
) -> None:
    update_privacy(engine, org["admin"], min_group_size=3, leader_filters=["departments"], now=T0)
    assert dashboard.leader_filters(engine, org["leader"]) == frozenset({"departments"})
    assert dashboard.leader_filters(engine, org["admin"]) == frozenset(LEADER_FILTERS)
    for filters in (Filters(tracks=("hr",)), Filters(until=NOW), Filters(competencies=("crisis",))):
        with pytest.raises(dashboard.FilterRefused, match="switched off for leaders"):
            dashboard.get_dashboard(engine, org["leader"], _course(), filters=filters, now=NOW)
        with pytest.raises(dashboard.FilterRefused):
            dashboard.export_zip(engine, org["leader"], _course(), filters=filters, now=NOW)
        with pytest.raises(dashboard.FilterRefused):
            dashboard.export_table(engine, org["leader"], _course(), table="headline", filters=filters,
                                   now=NOW)
        dashboard.get_dashboard(engine, org["admin"], _course(), filters=filters, now=NOW)
    dashboard.get_dashboard(engine, org["leader"], _course(), filters=Filters(departments=("HR",)), now=NOW)


def test_two_overdue_thresholds_never_single_out_one_late_joiner(
    engine: Engine, org: dict[str, Actor]
) -> None:
    with write_transaction(engine) as session:  # joins HR a week after everyone, alone
        people.add_person(session, "late@x.org", name="Late", department="HR", tracks=("hr",),
                          grants=LEARNER, now=T0 + timedelta(days=8))

    def overdue(days: int) -> int | None:
        board = dashboard.get_dashboard(engine, org["admin"], _course(), filters=Filters(overdue_days=days),
                                        now=NOW)
        return next(c.overdue for c in board.completion if c.department == "HR")

    # NOW - 13 days falls before the late joiner's arrival, NOW - 5 days after it: the two
    # thresholds would differ by that one person, so both snap to the week everyone else joined.
    assert overdue(13) == overdue(5) == 0  # the three who joined first have all started
    with write_transaction(engine) as session:
        for n in range(2):  # two more join that week: now three did, and the week is released
            people.add_person(session, f"late{n}@x.org", name="Late", department="HR", tracks=("hr",),
                              grants=LEARNER, now=T0 + timedelta(days=9))
    assert (overdue(13), overdue(5)) == (0, 3)


def _pre_check(engine: Engine, actor: Actor, score: float, competency: str = "listening") -> None:
    with write_transaction(engine) as session:
        placement.record_placement(session, actor.person_id, [
            placement.PlacementEvidence("q1", "pre-1", competency, "v1", (0,), score, T0)])


def test_the_pre_check_is_set_against_first_answers_for_those_who_took_it(
    engine: Engine, org: dict[str, Actor]
) -> None:
    for name, score in (("h1", 0.0), ("h2", 0.0), ("h3", 1.0)):
        _pre_check(engine, org[name], score)
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    (hr,) = [p for p in board.pre_check if p.row == "HR" and p.column == "listening"]
    # Pre-check: (1+0)/3, (1+0)/3, (1+1)/3; first answers: 2/3, 1/3, 2/3.
    assert (hr.learners, hr.before, hr.after) == (3, pytest.approx(4 / 9), pytest.approx(5 / 9))
    assert not [p for p in board.pre_check if p.row == "@Ops" and p.learners]  # nobody there took it
    # It never enters the literacy score.
    assert board.by_department.cell("HR", "listening").estimate == pytest.approx(5 / 9)  # type: ignore[union-attr]


def test_a_pre_check_group_is_hidden_when_the_rest_of_its_department_is_a_few(
    engine: Engine, org: dict[str, Actor]
) -> None:
    """Five in Sales, four took the pre-check: their first answers beside the grid's five would
    give away the fifth person's; the group shows only once the fifth took it too."""
    sales = [_person(engine, f"s{i}@x.org", "Sales", LEARNER) for i in range(5)]
    for index, actor in enumerate(sales):
        _answer(engine, actor, "qa", "listening", index % 2 == 0)
    for actor in sales[:4]:
        _pre_check(engine, actor, 0.5)
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    (cell,) = [p for p in board.pre_check if p.row == "Sales" and p.column == "listening"]
    assert (cell.learners, cell.before, cell.after) == (None, None, None)
    assert cell.suppression is not Suppression.SHOWN
    grid = board.by_department.cell("Sales", "listening")
    assert grid is not None and grid.learners == 5  # the grid itself still shows all five
    _pre_check(engine, sales[4], 0.5)
    board = dashboard.get_dashboard(engine, org["admin"], _course(), now=NOW)
    (cell,) = [p for p in board.pre_check if p.row == "Sales" and p.column == "listening"]
    assert cell.learners == 5 and cell.after == pytest.approx(grid.estimate)
