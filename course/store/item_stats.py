"""Studio statistics queries: item analysis per question and scenario analytics, all in SQL.

Every query aggregates with GROUP BY (and window functions to rank attempts); none returns a row
per person or per answer to Python. Item analysis makes one pass over the answers: the edges of
each quiz version's upper and lower groups are found first (over attempts, a small table) and
bound into the pass as parameters, because joining a derived per-attempt table to a million
answers costs SQLite three times the pass itself. The same SQL runs on SQLite (3.25+) and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from course.domain.item_analysis import GROUP_SHARE, ItemCounts

#: The weight of "in the lower group" in the group code (more answers than this per cell cannot be).
_LOWER = 2**31
#: GROUP_SHARE as a whole percentage, for integer arithmetic in SQL (ceil(n * share)).
_SHARE_PERCENT = round(GROUP_SHARE * 100)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question's aggregates in one content version of its quiz."""

    quiz_id: str
    version: str
    question_id: str
    counts: ItemCounts
    #: How many answers chose each option position (positions never chosen are left out).
    chosen: dict[int, int]


@dataclass(frozen=True, slots=True)
class VersionRow:
    """A content version of a quiz or scenario that has data: how many attempts or runs."""

    item_id: str
    version: str
    count: int


@dataclass(frozen=True, slots=True)
class ChoiceRow:
    """A choice taken at a node: how often, by how many learners, total seconds to decide."""

    node_id: str
    choice_index: int
    target_node: str
    steps: int
    learners: int
    seconds: float


@dataclass(frozen=True, slots=True)
class ScenarioCounts:
    """What the scenario analytics show for one scenario version (and department)."""

    runs: int
    finished: int
    learners: int
    choices: tuple[ChoiceRow, ...]
    #: Unfinished runs by the node they stopped at ("" when they took no step).
    quits: tuple[tuple[str, int], ...]
    #: Runs that visited a node more than once, by node, and in all.
    loops: tuple[tuple[str, int], ...]
    looping_runs: int
    #: Finished runs by ending kind and node.
    endings: tuple[tuple[str, str, int], ...]


class _Params:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"


def _pairs_filter(params: _Params, alias: str, item: str, pairs: Sequence[tuple[str, str]] | None) -> str:
    """Return a condition keeping (item id, version) pairs (None: every pair)."""
    if pairs is None:
        return "1 = 1"
    if not pairs:
        return "1 = 0"
    terms = [
        f"({alias}.{item} = {params.bind(i)} AND {alias}.content_version = {params.bind(v)})"
        for i, v in pairs
    ]
    return "(" + " OR ".join(terms) + ")"


def list_quiz_versions(session: Session) -> list[VersionRow]:
    """Return every (quiz, content version) with attempts, and how many."""
    rows = session.connection().execute(
        text(
            "SELECT quiz_id, content_version, COUNT(*) FROM quiz_attempt GROUP BY quiz_id, content_version "
            "ORDER BY 1, 2"
        )
    )
    return [VersionRow(str(q), str(v), int(n)) for q, v, n in rows]


def list_scenario_versions(session: Session) -> list[VersionRow]:
    """Return every (scenario, content version) with runs, and how many."""
    rows = session.connection().execute(
        text(
            "SELECT scenario_id, content_version, COUNT(*) FROM scenario_run "
            "GROUP BY scenario_id, content_version ORDER BY 1, 2"
        )
    )
    return [VersionRow(str(s), str(v), int(n)) for s, v, n in rows]


@dataclass(frozen=True, slots=True)
class Cut:
    """The attempts at the edges of a quiz version's upper and lower groups: (score, id) each.

    Attempts are ranked by score (highest first), ties by id (lowest first); the upper group is
    every attempt ranked at or above `upper`, the lower group every attempt at or below `lower`.
    """

    upper_score: float
    upper_id: int
    lower_score: float
    lower_id: int


def attempt_cuts(
    session: Session, *, pairs: Sequence[tuple[str, str]] | None = None
) -> dict[tuple[str, str], Cut]:
    """Return where the upper and lower ceil(27%) of each quiz version's attempts begin."""
    params = _Params()
    where = _pairs_filter(params, "a", "quiz_id", pairs)
    statement = f"""
        WITH ranked AS (
            SELECT a.quiz_id, a.content_version, a.id, a.score,
                   ROW_NUMBER() OVER (PARTITION BY a.quiz_id, a.content_version
                                      ORDER BY a.score DESC, a.id) AS rn,
                   COUNT(*) OVER (PARTITION BY a.quiz_id, a.content_version) AS n
            FROM quiz_attempt a WHERE {where}
        )
        SELECT quiz_id, content_version, score, id, rn, n FROM ranked
        WHERE rn = (n * {_SHARE_PERCENT} + 99) / 100 OR rn = n - (n * {_SHARE_PERCENT} + 99) / 100 + 1"""
    edges: dict[tuple[str, str], dict[str, tuple[float, int]]] = {}
    for quiz, version, score, attempt_id, rank, count in session.connection().execute(
        text(statement), params.values
    ):
        group = (int(count) * _SHARE_PERCENT + 99) // 100
        found = edges.setdefault((str(quiz), str(version)), {})
        if int(rank) == group:
            found["upper"] = (float(score), int(attempt_id))
        if int(rank) == int(count) - group + 1:
            found["lower"] = (float(score), int(attempt_id))
    return {key: Cut(*e["upper"], *e["lower"]) for key, e in edges.items() if "upper" in e and "lower" in e}


def _group_case(params: _Params, cuts: dict[tuple[str, str], Cut]) -> str:
    """Return SQL giving each answer its attempt's groups, coded as upper + lower * _LOWER.

    One code rather than two flags, because SQLite substitutes the expression wherever it is
    summed: two sums (count and right answers) evaluate it twice rather than four times.

    When each quiz has one version among the cuts, a binary tree of comparisons on the quiz id
    finds the quiz's edges in log2(quizzes) steps; otherwise every (quiz, version) is tested.
    """
    if not cuts:
        return "0"

    def leaf(cut: Cut) -> str:
        up, up_id = params.bind(cut.upper_score), params.bind(cut.upper_id)
        low, low_id = params.bind(cut.lower_score), params.bind(cut.lower_id)
        return (
            f"(CASE WHEN a.score > {up} OR (a.score = {up} AND a.id <= {up_id}) THEN 1 ELSE 0 END"
            f" + CASE WHEN a.score < {low} OR (a.score = {low} AND a.id >= {low_id})"
            f" THEN {_LOWER} ELSE 0 END)"
        )

    keys = sorted(cuts)
    if len({quiz for quiz, _ in keys}) < len(keys):
        whens = " ".join(
            f"WHEN a.quiz_id = {params.bind(q)} AND a.content_version = {params.bind(v)} "
            f"THEN {leaf(cuts[(q, v)])}"
            for q, v in keys
        )
        return f"CASE {whens} ELSE 0 END"

    def tree(part: list[tuple[str, str]]) -> str:
        if len(part) == 1:
            return leaf(cuts[part[0]])
        middle = len(part) // 2
        return (
            f"CASE WHEN a.quiz_id < {params.bind(part[middle][0])} THEN {tree(part[:middle])} "
            f"ELSE {tree(part[middle:])} END"
        )

    return tree(keys)


def _chosen_case(params: _Params, position: int, *, short: bool) -> str:
    """Return SQL that is 1 when the chosen JSON list (as json.dumps writes it) holds position."""
    if short:  # every position is one digit, so the digit alone identifies it
        return f"CASE WHEN chosen LIKE {params.bind(f'%{position}%')} THEN 1 ELSE 0 END"
    patterns = [f"[{position}]", f"[{position},%", f"% {position},%", f"% {position}]"]
    return (
        "CASE WHEN " + " OR ".join(f"chosen LIKE {params.bind(p)}" for p in patterns) + " THEN 1 ELSE 0 END"
    )


def question_counts(
    session: Session, *, pairs: Sequence[tuple[str, str]] | None = None, positions: int = 6
) -> list[QuestionRow]:
    """Return each question's aggregates per quiz version (None: every quiz and version), one pass.

    The upper and lower groups come from `attempt_cuts`; option choices are counted for
    positions 0 .. positions-1 of the `chosen` JSON lists. Each answer is paired with its
    attempt's score for the point-biserial correlation.
    """
    cuts = attempt_cuts(session, pairs=pairs)
    params = _Params()
    where = _pairs_filter(params, "a", "quiz_id", pairs)
    group = _group_case(params, cuts)
    short = positions <= 10
    options = ", ".join(f"SUM({_chosen_case(params, p, short=short)})" for p in range(positions))
    statement = f"""
        WITH scored AS (
            SELECT a.quiz_id, a.content_version, q.question_id, a.person_id, q.seconds, q.chosen,
                   a.score AS y, CASE WHEN q.correct THEN 1 ELSE 0 END AS x, {group} AS g
            FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
            WHERE {where}
        )
        SELECT quiz_id, content_version, question_id, COUNT(*), COUNT(DISTINCT person_id), SUM(x),
               SUM(seconds), SUM(g), SUM(g * x), SUM(y), SUM(y * y), SUM(x * y),
               {options}
        FROM scored
        GROUP BY quiz_id, content_version, question_id
        ORDER BY 1, 2, 3"""
    rows = session.connection().execute(text(statement), params.values)
    result = []
    for quiz, version, question, n, learners, ok, seconds, g, g_ok, y, y2, xy, *chosen in rows:
        (lw, h), (lw_ok, h_ok) = divmod(int(g), _LOWER), divmod(int(g_ok), _LOWER)
        counts = ItemCounts(
            int(n),
            int(learners),
            int(ok),
            float(seconds or 0),
            int(h),
            int(h_ok),
            int(lw),
            int(lw_ok),
            float(y or 0),
            float(y2 or 0),
            float(xy or 0),
        )
        picked = {p: int(c) for p, c in enumerate(chosen) if c}
        result.append(QuestionRow(str(quiz), str(version), str(question), counts, picked))
    return result


def _run_filter(params: _Params, scenario_id: str, version: str, department: str | None) -> str:
    condition = f"r.scenario_id = {params.bind(scenario_id)} AND r.content_version = {params.bind(version)}"
    if department is not None:
        condition += f" AND p.department = {params.bind(department)}"
    return condition


def scenario_departments(session: Session, *, scenario_id: str, version: str) -> list[tuple[str, int]]:
    """Return the departments whose learners ran this scenario version, with learner counts."""
    params = _Params()
    statement = f"""
        SELECT p.department, COUNT(DISTINCT r.person_id)
        FROM scenario_run r JOIN person p ON p.id = r.person_id
        WHERE {_run_filter(params, scenario_id, version, None)}
        GROUP BY p.department ORDER BY 1"""
    return [(str(d), int(n)) for d, n in session.connection().execute(text(statement), params.values)]


def scenario_counts(
    session: Session, *, scenario_id: str, version: str, department: str | None = None
) -> ScenarioCounts:
    """Return choices, quits, loops and endings of a scenario version (optionally one department)."""
    connection = session.connection()
    params = _Params()
    where = _run_filter(params, scenario_id, version, department)
    runs_from = f"scenario_run r JOIN person p ON p.id = r.person_id WHERE {where}"
    runs, finished, learners = connection.execute(
        text(
            f"SELECT COUNT(*), SUM(CASE WHEN r.finished_at IS NOT NULL THEN 1 ELSE 0 END), "
            f"COUNT(DISTINCT r.person_id) FROM {runs_from}"
        ),
        params.values,
    ).one()
    choices = connection.execute(
        text(f"""
        SELECT st.node_id, st.choice_index, st.target_node, COUNT(*), COUNT(DISTINCT r.person_id),
               SUM(st.seconds)
        FROM scenario_step st JOIN scenario_run r ON r.id = st.run_id JOIN person p ON p.id = r.person_id
        WHERE {where}
        GROUP BY st.node_id, st.choice_index, st.target_node ORDER BY 1, 2, 3"""),
        params.values,
    )
    choice_rows = tuple(
        ChoiceRow(str(n), int(c), str(t), int(k), int(m), float(s or 0)) for n, c, t, k, m, s in choices
    )
    # Where an unfinished run stands: the target of its last step (r.steps is kept equal to it).
    quits = connection.execute(
        text(f"""
        SELECT COALESCE(st.target_node, ''), COUNT(*)
        FROM scenario_run r JOIN person p ON p.id = r.person_id
        LEFT JOIN scenario_step st ON st.run_id = r.id AND st.step_no = r.steps
        WHERE {where} AND r.finished_at IS NULL
        GROUP BY COALESCE(st.target_node, '') ORDER BY 2 DESC, 1"""),
        params.values,
    )
    repeats = f"""
        SELECT st.run_id, st.node_id
        FROM scenario_step st JOIN scenario_run r ON r.id = st.run_id JOIN person p ON p.id = r.person_id
        WHERE {where}
        GROUP BY st.run_id, st.node_id HAVING COUNT(*) > 1"""
    loops = connection.execute(
        text(f"SELECT node_id, COUNT(*) FROM ({repeats}) rep GROUP BY node_id ORDER BY 2 DESC, 1"),
        params.values,
    )
    looping = connection.execute(
        text(f"SELECT COUNT(DISTINCT run_id) FROM ({repeats}) rep"), params.values
    ).scalar_one()
    endings = connection.execute(
        text(f"""
        SELECT COALESCE(r.ending_kind, ''), COALESCE(r.ending_node, ''), COUNT(*) FROM {runs_from}
        AND r.finished_at IS NOT NULL
        GROUP BY COALESCE(r.ending_kind, ''), COALESCE(r.ending_node, '') ORDER BY 3 DESC, 1, 2"""),
        params.values,
    )
    return ScenarioCounts(
        runs=int(runs),
        finished=int(finished or 0),
        learners=int(learners),
        choices=choice_rows,
        quits=tuple((str(n), int(c)) for n, c in quits),
        loops=tuple((str(n), int(c)) for n, c in loops),
        looping_runs=int(looping or 0),
        endings=tuple((str(k), str(n), int(c)) for k, n, c in endings),
    )
