"""Dashboard queries against hand-computed aggregates, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from course.domain.permissions import Capability, Grants
from course.domain.records import (
    AnswerRecord,
    QuizAttemptRecord,
    ScenarioRunFinishRecord,
    ScenarioRunStartRecord,
    ScenarioStepRecord,
    new_key,
)
from course.domain.scoring import (
    CompetencyScore,
    Evidence,
    EvidenceKind,
    latest_only,
    profile,
    scenario_evidence,
    score_competency,
)
from course.store import analytics, attempts, people, scenario_runs
from course.store.analytics import Scope
from course.store.engine import read_session, write_transaction

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=8)
SCOPE = Scope(
    competencies=("listening", "crisis"), scenario_competencies=(("s1", "crisis"),), tracks_known=("hr", "it")
)


@dataclass
class Org:
    ids: dict[str, int]
    evidence: dict[str, list[Evidence]]


def _person(engine: Engine, email: str, department: str, tracks: tuple[str, ...], level: str = "") -> int:
    with write_transaction(engine) as session:
        return people.add_person(
            session,
            email,
            name=email,
            department=department,
            tracks=tracks,
            grants=Grants(frozenset({Capability.LEARNER})),
            now=T0,
            level=level,
        )


def _attempt(
    engine: Engine, person_id: int, at: datetime, answers: list[tuple[str, str, bool]], quiz_id: str = "q1"
) -> list[Evidence]:
    record = QuizAttemptRecord(
        key=new_key(),
        person_id=person_id,
        quiz_id=quiz_id,
        content_version="v1",
        started_at=at,
        finished_at=at,
        answers=tuple(AnswerRecord(q, c, (0,), ok, 5.0) for q, c, ok in answers),
        score=sum(ok for *_, ok in answers) / len(answers),
        passed=all(ok for *_, ok in answers),
    )
    with write_transaction(engine) as session:
        attempts.record_quiz_attempt(session, record, now=at)
    return [Evidence(EvidenceKind.ANSWER, c, quiz_id, q, float(ok), at) for q, c, ok in answers]


def _run(
    engine: Engine, person_id: int, at: datetime, score: float | None, choices: list[tuple[str, int, str]]
) -> list[Evidence]:
    key = new_key()
    with write_transaction(engine) as session:
        scenario_runs.start_run(session, ScenarioRunStartRecord(key, person_id, "s1", "v1", at))
        for number, (node, choice, target) in enumerate(choices, start=1):
            scenario_runs.record_step(
                session,
                ScenarioStepRecord(
                    new_key(), person_id, "s1", "v1", key, number, node, choice, target, {}, 0, 1.0
                ),
                now=at,
            )
        if score is not None:
            scenario_runs.finish_run(
                session,
                ScenarioRunFinishRecord(
                    new_key(), person_id, key, "end", "good" if score > 0.5 else "bad", score, at
                ),
            )
    if score is None:
        return []
    return scenario_evidence(scenario_id="s1", run_id=key, competencies=("crisis",), score=score, at=at)


@pytest.fixture
def org(engine: Engine) -> Org:
    """Three learners in two departments, with the evidence the hand computations use."""
    ids = {
        "h1": _person(engine, "h1@x.org", "HR", ("hr",), "staff"),
        "h2": _person(engine, "h2@x.org", "HR", ("hr", "it"), "manager"),
        "i1": _person(engine, "i1@x.org", "IT", ("it",), "staff"),
    }
    ev: dict[str, list[Evidence]] = {k: [] for k in ids}
    ev["h1"] += _attempt(engine, ids["h1"], T0, [("qa", "listening", False), ("qb", "listening", True)])
    ev["h1"] += _attempt(engine, ids["h1"], T2, [("qa", "listening", True)])
    ev["h2"] += _attempt(engine, ids["h2"], T0, [("qa", "listening", False)])
    ev["h2"] += _run(engine, ids["h2"], T1, 0.5, [("start", 0, "mid"), ("mid", 1, "end")])
    ev["h2"] += _run(engine, ids["h2"], T2, None, [("start", 1, "bad")])  # unfinished: ignored
    ev["i1"] += _attempt(engine, ids["i1"], T0, [("qc", "crisis", True)])
    ev["i1"] += _run(engine, ids["i1"], T0, 1.0, [("start", 0, "mid"), ("mid", 0, "end")])
    ev["i1"] += _run(engine, ids["i1"], T1, 0.0, [("start", 1, "end")])
    return Org(ids, ev)


def _cells(rows: list[analytics.GroupScore]) -> dict[tuple[str, str], tuple[int, float, float]]:
    return {(r.group, r.competency): (r.learners, round(r.estimate, 6), r.evidence) for r in rows}


def test_department_by_competency_matches_the_hand_computation(engine: Engine, org: Org) -> None:
    with read_session(engine) as session:
        rows = analytics.competency_scores(session, SCOPE, grouping="department")
    # First answers count. h1 listening: qa first wrong, qb right: (1+1)/(2+2) = 0.5 (the retake
    # that got qa right does not count); h2 listening: (1+0)/(2+1) = 1/3.
    # h2 crisis: run 0.5 x 3: (1+1.5)/(2+3) = 0.5; i1 crisis: qc right + first run 1.0: 5/6.
    assert _cells(rows) == {
        ("HR", "listening"): (2, round((0.5 + 1 / 3) / 2, 6), 3.0),
        ("HR", "crisis"): (1, 0.5, 3.0),
        ("IT", "crisis"): (1, round(5 / 6, 6), 4.0),
    }


def test_group_means_agree_with_each_learners_own_profile(engine: Engine, org: Org) -> None:
    with read_session(engine) as session:
        rows = analytics.competency_scores(session, SCOPE, grouping="all")
    mine = {k: profile(v, SCOPE.competencies) for k, v in org.evidence.items()}
    for competency in SCOPE.competencies:
        scored = [p[competency] for p in mine.values() if p[competency].trials > 0]
        expected = sum(s.estimate for s in scored) / len(scored)
        row = next(r for r in rows if r.competency == competency)
        assert row.group == analytics.EVERYONE
        assert (row.learners, row.estimate) == (len(scored), pytest.approx(expected))
        assert row.evidence == sum(s.trials for s in scored)


def test_overall_literacy_is_the_mean_of_each_learners_mean(engine: Engine, org: Org) -> None:
    with read_session(engine) as session:
        rows = analytics.competency_scores(session, SCOPE, grouping="department", by_competency=False)
        everyone = analytics.competency_scores(session, SCOPE, grouping="all", by_competency=False)
    hr = (0.5 + (1 / 3 + 0.5) / 2) / 2
    assert _cells(rows) == {("HR", ""): (2, round(hr, 6), 6.0), ("IT", ""): (1, round(5 / 6, 6), 4.0)}
    assert everyone[0].learners == 3
    assert everyone[0].estimate == pytest.approx((0.5 + (1 / 3 + 0.5) / 2 + 5 / 6) / 3)


def test_tracks_count_a_learner_in_each_of_their_tracks_and_levels_come_from_the_roster(
    engine: Engine, org: Org
) -> None:
    with read_session(engine) as session:
        tracks = _cells(analytics.competency_scores(session, SCOPE, grouping="track"))
        levels = _cells(analytics.competency_scores(session, SCOPE, grouping="level"))
        assert analytics.list_levels(session) == ["manager", "staff"]
    assert tracks[("hr", "listening")][0] == 2 and tracks[("it", "listening")] == (1, round(1 / 3, 6), 1.0)
    assert tracks[("it", "crisis")][0] == 2
    assert levels[("staff", "listening")] == (1, 0.5, 2.0)
    assert levels[("manager", "crisis")] == (1, 0.5, 3.0)


def test_scope_and_period_limit_the_evidence(engine: Engine, org: Org) -> None:
    it_only = Scope(**{**_fields(SCOPE), "departments": ("IT",)})
    before_t2 = Scope(**{**_fields(SCOPE), "until": T2})
    with read_session(engine) as session:
        assert {r.group for r in analytics.competency_scores(session, it_only, grouping="department")} == {
            "IT"
        }
        early = _cells(analytics.competency_scores(session, before_t2, grouping="department"))
    # Before T2, h1's first qa is the wrong one: (1+1)/(2+2) = 0.5.
    assert early[("HR", "listening")] == (2, round((0.5 + 1 / 3) / 2, 6), 3.0)


def _fields(scope: Scope) -> dict[str, object]:
    return {name: getattr(scope, name) for name in scope.__dataclass_fields__}


def test_first_and_latest_evidence_give_the_pre_post_change(engine: Engine, org: Org) -> None:
    with read_session(engine) as session, analytics.evidence_table(session, SCOPE) as evidence:
        rows = {
            (r.group, r.competency): r
            for r in analytics.group_changes(session, evidence, grouping="department")
        }
    hr = rows[("HR", "listening")]
    assert hr.learners == 2
    assert hr.before == pytest.approx((0.5 + 1 / 3) / 2)  # h1 first: qa wrong, qb right
    assert hr.after == pytest.approx((0.75 + 1 / 3) / 2)
    it = rows[("IT", "crisis")]
    assert (it.before, it.after) == (pytest.approx(5 / 6), pytest.approx(1 / 3))  # runs 1.0 then 0.0


def test_answers_per_week_for_trends(engine: Engine, org: Org) -> None:
    with read_session(engine) as session:
        rows = analytics.answers_per_period(session, SCOPE, period="week")
    got = {(r.period, r.group, r.competency): (r.learners, r.answers, r.correct) for r in rows}
    assert got == {
        ("2026-03-02", "HR", "listening"): (2, 3, 1),
        ("2026-03-02", "IT", "crisis"): (1, 1, 1),
    }  # h1's retake of qa in the second week is not a first answer: no trend point


def test_completion_counts_per_department(engine: Engine, org: Org) -> None:
    with write_transaction(engine) as session:
        people.add_person(
            session,
            "new@x.org",
            name="n",
            department="IT",
            tracks=("it",),
            grants=Grants(frozenset({Capability.LEARNER})),
            now=T0 - timedelta(days=60),
        )
    required = [
        ("hr", "quiz", "q1"),
        ("hr;it", "quiz", "q1"),
        ("hr;it", "scenario", "s1"),
        ("it", "scenario", "s1"),
    ]
    with read_session(engine) as session:
        rows = {
            r.department: r
            for r in analytics.completion_counts(
                session, SCOPE, required=required, overdue_before=T0 - timedelta(days=30)
            )
        }
        assert analytics.count_learners(session, SCOPE) == 4
        assert "hr;it" in analytics.list_track_sets(session)
    # h1 passed q1 (second attempt), h2 failed q1: HR 2 started, 1 completed.
    assert (rows["HR"].learners, rows["HR"].started, rows["HR"].completed, rows["HR"].overdue) == (2, 2, 1, 0)
    # i1 finished s1; the newcomer has not started and joined 60 days ago: overdue.
    assert (rows["IT"].learners, rows["IT"].started, rows["IT"].completed, rows["IT"].overdue) == (2, 1, 1, 1)


def test_choice_flows_endings_and_question_counts(engine: Engine, org: Org) -> None:
    with read_session(engine) as session:
        flows = {
            (f.department, f.node_id, f.choice_index, f.target_node): (f.steps, f.learners)
            for f in analytics.choice_flows(session, SCOPE)
        }
        endings = {
            (e.department, e.ending_kind): (e.runs, e.learners)
            for e in analytics.ending_tallies(session, SCOPE)
        }
        questions = {
            q.question_id: (q.answers, q.correct, q.learners)
            for q in analytics.question_counts(session, SCOPE)
        }
    assert flows == {
        ("HR", "start", 0, "mid"): (1, 1),
        ("HR", "mid", 1, "end"): (1, 1),
        ("HR", "start", 1, "bad"): (1, 1),
        ("IT", "start", 0, "mid"): (1, 1),
        ("IT", "mid", 0, "end"): (1, 1),
        ("IT", "start", 1, "end"): (1, 1),
    }
    assert endings == {("HR", "bad"): (1, 1), ("IT", "good"): (1, 1), ("IT", "bad"): (1, 1)}
    # First answers only: h1's retake of qa, right, does not count.
    assert questions == {"qa": (2, 0, 2), "qb": (1, 1, 1), "qc": (1, 1, 1)}


def test_the_data_version_changes_with_new_work(engine: Engine, org: Org) -> None:
    with read_session(engine) as session:
        before = analytics.get_data_version(session)
        assert analytics.get_data_version(session) == before
    _attempt(engine, org.ids["i1"], T2, [("qc", "crisis", False)])
    with read_session(engine) as session:
        assert analytics.get_data_version(session) != before


def test_trend_per_track_counts_a_learner_in_each_of_their_tracks(engine: Engine, org: Org) -> None:
    with read_session(engine) as session:
        rows = analytics.answers_per_period(session, SCOPE, period="week", groupings=("department", "track"))
        tracks_only = analytics.answers_per_period(session, SCOPE, groupings=("track",))
        with pytest.raises(ValueError, match="unknown trend grouping"):
            analytics.answers_per_period(session, SCOPE, groupings=("level",))
    got = {(r.grouping, r.period, r.group, r.competency): (r.learners, r.answers, r.correct) for r in rows}
    # h1 (hr) and h2 (hr and it) answered listening in the first week, i1 (it) crisis.
    assert got == {
        ("department", "2026-03-02", "HR", "listening"): (2, 3, 1),
        ("department", "2026-03-02", "IT", "crisis"): (1, 1, 1),
        ("track", "2026-03-02", "hr", "listening"): (2, 3, 1),
        ("track", "2026-03-02", "it", "listening"): (1, 1, 0),
        ("track", "2026-03-02", "it", "crisis"): (1, 1, 1),
    }
    assert tracks_only == [r for r in rows if r.grouping == "track"]


def _repeated_learner(engine: Engine) -> list[Evidence]:
    """A learner in R&D who answers qa three times, qb twice, and runs s1 twice."""
    person = _person(engine, "r1@x.org", "R&D", ("hr",))
    evidence = _attempt(engine, person, T0, [("qa", "listening", False), ("qb", "listening", False)])
    evidence += _attempt(engine, person, T1, [("qa", "listening", True), ("qb", "listening", True)])
    evidence += _attempt(engine, person, T2, [("qa", "listening", False)])
    evidence += _run(engine, person, T0, 0.2, [])
    evidence += _run(engine, person, T1, 0.9, [])
    return evidence


def test_first_latest_and_previous_evidence_of_repeated_answers(engine: Engine, org: Org) -> None:
    _repeated_learner(engine)
    scope = Scope(**{**_fields(SCOPE), "departments": ("R&D",)})
    with read_session(engine) as session:
        for cut, listening, crisis in (
            (T0, None, None),  # nothing before the first answer
            (T1, 1 / 4, 1.6 / 5),  # qa and qb wrong; the 0.2 run: (1 + 0.6) / (2 + 3)
            (T2, 1 / 4, 1.6 / 5),  # still the first answers: the retakes right do not count
        ):
            with analytics.evidence_table(session, scope, previous_until=cut) as table:
                previous = _cells(analytics.group_scores(session, table, grouping="all", previous=True))
                changes = analytics.group_changes(session, table, grouping="department")
            assert previous.get((analytics.EVERYONE, "listening"), (0, None))[1] == _rounded(listening)
            assert previous.get((analytics.EVERYONE, "crisis"), (0, None))[1] == _rounded(crisis)
    # Latest: qa wrong (T2), qb right (T1); first: both wrong. Runs: latest 0.9, first 0.2.
    got = {c.competency: (c.learners, c.before, c.after) for c in changes}
    assert got == {
        "listening": (1, pytest.approx(1 / 4), pytest.approx(2 / 4)),
        "crisis": (1, pytest.approx(1.6 / 5), pytest.approx(3.7 / 5)),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@pytest.mark.parametrize("days", [0, 1, 8, 9])
def test_previous_first_and_latest_agree_with_each_learners_own_evidence(
    engine: Engine, org: Org, days: int
) -> None:
    everyone = {**org.evidence, "r1": _repeated_learner(engine)}
    cut = T0 + timedelta(days=days)
    with (
        read_session(engine) as session,
        analytics.evidence_table(session, SCOPE, previous_until=cut) as table,
    ):
        latest = {r.competency: r for r in analytics.group_scores(session, table, grouping="all")}
        previous = {
            r.competency: r for r in analytics.group_scores(session, table, grouping="all", previous=True)
        }
        changes = {r.competency: r for r in analytics.group_changes(session, table, grouping="all")}
    for competency in SCOPE.competencies:
        now = [score_competency(competency, _first_only(e)) for e in everyone.values()]
        practised = [score_competency(competency, latest_only(e)) for e in everyone.values()]
        before = [
            score_competency(competency, _first_only([x for x in e if x.at < cut])) for e in everyone.values()
        ]
        assert _mean(now) == pytest.approx(latest[competency].estimate)
        assert (changes[competency].learners, changes[competency].after) == (
            len([s for s in practised if s.trials]),
            pytest.approx(_mean(practised)),
        )
        assert changes[competency].before == pytest.approx(_mean(now))
        if any(s.trials for s in before):
            assert previous[competency].learners == len([s for s in before if s.trials])
            assert previous[competency].estimate == pytest.approx(_mean(before))
        else:
            assert competency not in previous


def _first_only(evidence: list[Evidence]) -> list[Evidence]:
    """Keep each question's first answer and each scenario's first run: the SQL's "before"."""
    first: dict[tuple[str, str, str], Evidence] = {}
    for item in sorted(evidence, key=lambda e: e.at):
        detail = item.detail_id if item.kind is EvidenceKind.ANSWER else ""
        first.setdefault((item.competency, item.item_id, detail), item)
    return list(first.values())


def _mean(scores: list[CompetencyScore]) -> float:
    scored = [s.estimate for s in scores if s.trials]
    return sum(scored) / len(scored) if scored else 0.0


def _temporary_tables(session: Session) -> list[str]:
    if session.get_bind().dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_temp_master WHERE type = 'table'"
    else:
        query = "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r'"
    return [str(name) for (name,) in session.connection().execute(text(query))]


def _connection_id(session: Session) -> int:
    return id(session.connection().connection.dbapi_connection)


def test_the_evidence_table_is_dropped_and_never_outlives_its_session(engine: Engine, org: Org) -> None:
    with read_session(engine) as session:
        with analytics.evidence_table(session, SCOPE) as table:
            assert _temporary_tables(session) == [table.table]
        assert _temporary_tables(session) == []
        connection = _connection_id(session)
    # A failure inside the block skips the drop; the read transaction's rollback removes it.
    with pytest.raises(RuntimeError, match="boom"), read_session(engine) as session:
        assert _connection_id(session) == connection  # the pool hands the same connection back
        with analytics.evidence_table(session, SCOPE) as table:
            assert _temporary_tables(session) == [table.table]
            raise RuntimeError("boom")
    with read_session(engine) as session:
        assert _connection_id(session) == connection
        assert _temporary_tables(session) == []


def test_the_evidence_table_refuses_a_previous_period_it_cannot_hold(engine: Engine, org: Org) -> None:
    until_t1 = Scope(**{**_fields(SCOPE), "until": T1})
    with read_session(engine) as session:
        with (
            pytest.raises(ValueError, match="later than the scope's end"),
            analytics.evidence_table(session, until_t1, previous_until=T2),
        ):
            pass
        with (
            analytics.evidence_table(session, SCOPE) as table,
            pytest.raises(ValueError, match="no previous"),
        ):
            analytics.group_scores(session, table, grouping="all", previous=True)


@pytest.mark.parametrize(("people", "megabytes"), [(0, 64), (10_000, 64), (40_000, 100), (100_000, 250),
                                                    (100_001, 251), (5_000_000, 256)])
def test_a_dashboards_memory_grows_with_the_people_in_scope(people: int, megabytes: int) -> None:
    assert analytics.report_work_mem(people) == megabytes


def test_a_dashboards_memory_lasts_only_for_its_own_transaction(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no per-query memory setting")
    with read_session(engine) as session:
        default = session.connection().execute(text("SHOW work_mem")).scalar_one()
    with read_session(engine) as session:
        analytics.prepare_report(session, SCOPE)
        assert session.connection().execute(text("SHOW work_mem")).scalar_one() == "64MB"
    with read_session(engine) as session:  # the pooled connection is back to the server's setting
        assert session.connection().execute(text("SHOW work_mem")).scalar_one() == default
