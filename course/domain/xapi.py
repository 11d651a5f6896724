"""Learning events as xAPI 1.0.3 statements, built from values alone (no database, no network).

Each builder turns one learning event into one statement. Its id is a UUIDv5 of the event's
identity (the activity base, what happened, and the random key of the learner's record), so
building the same event twice gives the same statement, and sending it again is harmless: the
LRS already holds that id. No id rests on a person's number alone, which a database may reuse.

Activity ids are IRIs under a configured base: `<base>/modules/<id>/sections/<n>`,
`<base>/quizzes/<id>/questions/<id>`, `<base>/scenarios/<id>/nodes/<id>`, `<base>/tracks/<id>`.
They hold the course's ids only, so an activity keeps its id across edits; the content version
the learner saw goes in `context.revision`, the field xAPI has for it.

The actor is an account on this app (homePage = its public address) named by a keyed
pseudonym of the person: never an email or a name.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import quote

#: The namespace of every statement id; it must never change, or a retry would get a new id.
STATEMENT_NAMESPACE = uuid.UUID("6c1f3e0a-59d4-4b8e-9a57-0d1b6f3c2e71")
XAPI_VERSION = "1.0.3"
LANGUAGE = "en-US"
PLATFORM = "Need to Share"
#: xAPI separates the parts of a multiple-choice or sequencing response with this.
RESPONSE_SEPARATOR = "[,]"


class LrsError(RuntimeError):
    """The LRS did not take the statements; `status` is its HTTP answer (None: no answer at all)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Verb(StrEnum):
    """The verbs sent, from the ADL vocabulary (and earned, from the registry's common verbs)."""

    EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
    ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
    PASSED = "http://adlnet.gov/expapi/verbs/passed"
    FAILED = "http://adlnet.gov/expapi/verbs/failed"
    RESPONDED = "http://adlnet.gov/expapi/verbs/responded"
    COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
    EARNED = "http://id.tincanapi.com/verb/earned"


VERB_NAMES: Mapping[Verb, str] = {
    Verb.EXPERIENCED: "experienced", Verb.ANSWERED: "answered", Verb.PASSED: "passed",
    Verb.FAILED: "failed", Verb.RESPONDED: "responded", Verb.COMPLETED: "completed",
    Verb.EARNED: "earned",
}


class ActivityType(StrEnum):
    """The activity types used, from the ADL vocabulary (and the registry's certificate)."""

    COURSE = "http://adlnet.gov/expapi/activities/course"
    MODULE = "http://adlnet.gov/expapi/activities/module"
    LESSON = "http://adlnet.gov/expapi/activities/lesson"
    ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
    INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
    SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
    CERTIFICATE = "http://id.tincanapi.com/activitytype/certificate"


class EventKind(StrEnum):
    """The learning events that become statements (stored with each outbox row)."""

    SECTION_READ = "section_read"
    QUESTION_ANSWERED = "question_answered"
    QUIZ_FINISHED = "quiz_finished"
    SCENARIO_DECISION = "scenario_decision"
    SCENARIO_ENDED = "scenario_ended"
    TRACK_COMPLETED = "track_completed"
    CERTIFICATE_ISSUED = "certificate_issued"


@dataclass(frozen=True, slots=True)
class XapiContext:
    """What every statement needs from the deployment: where activities and people live."""

    #: The base of every activity IRI, e.g. https://learn.example.org/xapi (no trailing slash).
    activity_base: str
    #: The app's public address: the homePage of every learner's account.
    home_page: str
    #: The secret that turns a person's id into their pseudonym; it must never change.
    actor_key: str = ""
    course_id: str = "course"
    course_title: str = ""

    def iri(self, *parts: str) -> str:
        """Return the activity IRI made of these path parts under the base (each part escaped)."""
        return "/".join([self.activity_base.rstrip("/"), *(quote(p, safe="") for p in parts)])


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement ready to store and send: its id, event kind, whose it is, and its JSON."""

    id: str
    kind: EventKind
    person_id: int
    document: str


def pseudonym(person_id: int, *, key: str) -> str:
    """Return a person's stable pseudonym: an HMAC of their id, which reveals nothing without the key."""
    return hmac.new(key.encode("utf-8"), f"person:{person_id}".encode(), hashlib.sha256).hexdigest()[:32]


def statement_id(*identity: str) -> str:
    """Return the deterministic statement id of an event named by these parts."""
    return str(uuid.uuid5(STATEMENT_NAMESPACE, "\x1f".join(identity)))


def _registration(key: str) -> str:
    return str(uuid.uuid5(STATEMENT_NAMESPACE, f"registration\x1f{key}"))


def _timestamp(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _name(text: str) -> dict[str, str]:
    return {LANGUAGE: text[:500] or "(untitled)"}


def _activity(iri: str, kind: ActivityType, title: str, **definition: object) -> dict[str, object]:
    return {"objectType": "Activity", "id": iri,
            "definition": {"type": kind.value, "name": _name(title), **definition}}


def _course(ctx: XapiContext) -> dict[str, object]:
    return _activity(ctx.iri("course", ctx.course_id), ActivityType.COURSE, ctx.course_title or ctx.course_id)


def _extension(ctx: XapiContext, name: str) -> str:
    return ctx.iri("extensions", name)


def _score(scaled: float) -> dict[str, float]:
    clamped = max(0.0, min(1.0, scaled))
    return {"scaled": round(clamped, 4), "raw": round(clamped * 100, 2), "min": 0, "max": 100}


@dataclass(frozen=True, slots=True)
class _Parts:
    """The parts of a statement that differ between events."""

    identity: tuple[str, ...]
    kind: EventKind
    verb: Verb
    target: dict[str, object]
    at: datetime
    revision: str = ""
    parents: tuple[dict[str, object], ...] = ()
    registration: str = ""
    result: dict[str, object] | None = None


def _build(ctx: XapiContext, person_id: int, parts: _Parts) -> Statement:
    context: dict[str, object] = {
        "platform": PLATFORM, "language": LANGUAGE,
        "contextActivities": {"grouping": [_course(ctx)],
                              **({"parent": list(parts.parents)} if parts.parents else {})},
    }
    if parts.revision:
        context["revision"] = parts.revision
    if parts.registration:
        context["registration"] = _registration(parts.registration)
    # The activity base keeps two deployments that share an LRS apart.
    sid = statement_id(ctx.activity_base, parts.kind.value, *parts.identity)
    document: dict[str, object] = {
        "id": sid,
        "actor": {"objectType": "Agent",
                  "account": {"homePage": ctx.home_page, "name": pseudonym(person_id, key=ctx.actor_key)}},
        "verb": {"id": parts.verb.value, "display": {LANGUAGE: VERB_NAMES[parts.verb]}},
        "object": parts.target,
        "context": context,
        "timestamp": _timestamp(parts.at),
    }
    if parts.result is not None:
        document["result"] = parts.result
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Statement(sid, parts.kind, person_id, text)


# --- the events --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ItemRef:
    """A module, quiz or scenario as statements name it: id, title and the version seen."""

    id: str
    title: str
    version: str


def _module(ctx: XapiContext, module: ItemRef) -> dict[str, object]:
    return _activity(ctx.iri("modules", module.id), ActivityType.MODULE, module.title)


def build_section_read(ctx: XapiContext, *, key: str, person_id: int, module: ItemRef,
                       section_index: int, section_title: str, at: datetime) -> Statement:
    """Return "experienced" for a section read (`key` is the read's record key)."""
    section = _activity(ctx.iri("modules", module.id, "sections", str(section_index + 1)),
                        ActivityType.LESSON, section_title)
    return _build(ctx, person_id, _Parts(
        (key,), EventKind.SECTION_READ, Verb.EXPERIENCED, section, at, module.version,
        parents=(_module(ctx, module),)))


@dataclass(frozen=True, slots=True)
class AnswerEvent:
    """A graded answer to a quiz question, as the learner gave it."""

    attempt_key: str
    question_id: str
    #: "choice", "sequencing" (ordering) or "other" (matching, sent as the order of its pairs).
    interaction: str
    question_text: str
    #: The option (or entry) positions chosen, in the order given.
    response: tuple[int, ...]
    correct_response: tuple[int, ...]
    #: Every option (or entry) offered: position and text (none for "other").
    choices: tuple[tuple[int, str], ...]
    success: bool
    score: float


def _response(positions: Sequence[int]) -> str:
    return RESPONSE_SEPARATOR.join(f"option-{p}" for p in positions)


def build_question_answered(ctx: XapiContext, *, person_id: int, quiz: ItemRef, answer: AnswerEvent,
                            at: datetime) -> Statement:
    """Return "answered" for one question of an attempt, with the response and whether it was right."""
    definition: dict[str, object] = {"interactionType": answer.interaction}
    if answer.choices:
        definition["correctResponsesPattern"] = [_response(answer.correct_response)]
        definition["choices"] = [{"id": f"option-{p}", "description": _name(text)}
                                 for p, text in answer.choices]
    question = _activity(ctx.iri("quizzes", quiz.id, "questions", answer.question_id),
                         ActivityType.INTERACTION, answer.question_text or answer.question_id,
                         **definition)
    result: dict[str, object] = {"response": _response(answer.response), "success": answer.success,
              "score": {"scaled": round(max(0.0, min(1.0, answer.score)), 4)}}
    quiz_activity = _activity(ctx.iri("quizzes", quiz.id), ActivityType.ASSESSMENT, quiz.title)
    return _build(ctx, person_id, _Parts(
        (answer.attempt_key, answer.question_id), EventKind.QUESTION_ANSWERED, Verb.ANSWERED, question,
        at, quiz.version, parents=(quiz_activity,), registration=answer.attempt_key, result=result))


def build_quiz_finished(ctx: XapiContext, *, person_id: int, quiz: ItemRef, attempt_key: str,
                        score: float, passed: bool, at: datetime, seconds: float | None = None) -> Statement:
    """Return "passed" or "failed" for a submitted attempt, with its scaled score."""
    result: dict[str, object] = {"score": _score(score), "success": passed, "completion": True}
    if seconds is not None:
        result["duration"] = f"PT{max(0.0, seconds):.2f}S"
    return _build(ctx, person_id, _Parts(
        (attempt_key,), EventKind.QUIZ_FINISHED, Verb.PASSED if passed else Verb.FAILED,
        _activity(ctx.iri("quizzes", quiz.id), ActivityType.ASSESSMENT, quiz.title), at, quiz.version,
        registration=attempt_key, result=result))


def _scenario(ctx: XapiContext, scenario: ItemRef) -> dict[str, object]:
    return _activity(ctx.iri("scenarios", scenario.id), ActivityType.SIMULATION, scenario.title)


@dataclass(frozen=True, slots=True)
class DecisionEvent:
    """One choice taken in a scenario run, and the meters after it."""

    run_id: str
    step_no: int
    node_id: str
    node_title: str
    choice_index: int
    #: Every choice offered at the node: index and label.
    offered: tuple[tuple[int, str], ...]
    meters_after: Mapping[str, int]
    score: int


def build_scenario_decision(ctx: XapiContext, *, person_id: int, scenario: ItemRef,
                            decision: DecisionEvent, at: datetime) -> Statement:
    """Return "responded" for a decision: the node, the choice, and the meters after it."""
    node = _activity(
        ctx.iri("scenarios", scenario.id, "nodes", decision.node_id), ActivityType.INTERACTION,
        decision.node_title or decision.node_id, interactionType="choice",
        choices=[{"id": f"choice-{i}", "description": _name(text)} for i, text in decision.offered])
    result: dict[str, object] = {"response": f"choice-{decision.choice_index}", "extensions": {
        _extension(ctx, "meters"): dict(sorted(decision.meters_after.items())),
        _extension(ctx, "decision-score"): decision.score,
        _extension(ctx, "step"): decision.step_no,
    }}
    return _build(ctx, person_id, _Parts(
        (decision.run_id, str(decision.step_no)), EventKind.SCENARIO_DECISION, Verb.RESPONDED, node, at,
        scenario.version, parents=(_scenario(ctx, scenario),), registration=decision.run_id,
        result=result))


def build_scenario_ended(ctx: XapiContext, *, person_id: int, scenario: ItemRef, run_id: str,
                         ending_node: str, ending_title: str, ending_kind: str, score: float,
                         meters: Mapping[str, int], at: datetime) -> Statement:
    """Return "completed" for a finished run, with its ending (node and kind) and its score."""
    result: dict[str, object] = {"score": _score(score), "completion": True, "success": ending_kind == "good",
              "extensions": {_extension(ctx, "ending"): {"node": ending_node, "title": ending_title,
                                                           "kind": ending_kind},
                             _extension(ctx, "meters"): dict(sorted(meters.items()))}}
    return _build(ctx, person_id, _Parts(
        (run_id,), EventKind.SCENARIO_ENDED, Verb.COMPLETED, _scenario(ctx, scenario), at,
        scenario.version, registration=run_id, result=result))


def _track(ctx: XapiContext, track: str, title: str) -> dict[str, object]:
    return _activity(ctx.iri("tracks", track), ActivityType.COURSE, title)


def build_track_completed(ctx: XapiContext, *, person_id: int, track: str, track_title: str,
                          score: float | None, code: str, at: datetime) -> Statement:
    """Return "completed" for a track whose every module is done (score: mean best quiz score).

    `code` is the certificate issued with it: random, so a person id used again after an
    erasure (SQLite may reuse one) never gives an earlier person's statement id.
    """
    result: dict[str, object] = {"completion": True}
    if score is not None:
        result["score"] = _score(score)
    return _build(ctx, person_id, _Parts(
        (code, track), EventKind.TRACK_COMPLETED, Verb.COMPLETED,
        _track(ctx, track, track_title), at, result=result))


def build_certificate_issued(ctx: XapiContext, *, person_id: int, track: str, track_title: str,
                             band: str, code: str, at: datetime) -> Statement:
    """Return "earned" for the certificate of a completed track."""
    certificate = _activity(ctx.iri("tracks", track, "certificate"), ActivityType.CERTIFICATE,
                            f"Certificate: {track_title}")
    result: dict[str, object] = {"completion": True, "extensions": {_extension(ctx, "band"): band}}
    return _build(ctx, person_id, _Parts(
        (code, track), EventKind.CERTIFICATE_ISSUED, Verb.EARNED, certificate, at,
        parents=(_track(ctx, track, track_title),), result=result))
