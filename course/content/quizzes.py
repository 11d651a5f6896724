"""Quiz files: each `## ` heading is a question, a task list its options, `[x]` the right ones.

The attribute line's `kind` picks another kind of question: `order` (a numbered list written in
the correct order), `match` (a list of `left -> right` pairs) or `reflect` (a prompt answered in
the learner's own words, never scored).
"""

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
from course.content.item_writing import check_quiz
from course.content.markdown import build_parser, plain_text, render_blocks, render_inline, slugify
from course.content.schema import QuizMatter
from course.domain.diagnostics import Code, Diagnostic, error, has_errors, warning
from course.domain.model import Entry, Option, Question, QuestionKind, Quiz

_QUESTION_ATTRS = {"id", "competency", "kind", "section"}
#: The most items an ordering question, or pairs a matching question, may have: each is a
#: select box on a phone, and the cap bounds what an answer may hold.
MAX_ENTRIES = 10
#: What separates the two sides of a pair in a matching question.
PAIR_SEPARATOR = " -> "


def _option(tokens: Sequence[Token], index: int, line: int) -> Option:
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
                  text=plain_text(children), line=line)


def _empty_item(inner: Sequence[Token], *, path: str, line: int, question_id: str,
                problems: list[Diagnostic]) -> bool:
    """Report a list item with no text of its own (a bare '-' or '1.'); tell whether it is one."""
    if inner and inner[0].type == "paragraph_open" and len(inner) > 1 and inner[1].type == "inline":
        return False
    problems.append(error(path, line, Code.ENTRY_EMPTY,
                          f"a line of the list of question '{question_id}' has no text; write the "
                          "option, item or pair after its marker, or remove the line"))
    return True


def _options(
    tokens: Sequence[Token], *, path: str, question_id: str, problems: list[Diagnostic]
) -> list[tuple[Option, int]]:
    options: list[tuple[Option, int]] = []
    for start, end in top_level(tokens[1:-1]):
        item = tokens[1 + start : 1 + end]
        if _empty_item(item[1:-1], path=path, line=line_of(item[0]), question_id=question_id,
                       problems=problems):
            continue
        options.append((_option(item[1:-1], len(options), line_of(item[0])), line_of(item[0])))
    return options


def _kind(attrs: dict[str, str], *, path: str, line: int, problems: list[Diagnostic]) -> QuestionKind:
    raw = attrs.get("kind", QuestionKind.CHOICE.value)
    try:
        return QuestionKind(raw)
    except ValueError:
        known = ", ".join(k.value for k in QuestionKind)
        problems.append(error(path, line, Code.QUESTION_KIND_UNKNOWN,
                              f"unknown question kind '{raw}'; use one of {known}"))
        return QuestionKind.CHOICE


def _competency(
    attrs: dict[str, str], question_id: str, *, kind: QuestionKind, matter: QuizMatter | None, path: str,
    line: int, vocabulary: Vocabulary | None, problems: list[Diagnostic],
) -> str:
    default = matter.competencies[0] if matter and matter.competencies else ""
    if kind is QuestionKind.REFLECT:
        default = ""  # a reflection is not evidence for any competency
    competency = attrs.get("competency", default)
    if not competency and kind is not QuestionKind.REFLECT:
        problems.append(error(path, line, Code.UNKNOWN_COMPETENCY,
                              f"question '{question_id}' has no competency; add competency=... "
                              "to its attribute line or competencies to the front matter"))
    elif competency and vocabulary is not None and competency not in vocabulary.competencies:
        problems.append(unknown_competency(path, line, competency, vocabulary))
    return competency


def _question(
    heading: Token, inline: Token, body: list[Token], *, matter: QuizMatter | None, path: str,
    vocabulary: Vocabulary | None, problems: list[Diagnostic],
) -> Question:
    line = line_of(heading)
    attrs = {str(k): str(v) for k, v in heading.attrs.items()}
    for key in sorted(set(attrs) - _QUESTION_ATTRS):
        problems.append(error(path, line, Code.UNKNOWN_ATTRIBUTE,
                              f"unknown question attribute '{key}'; use id, competency, kind and section"))
    question_id = attrs.get("id") or slugify(inline.content)
    kind = _kind(attrs, path=path, line=line, problems=problems)
    competency = _competency(attrs, question_id, kind=kind, matter=matter, path=path, line=line,
                             vocabulary=vocabulary, problems=problems)
    parts = _Parts(question_id, line, kind, path, problems)
    for start, end in top_level(body):
        parts.take(body[start:end])
    parts.check(stem=plain_text(inline.children or []))
    return Question(
        id=question_id,
        competency=competency,
        stem_html=render_inline(inline.children or []),
        line=line,
        options=tuple(option for option, _ in parts.options),
        context_html=render_blocks(parts.context),
        explain_html=render_blocks(parts.explain),
        kind=kind,
        items=tuple(entry for entry, _ in parts.entries),
        stem_text=plain_text(inline.children or []).strip(),
        section=" ".join(attrs.get("section", "").split()),
    )


def _list_kind(token: Token) -> str:
    """Return 'task', 'numbered-task', 'numbered', 'bullet' or '' for a block's opening token."""
    task = "contains-task-list" in str(token.attrs.get("class", ""))
    if token.type == "ordered_list_open":
        return "numbered-task" if task else "numbered"
    if token.type == "bullet_list_open":
        return "task" if task else "bullet"
    return ""


#: What the answers of each kind of question are called in messages.
_ANSWER_NOUN = {QuestionKind.CHOICE: "options", QuestionKind.ORDER: "items", QuestionKind.MATCH: "pairs",
                QuestionKind.REFLECT: "prompt"}
#: The list each kind of question takes its answers from.
_ANSWER_LIST = {QuestionKind.CHOICE: "task", QuestionKind.ORDER: "numbered", QuestionKind.MATCH: "bullet"}


class _Parts:
    """The blocks of one question sorted into context, answers and explanation, with problems."""

    def __init__(self, question_id: str, line: int, kind: QuestionKind, path: str,
                 problems: list[Diagnostic]) -> None:
        self.question_id, self.line, self.kind, self.path = question_id, line, kind, path
        self.problems = problems
        self.context: list[Token] = []
        self.explain: list[Token] = []
        self.options: list[tuple[Option, int]] = []
        self.entries: list[tuple[Entry, int]] = []
        self.answered = False
        self.numbered_line: int | None = None

    def take(self, run: list[Token]) -> None:
        """Sort one top-level block of the question's body."""
        shape = _list_kind(run[0])
        if shape == "numbered-task":
            self._numbered_options(run)
        elif run[0].type == "container_explain_open":
            self.explain.extend(run[1:-1])
        elif not self.answered and self._is_answer_list(shape):
            self.answered = True
            self._read_answers(run)
        elif not self.answered:
            self.context.extend(run)
            if shape == "numbered" and self.numbered_line is None:
                self.numbered_line = line_of(run[0], self.line)
        else:
            noun = _ANSWER_NOUN[self.kind]
            self.problems.append(warning(self.path, line_of(run[0], self.line), Code.CONTENT_IGNORED,
                                         f"text after the {noun} of question '{self.question_id}' is "
                                         f"not shown; move it above the {noun} or into '::: explain'"))

    def _is_answer_list(self, shape: str) -> bool:
        return bool(shape) and _ANSWER_LIST.get(self.kind) == shape

    def _numbered_options(self, run: list[Token]) -> None:
        """Report a numbered list with checkboxes: a mistake in every kind of question."""
        for start, _end in top_level(run[1:-1]):
            item_line = line_of(run[1 + start], self.line)
            if self.kind is QuestionKind.CHOICE:
                message = (f"an option of question '{self.question_id}' is written as a numbered item "
                           "('1. [ ] ...'), so it would not be offered; write it as '- [ ] ...' "
                           "(or '- [x] ...') in the question's task list")
            else:
                message = (f"an item of question '{self.question_id}' has a checkbox ('1. [ ] ...'); "
                           f"a {self.kind.value} question takes {_SHAPE_HINT[self.kind]}")
            self.problems.append(error(self.path, item_line, Code.OPTION_NUMBERED, message))

    def _read_answers(self, run: list[Token]) -> None:
        if self.kind is QuestionKind.CHOICE:
            self.options = _options(run, path=self.path, question_id=self.question_id,
                                    problems=self.problems)
        elif self.kind is QuestionKind.ORDER:
            self.entries = _entries(run, pairs=False, path=self.path, question_id=self.question_id,
                                    problems=self.problems)
        elif self.kind is QuestionKind.MATCH:
            self.entries = _entries(run, pairs=True, path=self.path, question_id=self.question_id,
                                    problems=self.problems)

    def check(self, *, stem: str) -> None:
        """Check the question as a whole once every block is sorted."""
        if self.kind is QuestionKind.CHOICE:
            if not self.options and self.numbered_line is not None:
                self.problems.append(error(
                    self.path, self.numbered_line, Code.OPTION_NUMBERED,
                    f"question '{self.question_id}' has a numbered list but no options; write each "
                    "option as '- [ ] ...' or '- [x] ...', or add kind=order to the attribute line "
                    "to make it an ordering question"))
                return
            _check_options(self.question_id, self.line, self.options, path=self.path, problems=self.problems)
        elif self.kind is QuestionKind.REFLECT:
            if not stem.strip():
                self.problems.append(error(self.path, self.line, Code.REFLECTION_EMPTY,
                                           f"reflection '{self.question_id}' has no prompt; write the "
                                           "question the learner should answer as its '## ' heading"))
        else:
            _check_entries(self.question_id, self.line, self.kind, self.entries, path=self.path,
                           problems=self.problems)


_SHAPE_HINT = {
    QuestionKind.CHOICE: "a task list ('- [ ] ...' and '- [x] ...')",
    QuestionKind.ORDER: "a numbered list in the correct order ('1. ...', '2. ...', '3. ...')",
    QuestionKind.MATCH: "a list of pairs ('- left -> right')",
    QuestionKind.REFLECT: "no list",
}


def _inline(markdown: str) -> list[Token]:
    tokens = build_parser().parseInline(markdown.strip())
    return list(tokens[0].children or []) if tokens else []


def _entry(
    tokens: Sequence[Token], index: int, *, pairs: bool, path: str, line: int, question_id: str,
    problems: list[Diagnostic],
) -> Entry | None:
    """Build an ordering item or a pair from a list item's tokens (None when the pair is broken)."""
    inline = tokens[1]
    feedback = [t for start, end in top_level(tokens[3:]) for t in tokens[3 + start: 3 + end]
                if tokens[3 + start].type == "blockquote_open"]
    inner = [t for t in feedback if t.type not in {"blockquote_open", "blockquote_close"}]
    feedback_html = render_blocks(inner)
    if not pairs:
        children = list(inline.children or [])
        return Entry(index=index, html=render_inline(children).strip(), text=plain_text(children).strip(),
                     feedback_html=feedback_html)
    left, separator, right = inline.content.partition(PAIR_SEPARATOR.strip())
    if not separator or not left.strip() or not right.strip():
        problems.append(error(path, line, Code.MATCH_PAIR_INCOMPLETE,
                              f"pair {index + 1} of question '{question_id}' is incomplete; write it "
                              f"as '- left{PAIR_SEPARATOR}right', with text on both sides"))
        return None
    left_tokens, right_tokens = _inline(left), _inline(right)
    return Entry(index=index, html=render_inline(left_tokens).strip(), text=plain_text(left_tokens).strip(),
                 feedback_html=feedback_html, match_html=render_inline(right_tokens).strip(),
                 match_text=plain_text(right_tokens).strip())


def _entries(
    run: Sequence[Token], *, pairs: bool, path: str, question_id: str, problems: list[Diagnostic]
) -> list[tuple[Entry, int]]:
    entries: list[tuple[Entry, int]] = []
    for position, (start, end) in enumerate(top_level(run[1:-1])):
        item = run[1 + start: 1 + end]
        item_line = line_of(item[0])
        if _empty_item(item[1:-1], path=path, line=item_line, question_id=question_id, problems=problems):
            continue
        entry = _entry(item[1:-1], position, pairs=pairs, path=path, line=item_line,
                       question_id=question_id, problems=problems)
        if entry is not None:
            entries.append((entry, item_line))
    return entries


def _check_entries(
    question_id: str, line: int, kind: QuestionKind, entries: list[tuple[Entry, int]], *, path: str,
    problems: list[Diagnostic],
) -> None:
    noun = "item" if kind is QuestionKind.ORDER else "pair"
    few = Code.ORDER_FEW_ITEMS if kind is QuestionKind.ORDER else Code.MATCH_FEW_PAIRS
    if len(entries) < 3:
        problems.append(error(path, line, few,
                              f"question '{question_id}' has {len(entries)} {noun}(s); write at least "
                              f"three as {_SHAPE_HINT[kind]}"))
    elif len(entries) > MAX_ENTRIES:
        problems.append(error(path, line, Code.ENTRIES_TOO_MANY,
                              f"question '{question_id}' has {len(entries)} {noun}s; at most "
                              f"{MAX_ENTRIES} fit on a phone, so split it into two questions"))
    duplicate = Code.ORDER_DUPLICATE_ITEM if kind is QuestionKind.ORDER else Code.MATCH_DUPLICATE
    sides = ("",) if kind is QuestionKind.ORDER else ("left-hand ", "right-hand ")
    for side in sides:
        seen: dict[str, int] = {}
        for entry, entry_line in entries:
            text = entry.match_text if side == "right-hand " else entry.text
            key = " ".join(text.casefold().split())
            if key in seen:
                problems.append(error(path, entry_line, duplicate,
                                      f"the {side}text '{text}' of question '{question_id}' repeats "
                                      f"line {seen[key]}; each {noun} must differ so learners can tell "
                                      "them apart"))
            else:
                seen[key] = entry_line


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
    scored = [q for q in questions if q.scored]
    if not questions:
        problems.append(error(source, len(text.splitlines()) or 1, Code.NO_QUESTIONS,
                              "the quiz has no questions; start each with a '## ' heading"))
    elif not scored:
        problems.append(error(source, questions[0].line, Code.NO_QUESTIONS,
                              "the quiz has only reflections, which are never scored; add at least "
                              "one question that is, or put the reflection in another quiz"))
    if matter is not None and matter.pick is not None and matter.pick > len(scored):
        problems.append(error(source, lines.get("pick", 1), Code.PICK_TOO_LARGE,
                              f"pick is {matter.pick} but the quiz has only {len(scored)} "
                              "question(s)" + (" besides its reflections, which are never drawn"
                                               if len(scored) < len(questions) else "")))
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
    problems += check_quiz(quiz, lines.get("id", 1))
    return Parsed(quiz, tuple(problems), lines)
