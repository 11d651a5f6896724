"""Certificates and the signing key: stored once, read back as domain values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from course.domain.certificates import Certificate
from course.store._sql import as_utc, dialect_name
from course.store.tables import Certificate as CertificateRow
from course.store.tables import SigningKey

_CERTIFICATE: Table = CertificateRow.__table__  # type: ignore[attr-defined]
_KEY: Table = SigningKey.__table__  # type: ignore[attr-defined]


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def _certificate(row: Any) -> Certificate:
    issued = _utc(row.issued_at)
    assert issued is not None
    return Certificate(code=row.code, person_id=row.person_id, track=row.track,
                       track_title=row.track_title, issued_at=issued,
                       score=row.score, band=row.band, revoked_at=_utc(row.revoked_at),
                       revoked_reason=row.revoked_reason, cycle=int(row.cycle))


def add_certificate(session: Session, certificate: Certificate) -> bool:
    """Store a certificate unless the person holds one for the track and cycle; tell if stored."""
    insert = sqlite.insert if dialect_name(session) == "sqlite" else postgresql.insert
    statement = insert(_CERTIFICATE).on_conflict_do_nothing().returning(_CERTIFICATE.c.code)
    values = {"code": certificate.code, "person_id": certificate.person_id,
              "track": certificate.track, "track_title": certificate.track_title,
              "issued_at": certificate.issued_at,
              "score": certificate.score, "band": certificate.band, "revoked_at": None,
              "revoked_reason": "", "cycle": certificate.cycle}
    return session.connection().execute(statement, values).scalar_one_or_none() is not None


def list_certificates(session: Session, person_id: int | None = None) -> list[Certificate]:
    """Return a person's certificates (everyone's when person_id is None), oldest first."""
    statement = select(_CERTIFICATE).order_by(_CERTIFICATE.c.issued_at, _CERTIFICATE.c.code)
    if person_id is not None:
        statement = statement.where(_CERTIFICATE.c.person_id == person_id)
    return [_certificate(row) for row in session.connection().execute(statement)]


def get_certificate(session: Session, code: str) -> Certificate | None:
    """Return the certificate with this verification code, if there is one."""
    row = session.connection().execute(
        select(_CERTIFICATE).where(_CERTIFICATE.c.code == code)).first()
    return None if row is None else _certificate(row)


def revoke_certificate(session: Session, code: str, *, now: datetime, reason: str) -> bool:
    """Mark a certificate revoked (once); tell whether this call revoked it."""
    statement = (update(_CERTIFICATE)
                 .where(_CERTIFICATE.c.code == code, _CERTIFICATE.c.revoked_at.is_(None))
                 .values(revoked_at=now, revoked_reason=reason[:500]))
    return bool(session.connection().execute(statement).rowcount)


def list_keys(session: Session) -> list[tuple[str, str]]:
    """Return every signing key as (key id, private PEM), oldest first."""
    rows = session.connection().execute(
        select(_KEY.c.kid, _KEY.c.private_pem).order_by(_KEY.c.created_at, _KEY.c.kid))
    return [(str(kid), str(pem)) for kid, pem in rows]


def add_key(session: Session, kid: str, private_pem: str, *, now: datetime) -> None:
    """Store a new signing key unless one with this id exists."""
    insert = sqlite.insert if dialect_name(session) == "sqlite" else postgresql.insert
    session.connection().execute(insert(_KEY).on_conflict_do_nothing(),
                                 {"kid": kid, "private_pem": private_pem, "created_at": now})
