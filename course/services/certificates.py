"""Certificates: issued when a learner completes a track, signed as Open Badges 3.0, revocable.

A track is complete when every module of the learner's path that is for that track is done
(every section read, its quiz passed, its scenario played). The certificate is stored once per
person, track and cycle, with a random verification code: cycle 0 for the first completion,
and one more for each re-take cycle of an assignment of the track completed with fresh work
(quizzes passed and scenarios played since the cycle started). Its credential is an OpenBadgeCredential
signed as a VC-JWT (JWS compact form, alg EdDSA) with the organisation's Ed25519 key, which is
made on first use and kept in the database; the public half is published as a JSON Web Key Set
so that anyone can check a credential without this code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from course.domain.assignments import (
    Completion,
    DatedWork,
    Progress,
    TargetKind,
    completion,
    cycle_on,
    fresh_progress,
    fresh_scores,
)
from course.domain.certificates import (
    Certificate,
    Holder,
    Issuer,
    build_credential,
    score_band,
)
from course.domain.model import Course
from course.domain.paths import path_for
from course.domain.permissions import Action, Actor
from course.domain.records import ProgressEntry, ProgressKind
from course.domain.xapi import XapiContext, build_certificate_issued, build_track_completed
from course.services.learner import ModuleState, PathView, build_path
from course.services.learning_records import context_for, queue
from course.services.permissions import require
from course.store import assignments, audit, people, placement, progress
from course.store import certificates as store
from course.store.assignments import AssignmentRow
from course.store.engine import Engine, Session, read_session, write_transaction


class CertificateNotFound(LookupError):
    """No certificate of this person has that code."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _new_code() -> str:
    return secrets.token_hex(10).upper()  # 80 random bits, printed on the certificate


def _track_scores(path: PathView, entries: list[ProgressEntry]) -> dict[str, float | None]:
    """Return each track of the path that is complete, with its score (mean best quiz score)."""
    best = {e.item_id: e.best_score for e in entries if e.kind is ProgressKind.QUIZ}
    done: dict[str, float | None] = {}
    for track in path.person.tracks:
        statuses = [s for s in path.modules if s.module.meta.is_for({track})]
        if not statuses or any(s.state is not ModuleState.DONE for s in statuses):
            continue
        scores = [score for s in statuses if s.module.quiz is not None
                  for score in [best.get(s.module.quiz)] if score is not None]
        done[track] = sum(scores) / len(scores) if scores else None
    return done


@dataclass(frozen=True, slots=True)
class Earned:
    """A track completed in a cycle, not yet certified: what the certificate will say."""

    track: str
    cycle: int
    score: float | None


def _base_progress(entries: list[ProgressEntry], read: dict[tuple[str, str], set[int]]) -> Progress:
    """Return the learner's progress as assignments count it (the counters, all cycles together)."""
    sections: dict[str, int] = {}
    for (module_id, _), indexes in read.items():
        sections[module_id] = max(sections.get(module_id, 0), len(indexes))
    return Progress(sections,
                    frozenset(e.item_id for e in entries if e.kind is ProgressKind.QUIZ and e.passed),
                    frozenset(e.item_id for e in entries if e.kind is ProgressKind.SCENARIO and e.events > 0))


def _retakes_earned(course: Course, rows: list[AssignmentRow], base: Progress, work: list[DatedWork],
                    held: list[Certificate], first: set[str], today: date) -> list[Earned]:
    """Return the tracks of running re-take cycles completed with fresh work and not yet certified.

    A certificate issued on or after the cycle's start (the first one, for a late joiner; those
    of `first` are being issued now) already covers the cycle.
    """
    earned: dict[str, Earned] = {}
    for row in rows:
        cycle = cycle_on(row.starts_on, row.due_on, row.retake_months, today)
        if row.target_id in first:
            continue
        if any(c.track == row.target_id and (c.cycle == cycle.number or c.issued_at.date() >= cycle.starts_on)
               for c in held):
            continue
        fresh = fresh_progress(base, work, cycle.starts_on)
        if completion(course, TargetKind.TRACK, row.target_id, fresh) is not Completion.DONE:
            continue
        best = fresh_scores(work, cycle.starts_on)
        quizzes = [m.quiz for m in path_for(course, [row.target_id]) if m.quiz is not None]
        scores = [best[q] for q in quizzes if q in best]
        earned[row.target_id] = Earned(row.target_id, cycle.number,
                                       sum(scores) / len(scores) if scores else None)
    return list(earned.values())


def _retakes_running(session: Session, person_id: int, today: date) -> tuple[list[AssignmentRow],
                                                                              list[DatedWork]]:
    """Return the person's track assignments in a re-take cycle today, and the work those cycles count.

    One read of the person's assignments; the dated work is read only when a re-take is running.
    """
    rows = [r for r in assignments.person_assignments(session, person_id)
            if r.kind is TargetKind.TRACK and r.starts_on <= today
            and cycle_on(r.starts_on, r.due_on, r.retake_months, today).retake]
    if not rows:
        return [], []
    since = min(cycle_on(r.starts_on, r.due_on, r.retake_months, today).starts_on for r in rows)
    found = assignments.dated_work(session, [person_id], since=datetime.combine(since, time(), tzinfo=UTC))
    return rows, found.get(person_id, [])


def _issue(engine: Engine, actor: Actor, course: Course,
           now: datetime | None) -> tuple[list[Certificate], list[Certificate]]:
    """Issue what the learner has earned; return all their certificates and the ones new now."""
    require(engine, actor, Action.READ_SECTION)
    when = now or datetime.now(UTC)
    with read_session(engine) as session:
        person = people.get_person(session, actor.person_id)
        entries = progress.list_progress(session, actor.person_id)
        read = progress.list_all_sections_read(session, actor.person_id)
        held = store.list_certificates(session, actor.person_id)
        placed = placement.list_placement(session, actor.person_id)
        retaking, work = _retakes_running(session, actor.person_id, when.date())
    if person is None:
        return [], []
    done = _track_scores(build_path(course, person, entries, read, placed=placed), entries)
    new = [Earned(track, 0, score) for track, score in done.items() if track not in {c.track for c in held}]
    new += _retakes_earned(course, retaking, _base_progress(entries, read), work, held,
                           {e.track for e in new}, when.date())
    if not new:
        return held, []
    ctx = context_for(engine, course)
    with write_transaction(engine) as session:
        fresh = [c for e in new
                 if (c := _store_certificate(session, actor, course, e, when, ctx)) is not None]
        return store.list_certificates(session, actor.person_id), fresh


def _store_certificate(session: Session, actor: Actor, course: Course, earned: Earned,
                       when: datetime, ctx: XapiContext | None) -> Certificate | None:
    certificate = Certificate(
        code=_new_code(), person_id=actor.person_id, track=earned.track,
        track_title=course.info.roles.get(earned.track, earned.track), issued_at=when, score=earned.score,
        band=score_band(earned.score), cycle=earned.cycle)
    if not store.add_certificate(session, certificate):
        return None  # another tab or process issued it a moment ago
    audit.record_event(session, "certificate_issued", now=when, actor_id=actor.person_id,
                       actor_label=actor.email, subject_id=actor.person_id,
                       subject_label=actor.email, target=earned.track,
                       detail={"code": certificate.code, "band": certificate.band, "cycle": earned.cycle})
    if ctx is not None:  # the learning record store hears of it in the same transaction
        queue(session, [
            build_track_completed(ctx, person_id=actor.person_id, track=earned.track,
                                  track_title=certificate.track_title, score=earned.score,
                                  code=certificate.code, at=when),
            build_certificate_issued(ctx, person_id=actor.person_id, track=earned.track,
                                     track_title=certificate.track_title,
                                     band=certificate.band, code=certificate.code, at=when),
        ], now=when)
    return certificate


def issue_certificates(engine: Engine, actor: Actor, course: Course, *,
                       now: datetime | None = None) -> list[Certificate]:
    """Issue a certificate for each completed track (and re-take cycle) lacking one; return all the learner's.

    Reads the learner, their progress, certificates and assignments; a write happens only when a
    track is newly complete.
    """
    return _issue(engine, actor, course, now)[0]


def certify_completion(engine: Engine, actor: Actor, course: Course, *,
                       now: datetime | None = None) -> list[Certificate]:
    """Issue the certificates the learner's latest work has just earned; return only those.

    Called right after the work that can finish a track (the last section of a module read, a
    quiz passed, a scenario run ended). Idempotent: once per person, track and cycle, whichever
    tab or process asks first.
    """
    return _issue(engine, actor, course, now)[1]


def owned_certificate(engine: Engine, actor: Actor, code: str) -> tuple[Certificate, Holder]:
    """Return one of the signed-in person's certificates and how it names them."""
    require(engine, actor, Action.VIEW_OWN_PROFILE)
    with read_session(engine) as session:
        certificate = store.get_certificate(session, code)
        person = people.get_person(session, actor.person_id)
    if certificate is None or person is None or certificate.person_id != actor.person_id:
        raise CertificateNotFound(f"you hold no certificate with the code {code}")
    return certificate, Holder(person.name, person.email)


# --- the signing key --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SigningKey:
    """The organisation's Ed25519 key and its published id."""

    kid: str
    key: Ed25519PrivateKey


def _kid(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _load(kid: str, pem: str) -> SigningKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"signing key {kid} is not an Ed25519 key")
    return SigningKey(kid, key)


def signing_keys(engine: Engine, *, now: datetime | None = None) -> list[SigningKey]:
    """Return the organisation's signing keys, oldest first, making the first one if none exists."""
    with read_session(engine) as session:
        stored = store.list_keys(session)
    if not stored:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
        with write_transaction(engine) as session:
            store.add_key(session, _kid(key), pem, now=now or datetime.now(UTC))
            stored = store.list_keys(session)
    return [_load(kid, pem) for kid, pem in stored]


def public_key_set(engine: Engine) -> dict[str, object]:
    """Return the public signing keys as a JSON Web Key Set (RFC 7517, OKP keys of RFC 8037)."""
    keys = []
    for signing in signing_keys(engine):
        raw = signing.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                    serialization.PublicFormat.Raw)
        keys.append({"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "kid": signing.kid,
                     "use": "sig", "alg": "EdDSA"})
    return {"keys": keys}


def sign_jwt(claims: dict[str, object], signing: SigningKey) -> str:
    """Return the claims as a compact JWS signed with EdDSA (Ed25519)."""
    header = {"alg": "EdDSA", "typ": "JWT", "kid": signing.kid}
    encoded = [_b64url(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
               for part in (header, claims)]
    signing_input = ".".join(encoded).encode("ascii")
    return ".".join([*encoded, _b64url(signing.key.sign(signing_input))])


# --- what the learner downloads ---------------------------------------------------------------

def credential(engine: Engine, actor: Actor, course: Course, code: str, *,
               issuer: Issuer) -> dict[str, object]:
    """Return the learner's OpenBadgeCredential for one of their certificates (unsigned JSON)."""
    certificate, holder = owned_certificate(engine, actor, code)
    return build_credential(certificate, holder=holder, issuer=issuer, course_title=course.info.title)


def signed_credential(engine: Engine, actor: Actor, course: Course, code: str, *,
                      issuer: Issuer) -> str:
    """Return the credential as a VC-JWT: its JSON plus the JWT claims iss, jti and nbf."""
    document = credential(engine, actor, course, code, issuer=issuer)
    certificate, _ = owned_certificate(engine, actor, code)
    claims = {**document, "iss": issuer.id, "jti": document["id"],
              "nbf": int(certificate.issued_at.timestamp())}
    return sign_jwt(claims, signing_keys(engine)[0])


# --- checking and revoking --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CodeCheck:
    """What the public verification page says about a code."""

    certificate: Certificate
    holder_name: str


def check_code(engine: Engine, code: str) -> CodeCheck | None:
    """Return the certificate a verification code names (valid or revoked), or None. Public."""
    cleaned = code.strip().upper()
    if not cleaned.isalnum() or len(cleaned) > 32:
        return None
    with read_session(engine) as session:
        certificate = store.get_certificate(session, cleaned)
        person = None if certificate is None else people.get_person(session, certificate.person_id)
    if certificate is None or person is None:
        return None
    return CodeCheck(certificate, person.name)


def certificates_of(engine: Engine, actor: Actor, person_id: int) -> list[Certificate]:
    """Return one person's certificates, revoked ones included (administrators only)."""
    require(engine, actor, Action.REVOKE_CERTIFICATE)
    with read_session(engine) as session:
        return store.list_certificates(session, person_id)


def revoke_certificate(engine: Engine, actor: Actor, code: str, *, reason: str,
                       now: datetime | None = None) -> bool:
    """Revoke a certificate (administrators only, audited); False when it was already revoked."""
    require(engine, actor, Action.REVOKE_CERTIFICATE)
    when = now or datetime.now(UTC)
    with write_transaction(engine) as session:
        certificate = store.get_certificate(session, code)
        if certificate is None:
            raise CertificateNotFound(f"no certificate has the code {code}")
        revoked = store.revoke_certificate(session, code, now=when, reason=reason.strip())
        if revoked:
            audit.record_event(session, "certificate_revoked", now=when, actor_id=actor.person_id,
                               actor_label=actor.email, subject_id=certificate.person_id,
                               target=certificate.track,
                               detail={"code": code, "reason": reason.strip()[:300]})
    return revoked
