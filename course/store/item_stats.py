"""Item analysis queries: per quiz question and content version, all in SQL (scenarios: scenario_stats.py).

Every query aggregates with GROUP BY; none returns a row per person or per answer to Python.
The same SQL runs on SQLite (3.25+) and PostgreSQL.

Item analysis makes one pass over the answers, shaped for SQLite, which groups by sorting (its
cost is mostly that sort, as for the facility query it is measured against in bench/studio.py):

- the edges of each quiz version's upper and lower groups come first, from score counts read
  off the index on (quiz_id, content_version, score) and one id lookup per edge;
- each attempt's quiz version (as a small number) and groups are computed once per attempt, by a
  binary search on (quiz id, version) with the edges bound as parameters, then the answers are
  read in attempt order;
- the sort key is the question id alone, a third of the cost of one holding the quiz id and
  content version; a question id shared by two quiz versions asked for is counted again;
- counts travel packed: upper and lower group counts in one integer, all option counts in a few
  integers with `width` bits each, so that few sums run per answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from course.domain.item_analysis import GROUP_SHARE, ItemCounts
from course.store._sql import Params, dialect_name
from course.store.tables import QuizAttempt

#: The weight of "in the lower group" in an attempt's group code (more answers than this per cell cannot be).
_LOWER = 2**31
#: GROUP_SHARE as a whole percentage, for exact integer arithmetic (ceil(n * share)).
_SHARE_PERCENT = round(GROUP_SHARE * 100)
#: A LIMIT that keeps every row: it stops SQLite from inlining the subquery (see the module docstring).
_ALL = 2**63 - 1


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question's aggregates in one content version of its quiz."""

    quiz_id: str
    version: str
    question_id: str
    counts: ItemCounts
    #: How many answers chose each option position (positions never chosen are left out).
    chosen: dict[int, int]
    #: The wording these answers were asked in (question_form.id): None for answers recorded
    #: without one, or when the rows were not split by wording.
    form_id: int | None = None


@dataclass(frozen=True, slots=True)
class VersionRow:
    """A content version of a quiz or scenario that has data: how many attempts or runs."""

    item_id: str
    version: str
    count: int


#: Attempts per score of each quiz version, highest score first: {(quiz id, version): ((score, n), ...)}.
Scores = dict[tuple[str, str], tuple[tuple[float, int], ...]]


def list_quiz_scores(session: Session) -> Scores:
    """Return how many attempts each quiz version has per score (one pass over an index)."""
    rows = session.connection().execute(
        text(
            "SELECT quiz_id, content_version, score, COUNT(*) FROM quiz_attempt "
            "GROUP BY quiz_id, content_version, score"
        )
    )
    found: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for quiz, version, score, count in rows:
        found.setdefault((str(quiz), str(version)), []).append((float(score), int(count)))
    return {key: tuple(sorted(counted, reverse=True)) for key, counted in sorted(found.items())}


def version_rows(scores: Scores) -> list[VersionRow]:
    """Return every (quiz, content version) of the scores with its number of attempts."""
    return [
        VersionRow(quiz, version, sum(n for _, n in counted)) for (quiz, version), counted in scores.items()
    ]


@dataclass(frozen=True, slots=True)
class Cut:
    """The attempts at the edges of a quiz version's upper and lower groups: (score, id) each.

    Attempts are ranked by score (highest first), ties by id (lowest first); the upper group is
    every attempt ranked at or above `upper`, the lower group every attempt at or below `lower`.
    `attempts` is how many attempts the version has.
    """

    upper_score: float
    upper_id: int
    lower_score: float
    lower_id: int
    attempts: int


def group_size(attempts: int) -> int:
    """Return how many attempts each of the upper and lower groups holds: ceil(GROUP_SHARE x n)."""
    return (attempts * _SHARE_PERCENT + 99) // 100


def _at_rank(scores: tuple[tuple[float, int], ...], rank: int) -> tuple[float, int]:
    """Return the score at a 1-based rank and how many attempts of that score rank above it."""
    above = 0
    for score, count in scores:
        if above + count >= rank:
            return score, rank - above - 1
        above += count
    raise ValueError(f"rank {rank} is beyond {above} attempts")


def _wanted(scores: Scores, pairs: Sequence[tuple[str, str]] | None) -> Scores:
    """Return the scores of the quiz versions in `pairs` (None: all of them)."""
    if pairs is None:
        return scores
    chosen = set(pairs)
    return {key: counted for key, counted in scores.items() if key in chosen}


def attempt_cuts(
    session: Session, pairs: Sequence[tuple[str, str]] | None = None, *, scores: Scores | None = None
) -> dict[tuple[str, str], Cut]:
    """Return where the upper and lower ceil(27%) of each quiz version's attempts begin.

    `pairs` names the (quiz id, version) wanted (None: every version with attempts); `scores`
    (from list_quiz_scores) saves reading the score counts again when the caller has them.
    """
    scores = _wanted(scores if scores is not None else list_quiz_scores(session), pairs)
    if not scores:
        return {}
    params = Params()
    edges: list[tuple[tuple[str, str], float, float, str]] = []
    for key, counted in scores.items():
        attempts = sum(n for _, n in counted)
        group = group_size(attempts)
        upper, lower = _at_rank(counted, group), _at_rank(counted, attempts - group + 1)
        # Numbers that came out of the database go back in as literals: repr() of a float is exact.
        lookups = [
            f"(SELECT id FROM quiz_attempt WHERE quiz_id = {params.bind(key[0])} "
            f"AND content_version = {params.bind(key[1])} AND score = {score!r} "
            f"ORDER BY id LIMIT 1 OFFSET {offset:d})"
            for score, offset in (upper, lower)
        ]
        edges.append((key, upper[0], lower[0], ", ".join(lookups)))
    ids = (
        session.connection()
        .execute(params.statement("SELECT " + ", ".join(e[3] for e in edges)), params.values)
        .one()
    )
    return {
        key: Cut(up, int(ids[2 * n]), low, int(ids[2 * n + 1]), sum(k for _, k in scores[key]))
        for n, (key, up, low, _) in enumerate(edges)
    }


def _option_words(positions: int, width: int) -> list[tuple[int, str]]:
    """Return (first position, SQL) of each word that counts option choices, `width` bits a position.

    Summed, a word holds the count of each of its positions in its own bits, so that a few sums
    count every option. Single choices (`[2]`) are matched whole, which is cheap; other lists (as
    json.dumps writes them) are tested position by position. The patterns are made of digits
    here, so they are written as literals.
    """
    per_word = max(1, 63 // width)
    words = []
    for first in range(0, positions, per_word):
        mine = range(first, min(first + per_word, positions))
        singles = " ".join(
            f"WHEN '[{p}]' THEN {1 << (width * (p - first)) if p in mine else 0}" for p in range(positions)
        )
        if positions <= 10:  # every position is one digit, so the digit alone identifies it
            tests = {p: [f"%{p}%"] for p in mine}
        else:
            tests = {p: [f"[{p}]", f"[{p},%", f"% {p},%", f"% {p}]"] for p in mine}
        each = " + ".join(
            "CASE WHEN "
            + " OR ".join(f"q.chosen LIKE '{t}'" for t in patterns)
            + f" THEN {1 << (width * (p - first))} ELSE 0 END"
            for p, patterns in tests.items()
        )
        words.append((first, f"CASE q.chosen {singles} ELSE {each} END"))
    return words


def _attempt_code(
    params: Params, keys: list[tuple[str, str]], cuts: dict[tuple[str, str], Cut], text_order: str
) -> str:
    """Return SQL giving an attempt 4 x (its quiz version's number in `keys`) + its groups, or -1.

    The groups are 1 for upper and 2 for lower. A binary search on (quiz id, version) finds the
    version's number in log2(versions) comparisons; `text_order` is the collation clause that
    makes the database compare text as Python sorts it.
    """

    def leaf(number: int) -> str:
        quiz, version = keys[number]
        cut = cuts[keys[number]]
        # Numbers that came out of the database go back in as literals: repr() of a float is exact.
        up, up_id, low, low_id = (
            f"{cut.upper_score!r}",
            f"{cut.upper_id:d}",
            f"{cut.lower_score!r}",
            f"{cut.lower_id:d}",
        )
        return (
            f"CASE WHEN a.quiz_id = {params.bind(quiz)} AND a.content_version = {params.bind(version)} "
            f"THEN {4 * number}"
            f" + CASE WHEN a.score > {up} OR (a.score = {up} AND a.id <= {up_id}) THEN 1 ELSE 0 END"
            f" + CASE WHEN a.score < {low} OR (a.score = {low} AND a.id >= {low_id}) THEN 2 ELSE 0 END"
            " ELSE -1 END"
        )

    def tree(first: int, end: int) -> str:
        if end - first == 1:
            return leaf(first)
        middle = (first + end) // 2
        quiz, version = keys[middle]
        before = f"a.quiz_id{text_order} < {params.bind(quiz)}"
        if keys[middle - 1][0] == quiz:  # the split falls between two versions of one quiz
            before = (
                f"({before} OR (a.quiz_id = {params.bind(quiz)} "
                f"AND a.content_version{text_order} < {params.bind(version)}))"
            )
        return f"CASE WHEN {before} THEN {tree(first, middle)} ELSE {tree(middle, end)} END"

    return tree(0, len(keys))


def _counts_statement(
    params: Params,
    session: Session,
    keys: list[tuple[str, str]],
    cuts: dict[tuple[str, str], Cut],
    *,
    words: list[tuple[int, str]],
    questions: Sequence[str] | None,
    by_form: bool,
) -> str:
    """Return the pass over the answers, grouped by question (and quiz version, for `questions`).

    `by_form` splits each group by the wording the answers were asked in (their form_id).
    """
    postgres = dialect_name(session) == "postgresql"
    # Python sorts text by code point, as SQLite does; PostgreSQL does so under the "C" collation.
    code = _attempt_code(params, keys, cuts, ' COLLATE "C"' if postgres else "")
    x = "CASE WHEN q.correct THEN 1 ELSE 0 END" if postgres else "q.correct"  # SQLite stores 1 or 0
    option_sums = "".join(f", SUM({sql})" for _, sql in words)
    if questions is None:
        where, group = "", "q.question_id"
    else:
        where = "WHERE q.question_id IN (" + ", ".join(params.bind(q) for q in questions) + ")"
        group = "q.question_id, t.item"
    form = "q.form_id" if by_form else "NULL"
    if by_form:
        group += ", q.form_id"
    return f"""
        WITH coded AS (
            SELECT a.id, a.person_id, a.score, {code} AS code FROM quiz_attempt a LIMIT {_ALL}
        ),
        attempt AS (
            SELECT id, person_id, score, code / 4 AS item,
                   (code & 1) + (code & 2) * CAST({_LOWER // 2} AS BIGINT) AS g
            FROM coded WHERE code >= 0
            LIMIT {_ALL}
        )
        SELECT q.question_id AS question_id, {form} AS form_id,
               MIN(t.item) AS first_item, MAX(t.item) AS last_item,
               COUNT(*) AS answers, COUNT(DISTINCT t.person_id),
               SUM({x}), SUM(q.seconds), SUM(t.g), SUM(t.g * {x}),
               SUM(t.score), SUM(t.score * t.score), SUM(t.score * {x}){option_sums}
        FROM attempt t JOIN quiz_answer q ON q.attempt_id = t.id
        {where}
        GROUP BY {group}"""


def question_counts(
    session: Session,
    pairs: Sequence[tuple[str, str]] | None = None,
    *,
    positions: int = 6,
    scores: Scores | None = None,
    by_form: bool = False,
) -> list[QuestionRow]:
    """Return each question's aggregates in the quiz versions of `pairs` (None: all of them).

    `by_form` gives a row per wording the question was asked in (QuestionRow.form_id) rather
    than one per question and version: the rows that item statistics pool across versions.

    The upper and lower groups come from attempt_cuts (`scores` as there); option choices are counted for
    positions 0 .. positions-1 of the `chosen` JSON lists. Each answer is paired with its
    attempt's score for the item-rest correlation, whose `questions_per_attempt` is the
    version's answers divided by its attempts.

    One pass groups by question id alone (a narrower sort); the rare question id found in two
    of the quiz versions asked for (two quizzes may share one) is counted again per version.
    """
    cuts = attempt_cuts(session, pairs, scores=scores)
    if not cuts:
        return []
    keys = sorted(cuts)
    # A question is answered at most once per attempt: a bit more than the most attempts is enough.
    width = max(c.attempts for c in cuts.values()).bit_length() + 1
    words = _option_words(positions, width)
    params = Params()
    statement = _counts_statement(params, session, keys, cuts, words=words, questions=None, by_form=by_form)
    rows = session.connection().execute(params.statement(statement), params.values).all()
    # a question id met in two versions of one pass must be counted per version
    shared = sorted({str(r.question_id) for r in rows if r.first_item != r.last_item})
    if shared:
        params = Params()
        statement = _counts_statement(params, session, keys, cuts, words=words, questions=shared,
                                      by_form=by_form)
        again = session.connection().execute(params.statement(statement), params.values).all()
        rows = [r for r in rows if str(r.question_id) not in shared] + list(again)
    answers = [0] * len(keys)
    for row in rows:
        answers[int(row.first_item)] += int(row.answers)
    result = []
    for question, form, item, _, n, learners, ok, seconds, g, g_ok, y, y2, xy, *sums in rows:
        (lw, h), (lw_ok, h_ok) = divmod(int(g), _LOWER), divmod(int(g_ok), _LOWER)
        quiz, version = keys[int(item)]
        counts = ItemCounts(
            answers=int(n),
            learners=int(learners),
            correct=int(ok),
            seconds=float(seconds or 0),
            upper_answers=int(h),
            upper_correct=int(h_ok),
            lower_answers=int(lw),
            lower_correct=int(lw_ok),
            score_sum=float(y or 0),
            score_squares=float(y2 or 0),
            correct_score_sum=float(xy or 0),
            questions_per_attempt=answers[int(item)] / cuts[(quiz, version)].attempts,
        )
        chosen = _unpack(words, sums, width)
        result.append(QuestionRow(quiz, version, str(question), counts, chosen,
                                  None if form is None else int(form)))
    result.sort(key=lambda r: (r.quiz_id, r.version, r.question_id, r.form_id or 0))
    return result


def _unpack(words: list[tuple[int, str]], sums: Sequence[Any], width: int) -> dict[int, int]:
    """Return the count of each option position from the sums of the option words (zeros left out)."""
    found = {}
    mask = (1 << width) - 1
    for (first, _), total in zip(words, sums, strict=True):
        value, position = int(total or 0), first
        while value:
            if value & mask:
                found[position] = value & mask
            value >>= width
            position += 1
    return found


#: A question's answers in one quiz version and wording: (quiz id, version, question id, form id).
Cell = tuple[str, str, str, int | None]


def answer_patterns(
    session: Session, questions: Sequence[Cell], *, by_form: bool = False
) -> dict[Cell, dict[str, int]]:
    """Return how many answers gave each distinct answer, per (quiz id, version, question id, form id).

    Used for ordering and matching questions, whose answers are sequences: the caller reads the
    share of answers with each position or pair right off the patterns. Grouped in SQL, so only
    distinct answers (few for a handful of entries) travel, never a row per person. Without
    `by_form` the wordings are not told apart and every key's form id is None.
    """
    if not questions:
        return {}
    params = Params()
    # The question ids alone select the rows (through their index); the few groups of other
    # quizzes or versions that share an id are dropped here.
    ids = ", ".join(params.bind(question) for question in sorted({cell[2] for cell in questions}))
    form = "q.form_id" if by_form else "NULL"
    statement = f"""
        SELECT a.quiz_id, a.content_version, q.question_id, {form}, q.chosen, COUNT(*)
        FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
        WHERE q.question_id IN ({ids})
        GROUP BY a.quiz_id, a.content_version, q.question_id, {form}, q.chosen"""
    wanted = set(questions)
    found: dict[Cell, dict[str, int]] = {}
    for quiz, version, question, form_id, chosen, count in session.connection().execute(
            params.statement(statement), params.values):
        key = (str(quiz), str(version), str(question), None if form_id is None else int(form_id))
        if key in wanted:
            found.setdefault(key, {})[str(chosen)] = int(count)
    return found


def first_attempts(session: Session) -> dict[tuple[str, str], datetime]:
    """Return when the first recorded attempt of each quiz version was finished: {(quiz id, version): time}.

    The first recorded is the lowest id, read off the (quiz, version, score) index, which holds
    the id; only those few rows are read from the table.
    """
    quiz, version = col(QuizAttempt.quiz_id), col(QuizAttempt.content_version)
    first = select(func.min(col(QuizAttempt.id))).group_by(quiz, version).scalar_subquery()
    rows = session.connection().execute(
        select(quiz, version, col(QuizAttempt.finished_at)).where(col(QuizAttempt.id).in_(first)))
    return {(str(q), str(v)): _utc(at) for q, v, at in rows}


def _utc(moment: datetime) -> datetime:
    """Return a time read back from the database as UTC (SQLite gives it back without a zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def pooled_learners(
    session: Session, pools: Sequence[tuple[str, str, Sequence[tuple[str, int | None]]]]
) -> dict[tuple[str, str], int]:
    """Return how many distinct people answered each (quiz id, question id) in the cells named.

    `pools` holds (quiz id, question id, cells), a cell being (version, form id): the answers
    of that version in that wording, or (form id None) those recorded without a wording. One
    GROUP BY counts them all.
    """
    if not pools:
        return {}
    params = Params()
    questions = sorted({question for quiz, question, cells in pools})
    ids = ", ".join(params.bind(question) for question in questions)

    def cell(version: str, form: int | None) -> str:
        wording = "q.form_id IS NULL" if form is None else f"q.form_id = {params.bind(form)}"
        return f"(a.content_version = {params.bind(version)} AND {wording})"

    tests = " OR ".join(
        f"(a.quiz_id = {params.bind(quiz)} AND q.question_id = {params.bind(question)} "
        f"AND ({' OR '.join(cell(version, form) for version, form in cells)}))"
        for quiz, question, cells in pools
    )
    statement = f"""
        SELECT a.quiz_id, q.question_id, COUNT(DISTINCT a.person_id)
        FROM quiz_answer q JOIN quiz_attempt a ON a.id = q.attempt_id
        WHERE q.question_id IN ({ids}) AND ({tests})
        GROUP BY a.quiz_id, q.question_id"""
    rows = session.connection().execute(params.statement(statement), params.values)
    return {(str(quiz), str(question)): int(n) for quiz, question, n in rows}
