"""Item analysis counters: filled by the migration from the answers already stored, kept by the writes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from course.domain.accounts import parse_capabilities
from course.domain.records import new_key
from course.store import item_counters, people
from course.store.engine import create_store_engine, read_session, write_transaction
from course.store.migrate import upgrade_database

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TABLES = ("item_score_count", "item_choice_count", "item_learner", "item_form_learners")


def _tables(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with read_session(engine) as session:
        return {t: sorted(tuple(row) for row in session.connection().execute(text(f"SELECT * FROM {t}")))
                for t in TABLES}


def test_the_migration_fills_the_counters_from_the_answers_already_stored(empty_database_url: str) -> None:
    engine = create_store_engine(empty_database_url)
    try:
        upgrade_database(engine, revision="0022")  # wordings stored, no counters yet
        with write_transaction(engine) as session:
            ada, bob = (people.add_person(session, f"{n}@x.org", name=n, department="HR", tracks=("hr",),
                                          grants=parse_capabilities("learner"), now=T0)
                        for n in ("ada", "bob"))
        with write_transaction(engine) as session:
            connection = session.connection()
            form = connection.execute(text(
                "INSERT INTO question_form (quiz_id, question_id, hash) "
                "VALUES ('q1', 'qa', 'aaaa') RETURNING id"
            )).scalar_one()
            # (attempt id, person, score, [(question, form id, chosen, correct, seconds)])
            for number, person, score, answers in [
                (1, ada, 1.0, [("qa", form, "[0]", True, 2.0), ("qb", None, "[1, 2]", True, 3.0)]),
                (2, bob, 0.5, [("qa", form, "[1]", False, 4.0), ("qb", None, "[1, 2]", True, 5.0)]),
                (3, ada, 0.5, [("qa", None, "[0]", True, 6.0), ("qb", None, "[2]", False, 7.0)]),
            ]:
                connection.execute(text(
                    "INSERT INTO quiz_attempt (id, key, person_id, quiz_id, content_version, started_at, "
                    "finished_at, score, passed, recorded_at) "
                    "VALUES (:id, :key, :person, 'q1', 'v1', :at, :at, :score, :passed, :at)"),
                    {"id": number, "key": new_key(), "person": person, "at": T0, "score": score,
                     "passed": score >= 1})
                for position, (question, form_id, chosen, right, seconds) in enumerate(answers):
                    connection.execute(text(
                        "INSERT INTO quiz_answer (attempt_id, position, question_id, competency, chosen, "
                        "correct, seconds, score, form_id) VALUES (:a, :p, :q, 'listening', :chosen, :ok, "
                        ":s, :credit, :form)"),
                        {"a": number, "p": position, "q": question, "chosen": chosen, "ok": right,
                         "s": seconds, "credit": float(right), "form": form_id})
        upgrade_database(engine)
        filled = _tables(engine)
        assert filled == {
            "item_score_count": [
                ("q1", "v1", "qa", 0, 0.5, 1, 1, 6.0),
                ("q1", "v1", "qa", form, 0.5, 1, 0, 4.0),
                ("q1", "v1", "qa", form, 1.0, 1, 1, 2.0),
                ("q1", "v1", "qb", 0, 0.5, 2, 1, 12.0),
                ("q1", "v1", "qb", 0, 1.0, 1, 1, 3.0),
            ],
            "item_choice_count": [
                ("q1", "v1", "qa", 0, "[0]", 1),
                ("q1", "v1", "qa", form, "[0]", 1),
                ("q1", "v1", "qa", form, "[1]", 1),
                ("q1", "v1", "qb", 0, "[1, 2]", 2),
                ("q1", "v1", "qb", 0, "[2]", 1),
            ],
            "item_learner": sorted([(form, ada), (form, bob)]),
            "item_form_learners": [(form, 2)],
        }
        with write_transaction(engine) as session:
            item_counters.rebuild(session)
        assert _tables(engine) == filled
    finally:
        engine.dispose()
