"""Ordering, matching and reflection questions: how they are written, and every mistake caught."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.content.quizzes import parse_quiz
from course.domain.diagnostics import Code
from course.domain.model import QuestionKind, Quiz

HEAD = """---
id: kinds
title: Kinds
roles: [all]
competencies: [crisis]
---

"""

ORDER = """{#first-hour kind=order}
## Put the first hour in order.

1. Acknowledge the post
   > People need to see that someone is listening.
2. Check the facts
3. Post the update
"""

MATCH = """{#platforms kind=match}
## Pair each platform with how it spreads a post.

- X -> reposts to **followers**
  > A repost puts the post in front of a new audience at once.
- TikTok -> an algorithmic feed
- LinkedIn -> a professional network
"""

REFLECT = """{#my-habit kind=reflect}
## What will you do differently next time?

Think of the last complaint your team handled.
"""

CHOICE = """{#pick}
## Which is right?

- [x] This one
  > Yes.
- [ ] That one
  > No.
"""


def parse(*questions: str) -> tuple[Quiz | None, list[tuple[int, Code]]]:
    result = parse_quiz(HEAD + "\n".join(questions), source="quizzes/kinds.md")
    return result.item, [(d.line, d.code) for d in result.diagnostics]


def line_of(text: str, *questions: str) -> int:
    return (HEAD + "\n".join(questions)).splitlines().index(text) + 1


def test_each_kind_parses_with_its_entries_in_file_order() -> None:
    quiz, found = parse(CHOICE, ORDER, MATCH, REFLECT)
    assert found == [] and quiz is not None
    kinds = {q.id: q.kind for q in quiz.questions}
    assert kinds == {"pick": QuestionKind.CHOICE, "first-hour": QuestionKind.ORDER,
                     "platforms": QuestionKind.MATCH, "my-habit": QuestionKind.REFLECT}
    order = quiz.question("first-hour")
    assert order is not None
    assert [e.text for e in order.items] == ["Acknowledge the post", "Check the facts", "Post the update"]
    assert "listening" in order.items[0].feedback_html and order.items[1].feedback_html == ""
    match = quiz.question("platforms")
    assert match is not None
    assert [(e.text, e.match_text) for e in match.items] == [
        ("X", "reposts to followers"), ("TikTok", "an algorithmic feed"),
        ("LinkedIn", "a professional network")]
    assert match.items[0].match_html == "reposts to <strong>followers</strong>"
    reflection = quiz.question("my-habit")
    assert reflection is not None and not reflection.scored and "last complaint" in reflection.context_html
    assert [q.id for q in quiz.scored_questions] == ["pick", "first-hour", "platforms"]


def test_a_numbered_option_in_a_choice_question_is_an_error_with_the_fix() -> None:
    text = CHOICE.replace("- [ ] That one", "1. [ ] That one")
    quiz, found = parse(text)
    assert quiz is None
    assert (line_of("1. [ ] That one", text), Code.OPTION_NUMBERED) in found
    message = parse_quiz(HEAD + text, source="q.md").diagnostics[0].message
    assert "'- [ ] ...'" in message


def test_a_numbered_option_written_first_is_caught_too() -> None:
    text = CHOICE.replace("- [x] This one", "1. [x] This one")
    _, found = parse(text)
    assert (line_of("1. [x] This one", text), Code.OPTION_NUMBERED) in found


def test_options_written_only_as_a_numbered_list_point_to_kind_order() -> None:
    text = "{#steps}\n## Steps?\n\n1. one\n2. two\n3. three\n"
    quiz, found = parse(text)
    assert quiz is None and found == [(line_of("1. one", text), Code.OPTION_NUMBERED)]
    message = parse_quiz(HEAD + text, source="q.md").diagnostics[0].message
    assert "kind=order" in message


def test_a_numbered_list_in_a_choice_question_context_is_allowed() -> None:
    text = CHOICE.replace("- [x] This one", "Consider:\n\n1. first\n2. second\n\n- [x] This one")
    quiz, found = parse(text)
    assert found == [] and quiz is not None


def test_checkboxes_in_an_ordering_question_are_refused() -> None:
    text = ORDER.replace("1. Acknowledge", "1. [ ] Acknowledge")
    quiz, found = parse(text)
    assert quiz is None and (line_of("1. [ ] Acknowledge the post", text), Code.OPTION_NUMBERED) in found


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (ORDER.replace("3. Post the update\n", ""), Code.ORDER_FEW_ITEMS),
        (ORDER.replace("1. ", "- ").replace("2. ", "- ").replace("3. ", "- "), Code.ORDER_FEW_ITEMS),
        (ORDER.replace("3. Post the update", "3. check  the FACTS"), Code.ORDER_DUPLICATE_ITEM),
        (ORDER + "".join(f"{n}. Step {n}\n" for n in range(4, 12)), Code.ENTRIES_TOO_MANY),
        (MATCH.replace("- LinkedIn -> a professional network\n", ""), Code.MATCH_FEW_PAIRS),
        (MATCH.replace("- TikTok -> an algorithmic feed", "- TikTok"), Code.MATCH_PAIR_INCOMPLETE),
        (MATCH.replace("- TikTok -> an algorithmic feed", "- TikTok -> "), Code.MATCH_PAIR_INCOMPLETE),
        (MATCH.replace("- TikTok -> an algorithmic feed", "-  -> an algorithmic feed"),
         Code.MATCH_PAIR_INCOMPLETE),
        (MATCH.replace("an algorithmic feed", "A professional network"), Code.MATCH_DUPLICATE),
        (MATCH.replace("- TikTok", "- x"), Code.MATCH_DUPLICATE),
        (REFLECT.replace("## What will you do differently next time?", "##"), Code.REFLECTION_EMPTY),
        (ORDER.replace("kind=order", "kind=sort"), Code.QUESTION_KIND_UNKNOWN),
    ],
    ids=["two items", "bullets", "duplicate item", "too many", "two pairs", "no arrow", "no right side",
         "no left side", "duplicate right", "duplicate left", "empty prompt", "unknown kind"],
)
def test_each_mistake_has_its_code(text: str, code: Code) -> None:
    quiz, found = parse(CHOICE, text)
    assert quiz is None
    assert code in [c for _, c in found]


def test_the_duplicate_is_reported_on_its_own_line() -> None:
    text = MATCH.replace("an algorithmic feed", "a professional network")
    _, found = parse(text)
    assert found == [(line_of("- LinkedIn -> a professional network", text), Code.MATCH_DUPLICATE)]


def test_a_quiz_of_reflections_alone_is_refused() -> None:
    quiz, found = parse(REFLECT)
    assert quiz is None and [c for _, c in found] == [Code.NO_QUESTIONS]


def test_pick_counts_scored_questions_only() -> None:
    result = parse_quiz(HEAD.replace("competencies: [crisis]\n", "competencies: [crisis]\npick: 2\n")
                        + CHOICE + "\n" + REFLECT, source="q.md")
    assert [d.code for d in result.diagnostics] == [Code.PICK_TOO_LARGE]
    assert "reflections" in result.diagnostics[0].message


def test_a_reflection_needs_no_competency() -> None:
    result = parse_quiz(HEAD.replace("competencies: [crisis]\n", "") + CHOICE.replace(
        "{#pick}", "{#pick competency=crisis}") + "\n" + REFLECT, source="q.md")
    assert result.diagnostics == () and result.item is not None
    assert result.item.question("my-habit") is not None


def test_text_after_the_items_is_reported() -> None:
    text = ORDER + "\nA stray paragraph.\n"
    quiz, found = parse(text)
    assert quiz is not None and found == [(line_of("A stray paragraph.", text), Code.CONTENT_IGNORED)]


@settings(deadline=None)  # the parser's speed is measured in bench/, not here
@given(st.lists(st.tuples(st.sampled_from(["drop", "duplicate", "swap", "truncate"]),
                          st.integers(min_value=0, max_value=200)), max_size=6))
def test_a_mangled_quiz_of_every_kind_never_crashes_the_parser(edits: list[tuple[str, int]]) -> None:
    lines = (HEAD + "\n".join([CHOICE, ORDER, MATCH, REFLECT])).splitlines()
    for edit, at in edits:
        i = at % len(lines)
        if edit == "drop":
            del lines[i]
        elif edit == "duplicate":
            lines.insert(i, lines[i])
        elif edit == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif edit == "truncate":
            lines[i] = lines[i][: len(lines[i]) // 2]
        if not lines:
            break
    result = parse_quiz("\n".join(lines) + "\n", source="q.md")
    assert result.item is not None or any(d.severity == "error" for d in result.diagnostics)


@pytest.mark.parametrize(("text", "bare"), [(CHOICE, "-"), (ORDER, "2."), (MATCH, "-")])
def test_a_bare_list_marker_is_an_error_not_a_crash(text: str, bare: str) -> None:
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(("- ", "1. ")))
    lines.insert(first + 1, bare)
    quiz, found = parse("\n".join(lines) + "\n")
    assert quiz is None and Code.ENTRY_EMPTY in [c for _, c in found]
