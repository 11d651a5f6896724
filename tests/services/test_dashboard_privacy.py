"""The dashboard as an attacker sees it: combine filters, periods, tables and exports.

A synthetic organisation of about 200 learners (course/services/seed.py, bulk) gets a two-person
Leadership department and one learner who answers "today" on a competency that learner never
answered before. Every test first shows that the attack works on the unprotected figures, then
that it fails on what the dashboard and its exports publish.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from course.content.loader import load_course
from course.domain.dashboard import TOTAL
from course.domain.model import Course
from course.domain.permissions import Actor, Capability, Grants
from course.domain.records import AnswerRecord, QuizAttemptRecord, new_key
from course.services import dashboard
from course.services.dashboard import Dashboard, Filters
from course.services.dashboard.compute import _count
from course.services.dashboard.sections import assemble
from course.services.learner import get_profile_and_practice
from course.services.seed import seed_bulk
from course.settings import BUNDLED_ROOT
from course.store import analytics, attempts, people
from course.store.engine import create_store_engine, read_session, write_transaction
from course.store.migrate import upgrade_database

NOW = datetime(2026, 5, 7, 15, 0, tzinfo=UTC)  # a Thursday
TODAY = datetime(2026, 5, 7, tzinfo=UTC)
K = 5
LEARNER = Grants(frozenset({Capability.LEARNER}))


@dataclass(frozen=True)
class Org:
    engine: Engine
    course: Course
    admin: Actor
    leadership: tuple[Actor, ...]
    late: Actor  # answers today, on a competency new to them
    late_competency: str


def _answer(engine: Engine, actor: Actor, course: Course, competency: str, correct: list[bool],
            at: datetime) -> None:
    quiz = next(q for q in course.quizzes.values() if any(x.competency == competency for x in q.questions))
    questions = [q for q in quiz.questions if q.competency == competency][: len(correct)]
    record = QuizAttemptRecord(
        new_key(), actor.person_id, quiz.meta.id, quiz.meta.version, at, at,
        tuple(AnswerRecord(q.id, competency, (0,), ok, 3.0)
              for q, ok in zip(questions, correct, strict=False)),
        0.5, False,
    )
    with write_transaction(engine) as session:
        attempts.record_quiz_attempt(session, record, now=at)


def _add(engine: Engine, email: str, department: str, tracks: tuple[str, ...], level: str) -> Actor:
    with write_transaction(engine) as session:
        person_id = people.add_person(session, email, name=email, department=department, tracks=tracks,
                                      grants=LEARNER, now=NOW - timedelta(days=60), level=level)
    return Actor(person_id, email, LEARNER)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    path: Path = tmp_path_factory.mktemp("privacy") / "org.db"
    engine = create_store_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    seed_bulk(engine, course, learners=220, answers=9000, seed=5, weeks=6, now=NOW - timedelta(days=7))
    competencies = list(course.info.competencies)
    leadership = tuple(_add(engine, f"lead{i}@x.org", "Leadership", ("leadership",), "executive")
                       for i in range(2))
    for i, actor in enumerate(leadership):
        for c in competencies[:3]:
            _answer(engine, actor, course, c, [True, i == 0, False], NOW - timedelta(days=20))
    # Someone in a large reporting cell answers today, on a competency they never answered.
    late = _add(engine, "late@x.org", "IT", ("it",), "staff")
    _answer(engine, late, course, competencies[0], [True], NOW - timedelta(days=20))
    _answer(engine, late, course, competencies[1], [True, True, True], NOW - timedelta(hours=2))
    admins = Grants(frozenset({Capability.ADMIN}))
    with write_transaction(engine) as session:
        admin_id = people.add_person(session, "admin@x.org", name="Admin", department="Board", tracks=(),
                                     grants=admins, now=NOW - timedelta(days=60))
    yield Org(engine, course, Actor(admin_id, "admin@x.org", admins), leadership, late, competencies[1])
    engine.dispose()


def _board(org: Org, filters: Filters) -> Dashboard:
    return dashboard.get_dashboard(org.engine, org.admin, org.course, filters=filters, now=NOW)


def _unprotected(org: Org, filters: Filters) -> Dashboard:
    """Return the dashboard as each query alone suppressed it before: every cell, every period."""
    scope = replace(dashboard.build_scope(org.course, filters, filters.departments), min_learners=1)
    with read_session(org.engine) as session:
        raw = _count(session, org.course, scope, filters, now=NOW, latest=scope)
    return assemble(org.course, raw, competencies=scope.competencies, since=filters.since,
                    end=filters.until or NOW, previous_days=filters.previous_days, min_group_size=K)


def _departments(org: Org) -> tuple[str, ...]:
    return dashboard.departments_in_scope(org.engine, org.admin)


def _zip(org: Org, filters: Filters) -> zipfile.ZipFile:
    """The one-click ZIP of every table, as the admin downloads it."""
    return zipfile.ZipFile(io.BytesIO(dashboard.export_zip(org.engine, org.admin, org.course, filters=filters,
                                                           now=NOW)))


def _exact(org: Org, table: str, filters: Filters) -> str:
    """One table at full precision, as the ZIP download holds it."""
    return _zip(org, filters).read(f"exact/{table}.csv").decode()


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


# -- The attacks of the issue, one by one --------------------------------------------------------


def test_headline_exports_with_and_without_a_small_department_reveal_nothing(org: Org) -> None:
    others = tuple(d for d in _departments(org) if d != "Leadership")
    assert "Leadership" in _departments(org)

    def headline(filters: Filters) -> tuple[float, int]:
        text = _exact(org, "headline", filters)
        row = dict(zip(*list(csv.reader(io.StringIO(text))), strict=True))
        return float(row["score"]), int(row["learners"])

    # Unprotected: the difference is the two Leadership learners.
    everyone, without = _unprotected(org, Filters()), _unprotected(org, Filters(departments=others))
    assert (everyone.headline.learners or 0) - (without.headline.learners or 0) == 2
    # Protected: Leadership is withheld everywhere, so both exports are the same figure.
    assert headline(Filters()) == headline(Filters(departments=others))
    exported = _exact(org, "department", Filters())
    assert "Leadership" not in exported
    assert _board(org, Filters(departments=("Leadership",))).headline.score is None


def test_column_totals_are_exactly_the_shown_cells(org: Org) -> None:
    for table in ("by_department", "by_track"):
        board = _board(org, Filters())
        shown = getattr(board, table)
        for total in shown.column_totals:
            cells = [c for c in shown.cells if c.column == total.column]
            assert all(not c.suppressed for c in cells)
            if table == "by_department":  # a learner is in one department (on several tracks)
                assert total.learners == sum(c.learners or 0 for c in cells)
                weighted = sum((c.learners or 0) * (c.estimate or 0) for c in cells)
                assert (total.learners or 0) * (total.estimate or 0) == pytest.approx(weighted)


def test_completion_totals_are_exactly_the_shown_rows(org: Org) -> None:
    board = _board(org, Filters())
    rows = [c for c in board.completion if c.department != TOTAL]
    total = next(c for c in board.completion if c.department == TOTAL)
    assert "Leadership" not in {c.department for c in rows}
    for field in ("learners", "not_started", "in_progress", "completed", "overdue"):
        assert getattr(total, field) == sum(getattr(c, field) or 0 for c in rows), field


def test_a_period_ending_yesterday_does_not_isolate_who_answered_today(org: Org) -> None:
    truth = get_profile_and_practice(org.engine, org.late, org.course)[0][org.late_competency].estimate
    # Unprotected, the difference of two column totals is the late learner's score.
    scope = dashboard.build_scope(org.course, Filters(), None)
    with read_session(org.engine) as session:
        raw = {
            until: next(s for s in analytics.competency_scores(
                session, replace(scope, until=until), grouping="all") if s.competency == org.late_competency)
            for until in (TODAY, None)
        }
    before, after = raw[TODAY], raw[None]
    assert after.learners - before.learners == 1
    assert after.learners * after.estimate - before.learners * before.estimate == pytest.approx(truth)
    # Published: the same figures, to the last digit, in every table.
    archives = [_zip(org, Filters(until=until)) for until in (TODAY, None)]
    tables = [n for n in archives[0].namelist() if n.endswith(".csv")]  # shown and exact copies
    assert len(tables) > len(dashboard.EXPORTABLE) and archives[1].namelist() == archives[0].namelist()
    for table in tables:
        assert archives[0].read(table) == archives[1].read(table), table


# -- A randomised search over filter pairs and triples, periods and sections -----------------------

Figure = tuple[tuple[str, ...], int, float]  # (what, learners, mean)


def _figures(board: Dashboard) -> Iterator[Figure]:
    """Yield every published mean with its learner count, keyed by section and cell."""
    for name, table in (("department", board.by_department), ("track", board.by_track),
                        ("level", board.by_level)):
        if table is None:
            continue
        # Row totals, the grand total and the headline are means of shown competency scores
        # (checked below): their learner counts weigh nothing, so they are left out here.
        for c in (*table.cells, *table.column_totals):
            if c.learners and c.estimate is not None:
                yield (name, c.row, c.column), c.learners, c.estimate
    for p in board.pre_post:
        if p.learners and p.before is not None and p.after is not None:
            yield ("before", p.row, p.column), p.learners, p.before
            yield ("after", p.row, p.column), p.learners, p.after
    for t in (*board.trend, *board.trend_by_track):
        if t.learners and t.estimate is not None:
            yield ("trend", t.period, t.department, t.competency), t.learners, t.estimate
    for q in board.weakest_questions:
        yield ("question", q.quiz_id, q.question_id), q.learners, q.facility
    for comp in board.completion:
        if comp.learners:
            yield ("completed", comp.department), comp.learners, (comp.completed or 0) / comp.learners


def test_overall_scores_are_means_of_shown_competency_scores(org: Org) -> None:
    board = _board(org, Filters())
    table = board.by_department
    for total in table.row_totals:
        cells = [c.estimate for c in table.cells if c.row == total.row and c.estimate is not None]
        assert total.estimate == pytest.approx(_mean(cells))
    columns = [c.estimate for c in table.column_totals if c.estimate is not None]
    assert board.headline.score == pytest.approx(_mean(columns))
    assert table.grand_total is not None and table.grand_total.estimate == pytest.approx(_mean(columns))


def _contains(big: Filters, small: Filters) -> bool:
    """Tell whether every learner counted under `small` is counted under `big` (same evidence rule)."""
    if big.tracks != small.tracks or big.since != small.since or big.competencies != small.competencies:
        return False
    departments = big.departments is None or (
        small.departments is not None and set(small.departments) <= set(big.departments))
    later = big.until is None or (small.until is not None and small.until <= big.until)
    return departments and later and big != small


def _leaks(boards: list[tuple[Filters, Dashboard]]) -> list[str]:
    """Difference every nested pair and triple of figures; report what isolates fewer than K."""
    found = []
    published = [(f, dict((what, (n, m)) for what, n, m in _figures(b))) for f, b in boards]
    for (f1, big), (f2, small) in itertools.permutations(published, 2):
        if not _contains(f1, f2):
            continue
        for what, (n1, _) in big.items():
            if what not in small:
                continue
            n2 = small[what][0]
            if 0 < n1 - n2 < K:
                found.append(f"{what}: {n1} - {n2} learners, {f1} vs {f2}")
    for (f1, big), (f2, a), (f3, b) in itertools.permutations(published, 3):
        disjoint = (f2.departments is not None and f3.departments is not None
                    and not set(f2.departments) & set(f3.departments))
        if not (disjoint and _contains(f1, f2) and _contains(f1, f3) and f2.until == f3.until == f1.until):
            continue
        for what, (n1, _) in big.items():
            if what in a and what in b and 0 < n1 - a[what][0] - b[what][0] < K:
                found.append(f"{what}: {n1} - {a[what][0]} - {b[what][0]}")
    return found


def _filters(departments: tuple[str, ...]) -> st.SearchStrategy[Filters]:
    days = st.sampled_from([None, TODAY, TODAY - timedelta(days=1), TODAY - timedelta(days=9),
                            TODAY - timedelta(days=16), TODAY - timedelta(days=24)])
    chosen = st.one_of(st.none(), st.lists(st.sampled_from(departments), min_size=1, unique=True).map(
        lambda d: tuple(sorted(d))))
    tracks = st.sampled_from([None, ("it",), ("hr", "it"), ("leadership",)])
    since = st.sampled_from([None, TODAY - timedelta(days=30)])
    return st.builds(Filters, departments=chosen, tracks=tracks, until=days, since=since,
                     previous_days=st.sampled_from([7, 30]))


def test_the_search_finds_the_leaks_of_per_query_suppression(org: Org) -> None:
    """The attack below works on the figures as each query alone suppressed them before."""
    others = tuple(d for d in _departments(org) if d != "Leadership")
    boards = [(f, _unprotected(org, f)) for f in (Filters(), Filters(departments=others))]
    leaks = _leaks(boards)
    # The competency totals with and without Leadership differ by its two learners.
    assert any(leak.startswith(f"('department', '{TOTAL}'") and ": " in leak for leak in leaks), leaks


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_combination_of_filters_periods_and_sections_isolates_a_small_group(
    org: Org, data: st.DataObject
) -> None:
    departments = _departments(org)
    base = data.draw(_filters(departments))
    variants = data.draw(st.lists(_filters(departments), min_size=1, max_size=2))
    # Nest the variants inside the base often, so that differencing has something to work on.
    nested = [replace(v, tracks=base.tracks, since=base.since, competencies=base.competencies)
              for v in variants]
    boards = [(f, _board(org, f)) for f in (base, *nested)]
    assert _leaks(boards) == []
