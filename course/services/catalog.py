"""The course as the rest of the app sees it: load it, validate it, report on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from course.content.loader import LoadResult, ParseCache, load_course
from course.content.messages import load_messages
from course.domain.diagnostics import Diagnostic, Severity

__all__ = ["LoadResult", "ParseCache", "ValidationReport", "load", "validate"]


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of validating a content root."""

    root: Path
    files: int
    diagnostics: tuple[Diagnostic, ...]
    strict: bool

    @property
    def errors(self) -> int:
        """Count the errors."""
        return sum(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        """Count the warnings."""
        return sum(d.severity is Severity.WARNING for d in self.diagnostics)

    @property
    def ok(self) -> bool:
        """Tell whether the content passes: no error, and no warning under strict mode."""
        return self.errors == 0 and (not self.strict or self.warnings == 0)


def load(root: Path, *, cache: ParseCache | None = None) -> LoadResult:
    """Load the course at root, reusing parsed files from the cache when their content is unchanged."""
    return load_course(root, cache=cache)


def validate(root: Path, *, strict: bool = False) -> ValidationReport:
    """Validate every file of the course at root, its email messages too, and return every problem."""
    result = load_course(root)
    messages = load_messages(root) if result.files else None
    if messages is None:  # not a course folder: the loader has said so
        return ValidationReport(root, len(result.files), result.diagnostics, strict)
    found = tuple(sorted(set(result.diagnostics) | set(messages.diagnostics)))
    return ValidationReport(root, len(result.files) + messages.files, found, strict)
