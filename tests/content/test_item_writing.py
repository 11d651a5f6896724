"""Item-writing rules: each warns on its fixture and stays quiet on the near miss beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.content.item_writing import length_rank, strictly_longest, unemphasised_negatives
from course.content.quizzes import parse_quiz
from course.content.scenarios import parse_scenario
from course.domain.diagnostics import Code, Severity

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "item-writing"

ITEM_CODES = {Code.ANSWER_LENGTH_CUE, Code.FIXED_CORRECT_COUNT, Code.ALL_OR_NONE_OF_THE_ABOVE,
              Code.NEGATIVE_STEM, Code.ABSOLUTE_WORD_TELL, Code.LONGEST_BEST_CHOICE}


def found(relative: str, code: Code) -> list[int]:
    """Parse a fixture and return the lines at which it reports `code`."""
    text = (FIXTURES / relative).read_text(encoding="utf-8")
    parse = parse_quiz if relative.startswith("quizzes/") else parse_scenario
    result = parse(text, source=relative)
    assert result.item is not None, [d.format() for d in result.diagnostics]
    for d in result.diagnostics:
        if d.code in ITEM_CODES:
            assert d.severity is Severity.WARNING
    return [d.line for d in result.diagnostics if d.code is code]


@pytest.mark.parametrize(("relative", "code", "lines"), [
    ("quizzes/length-longest.md", Code.ANSWER_LENGTH_CUE, [2]),
    ("quizzes/length-same-rank.md", Code.ANSWER_LENGTH_CUE, [2]),
    ("quizzes/length-near-miss.md", Code.ANSWER_LENGTH_CUE, []),
    ("quizzes/fixed-count.md", Code.FIXED_CORRECT_COUNT, [2]),
    ("quizzes/fixed-count-near-miss.md", Code.FIXED_CORRECT_COUNT, []),
    ("quizzes/of-the-above.md", Code.ALL_OR_NONE_OF_THE_ABOVE, [15, 23]),
    ("quizzes/negative-stem.md", Code.NEGATIVE_STEM, [9, 17]),
    ("quizzes/absolute-tell.md", Code.ABSOLUTE_WORD_TELL, [2]),
    ("quizzes/absolute-near-miss.md", Code.ABSOLUTE_WORD_TELL, []),
    ("scenarios/longest-wins.md", Code.LONGEST_BEST_CHOICE, [2]),
    ("scenarios/balanced-choices.md", Code.LONGEST_BEST_CHOICE, []),
])
def test_each_rule_warns_where_it_should_and_only_there(relative: str, code: Code, lines: list[int]) -> None:
    assert found(relative, code) == lines


@pytest.mark.parametrize("relative", ["quizzes/length-near-miss.md", "quizzes/fixed-count-near-miss.md",
                                      "quizzes/absolute-near-miss.md", "scenarios/balanced-choices.md"])
def test_near_misses_raise_no_item_writing_warning_at_all(relative: str) -> None:
    assert all(not found(relative, code) for code in ITEM_CODES)


@pytest.mark.parametrize(("stem", "words"), [
    ("Which step should Jo not take?", ["not"]),
    ("All help, Except which?", ["Except"]),
    ("Which is the least useful?", ["least"]),
    ("Which step should Jo <strong>not</strong> take?", []),
    ("Which step should Jo <em>not</em> take?", []),
    ("Which is NOT useful, EXCEPT one, LEAST of all?", []),
    ("What must Jo check at least once a day?", []),
    ("Is this notable, or nothing?", []),
    ("Which is cannot-miss?", []),
])
def test_negative_words_count_only_when_a_reader_could_miss_them(stem: str, words: list[str]) -> None:
    assert unemphasised_negatives(stem) == words


def test_length_rank_counts_only_strictly_longer_options() -> None:
    quiz = parse_quiz((FIXTURES / "quizzes/length-same-rank.md").read_text(encoding="utf-8"),
                      source="quizzes/length-same-rank.md").item
    assert quiz is not None
    assert [length_rank(q) for q in quiz.questions] == [(2, True), (2, True), (2, True), (3, True)]


def test_equal_lengths_have_no_strictly_longest_choice() -> None:
    scenario = parse_scenario((FIXTURES / "scenarios/balanced-choices.md").read_text(encoding="utf-8"),
                              source="scenarios/balanced-choices.md").item
    assert scenario is not None
    assert strictly_longest(scenario.nodes["first"].choices) is None
    assert strictly_longest(scenario.nodes["second"].choices) == 1
