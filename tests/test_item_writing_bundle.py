"""Course 2.0 figures over the bundled course: its items cannot be passed by their form alone.

These hold the bundled course to the figures the course brief sets for assessment (see
docs/authoring.md, "Writing items that cannot be guessed" and "Choices that cannot be guessed").
They are marked `course20`: the bundled content is being rewritten to meet them.

How "puts the learner in a situation" is measured (a heuristic, not a judgement): a scored
question counts when its heading and the text above its options together name someone or
something (a capitalised name inside a sentence, such as "the reply from Dana", or a capitalised
possessive such as "Kitewire's"), or name a role or party (manager, customer, reporter, team...)
in at least SITUATION_WORDS words, or address the learner ("you") about a moment given by a
number or a time in at least SITUATION_WORDS words. A bare "Which of these...?" with no case
around it does not count.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import cache

import pytest

from course.content.item_writing import best_choices, has_absolute, length_rank
from course.content.loader import load_course
from course.domain.model import Course, Question, QuestionKind
from course.domain.policies import PolicyRun, moderation, simulate, valuer
from course.settings import BUNDLED_ROOT

pytestmark = pytest.mark.course20

SITUATION_WORDS = 15
_ROLE = re.compile(
    r"\b(manager|director|customer|client|employee|colleague|reporter|journalist|lawyer|counsel|"
    r"officer|team|chief|ceo|cfo|intern|engineer|nurse|analyst|staff|worker|supplier|partner|"
    r"candidate|recruiter|board|executive|founder|member|agent|administrator|follower|"
    r"influencer|regulator|union|spokesperson|editor|head|company|firm|organisation|"
    r"organization|brand|account)s?\b", re.IGNORECASE)
_NAME_INSIDE = re.compile(r"(?<=[a-z0-9,;] )[A-Z][a-z]+")
_POSSESSIVE = re.compile(r"\b[A-Z][a-z]+['\u2019]s\b")
_YOU = re.compile(r"\byou\b", re.IGNORECASE)
_MOMENT = re.compile(r"\d")


@cache
def bundled() -> Course:
    loaded = load_course(BUNDLED_ROOT).course
    assert loaded is not None
    return loaded


def scored() -> list[Question]:
    return [q for quiz in bundled().quizzes.values() for q in quiz.scored_questions]


def choice_questions(*, multiple: bool) -> list[Question]:
    return [q for q in scored() if q.kind is QuestionKind.CHOICE and q.multiple is multiple]


def situational(question: Question) -> bool:
    """Tell whether a question puts the learner in a situation (see the module's docstring)."""
    context = html.unescape(re.sub(r"<[^>]+>", " ", question.context_html))
    text = " ".join(f"{question.stem_text} {context}".split())
    long_enough = len(text.split()) >= SITUATION_WORDS
    named = bool(_NAME_INSIDE.search(text) or _POSSESSIVE.search(text))
    cast = long_enough and bool(_ROLE.search(text))
    moment = long_enough and bool(_YOU.search(text)) and bool(_MOMENT.search(text))
    return named or cast or moment


@cache
def policy_runs() -> tuple[PolicyRun, ...]:
    return tuple(simulate(scenario, name) for scenario in bundled().scenarios.values()
                 for name in ("longest", "moderate"))


def test_the_course_is_big_enough() -> None:
    course = bundled()
    assert len(course.modules) >= 32
    assert len(scored()) >= 240
    assert len(course.scenarios) >= 12


def test_multiple_answer_questions_vary_their_number_of_correct_options() -> None:
    counts = Counter(len(q.correct_indexes) for q in choice_questions(multiple=True))
    assert {2, 3, 4} <= set(counts), counts
    assert max(counts.values()) * 2 <= sum(counts.values()), counts


def test_the_correct_option_is_rarely_the_longest_or_second_longest() -> None:
    ranks = Counter(length_rank(q)[0] for q in choice_questions(multiple=False))
    total = sum(ranks.values())
    assert ranks[1] <= 0.30 * total, f"longest in {ranks[1]} of {total}"
    assert ranks[2] <= 0.35 * total, f"second longest in {ranks[2]} of {total}"


def test_most_items_put_the_learner_in_a_situation() -> None:
    questions = scored()
    general = [q.id for q in questions if not situational(q)]
    assert len(general) <= 0.20 * len(questions), general


def test_absolute_words_do_not_mark_the_wrong_options() -> None:
    options = [o for q in choice_questions(multiple=False) + choice_questions(multiple=True)
               for o in q.options]
    wrong = [o for o in options if not o.correct]
    right = [o for o in options if o.correct]
    wrong_share = sum(map(has_absolute, wrong)) / len(wrong)
    right_share = sum(map(has_absolute, right)) / len(right)
    assert wrong_share <= 0.15 or wrong_share <= 2 * right_share, (wrong_share, right_share)


def test_choices_at_each_decision_point_are_of_comparable_length() -> None:
    uneven = []
    for scenario in bundled().scenarios.values():
        for node in scenario.nodes.values():
            if len(node.choices) < 2:
                continue
            sizes = [len(c.label_text) for c in node.choices]
            mean = sum(sizes) / len(sizes)
            if any(abs(size - mean) > 0.20 * mean for size in sizes):
                uneven.append(f"{scenario.meta.id}#{node.id}: {sizes}")
    assert uneven == []


@pytest.mark.parametrize("policy", ["longest", "moderate"])
def test_a_blind_policy_scores_at_most_half_and_rarely_ends_well(policy: str) -> None:
    runs = [r for r in policy_runs() if r.policy == policy]
    average = sum(r.score for r in runs) / len(runs)
    good = [r.scenario for r in runs if r.good]
    assert average <= 0.50, {r.scenario: round(r.score, 2) for r in runs}
    assert len(good) <= 2, good


def test_the_best_choice_is_sometimes_not_the_most_moderate_one() -> None:
    firm = 0
    for scenario in bundled().scenarios.values():
        for node in scenario.nodes.values():
            if len(node.choices) < 2:
                continue
            best = best_choices(valuer(scenario), node.choices)
            softest = max(node.choices, key=lambda c: (moderation(c.label_text), -c.index))
            firm += softest.index not in best
    assert firm >= len(bundled().scenarios), firm
