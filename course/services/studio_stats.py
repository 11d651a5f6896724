"""Learning from learners: item analysis of quiz questions and scenario analytics, for trainers.

Both use cases check Action.VIEW_ITEM_STATS (a refusal is audited), read their aggregates from
the store (item analysis: the counters of course/store/item_counters.py, kept as attempts are
written; scenarios: the GROUP BY queries of course/store/scenario_stats.py), join them with the
loaded course (file, line, option texts, node titles) and keep the results in the `StatsCache`
passed in, keyed by the data version and the content, like the dashboard. Item analysis pools,
for each question of the loaded course, every version's answers asked in its present wording.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, NamedTuple, TypeVar

from course.content.common import content_version
from course.content.quizzes import parse_quiz
from course.domain.dashboard import TOTAL, Suppression, suppress_rows
from course.domain.item_analysis import ItemCounts, ItemStats, analyse, placements_right, pool_counts
from course.domain.model import Course, Question, QuestionKind, Quiz
from course.domain.permissions import Action, Actor
from course.domain.question_hash import question_hash
from course.domain.wording import plain
from course.services.cache import LruCache
from course.services.dashboard import content_key
from course.services.org_settings import read_privacy
from course.services.permissions import require
from course.store import analytics, content_history, item_counters, item_stats, question_forms, scenario_stats
from course.store.engine import Engine, Session, read_session
from course.store.item_stats import VersionRow
from course.store.scenario_stats import ChoiceRow, EndingRow, LoopRow, ScenarioCounts, StopRow

_Row = TypeVar("_Row", ChoiceRow, StopRow, LoopRow, EndingRow)

#: An unfinished run with no step for this long counts as abandoned; a more recent one is in progress.
ABANDONED_AFTER = timedelta(days=7)



@dataclass(frozen=True, slots=True)
class OptionUse:
    """How often an option was chosen: its position in the file, text and whether it is right."""

    index: int
    text: str
    correct: bool
    chosen: int


@dataclass(frozen=True, slots=True)
class PartUse:
    """How often one position of an ordering, or one pair of a matching, was answered rightly."""

    index: int
    text: str
    right: int
    answers: int

    @property
    def facility(self) -> float | None:
        """Return the share of answers that got this position or pair right."""
        return self.right / self.answers if self.answers else None


class PooledVersion(NamedTuple):
    """A content version of a quiz counted in a question's statistics: its answers to the question."""

    version: str
    answers: int
    first_answered: datetime
    current: bool


@dataclass(frozen=True, slots=True)
class ItemReport:
    """One question of one quiz version, with where it is written and how it performs."""

    quiz_id: str
    quiz_title: str
    version: str
    current: bool
    question_id: str
    stem: str
    competency: str
    source: str
    line: int | None
    options: tuple[OptionUse, ...]
    stats: ItemStats
    #: For an ordering or matching question: each position or pair, with how often it was right.
    parts: tuple[PartUse, ...] = ()
    #: The content versions counted together: every one in which this question read as now.
    pooled: tuple[PooledVersion, ...] = ()
    #: Whether answers to another wording of this question exist (under those versions).
    changed: bool = False

    @property
    def counted_since(self) -> datetime | None:
        """Return when the first counted answer was given (None when unknown)."""
        return min((p.first_answered for p in self.pooled), default=None)

    @property
    def location(self) -> str:
        """Return `path:line` of the question (just the path when the question is gone)."""
        return self.source if self.line is None else f"{self.source}:{self.line}"


class QuizVersion(NamedTuple):
    """A quiz version with attempts, and whether it is the version now loaded."""

    quiz_id: str
    version: str
    attempts: int
    current: bool


class ScenarioVersion(NamedTuple):
    """A scenario version with runs, and whether it is the version now loaded."""

    version: str
    runs: int
    current: bool


class NodeRuns(NamedTuple):
    """How many runs a scenario node counts (standing there, or looping through it)."""

    node_id: str
    title: str
    runs: int


class EndingRuns(NamedTuple):
    """How many runs reached one ending."""

    kind: str
    node_id: str
    title: str
    runs: int


class NodeTime(NamedTuple):
    """How many decisions were taken at a node, and the mean seconds they took."""

    node_id: str
    title: str
    decisions: int
    mean_seconds: float


class DepartmentSize(NamedTuple):
    """A department whose figures may be shown, with its learner count."""

    department: str
    learners: int


@dataclass(frozen=True, slots=True)
class ItemAnalysis:
    """Every analysed question, worst first, and the quiz versions that have data."""

    items: tuple[ItemReport, ...]
    versions: tuple[QuizVersion, ...]


@dataclass(frozen=True, slots=True)
class ChoiceUse:
    """A choice at a node: how often it was taken, by how many learners, mean time to decide."""

    node_id: str
    node_title: str
    choice_index: int
    label: str
    target_node: str
    steps: int
    learners: int
    mean_seconds: float


@dataclass(frozen=True, slots=True)
class ScenarioAnalytics:
    """Choices, stops, loops, endings and time to decide of a scenario version.

    For one department, only what the small-group rule lets through: nothing at all when the
    department is hidden (`suppression`), and no row that fewer than the minimum number of its
    learners are behind, or that would give such a row away (`hidden_rows` counts them).
    """

    scenario_id: str
    title: str
    version: str
    department: str | None
    runs: int
    finished: int
    learners: int
    choices: tuple[ChoiceUse, ...]
    #: Unfinished runs standing at each node with no step for ABANDONED_AFTER.
    abandoned: tuple[NodeRuns, ...]
    #: Unfinished runs standing at each node with a more recent step.
    in_progress: tuple[NodeRuns, ...]
    #: Runs that visited each node more than once.
    loops: tuple[NodeRuns, ...]
    looping_runs: int
    endings: tuple[EndingRuns, ...]
    decision_time: tuple[NodeTime, ...]
    #: Departments whose figures may be shown, with their learner counts.
    departments: tuple[DepartmentSize, ...]
    #: Versions with runs.
    versions: tuple[ScenarioVersion, ...]
    #: Departments that played this version but are too small to show (or would give one away).
    hidden_departments: tuple[str, ...] = ()
    #: Whether this result's department is shown; when not, every figure is empty.
    suppression: Suppression = Suppression.SHOWN
    #: Rows of this department left out because too few of its learners are behind them.
    hidden_rows: int = 0
    min_group_size: int = 5

    @property
    def decisions(self) -> int:
        """Return how many decisions the shown choices add up to."""
        return sum(c.steps for c in self.choices)

    @property
    def quits(self) -> tuple[NodeRuns, ...]:
        """Return every unfinished run by the node it stands at (abandoned and in progress together)."""
        stops: dict[tuple[str, str], int] = {}
        for stop in self.abandoned + self.in_progress:
            stops[(stop.node_id, stop.title)] = stops.get((stop.node_id, stop.title), 0) + stop.runs
        ranked = sorted(stops.items(), key=lambda item: (-item[1], item[0]))
        return tuple(NodeRuns(node_id, title, runs) for (node_id, title), runs in ranked)


class StatsCache(LruCache[object]):
    """Computed item and scenario statistics (aggregates only, never security state)."""


def _cache_key(engine: Engine, course: Course, *parts: Any) -> tuple[Any, ...]:
    with read_session(engine) as session:
        version = analytics.get_data_version(session)
    return (version, content_key(course), *parts)


def get_item_analysis(
    engine: Engine,
    actor: Actor,
    course: Course,
    *,
    quiz_id: str | None = None,
    version: str | None = None,
    cache: StatsCache | None = None,
) -> ItemAnalysis:
    """Return the item analysis of every question (or one quiz's), in one version of each quiz.

    `version` None means the version of each quiz now loaded; a version of a quiz that is no
    longer in the course can still be asked for by its hash.
    """
    require(engine, actor, Action.VIEW_ITEM_STATS)
    if cache is None:
        return _compute_items(engine, course, quiz_id=quiz_id, version=version)
    key = _cache_key(engine, course, "items", quiz_id, version)
    found = cache.get(key)
    if isinstance(found, ItemAnalysis):
        return found
    result = _compute_items(engine, course, quiz_id=quiz_id, version=version)
    cache.put(key, result)
    return result


def _compute_items(
    engine: Engine, course: Course, *, quiz_id: str | None, version: str | None
) -> ItemAnalysis:
    with read_session(engine) as session:
        scores = item_stats.list_quiz_scores(session)
        known = item_stats.version_rows(scores)
        wanted = [
            (r.item_id, r.version)
            for r in known
            if (quiz_id is None or r.item_id == quiz_id)
            and (r.version == version if version is not None else r.item_id in course.quizzes)
        ]
        counted = item_counters.read_counts(session, wanted, scores=scores)
        if version is None:
            reports = _pooled_reports(session, course, counted)
        else:
            reports = _version_reports(session, course, counted)
    reports.sort(key=_worst_first)
    versions = tuple(
        QuizVersion(
            r.item_id,
            r.version,
            r.count,
            r.item_id in course.quizzes and course.quizzes[r.item_id].meta.version == r.version,
        )
        for r in known
        if quiz_id is None or r.item_id == quiz_id
    )
    return ItemAnalysis(tuple(reports), versions)


#: Question hashes of quiz versions, loaded or read back from the history: {(path, version): {id: hash}}.
_HASHES: LruCache[dict[str, str]] = LruCache(512)


def _question_hashes(
    session: Session, course: Course, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, str]]:
    """Return the hash of each question of each quiz version whose text is known.

    The loaded version is known; an older one is known when the content history holds a file
    with its hash, which is parsed again (once per process). A version whose text is lost maps
    to nothing, so that its answers are never pooled with anyone's.
    """
    found: dict[tuple[str, str], dict[str, str]] = {}
    older = []
    for quiz_id, version in pairs:
        quiz = course.quizzes.get(quiz_id)
        if quiz is not None and quiz.meta.version == version:
            found[(quiz_id, version)] = _hashes_of(quiz.meta.source, version, partial(_same, quiz))
        else:
            older.append((quiz_id, version))
    texts = content_history.texts_by_hash(session, [version for _, version in older]) if older else {}
    for quiz_id, version in older:
        if version in texts and content_version(texts[version][1]) == version:  # the text is that version
            path, body = texts[version]
            found[(quiz_id, version)] = _hashes_of(path, version, partial(_parsed, body, path, quiz_id))
    return found


def _cell(row: item_stats.QuestionRow) -> item_stats.Cell:
    return (row.quiz_id, row.version, row.question_id, row.form_id)


def _pooled_row(
    version: str,
    pooled: list[item_stats.QuestionRow],
    patterns: dict[item_stats.Cell, dict[str, int]],
    learners: int,
) -> tuple[item_stats.QuestionRow, dict[str, int]]:
    """Return one row adding up a question's rows of several versions, and its answer patterns."""
    chosen: dict[int, int] = {}
    answered: dict[str, int] = {}
    for r in pooled:
        for position, n in r.chosen.items():
            chosen[position] = chosen.get(position, 0) + n
        for pattern, n in patterns.get(_cell(r), {}).items():
            answered[pattern] = answered.get(pattern, 0) + n
    counts = pool_counts([r.counts for r in pooled], learners=learners)
    first = pooled[0]
    return item_stats.QuestionRow(first.quiz_id, version, first.question_id, counts, chosen), answered


def _same(quiz: Quiz) -> Quiz:
    return quiz


def _parsed(body: str, path: str, quiz_id: str) -> Quiz | None:
    """Return a quiz file's text parsed, or None when it has errors or holds another quiz."""
    quiz = parse_quiz(body, source=path).item
    return quiz if quiz is not None and quiz.meta.id == quiz_id else None


def _hashes_of(path: str, version: str, quiz: Callable[[], Quiz | None]) -> dict[str, str]:
    """Return the hash of each question of one version of a quiz file (kept once computed)."""
    hashes = _HASHES.get((path, version))
    if hashes is None:
        parsed = quiz()
        hashes = {} if parsed is None else {q.id: question_hash(q) for q in parsed.questions}
        _HASHES.put((path, version), hashes)
    return hashes


def _asked_hashes(
    session: Session, course: Course, rows: list[item_stats.QuestionRow]
) -> dict[item_stats.Cell, str]:
    """Return the hash of the wording each row's answers were asked in, where it is known.

    Answers store their wording (question_forms.py); for older answers recorded without one,
    the wording is worked out from the version's text (_question_hashes), when that is known.
    """
    stored = question_forms.hashes_of(session, [r.form_id for r in rows if r.form_id is not None])
    unknown = {(r.quiz_id, r.version) for r in rows if r.form_id is None}
    worked_out = _question_hashes(session, course, unknown) if unknown else {}
    found = {}
    for row in rows:
        if row.form_id is not None:
            digest = stored.get(row.form_id)
        else:
            digest = worked_out.get((row.quiz_id, row.version), {}).get(row.question_id)
        if digest is not None:
            found[_cell(row)] = digest
    return found


def _pooled_reports(session: Session, course: Course, counted: item_counters.Counted) -> list[ItemReport]:
    """Return a report per question of the loaded course, pooling the rows asked in its present wording.

    Rows come one per version and wording: a version whose answers met two wordings under one
    version string (a file edited behind the app's back) only pools the rows of the present one.
    """
    rows = counted.rows
    asked = _asked_hashes(session, course, rows)
    firsts = item_stats.first_attempts(session)
    pools: dict[tuple[str, str], list[item_stats.QuestionRow]] = {}
    changed: set[tuple[str, str]] = set()
    for row in rows:
        quiz = course.quizzes[row.quiz_id]
        now = _find_question(quiz, row.question_id)
        if now is None:
            continue
        present = _hashes_of(quiz.meta.source, quiz.meta.version, partial(_same, quiz)).get(now.id)
        if asked.get(_cell(row)) == present:
            pools.setdefault((row.quiz_id, row.question_id), []).append(row)
        else:
            changed.add((row.quiz_id, row.question_id))
    learners = _pool_learners(session, pools, counted.form_learners)
    reports = []
    for key, pooled in sorted(pools.items()):
        quiz = course.quizzes[key[0]]
        row, answered = _pooled_row(quiz.meta.version, pooled, counted.patterns, learners.get(key, 0))
        reports.append(_report(
            course, row, answered,
            pooled=_pooled_versions(pooled, firsts, current=quiz.meta.version),
            changed=key in changed,
        ))
    return reports


Pools = dict[tuple[str, str], list[item_stats.QuestionRow]]


def _pool_learners(
    session: Session, pools: Pools, form_learners: dict[int, int]
) -> dict[tuple[str, str], int]:
    """Return how many people answered each pool's rows.

    A pool holds every row of one stored wording, whose learners are counted as answers are
    recorded; a pool that also holds answers recorded without a wording counts them from the
    answers (item_stats.pooled_learners).
    """
    found: dict[tuple[str, str], int] = {}
    older = []
    for (quiz, question), pooled in sorted(pools.items()):
        forms = {r.form_id for r in pooled}
        if None in forms:
            older.append((quiz, question, [(r.version, r.form_id) for r in pooled]))
        else:
            found[(quiz, question)] = sum(form_learners.get(form, 0) for form in forms if form is not None)
    found.update(item_stats.pooled_learners(session, older))
    return found


def _version_reports(session: Session, course: Course, counted: item_counters.Counted) -> list[ItemReport]:
    """Return a report per question of one version: all its answers, whatever wording they met."""
    by_question: dict[tuple[str, str], list[item_stats.QuestionRow]] = {}
    for row in counted.rows:
        by_question.setdefault((row.quiz_id, row.question_id), []).append(row)
    learners = item_stats.pooled_learners(session, [
        (quiz, question, [(r.version, r.form_id) for r in rows])
        for (quiz, question), rows in sorted(by_question.items())])
    reports = []
    for key, rows in sorted(by_question.items()):
        row, answered = _pooled_row(rows[0].version, rows, counted.patterns, learners.get(key, 0))
        reports.append(_report(course, row, answered))
    return reports


def _pooled_versions(
    pooled: list[item_stats.QuestionRow], firsts: dict[tuple[str, str], datetime], *, current: str
) -> tuple[PooledVersion, ...]:
    """Return the versions counted in a pool, oldest first, each with its answers (over its wordings)."""
    answers: dict[str, int] = {}
    for r in pooled:
        answers[r.version] = answers.get(r.version, 0) + r.counts.answers
    quiz = pooled[0].quiz_id
    by_time = sorted(answers, key=lambda v: (firsts[(quiz, v)], v))
    return tuple(PooledVersion(v, answers[v], firsts[(quiz, v)], v == current) for v in by_time)


def _worst_first(report: ItemReport) -> tuple[Any, ...]:
    stats = report.stats
    discrimination = stats.discrimination if stats.discrimination is not None else 1.0
    return (not stats.judged, -stats.severity, discrimination, report.quiz_id, report.question_id)


def _find_question(quiz: Quiz | None, question_id: str) -> Question | None:
    if quiz is None:
        return None
    return next((q for q in quiz.questions if q.id == question_id), None)


def _parts(question: Question, patterns: dict[str, int], answers: int) -> tuple[PartUse, ...]:
    """Return each position or pair of an ordering or matching question with its right answers."""
    right = placements_right(patterns, len(question.items))
    if question.kind is QuestionKind.ORDER:
        labels = [f"position {e.index + 1}: {e.text}" for e in question.items]
    else:
        labels = [f"{e.text} → {e.match_text}" for e in question.items]
    return tuple(PartUse(i, label, n, answers)
                 for i, (label, n) in enumerate(zip(labels, right, strict=True)))


def _report(
    course: Course,
    row: item_stats.QuestionRow,
    patterns: dict[str, int],
    *,
    pooled: tuple[PooledVersion, ...] = (),
    changed: bool = False,
) -> ItemReport:
    quiz = course.quizzes.get(row.quiz_id)
    question = _find_question(quiz, row.question_id)
    chosen = row.chosen
    parts: tuple[PartUse, ...] = ()
    if question is not None and question.items:
        uses: tuple[OptionUse, ...] = ()
        parts = _parts(question, patterns, row.counts.answers)
    elif question is not None:
        uses = tuple(
            OptionUse(o.index, o.text or plain(o.html), o.correct, chosen.get(o.index, 0))
            for o in question.options
        )
    else:  # the question is no longer in the loaded course: positions only
        uses = tuple(OptionUse(i, f"option {i + 1}", False, n) for i, n in sorted(chosen.items()))
    counts: ItemCounts = row.counts
    return ItemReport(
        quiz_id=row.quiz_id,
        quiz_title=quiz.meta.title if quiz is not None else row.quiz_id,
        version=row.version,
        current=quiz is not None and quiz.meta.version == row.version,
        question_id=row.question_id,
        stem=plain(question.stem_html) if question is not None else "(no longer in the course)",
        competency=question.competency if question is not None else "",
        source=quiz.meta.source if quiz is not None else "",
        line=question.line if question is not None else None,
        options=uses,
        stats=analyse(counts),
        parts=parts,
        pooled=pooled,
        changed=changed,
    )


def get_scenario_analytics(
    engine: Engine,
    actor: Actor,
    course: Course,
    *,
    scenario_id: str,
    version: str | None = None,
    department: str | None = None,
    cache: StatsCache | None = None,
    now: datetime | None = None,
) -> ScenarioAnalytics:
    """Return how a scenario version is played (the loaded version unless asked), optionally by department.

    Departments smaller than the organisation's minimum group (course/services/org_settings.py)
    are hidden as on the leadership
    dashboard; the figures for all departments together are always shown.
    """
    require(engine, actor, Action.VIEW_ITEM_STATS)
    scenario = course.scenarios.get(scenario_id)
    chosen_version = version or (scenario.meta.version if scenario is not None else "")
    when = now or datetime.now(UTC)
    # Runs turn abandoned as time passes: cached results are kept for the hour at most.
    hour = when.replace(minute=0, second=0, microsecond=0)
    key = (
        _cache_key(engine, course, "scenario", scenario_id, chosen_version, department, hour)
        if cache is not None
        else ()
    )
    if cache is not None:
        found = cache.get(key)
        if isinstance(found, ScenarioAnalytics):
            return found
    with read_session(engine) as session:
        k = read_privacy(session).min_group_size
        versions = [r for r in scenario_stats.list_scenario_versions(session) if r.item_id == scenario_id]
        by_department = scenario_stats.scenario_counts(
            session, scenario_id=scenario_id, version=chosen_version, abandoned_before=when - ABANDONED_AFTER
        )
    result = _scenario_result(
        course, scenario_id, chosen_version, department, by_department, versions, min_group_size=k
    )
    if cache is not None:
        cache.put(key, result)
    return result


def _shown_rows(
    by_department: dict[str, ScenarioCounts], department: str, min_group_size: int
) -> tuple[ScenarioCounts, int]:
    """Return a department's counts without the rows too few of its learners are behind, and how many.

    Each row (a choice, a stop, a loop, an ending) is a line across departments, suppressed as the
    leadership dashboard suppresses a scenario flow: by suppress_rows over the line's learners.
    """
    hidden = 0

    def keep(rows_of: Callable[[ScenarioCounts], tuple[_Row, ...]], line: Callable[[_Row], Hashable]) -> Any:
        nonlocal hidden
        lines: dict[Hashable, dict[str, int]] = {}
        for name, counts in by_department.items():
            for row in rows_of(counts):
                lines.setdefault(line(row), {})[name] = row.learners
        kept = []
        for row in rows_of(by_department[department]):
            if department in suppress_rows(lines[line(row)], min_group_size=min_group_size):
                hidden += 1
            else:
                kept.append(row)
        return tuple(kept)

    shown = replace(
        by_department[department],
        choices=keep(lambda c: c.choices, lambda r: (r.node_id, r.choice_index, r.target_node)),
        stops=keep(lambda c: c.stops, lambda r: r.node_id),
        loops=keep(lambda c: c.loops, lambda r: r.node_id),
        endings=keep(lambda c: c.endings, lambda r: (r.kind, r.node_id)),
    )
    return shown, hidden


def _scenario_result(
    course: Course,
    scenario_id: str,
    version: str,
    department: str | None,
    by_department: dict[str, ScenarioCounts],
    versions: list[VersionRow],
    *,
    min_group_size: int,
) -> ScenarioAnalytics:
    k = min_group_size
    hidden = suppress_rows({d: c.learners for d, c in by_department.items()}, min_group_size=k)
    hidden.pop(TOTAL, None)  # the figures of all departments together stay
    suppression, hidden_rows = Suppression.SHOWN, 0
    if department is None:
        counts = scenario_stats.add_up(by_department.values())
    elif department in hidden:
        counts, suppression = ScenarioCounts(0, 0, 0), hidden[department]
    elif department in by_department:
        counts, hidden_rows = _shown_rows(by_department, department, k)
    else:
        counts = ScenarioCounts(0, 0, 0)
    scenario = course.scenarios.get(scenario_id)
    start = scenario.start if scenario is not None else ""

    def title(node_id: str) -> str:
        return scenario.title_of(node_id) if scenario is not None else node_id

    def label(node_id: str, index: int) -> str:
        choice = scenario.choice(node_id, index) if scenario is not None else None
        if choice is None:
            return f"choice {index + 1}"
        return choice.label_text or plain(choice.label_html)

    choices = tuple(
        ChoiceUse(
            c.node_id,
            title(c.node_id),
            c.choice_index,
            label(c.node_id, c.choice_index),
            c.target_node,
            c.steps,
            c.learners,
            c.seconds / c.steps if c.steps else 0.0,
        )
        for c in counts.choices
    )
    per_node: dict[str, tuple[int, float]] = {}
    for c in counts.choices:
        steps, seconds = per_node.get(c.node_id, (0, 0.0))
        per_node[c.node_id] = (steps + c.steps, seconds + c.seconds)
    stops: dict[str, tuple[int, int]] = {}
    for s in counts.stops:  # a run with no step stands at the start node
        abandoned, in_progress = stops.get(s.node_id or start, (0, 0))
        stops[s.node_id or start] = (abandoned + s.abandoned, in_progress + s.in_progress)

    def by_runs(column: int) -> tuple[NodeRuns, ...]:
        rows = [NodeRuns(n, title(n), v[column]) for n, v in stops.items() if v[column]]
        return tuple(sorted(rows, key=lambda r: (-r.runs, r.node_id)))

    return ScenarioAnalytics(
        scenario_id=scenario_id,
        title=scenario.meta.title if scenario is not None else scenario_id,
        version=version,
        department=department,
        runs=counts.runs,
        finished=counts.finished,
        learners=counts.learners,
        choices=choices,
        abandoned=by_runs(0),
        in_progress=by_runs(1),
        loops=tuple(
            NodeRuns(r.node_id, title(r.node_id), r.runs)
            for r in sorted(counts.loops, key=lambda r: (-r.runs, r.node_id))
        ),
        looping_runs=counts.looping_runs,
        endings=tuple(
            EndingRuns(e.kind, e.node_id, title(e.node_id), e.runs)
            for e in sorted(counts.endings, key=lambda e: (-e.runs, e.kind, e.node_id))
        ),
        decision_time=tuple(NodeTime(n, title(n), s, t / s) for n, (s, t) in sorted(per_node.items()) if s),
        departments=tuple(
            DepartmentSize(d, c.learners) for d, c in sorted(by_department.items()) if d not in hidden
        ),
        versions=tuple(
            ScenarioVersion(r.version, r.count, scenario is not None and scenario.meta.version == r.version)
            for r in versions
        ),
        hidden_departments=tuple(sorted(hidden)),
        suppression=suppression,
        hidden_rows=hidden_rows,
        min_group_size=k,
    )
