"""A stable hash of one quiz question's own content, so its statistics can outlive edits elsewhere.

Two versions of a quiz file ask "the same question" when the question's kind, stem, options
(their text and which are right) and ordering or matching entries are identical; an edit to
another question, the front matter or an explanation does not change the hash.
"""

from __future__ import annotations

import hashlib
import json

from course.domain.model import Question


def question_hash(question: Question) -> str:
    """Return the first 16 hex digits of the SHA-256 of the question's graded content."""
    content = {
        "kind": question.kind.value,
        "stem": question.stem_html,
        "options": [[o.html, o.correct] for o in question.options],
        "items": [[e.html, e.match_html] for e in question.items],
    }
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:16]
