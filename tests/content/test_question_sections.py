"""A quiz question may name the section of its module that teaches it (`section=`)."""

from __future__ import annotations

from course.content.loader import load_texts
from course.domain.diagnostics import Code
from tests.conftest import MANIFEST, MODULE, QUIZ, SCENARIO

SECOND = "\n## Who answers\n\nThe person on call answers.\n"


def _load(quiz: str, module: str = MODULE + SECOND):  # type: ignore[no-untyped-def]
    return load_texts({"course.yaml": MANIFEST, "modules/intro.md": module,
                       "quizzes/intro-quiz.md": quiz, "scenarios/first-day.md": SCENARIO})


def test_a_section_named_by_slug_or_title_is_kept_and_found() -> None:
    quiz = (QUIZ.replace("{#q-one competency=crisis}", "{#q-one competency=crisis section=who-answers}")
            .replace("{#q-two competency=listening}",
                     '{#q-two competency=listening section="the FIRST idea"}'))
    result = _load(quiz)
    assert result.course is not None and not result.diagnostics
    module, loaded = result.course.modules["intro"], result.course.quizzes["intro-quiz"]
    first, second = loaded.questions
    assert first.section == "who-answers" and second.section == "the FIRST idea"
    found = [module.find_section(q.section) for q in (first, second)]
    assert [s.index if s else None for s in found] == [1, 0]


def test_a_question_without_a_section_has_none_and_falls_back_to_the_module() -> None:
    result = _load(QUIZ)
    assert result.course is not None
    question = result.course.quizzes["intro-quiz"].questions[0]
    assert question.section == ""
    assert result.course.modules["intro"].find_section(question.section) is None


def test_an_unknown_section_is_an_error_on_the_question_line_with_a_suggestion() -> None:
    quiz = QUIZ.replace("{#q-one competency=crisis}", "{#q-one competency=crisis section=who-answer}")
    result = _load(quiz)
    [problem] = [d for d in result.diagnostics if d.code is Code.UNKNOWN_SECTION]
    assert problem.path == "quizzes/intro-quiz.md" and problem.line == 9
    assert "did you mean 'who-answers'" in problem.message
    assert problem.severity.value == "error"


def test_a_section_far_from_any_lists_the_module_sections() -> None:
    quiz = QUIZ.replace("{#q-one competency=crisis}", "{#q-one competency=crisis section=zzz}")
    [problem] = [d for d in _load(quiz).diagnostics if d.code is Code.UNKNOWN_SECTION]
    assert "its sections are the-first-idea, who-answers" in problem.message


def test_a_section_in_a_quiz_no_module_links_is_a_warning() -> None:
    quiz = QUIZ.replace("{#q-one competency=crisis}", "{#q-one competency=crisis section=who-answers}")
    module = MODULE.replace("quiz: intro-quiz\n", "") + SECOND
    problems = [d for d in _load(quiz, module).diagnostics if d.code is Code.UNKNOWN_SECTION]
    assert [p.severity.value for p in problems] == ["warning"]
    assert "no module links quiz 'intro-quiz'" in problems[0].message


def test_a_hostile_section_value_is_reported_as_plain_text_not_followed() -> None:
    quiz = QUIZ.replace("{#q-one competency=crisis}",
                        '{#q-one competency=crisis section="![x](https://evil.example/a.png)"}')
    [problem] = [d for d in _load(quiz).diagnostics if d.code is Code.UNKNOWN_SECTION]
    assert "evil.example" in problem.message and problem.line == 9
