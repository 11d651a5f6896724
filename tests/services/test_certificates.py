"""Certificates: issued once per completed track, signed as Open Badges 3.0, checked and revoked.

The credential's signature is checked with PyJWT and the published key set (not with the code
that signed it), and the credential with the Open Badges 3.0 JSON schema of 1EdTech (vendored
under tests/fixtures/open_badges with its source).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import jwt
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from course.domain.certificates import VERIFY_PATH, Issuer, score_band
from course.domain.model import Course
from course.domain.permissions import Actor, Capability
from course.services import certificate_pdf, certificates
from course.services.certificates import CertificateNotFound
from course.services.permissions import PermissionDenied
from tests.conftest import TreeWriter
from tests.services.test_learning import NOW, PATH_TREE, AddPerson, events, load, play, read_all, take_quiz

SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures" / "open_badges"
                     / "achievementcredential_schema.json").read_text(encoding="utf-8"))
URL = "https://learn.example.org"
ISSUER = Issuer("Example Ltd", URL)


@pytest.fixture
def course(write_tree: TreeWriter) -> Course:
    return load(write_tree(PATH_TREE))


@pytest.fixture
def add_person(engine: Engine) -> AddPerson:
    from course.domain.permissions import Grants
    from course.services.accounts import add_account

    def add(email: str = "ada@example.org", *, tracks: tuple[str, ...] = ("legal",),
            capabilities: tuple[Capability, ...] = (Capability.LEARNER,)) -> Actor:
        info = add_account(engine, email, name=email.split("@")[0].title(),
                           grants=Grants(frozenset(capabilities)), by=None, department="legal",
                           tracks=tracks, now=NOW)
        return Actor(info.id, info.email, info.grants)

    return add


def finish_track(engine: Engine, actor: Actor, course: Course) -> None:
    read_all(engine, actor, course, "basics")
    take_quiz(engine, actor, course, "intro-quiz")
    play(engine, actor, course, "first-day", [1])
    for module_id in ("legal-deep", "afterword"):
        read_all(engine, actor, course, module_id)


def test_the_score_bands() -> None:
    assert [score_band(s) for s in (1.0, 0.9, 0.85, 0.8, 0.5, 0.0, None)] == [
        "Distinguished", "Distinguished", "Proficient", "Proficient", "Competent", "Competent",
        "Completed"]


def test_nothing_is_issued_before_the_track_is_complete(engine: Engine, add_person: AddPerson,
                                                         course: Course) -> None:
    ada = add_person()
    read_all(engine, ada, course, "basics")
    take_quiz(engine, ada, course, "intro-quiz")
    assert certificates.issue_certificates(engine, ada, course, now=NOW) == []


def test_completing_a_track_issues_one_certificate_once(engine: Engine, add_person: AddPerson,
                                                         course: Course) -> None:
    ada = add_person()
    finish_track(engine, ada, course)
    first = certificates.issue_certificates(engine, ada, course, now=NOW)
    again = certificates.issue_certificates(engine, ada, course, now=NOW + timedelta(days=1))
    assert again == first
    [issued] = first
    assert (issued.track, issued.track_title, issued.score, issued.band) == (
        "legal", course.info.roles["legal"], 1.0, "Distinguished")
    assert issued.issued_at == NOW and not issued.revoked
    assert len(issued.code) == 20 and issued.code.isalnum()
    assert [e.target for e in events(engine, "certificate_issued")] == ["legal"]


def test_a_second_track_needs_its_own_modules(engine: Engine, add_person: AddPerson,
                                              course: Course) -> None:
    both = add_person("bo@example.org", tracks=("hr", "legal"))
    finish_track(engine, both, course)
    issued = certificates.issue_certificates(engine, both, course, now=NOW)
    assert [c.track for c in issued] == ["legal"]
    read_all(engine, both, course, "hr-deep")
    issued = certificates.issue_certificates(engine, both, course, now=NOW)
    assert sorted(c.track for c in issued) == ["hr", "legal"]
    assert len({c.code for c in issued}) == 2


def test_the_credential_is_signed_with_the_published_key_and_fits_the_schema(
    engine: Engine, add_person: AddPerson, course: Course
) -> None:
    ada = add_person()
    finish_track(engine, ada, course)
    [issued] = certificates.issue_certificates(engine, ada, course, now=NOW)
    token = certificates.signed_credential(engine, ada, course, issued.code, issuer=ISSUER)

    key_set = jwt.PyJWKSet.from_dict(certificates.public_key_set(engine))
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    key = next(k for k in key_set.keys if k.key_id == header["kid"])
    claims = jwt.decode(token, key=key.key, algorithms=["EdDSA"], options={"verify_aud": False})

    jsonschema.Draft201909Validator(SCHEMA).validate(claims)
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["iss"] == claims["issuer"]["id"] == f"{URL}/credentials/issuer"
    assert claims["issuer"]["name"] == "Example Ltd"
    assert claims["jti"] == claims["id"] == f"{URL}{VERIFY_PATH}?code={issued.code}"
    assert claims["validFrom"] == "2026-05-01T09:00:00Z"
    [identity] = claims["credentialSubject"]["identifier"]
    expected = hashlib.sha256(("ada@example.org" + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}" and identity["hashed"] is True
    assert "ada@example.org" not in token and "ada@example.org" not in json.dumps(claims)

    tampered = token.split(".")
    tampered[1] = tampered[1][:-4] + ("AAAA" if not tampered[1].endswith("AAAA") else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(".".join(tampered), key=key.key, algorithms=["EdDSA"])


def test_the_key_is_made_once_and_kept(engine: Engine) -> None:
    first = certificates.public_key_set(engine)
    assert certificates.public_key_set(engine) == first
    [key] = first["keys"]  # type: ignore[misc]
    assert (key["kty"], key["crv"], key["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert "d" not in key  # never the private half


def test_only_the_holder_gets_their_credential_and_pdf(engine: Engine, add_person: AddPerson,
                                                       course: Course) -> None:
    ada, bo = add_person(), add_person("bo@example.org")
    finish_track(engine, ada, course)
    [issued] = certificates.issue_certificates(engine, ada, course, now=NOW)
    with pytest.raises(CertificateNotFound):
        certificates.signed_credential(engine, bo, course, issued.code, issuer=ISSUER)
    with pytest.raises(CertificateNotFound):
        certificate_pdf.certificate_pdf(engine, bo, course, issued.code, public_url=URL)


def test_the_pdf_names_the_person_track_band_code_and_address(
    engine: Engine, add_person: AddPerson, course: Course, tmp_path: Path
) -> None:
    ada = add_person()
    finish_track(engine, ada, course)
    [issued] = certificates.issue_certificates(engine, ada, course, now=NOW)
    data = certificate_pdf.certificate_pdf(engine, ada, course, issued.code, public_url=URL)
    assert data.startswith(b"%PDF")
    (tmp_path / "c.pdf").write_bytes(data)
    reader = PdfReader(tmp_path / "c.pdf")
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    for expected in ("Ada", course.info.roles["legal"], "01 May 2026", "Distinguished", issued.code,
                     f"{URL}{VERIFY_PATH}?code={issued.code}"):
        assert expected in text, expected


def test_admins_revoke_once_with_an_audit_entry_and_learners_may_not(
    engine: Engine, add_person: AddPerson, course: Course
) -> None:
    ada = add_person()
    admin = add_person("root@example.org", capabilities=(Capability.ADMIN,))
    finish_track(engine, ada, course)
    [issued] = certificates.issue_certificates(engine, ada, course, now=NOW)
    with pytest.raises(PermissionDenied):
        certificates.revoke_certificate(engine, ada, issued.code, reason="mine")
    with pytest.raises(PermissionDenied):
        certificates.certificates_of(engine, ada, ada.person_id)
    check = certificates.check_code(engine, issued.code.lower())
    assert check is not None and not check.certificate.revoked and check.holder_name == "Ada"

    assert certificates.revoke_certificate(engine, admin, issued.code, reason="issued in error")
    assert not certificates.revoke_certificate(engine, admin, issued.code, reason="again")
    check = certificates.check_code(engine, issued.code)
    assert check is not None and check.certificate.revoked
    assert check.certificate.revoked_reason == "issued in error"
    [entry] = events(engine, "certificate_revoked")
    assert entry.detail["code"] == issued.code and entry.actor == "root@example.org"
    [listed] = certificates.certificates_of(engine, admin, ada.person_id)
    assert listed.revoked and listed.code == issued.code
    with pytest.raises(CertificateNotFound):
        certificates.revoke_certificate(engine, admin, "NOSUCHCODE", reason="x")


@pytest.mark.parametrize("code", ["", "NOSUCHCODE", "'; drop table certificate;--", "A" * 40])
def test_unknown_codes_are_simply_not_found(engine: Engine, code: str) -> None:
    assert certificates.check_code(engine, code) is None


def test_the_issuer_is_named_after_the_host_unless_named() -> None:
    assert Issuer.named("", URL).name == "learn.example.org"
    assert Issuer.named("  Example Ltd ", URL).name == "Example Ltd"
