"""The public certificate routes: the verification page and the published key set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from course.domain.certificates import ISSUER_PATH, KEYS_PATH, VERIFY_PATH, Certificate, Issuer
from course.domain.permissions import Actor, Capability, Grants
from course.services import certificates
from course.services.accounts import add_account
from course.store import certificates as store
from course.store.engine import Engine, write_transaction
from course.web import resources
from course.web.routes import routes

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Engine]:
    """Point the routes at a fresh SQLite database."""
    monkeypatch.setenv("NTS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    resources.settings.cache_clear()
    resources.engine.cache_clear()
    yield resources.engine()
    resources.engine().dispose()
    resources.settings.cache_clear()
    resources.engine.cache_clear()


def _client() -> TestClient:
    return TestClient(Starlette(routes=routes()))


def _issue(engine: Engine, name: str = "Ada <Lovelace>") -> tuple[Actor, Certificate]:
    info = add_account(engine, "ada@example.org", name=name,
                       grants=Grants(frozenset({Capability.LEARNER})), by=None,
                       department="legal", tracks=("legal",), now=NOW)
    certificate = Certificate(code="ABCDEF0123456789ABCD", person_id=info.id, track="legal",
                              track_title="Legal", issued_at=NOW, score=0.85, band="Proficient")
    with write_transaction(engine) as session:
        store.add_certificate(session, certificate)
    return Actor(info.id, info.email, info.grants), certificate


def test_a_valid_code_shows_the_certificate_without_signing_in(engine: Engine) -> None:
    _issue(engine)
    response = _client().get(VERIFY_PATH, params={"code": "abcdef0123456789abcd"})
    assert response.status_code == 200
    assert "Certificate valid" in response.text and "This certificate is valid." in response.text
    for shown in ("Ada &lt;Lovelace&gt;", "Legal", "01 May 2026", "Proficient", "ABCDEF0123456789ABCD"):
        assert shown in response.text, shown
    assert "<Lovelace>" not in response.text  # names are escaped
    assert "ada@example.org" not in response.text
    assert response.headers["cache-control"] == "no-store"



@pytest.mark.parametrize("name", ["Łukasz Żółć", "Ђорђе Σοφία", "İlkay Nguyễn Thị Ánh", "דוד כהן"])
def test_the_page_and_the_pdf_name_the_holder_the_same_way(engine: Engine, name: str) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    from course.content.loader import load_course
    from course.services.certificate_pdf import certificate_pdf
    from course.settings import BUNDLED_ROOT

    actor, certificate = _issue(engine, name=name)
    response = _client().get(VERIFY_PATH, params={"code": certificate.code})
    assert response.status_code == 200 and "utf-8" in response.headers["content-type"]
    assert f"<dt>Awarded to</dt><dd>{name}</dd>" in response.text
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    printed = certificate_pdf(engine, actor, course, certificate.code, public_url="https://learn.example.org")
    assert name in PdfReader(BytesIO(printed)).pages[0].extract_text().splitlines()


def test_a_revoked_code_says_so(engine: Engine) -> None:
    _, certificate = _issue(engine)
    admin = add_account(engine, "root@example.org", name="Root",
                        grants=Grants(frozenset({Capability.ADMIN})), by=None, now=NOW)
    certificates.revoke_certificate(engine, Actor(admin.id, admin.email, admin.grants),
                                    certificate.code, reason="issued in error")
    response = _client().get(VERIFY_PATH, params={"code": certificate.code})
    assert response.status_code == 200
    assert "Certificate revoked" in response.text and "has been revoked" in response.text
    assert "is valid" not in response.text


def test_an_unknown_code_is_not_found_and_no_code_asks_for_one(engine: Engine) -> None:
    response = _client().get(VERIFY_PATH, params={"code": "<script>alert(1)</script>"})
    assert response.status_code == 404
    assert "Certificate not found" in response.text and "<script>" not in response.text
    empty = _client().get(VERIFY_PATH)
    assert empty.status_code == 200 and "Check a certificate" in empty.text and "<form" in empty.text


def test_the_key_set_verifies_a_credential(engine: Engine) -> None:
    actor, certificate = _issue(engine, name="Ada")
    response = _client().get(KEYS_PATH)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    published = response.json()
    assert all("d" not in key for key in published["keys"])

    from course.content.loader import load_course
    from course.settings import BUNDLED_ROOT
    course = load_course(BUNDLED_ROOT).course
    assert course is not None
    token = certificates.signed_credential(engine, actor, course, certificate.code,
                                           issuer=Issuer("Example Ltd", "https://learn.example.org"))
    [key] = jwt.PyJWKSet.from_dict(published).keys
    claims = jwt.decode(token, key=key.key, algorithms=["EdDSA"])
    assert claims["credentialSubject"]["achievement"]["name"].endswith("Legal")


def test_the_issuer_profile_names_the_organisation(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NTS_ORGANISATION_NAME", "Example Ltd")
    monkeypatch.setenv("NTS_PUBLIC_URL", "https://learn.example.org")
    resources.settings.cache_clear()
    profile = _client().get(ISSUER_PATH).json()
    assert profile["id"] == f"https://learn.example.org{ISSUER_PATH}"
    assert (profile["type"], profile["name"]) == (["Profile"], "Example Ltd")
