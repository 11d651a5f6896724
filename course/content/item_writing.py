"""Item-writing rules: warnings for quizzes and scenarios whose form gives the answer away.

Each rule is a pure function over a parsed quiz or scenario that returns warnings with a code and
a line. A learner who has not read the module should not be able to score by picking the longest
option, by counting how many boxes are usually ticked, by spotting "always" in wrong answers, or
by trusting "all of the above". docs/authoring.md (sections 5, 6 and 9) explains each code.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Sequence

from course.domain.diagnostics import Code, Diagnostic, warning
from course.domain.model import Choice, Option, Question, QuestionKind, Quiz, Scenario
from course.domain.policies import ChoiceValue, valuer

#: The fewest single-answer (or multiple-answer) questions a quiz needs before its pattern counts.
MIN_QUESTIONS = 3
#: Words that make an option sound absolute; a tell when they gather in the wrong options.
ABSOLUTE_WORDS = ("always", "never", "all", "none", "every", "only", "must", "completely",
                  "entirely", "guaranteed")
#: More than this share of distractors holding an absolute word is a tell (with ABSOLUTE_RATIO).
ABSOLUTE_SHARE = 0.15
ABSOLUTE_RATIO = 2.0

_ABSOLUTE = re.compile(r"\b(" + "|".join(ABSOLUTE_WORDS) + r")\b", re.IGNORECASE)
_OF_THE_ABOVE = re.compile(r"\b(all|none)\s+of\s+the\s+above\b", re.IGNORECASE)
_NEGATIVE = re.compile(r"\b(not|except|least)\b", re.IGNORECASE)
_AT_LEAST = re.compile(r"\bat\s+least\b", re.IGNORECASE)
_EMPHASIS = re.compile(r"<(em|strong)>.*?</\1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _length(text: str) -> int:
    return len(" ".join(text.split()))


def _choice_questions(quiz: Quiz, *, multiple: bool) -> list[Question]:
    return [q for q in quiz.questions
            if q.kind is QuestionKind.CHOICE and len(q.options) >= 2
            and bool(q.correct_indexes) and q.multiple is multiple]


def length_rank(question: Question) -> tuple[int, bool]:
    """Return the rank by length of a single-answer question's correct option, and if it is alone there.

    Rank 1 is the longest: 1 + the number of options strictly longer than the correct one. The
    flag tells whether no other option has the same length (so rank 1 with the flag is strictly
    the longest).
    """
    correct = next(o for o in question.options if o.correct)
    size = _length(correct.text)
    others = [_length(o.text) for o in question.options if o.index != correct.index]
    return 1 + sum(s > size for s in others), size not in others


def answer_length_cue(quiz: Quiz, line: int) -> list[Diagnostic]:
    """Warn when the correct option's length rank gives it away across a quiz."""
    single = _choice_questions(quiz, multiple=False)
    if len(single) < MIN_QUESTIONS:
        return []
    ranks = [length_rank(q) for q in single]
    longest = sum(rank == 1 and alone for rank, alone in ranks)
    rank, count = Counter(rank for rank, _ in ranks).most_common(1)[0]
    total = len(single)
    if longest * 3 > total:
        return [warning(quiz.meta.source, line, Code.ANSWER_LENGTH_CUE,
                        f"the correct option is the longest in {longest} of {total} single-answer "
                        "questions, so picking the longest option scores well; shorten some correct "
                        "options or lengthen the distractors (at most a third should be longest)")]
    if count * 2 > total:
        return [warning(quiz.meta.source, line, Code.ANSWER_LENGTH_CUE,
                        f"the correct option is number {rank} by length in {count} of {total} "
                        "single-answer questions, so its length gives it away; vary which option "
                        "is longest")]
    return []


def fixed_correct_count(quiz: Quiz, line: int) -> list[Diagnostic]:
    """Warn when every multiple-answer question of a quiz has the same number of correct options."""
    multiple = _choice_questions(quiz, multiple=True)
    counts = {len(q.correct_indexes) for q in multiple}
    if len(multiple) < MIN_QUESTIONS or len(counts) != 1:
        return []
    return [warning(quiz.meta.source, line, Code.FIXED_CORRECT_COUNT,
                    f"all {len(multiple)} multiple-answer questions have exactly {counts.pop()} "
                    "correct options, so a learner can tick that many without reading; vary the "
                    "number of correct options")]


def of_the_above(quiz: Quiz) -> list[Diagnostic]:
    """Warn about every option that reads 'all of the above' or 'none of the above'."""
    return [warning(quiz.meta.source, option.line, Code.ALL_OR_NONE_OF_THE_ABOVE,
                    f"option {option.index + 1} of question '{question.id}' reads '{found.group(0)}'; "
                    "options are shuffled, so 'above' may point nowhere, and it rewards partial "
                    "knowledge; write a real option instead")
            for question in quiz.questions for option in question.options
            if (found := _OF_THE_ABOVE.search(option.text))]


def unemphasised_negatives(stem_html: str) -> list[str]:
    """Return the negative words (not, except, least) of a stem that are not emphasised.

    Emphasised means inside `*...*` or `**...**`, or written in capitals (NOT). "at least" is
    not a negative.
    """
    text = html.unescape(_TAG.sub(" ", _EMPHASIS.sub(" ", stem_html)))
    text = _AT_LEAST.sub(" ", text)
    return [m.group(0) for m in _NEGATIVE.finditer(text) if not m.group(0).isupper()]


def negative_stem(quiz: Quiz) -> list[Diagnostic]:
    """Warn about every question heading with a negative word a reader could miss."""
    problems = []
    for question in quiz.scored_questions:
        words = unemphasised_negatives(question.stem_html)
        if words:
            problems.append(warning(
                quiz.meta.source, question.line, Code.NEGATIVE_STEM,
                f"question '{question.id}' asks with '{words[0]}', which a quick reader misses; "
                f"emphasise it (**{words[0]}** or {words[0].upper()}), or ask the question the "
                "positive way"))
    return problems


def has_absolute(option: Option) -> bool:
    """Tell whether an option's text holds an absolute word (always, never, all, only...)."""
    return bool(_ABSOLUTE.search(option.text))


def absolute_word_tell(quiz: Quiz, line: int) -> list[Diagnostic]:
    """Warn when absolute words gather in a quiz's wrong options, so they mark the distractors."""
    options = [o for q in quiz.questions if q.kind is QuestionKind.CHOICE for o in q.options]
    wrong = [o for o in options if not o.correct]
    right = [o for o in options if o.correct]
    if not wrong or not right:
        return []
    wrong_share = sum(map(has_absolute, wrong)) / len(wrong)
    right_share = sum(map(has_absolute, right)) / len(right)
    if wrong_share <= ABSOLUTE_SHARE or wrong_share <= ABSOLUTE_RATIO * right_share:
        return []
    return [warning(quiz.meta.source, line, Code.ABSOLUTE_WORD_TELL,
                    f"{wrong_share:.0%} of the wrong options hold an absolute word (always, never, "
                    f"all, only...) against {right_share:.0%} of the right ones, so such words "
                    "mark the wrong answers; reword some distractors, or use such words in "
                    "correct options too")]


QUIZ_RULES: tuple[Callable[[Quiz, int], list[Diagnostic]], ...] = (
    answer_length_cue, fixed_correct_count, absolute_word_tell,
    lambda quiz, _line: of_the_above(quiz), lambda quiz, _line: negative_stem(quiz),
)


def check_quiz(quiz: Quiz, line: int) -> list[Diagnostic]:
    """Return every item-writing warning of a quiz; `line` is where its front matter is."""
    return [d for rule in QUIZ_RULES for d in rule(quiz, line)]


def best_choices(value: ChoiceValue, choices: Sequence[Choice]) -> frozenset[int]:
    """Return the indexes of the choices on a highest-scoring path (conditions ignored)."""
    values = {c.index: value(c, frozenset()) for c in choices}
    known = [v for v in values.values() if v is not None]
    top = max(known, default=None)
    return frozenset() if top is None else frozenset(i for i, v in values.items() if v == top)


def strictly_longest(choices: Sequence[Choice]) -> int | None:
    """Return the index of the choice with strictly the most characters, if there is one."""
    sizes = sorted(((_length(c.label_text), c.index) for c in choices), reverse=True)
    return sizes[0][1] if len(sizes) < 2 or sizes[0][0] > sizes[1][0] else None


def longest_best_choice(scenario: Scenario, line: int) -> list[Diagnostic]:
    """Warn when the best choice is strictly the longest at more than half the decision points."""
    points = longest = 0
    value = valuer(scenario)
    for node in scenario.nodes.values():
        if node.ending is not None or len(node.choices) < 2:
            continue
        best = best_choices(value, node.choices)
        if not best:
            continue
        points += 1
        longest += strictly_longest(node.choices) in best
    if longest * 2 <= points:
        return []
    return [warning(scenario.meta.source, line, Code.LONGEST_BEST_CHOICE,
                    f"the best choice is the longest at {longest} of {points} decision points, so "
                    "always clicking the longest choice does well; make the choices at each point "
                    "about the same length")]


def check_scenario(scenario: Scenario, line: int) -> list[Diagnostic]:
    """Return every item-writing warning of a scenario; `line` is where its front matter is."""
    return longest_best_choice(scenario, line)
