"""Problems found in course content, as values with a location and a code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: errors block an item, warnings only inform (or fail `--strict`)."""

    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """Every diagnostic code the validator can report. docs/authoring.md explains each one."""

    # Files
    FILE_TOO_LARGE = "file-too-large"
    NOT_UTF8 = "not-utf8"
    FILE_UNREADABLE = "file-unreadable"
    MANIFEST_MISSING = "manifest-missing"
    FILE_IGNORED = "file-ignored"
    PARSE_FAILED = "parse-failed"
    FORMAT_UNKNOWN = "format-unknown"
    # Front matter
    FM_MISSING = "fm-missing"
    FM_YAML = "fm-yaml"
    FM_DUPLICATE_KEY = "fm-duplicate-key"
    FM_ALIAS = "fm-alias"
    FM_COERCION = "fm-coercion"
    FM_MISSING_KEY = "fm-missing-key"
    FM_UNKNOWN_KEY = "fm-unknown-key"
    FM_TYPE = "fm-type"
    SETTING_MOVED = "setting-moved"
    # Identity and links
    ID_MALFORMED = "id-malformed"
    ID_DUPLICATE = "id-duplicate"
    UNKNOWN_ROLE = "unknown-role"
    UNKNOWN_COMPETENCY = "unknown-competency"
    UNKNOWN_REQUIRES = "unknown-requires"
    UNKNOWN_QUIZ = "unknown-quiz"
    UNKNOWN_SCENARIO = "unknown-scenario"
    UNKNOWN_SECTION = "unknown-section"
    REQUIRES_CYCLE = "requires-cycle"
    # Markdown bodies
    ATTRS_UNREADABLE = "attrs-unreadable"
    UNKNOWN_BLOCK = "unknown-block"
    UNKNOWN_ATTRIBUTE = "unknown-attribute"
    BLOCK_NO_ROLES = "block-no-roles"
    BLOCK_UNCLOSED = "block-unclosed"
    BLOCK_MISPLACED = "block-misplaced"
    CONTENT_IGNORED = "content-ignored"
    NO_SECTIONS = "no-sections"
    SECTION_EMPTY = "section-empty"
    HEADING_EMPTY = "heading-empty"
    LINK_MISSING = "link-missing"
    IMAGE_NO_ALT = "image-no-alt"
    MEDIA_REMOTE = "media-remote"
    MEDIA_MISSING = "media-missing"
    MEDIA_OUTSIDE_FOLDER = "media-outside-folder"
    MEDIA_SVG = "media-svg"
    MEDIA_KIND = "media-kind"
    MEDIA_TOO_LARGE = "media-too-large"
    CAPTIONS_INVALID = "captions-invalid"
    CAPTIONS_SHORT = "captions-short"
    POST_INVALID = "post-invalid"
    # Glossary
    GLOSSARY_EMPTY = "glossary-empty"
    GLOSSARY_DUPLICATE = "glossary-duplicate"
    DESCRIPTION_MISSING = "description-missing"
    # Quizzes
    NO_QUESTIONS = "no-questions"
    QUESTION_FEW_OPTIONS = "question-few-options"
    QUESTION_NO_CORRECT = "question-no-correct"
    QUESTION_DUPLICATE_ID = "question-duplicate-id"
    OPTION_NO_FEEDBACK = "option-no-feedback"
    PICK_TOO_LARGE = "pick-too-large"
    QUESTION_KIND_UNKNOWN = "question-kind-unknown"
    OPTION_NUMBERED = "option-numbered"
    ORDER_FEW_ITEMS = "order-few-items"
    ORDER_DUPLICATE_ITEM = "order-duplicate-item"
    MATCH_FEW_PAIRS = "match-few-pairs"
    MATCH_PAIR_INCOMPLETE = "match-pair-incomplete"
    MATCH_DUPLICATE = "match-duplicate"
    ENTRIES_TOO_MANY = "entries-too-many"
    ENTRY_EMPTY = "entry-empty"
    REFLECTION_EMPTY = "reflection-empty"
    # Item writing (warnings: the form of a question or choice gives the answer away)
    ANSWER_LENGTH_CUE = "answer-length-cue"
    FIXED_CORRECT_COUNT = "fixed-correct-count"
    ALL_OR_NONE_OF_THE_ABOVE = "all-or-none-of-the-above"
    NEGATIVE_STEM = "negative-stem"
    ABSOLUTE_WORD_TELL = "absolute-word-tell"
    # Scenarios
    NODE_DUPLICATE_ID = "node-duplicate-id"
    START_UNKNOWN = "start-unknown"
    METER_INVALID = "meter-invalid"
    CHOICE_MALFORMED = "choice-malformed"
    CHOICE_OUTSIDE_NODE = "choice-outside-node"
    CHOICE_TARGET_MISSING = "choice-target-missing"
    EFFECT_UNKNOWN_METER = "effect-unknown-meter"
    EFFECT_INVALID = "effect-invalid"
    CONDITION_INVALID = "condition-invalid"
    CONDITION_NEVER = "condition-never"
    NODE_UNREACHABLE = "node-unreachable"
    NODE_NO_CHOICES = "node-no-choices"
    ENDING_WITH_CHOICES = "ending-with-choices"
    ENDING_INVALID = "ending-invalid"
    NODE_TRAP = "node-trap"
    CHOICES_ALL_CONDITIONAL = "choices-all-conditional"
    NO_GOOD_ENDING = "no-good-ending"
    BEST_PATH_BAD = "best-path-bad"
    LONGEST_BEST_CHOICE = "longest-best-choice"
    # Law notes and job aids
    JURISDICTION_UNKNOWN = "jurisdiction-unknown"
    REVIEW_OVERDUE = "review-overdue"
    UNKNOWN_AID = "unknown-aid"
    AID_UNUSED = "aid-unused"
    AID_IMAGE = "aid-image"
    # Email messages (messages/)
    MESSAGE_UNKNOWN = "message-unknown"
    PLACEHOLDER_UNKNOWN = "placeholder-unknown"
    PLACEHOLDER_MISSING = "placeholder-missing"
    PLACEHOLDER_PLACE = "placeholder-place"
    # Whole course
    ROLE_WITHOUT_MODULE = "role-without-module"
    COMPETENCY_UNASSESSED = "competency-unassessed"


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem: where it is (path relative to the content root, 1-based line) and what.

    `column` (1-based) is given where a position within the line is known, else 0.
    """

    path: str
    line: int
    severity: Severity
    message: str
    code: Code
    column: int = 0

    def format(self) -> str:
        """Return the problem as `path:line: severity: message [code]`."""
        return f"{self.path}:{self.line}: {self.severity}: {self.message} [{self.code}]"


def error(path: str, line: int, code: Code, message: str, *, column: int = 0) -> Diagnostic:
    """Make an error diagnostic."""
    return Diagnostic(path, line, Severity.ERROR, message, code, column)


def warning(path: str, line: int, code: Code, message: str) -> Diagnostic:
    """Make a warning diagnostic."""
    return Diagnostic(path, line, Severity.WARNING, message, code)


def has_errors(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> bool:
    """Tell whether any of the diagnostics is an error."""
    return any(d.severity is Severity.ERROR for d in diagnostics)
