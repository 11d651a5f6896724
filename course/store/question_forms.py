"""The wordings quiz questions were asked in (question_form), named by the answers that met them.

A wording is a question's hash (course/domain/question_hash.py) under its quiz and question id.
Answers store the wording's small id; item statistics read the hash back to pool a question's
answers across content versions in which it read the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, tuple_
from sqlmodel import Session

from course.store._sql import insert_ignoring_conflicts
from course.store.tables import QuestionForm


def get_form_ids(session: Session, quiz_id: str, hashes: Mapping[str, str]) -> dict[str, int]:
    """Return the id of each question's wording ({question id: hash}), adding the ones not stored.

    One read finds the known wordings; a new wording (the first answer after an edit) is added
    with an insert that ignores a concurrent writer's identical row, then read back.
    """
    if not hashes:
        return {}
    found = _known(session, quiz_id, hashes)
    for question_id, digest in sorted(hashes.items()):
        if question_id in found:
            continue
        added = insert_ignoring_conflicts(
            session, _table(), {"quiz_id": quiz_id, "question_id": question_id, "hash": digest})
        if added is not None:
            found[question_id] = int(added)
    missing = {q: h for q, h in hashes.items() if q not in found}
    if missing:  # another transaction added them first
        found.update(_known(session, quiz_id, missing))
    return found


def _table() -> Any:
    return QuestionForm.__table__  # type: ignore[attr-defined]


def _known(session: Session, quiz_id: str, hashes: Mapping[str, str]) -> dict[str, int]:
    form = _table()
    rows = session.connection().execute(
        select(form.c.id, form.c.question_id, form.c.hash).where(
            form.c.quiz_id == quiz_id, tuple_(form.c.question_id, form.c.hash).in_(sorted(hashes.items()))))
    return {str(question): int(form) for form, question, digest in rows
            if hashes.get(str(question)) == digest}


def hashes_of(session: Session, form_ids: Iterable[int]) -> dict[int, str]:
    """Return the hash of each wording id."""
    wanted = sorted(set(form_ids))
    if not wanted:
        return {}
    form = _table()
    rows = session.connection().execute(select(form.c.id, form.c.hash).where(form.c.id.in_(wanted)))
    return {int(form): str(digest) for form, digest in rows}
