"""Certificates of a completed track, and the Open Badges 3.0 credential that proves one.

Pure functions over plain values (stdlib only): which tracks a learner has completed is decided
in services/certificates.py; here are the score band, the public addresses and the credential's
JSON. Signing the credential belongs to the service layer, which holds the key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

#: Where anyone checks a verification code (`?code=...`), without signing in.
VERIFY_PATH = "/credentials/verify"
#: Where the organisation's public signing keys are published, as a JSON Web Key Set.
KEYS_PATH = "/credentials/jwks.json"
#: Where the issuer's profile (who signs the credentials) is described.
ISSUER_PATH = "/credentials/issuer"

#: Score bands, best first: the lowest score (0 to 1) that earns each.
BANDS: tuple[tuple[float, str], ...] = ((0.9, "Distinguished"), (0.8, "Proficient"), (0.0, "Competent"))
#: The band of a track without any scored quiz.
NO_SCORE_BAND = "Completed"

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def score_band(score: float | None) -> str:
    """Return the band a track score (0 to 1) falls in; NO_SCORE_BAND when nothing was scored."""
    if score is None:
        return NO_SCORE_BAND
    return next(band for floor, band in BANDS if score >= floor)


@dataclass(frozen=True, slots=True)
class Certificate:
    """A certificate issued to one person for one completed track (in one re-take cycle)."""

    code: str
    person_id: int
    track: str
    track_title: str
    issued_at: datetime
    score: float | None
    band: str
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    #: 0 for the first completion of the track; n for the n-th re-take of an assignment of it.
    cycle: int = 0

    @property
    def revoked(self) -> bool:
        """Tell whether an admin has revoked the certificate."""
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a certificate, as the credential and the PDF name them."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Issuer:
    """The organisation that issues the credentials, at the address the app is served from."""

    name: str
    public_url: str

    @property
    def id(self) -> str:
        """Return the issuer's identifier: the address of its profile."""
        return self.public_url + ISSUER_PATH

    @classmethod
    def named(cls, name: str, public_url: str) -> Issuer:
        """Return the issuer with this name, or named after the app's host when the name is ""."""
        return cls(name.strip() or urlsplit(public_url).netloc or public_url, public_url)

    def profile(self) -> dict[str, object]:
        """Return the issuer's Open Badges 3.0 Profile, as published at its id."""
        return {"@context": [VC_CONTEXT, OB_CONTEXT], "id": self.id, "type": ["Profile"],
                "name": self.name, "url": self.public_url}


def verification_url(public_url: str, code: str) -> str:
    """Return the address at which anyone can check a certificate's code."""
    return f"{public_url}{VERIFY_PATH}?code={code}"


def hashed_email(email: str, salt: str) -> str:
    """Return the OB 3.0 identity hash of an email: "sha256$" + hex of SHA-256(email + salt)."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def build_credential(certificate: Certificate, *, holder: Holder, issuer: Issuer,
                     course_title: str) -> dict[str, object]:
    """Return the OpenBadgeCredential (a W3C Verifiable Credential 2.0) for a certificate.

    The learner is named and identified by the salted hash of their email (the salt is the
    certificate's code), so the credential does not carry the address itself.
    """
    track_title = certificate.track_title
    achievement_id = f"{issuer.public_url}/credentials/achievements/{certificate.track}"
    result = [] if certificate.score is None else [
        {"type": ["Result"], "value": f"{round(certificate.score * 100)}%"}]
    subject: dict[str, object] = {
        "type": ["AchievementSubject"],
        "identifier": [{
            "type": "IdentityObject",
            "identityHash": hashed_email(holder.email, certificate.code),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": certificate.code,
        }],
        "achievement": {
            "id": achievement_id,
            "type": ["Achievement"],
            "name": f"{course_title}: {track_title}",
            "description": f"Completed every module of the {track_title} track of {course_title}.",
            "criteria": {"narrative": "Read every module of the track, pass its quizzes and "
                                      "play its scenarios."},
            "achievementType": "Certificate",
        },
    }
    if result:
        subject["result"] = result
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": verification_url(issuer.public_url, certificate.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{track_title} certificate for {holder.name}",
        "description": f"Score band: {certificate.band}.",
        "issuer": {"id": issuer.id, "type": ["Profile"], "name": issuer.name,
                   "url": issuer.public_url},
        "validFrom": _stamp(certificate.issued_at),
        "awardedDate": _stamp(certificate.issued_at),
        "credentialSubject": subject,
    }
