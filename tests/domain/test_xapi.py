"""The xAPI statement builders: ids, actors, verbs, activity IRIs and results, from values alone.

That every kind also validates against Ralph's xAPI models is checked in
tests/integrations/test_lrs.py, which runs Ralph's own code in its environment.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from json import loads

from course.domain.xapi import (
    AnswerEvent,
    DecisionEvent,
    EventKind,
    ItemRef,
    Statement,
    Verb,
    XapiContext,
    build_certificate_issued,
    build_question_answered,
    build_quiz_finished,
    build_scenario_decision,
    build_scenario_ended,
    build_section_read,
    build_track_completed,
    pseudonym,
    statement_id,
)

AT = datetime(2026, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)
CTX = XapiContext(activity_base="https://learn.example.org/xapi", home_page="https://learn.example.org",
                  actor_key="k" * 24, course_id="need-to-share", course_title="Need to Share")
MODULE = ItemRef("intro", "Introduction", "v-mod-1")
QUIZ = ItemRef("intro-quiz", "Introduction check", "v-quiz-1")
SCENARIO = ItemRef("first-day", "First day", "v-scn-1")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def every_kind(ctx: XapiContext = CTX, *, person_id: int = 7) -> dict[EventKind, Statement]:
    """Return one statement of every kind, for this person."""
    answer = AnswerEvent("attempt-1", "q-one", "choice", "What comes first?", (0, 2), (0,),
                         ((0, "Listen"), (1, "Broadcast"), (2, "Wait")), False, 0.0)
    decision = DecisionEvent("run-1", 1, "start", "The start", 0, ((0, "Boost"), (1, "Drop")),
                             {"trust": 100, "cost": 5}, 2)
    return {
        EventKind.SECTION_READ: build_section_read(ctx, key="read-1", person_id=person_id, module=MODULE,
                                                   section_index=0, section_title="The first idea", at=AT),
        EventKind.QUESTION_ANSWERED: build_question_answered(ctx, person_id=person_id, quiz=QUIZ,
                                                             answer=answer, at=AT),
        EventKind.QUIZ_FINISHED: build_quiz_finished(ctx, person_id=person_id, quiz=QUIZ,
                                                     attempt_key="attempt-1", score=0.75, passed=True,
                                                     at=AT, seconds=93.5),
        EventKind.SCENARIO_DECISION: build_scenario_decision(ctx, person_id=person_id, scenario=SCENARIO,
                                                             decision=decision, at=AT),
        EventKind.SCENARIO_ENDED: build_scenario_ended(ctx, person_id=person_id, scenario=SCENARIO,
                                                       run_id="run-1", ending_node="good-end",
                                                       ending_title="Good end", ending_kind="good",
                                                       score=0.5, meters={"trust": 80}, at=AT),
        EventKind.TRACK_COMPLETED: build_track_completed(ctx, person_id=person_id, track="legal",
                                                         track_title="Legal", score=0.9, code="C0DE1", at=AT),
        EventKind.CERTIFICATE_ISSUED: build_certificate_issued(ctx, person_id=person_id, track="legal",
                                                               track_title="Legal", band="Proficient",
                                                               code="C0DE1", at=AT),
    }


def test_every_kind_is_built_with_a_v5_id_its_kind_and_its_own_json() -> None:
    built = every_kind()
    assert set(built) == set(EventKind)
    for kind, statement in built.items():
        document = loads(statement.document)
        assert statement.kind is kind and statement.person_id == 7
        assert UUID.match(statement.id) and document["id"] == statement.id
        assert document["timestamp"] == "2026-05-01T09:30:15.123Z"
    assert len({s.id for s in built.values()}) == len(built)


def test_the_same_event_gives_the_same_statement_and_another_event_another_id() -> None:
    assert every_kind() == every_kind()
    other = build_section_read(CTX, key="read-2", person_id=7, module=MODULE, section_index=0,
                               section_title="The first idea", at=AT)
    assert other.id != every_kind()[EventKind.SECTION_READ].id
    second_step = build_scenario_decision(
        CTX, person_id=7, scenario=SCENARIO, at=AT,
        decision=DecisionEvent("run-1", 2, "middle", "Middle", 0, ((0, "On"),), {"trust": 1}, 0))
    assert second_step.id != every_kind()[EventKind.SCENARIO_DECISION].id


def test_two_deployments_sharing_an_lrs_never_share_an_id() -> None:
    other = XapiContext(activity_base="https://other.example.org/xapi", home_page="https://other.example.org",
                        actor_key="k" * 24)
    ours, theirs = every_kind(), every_kind(other)
    assert not {s.id for s in ours.values()} & {s.id for s in theirs.values()}


def test_the_actor_is_a_keyed_pseudonym_on_the_apps_account_never_an_email() -> None:
    statement = every_kind()[EventKind.SECTION_READ]
    actor = loads(statement.document)["actor"]
    assert actor == {"objectType": "Agent", "account": {"homePage": "https://learn.example.org",
                                                        "name": pseudonym(7, key="k" * 24)}}
    assert pseudonym(7, key="k" * 24) != pseudonym(8, key="k" * 24)
    assert pseudonym(7, key="k" * 24) != pseudonym(7, key="j" * 24)
    assert pseudonym(7, key="k" * 24) != "7" and len(pseudonym(7, key="k" * 24)) == 32
    for built in every_kind().values():
        assert "@" not in built.document and "mbox" not in built.document


def test_verbs_and_activity_iris_are_stable_and_built_from_the_course_ids() -> None:
    built = {kind: loads(s.document) for kind, s in every_kind().items()}
    expected = {
        EventKind.SECTION_READ: (Verb.EXPERIENCED, "https://learn.example.org/xapi/modules/intro/sections/1"),
        EventKind.QUESTION_ANSWERED: (Verb.ANSWERED,
                                      "https://learn.example.org/xapi/quizzes/intro-quiz/questions/q-one"),
        EventKind.QUIZ_FINISHED: (Verb.PASSED, "https://learn.example.org/xapi/quizzes/intro-quiz"),
        EventKind.SCENARIO_DECISION: (Verb.RESPONDED,
                                      "https://learn.example.org/xapi/scenarios/first-day/nodes/start"),
        EventKind.SCENARIO_ENDED: (Verb.COMPLETED, "https://learn.example.org/xapi/scenarios/first-day"),
        EventKind.TRACK_COMPLETED: (Verb.COMPLETED, "https://learn.example.org/xapi/tracks/legal"),
        EventKind.CERTIFICATE_ISSUED: (Verb.EARNED, "https://learn.example.org/xapi/tracks/legal/certificate"),
    }
    for kind, (verb, iri) in expected.items():
        assert built[kind]["verb"]["id"] == verb.value, kind  # type: ignore[index]
        assert built[kind]["object"]["id"] == iri, kind  # type: ignore[index]
        context = built[kind]["context"]
        assert context["contextActivities"]["grouping"][0]["id"] == (  # type: ignore[index]
            "https://learn.example.org/xapi/course/need-to-share")
    assert built[EventKind.SECTION_READ]["context"]["revision"] == "v-mod-1"  # type: ignore[index]
    assert built[EventKind.QUESTION_ANSWERED]["context"]["revision"] == "v-quiz-1"  # type: ignore[index]


def test_an_id_with_unsafe_characters_is_escaped_in_its_iri() -> None:
    odd = ItemRef("a b/../c?x=1#y", "Odd", "v")
    statement = build_section_read(CTX, key="k", person_id=1, module=odd, section_index=2,
                                   section_title="<b>x</b>", at=AT)
    iri = loads(statement.document)["object"]["id"]  # type: ignore[index]
    assert iri == "https://learn.example.org/xapi/modules/a%20b%2F..%2Fc%3Fx%3D1%23y/sections/3"


def test_results_carry_the_response_success_score_meters_and_ending() -> None:
    built = {kind: loads(s.document) for kind, s in every_kind().items()}
    answered = built[EventKind.QUESTION_ANSWERED]
    assert answered["result"] == {"response": "option-0[,]option-2", "success": False,
                                  "score": {"scaled": 0.0}}
    definition = answered["object"]["definition"]  # type: ignore[index]
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == ["option-0"]
    assert [c["id"] for c in definition["choices"]] == ["option-0", "option-1", "option-2"]
    finished = built[EventKind.QUIZ_FINISHED]["result"]
    assert finished == {"score": {"scaled": 0.75, "raw": 75.0, "min": 0, "max": 100}, "success": True,
                        "completion": True, "duration": "PT93.50S"}
    failed = build_quiz_finished(CTX, person_id=7, quiz=QUIZ, attempt_key="a", score=0.2, passed=False, at=AT)
    assert loads(failed.document)["verb"]["id"] == Verb.FAILED.value  # type: ignore[index]
    decision = built[EventKind.SCENARIO_DECISION]["result"]
    meters = "https://learn.example.org/xapi/extensions/meters"
    assert decision["response"] == "choice-0"  # type: ignore[index]
    assert decision["extensions"][meters] == {"cost": 5, "trust": 100}  # type: ignore[index]
    ended = built[EventKind.SCENARIO_ENDED]["result"]
    assert ended["extensions"]["https://learn.example.org/xapi/extensions/ending"] == {  # type: ignore[index]
        "node": "good-end", "title": "Good end", "kind": "good"}
    assert ended["score"]["scaled"] == 0.5  # type: ignore[index]


def test_a_scaled_score_is_kept_between_0_and_1_and_the_registration_groups_an_attempt() -> None:
    over = build_quiz_finished(CTX, person_id=1, quiz=QUIZ, attempt_key="a", score=1.7, passed=True, at=AT)
    assert loads(over.document)["result"]["score"]["scaled"] == 1.0  # type: ignore[index]
    built = every_kind()
    answered = loads(built[EventKind.QUESTION_ANSWERED].document)["context"]
    finished = loads(built[EventKind.QUIZ_FINISHED].document)["context"]
    assert answered["registration"] == finished["registration"]  # type: ignore[index]
    assert UUID.match(answered["registration"])  # type: ignore[index]


def test_a_huge_title_is_cut_and_the_document_stays_json() -> None:
    statement = build_section_read(CTX, key="k", person_id=1, module=ItemRef("m", "T" * 5000, "v"),
                                   section_index=0, section_title='"quoted" \u2028 text', at=AT)
    document = json.loads(statement.document)
    assert len(document["context"]["contextActivities"]["parent"][0]["definition"]["name"]["en-US"]) == 500
    assert document["object"]["definition"]["name"]["en-US"] == '"quoted" \u2028 text'


def test_statement_ids_never_change_between_releases() -> None:
    # A statement queued before an upgrade and sent after it must keep its id, or the LRS
    # would store a retry twice: the namespace and the way identities are joined are fixed.
    pinned = "8c5703ff-f6c0-5b42-90fb-b49c1c54b0af"
    assert statement_id("https://learn.example.org/xapi", "section_read", "read-1") == pinned
    assert every_kind()[EventKind.SECTION_READ].id == pinned
