"""Records of learner work: validated, immutable, and free of third-party imports."""

from __future__ import annotations

import ast
import sys
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import course.domain.records as records_module
from course.domain.records import (
    AnswerRecord,
    QuizAttemptRecord,
    RecordError,
    RecordOutcome,
    ScenarioRunFinishRecord,
    ScenarioStepRecord,
    SectionReadRecord,
    new_key,
)

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
DOMAIN = Path(records_module.__file__).parent


def attempt(**changes: object) -> QuizAttemptRecord:
    fields: dict[str, object] = {
        "key": "k1",
        "person_id": 1,
        "quiz_id": "q",
        "content_version": "v1",
        "started_at": NOW,
        "finished_at": NOW + timedelta(seconds=30),
        "answers": (AnswerRecord("a", "culture", (0,), True, 3.0),),
        "score": 1.0,
        "passed": True,
    }
    fields.update(changes)
    return QuizAttemptRecord(**fields)  # type: ignore[arg-type]


def test_keys_are_fresh_and_short() -> None:
    assert new_key() != new_key() and len(new_key()) == 32


def test_records_are_immutable() -> None:
    record = attempt()
    with pytest.raises(FrozenInstanceError):
        record.score = 0.5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"key": ""}, "key"),
        ({"person_id": 0}, "person_id"),
        ({"score": 1.5}, "score"),
        ({"score": float("nan")}, "score"),
        ({"started_at": datetime(2026, 5, 1)}, "time zone"),
        ({"finished_at": NOW - timedelta(seconds=1)}, "before started_at"),
        (
            {
                "answers": (
                    AnswerRecord("a", "c", (0,), True, 1),
                    AnswerRecord("a", "c", (1,), 0, 1),
                )
            },
            "answered twice",
        ),
    ],
)
def test_bad_attempts_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(RecordError, match=message):
        attempt(**changes)


def test_bad_answers_sections_steps_and_endings_are_refused() -> None:
    with pytest.raises(RecordError, match="repeat"):
        AnswerRecord("a", "c", (1, 1), True, 1.0)
    with pytest.raises(RecordError, match=">= 0"):
        AnswerRecord("a", "c", (-1,), True, 1.0)
    with pytest.raises(RecordError, match="seconds"):
        AnswerRecord("a", "c", (0,), True, -1.0)
    with pytest.raises(RecordError, match="section_index"):
        SectionReadRecord("k", 1, "m", "v", -1)
    with pytest.raises(RecordError, match="step_no"):
        ScenarioStepRecord("k", 1, "s", "v", "r", 0, "n", 0, "t", {}, 0, 1.0)
    with pytest.raises(RecordError, match="score"):
        ScenarioRunFinishRecord("k", 1, "r", "end", "good", 2.0, NOW)


def test_outcomes_say_whether_the_work_is_stored() -> None:
    assert RecordOutcome.RECORDED.ok and RecordOutcome.DUPLICATE.ok
    assert not RecordOutcome.CONFLICT.ok


@pytest.mark.parametrize("name", ["permissions.py", "accounts.py", "records.py"])
def test_domain_modules_import_only_the_standard_library(name: str) -> None:
    tree = ast.parse((DOMAIN / name).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    outside = {m for m in imported if m not in sys.stdlib_module_names and m != "__future__"}
    assert outside <= {"course"}
    courses = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("course")
    }
    assert all(module.startswith("course.domain") for module in courses)
