"""Quiz files: each `## ` heading is a question, a task list its options, `[x]` the right ones."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token

from course.content.common import (
    Parsed,
    Vocabulary,
    build_meta,
    content_version,
    foreign_containers,
    line_of,
    read_matter,
    split_body,
    split_sections,
    stray_attrs,
    stray_containers,
    top_level,
    unclosed_containers,
    unknown_competency,
)
from course.content.markdown import plain_text, render_blocks, render_inline, slugify
from course.content.schema import QuizMatter
from course.domain.diagnostics import Code, Diagnostic, error, has_errors, warning
from course.domain.model import Option, Question, Quiz

_QUESTION_ATTRS = {"id", "competency"}


def _is_task_list(token: Token) -> bool:
    return token.type == "bullet_list_open" and "contains-task-list" in str(token.attrs.get("class", ""))


def _option(tokens: Sequence[Token], index: int) -> Option:
    """Build an option from a task-list item's tokens (between list_item_open and close)."""
    inline = tokens[1]
    children = list(inline.children or [])
    checkbox = children.pop(0) if children and children[0].type == "html_inline" else None
    correct = checkbox is not None and 'checked="checked"' in checkbox.content
    feedback: list[Token] = []
    extra: list[Token] = []
    for start, end in top_level(tokens[3:]):
        run = tokens[3 + start : 3 + end]
        (feedback if run[0].type == "blockquote_open" else extra).extend(run)
    text = render_inline(children)
    if extra:
        text = f"{text} {render_blocks(extra)}"
    inner = [t for t in feedback if t.type not in {"blockquote_open", "blockquote_close"}]
    return Option(index=index, html=text.strip(), correct=correct, feedback_html=render_blocks(inner),
                  text=plain_text(children))


def _options(tokens: Sequence[Token]) -> list[tuple[Option, int]]:
    options: list[tuple[Option, int]] = []
    for start, end in top_level(tokens[1:-1]):
        item = tokens[1 + start : 1 + end]
        options.append((_option(item[1:-1], len(options)), line_of(item[0])))
    return options


def _question(
    heading: Token, inline: Token, body: list[Token], *, matter: QuizMatter | None, path: str,
    vocabulary: Vocabulary | None, problems: list[Diagnostic],
) -> Question:
    line = line_of(heading)
    attrs = {str(k): str(v) for k, v in heading.attrs.items()}
    for key in sorted(set(attrs) - _QUESTION_ATTRS):
        problems.append(error(path, line, Code.UNKNOWN_ATTRIBUTE,
                              f"unknown question attribute '{key}'; use id and competency"))
    question_id = attrs.get("id") or slugify(inline.content)
    default = matter.competencies[0] if matter and matter.competencies else ""
    competency = attrs.get("competency", default)
    if not competency:
        problems.append(error(path, line, Code.UNKNOWN_COMPETENCY,
                              f"question '{question_id}' has no competency; add competency=... "
                              "to its attribute line or competencies to the front matter"))
    elif vocabulary is not None and competency not in vocabulary.competencies:
        problems.append(unknown_competency(path, line, competency, vocabulary))
    context: list[Token] = []
    explain: list[Token] = []
    options: list[tuple[Option, int]] = []
    for start, end in top_level(body):
        run = body[start:end]
        if _is_task_list(run[0]) and not options:
            options = _options(run)
        elif run[0].type == "container_explain_open":
            explain.extend(run[1:-1])
        elif not options:
            context.extend(run)
        else:
            problems.append(warning(path, line_of(run[0], line), Code.CONTENT_IGNORED,
                                    f"text after the options of question '{question_id}' is not "
                                    "shown; move it above the options or into '::: explain'"))
    _check_options(question_id, line, options, path=path, problems=problems)
    return Question(
        id=question_id,
        competency=competency,
        stem_html=render_inline(inline.children or []),
        line=line,
        options=tuple(option for option, _ in options),
        context_html=render_blocks(context),
        explain_html=render_blocks(explain),
    )


def _check_options(
    question_id: str, line: int, options: list[tuple[Option, int]], *, path: str,
    problems: list[Diagnostic],
) -> None:
    if len(options) < 2:
        problems.append(error(path, line, Code.QUESTION_FEW_OPTIONS,
                              f"question '{question_id}' has {len(options)} option(s); write at "
                              "least two as a task list ('- [ ]' and '- [x]')"))
    elif not any(option.correct for option, _ in options):
        problems.append(error(path, line, Code.QUESTION_NO_CORRECT,
                              f"question '{question_id}' has no correct option; mark one with '- [x]'"))
    for option, option_line in options:
        if not option.feedback_html:
            problems.append(warning(path, option_line, Code.OPTION_NO_FEEDBACK,
                                    f"option {option.index + 1} of question '{question_id}' has no "
                                    "feedback; add a '> ' line under it saying why"))


def _questions(
    tokens: list[Token], *, matter: QuizMatter | None, path: str, vocabulary: Vocabulary | None,
    problems: list[Diagnostic],
) -> tuple[str, tuple[Question, ...]]:
    before, parts = split_sections(tokens)
    questions: list[Question] = []
    first_line: dict[str, int] = {}
    for heading, inline, body in parts:
        question = _question(heading, inline, body, matter=matter, path=path,
                             vocabulary=vocabulary, problems=problems)
        if question.id in first_line:
            problems.append(error(path, question.line, Code.QUESTION_DUPLICATE_ID,
                                  f"question id '{question.id}' is already used on line "
                                  f"{first_line[question.id]}"))
            continue
        first_line[question.id] = question.line
        questions.append(question)
    return render_blocks(before), tuple(questions)


def parse_quiz(
    text: str, *, source: str, vocabulary: Vocabulary | None = None, default_pass_mark: int = 70
) -> Parsed[Quiz]:
    """Parse a quiz file into a Quiz, or None with the reasons when it has errors."""
    body = split_body(text, path=source)
    matter = read_matter(QuizMatter, body, path=source, vocabulary=vocabulary)
    problems = body.diagnostics
    problems += stray_attrs(body.tokens, path=source)
    problems += stray_containers(body.tokens, path=source, allowed=("explain",))
    problems += foreign_containers(body.tokens, path=source, allowed=("explain",))
    problems += unclosed_containers(body.tokens, text.splitlines(), path=source)
    intro, questions = _questions(body.tokens, matter=matter, path=source, vocabulary=vocabulary,
                                  problems=problems)
    lines = dict(body.document.lines) if body.document else {}
    if not questions:
        problems.append(error(source, len(text.splitlines()) or 1, Code.NO_QUESTIONS,
                              "the quiz has no questions; start each with a '## ' heading"))
    if matter is not None and matter.pick is not None and matter.pick > len(questions):
        problems.append(error(source, lines.get("pick", 1), Code.PICK_TOO_LARGE,
                              f"pick is {matter.pick} but the quiz has only {len(questions)} "
                              "question(s)"))
    if matter is None or has_errors(problems):
        return Parsed(None, tuple(problems), lines)
    quiz = Quiz(
        meta=build_meta(matter, source=source, version=content_version(text)),
        questions=questions,
        pass_mark=default_pass_mark if matter.pass_mark is None else matter.pass_mark,
        shuffle=matter.shuffle,
        pick=matter.pick,
        max_attempts=matter.max_attempts,
        intro_html=intro,
    )
    return Parsed(quiz, tuple(problems), lines)
