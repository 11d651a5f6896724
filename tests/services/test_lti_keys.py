"""The LTI tool key: made once and kept in the database, or read from a PEM file; RSA only."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlalchemy import Engine

from course.integrations.lti import public_key_set
from course.services import lti
from course.settings import LtiSettings


def _pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_the_database_key_is_made_once_and_published(sqlite_engine: Engine) -> None:
    first = lti.tool_keys(sqlite_engine, LtiSettings())
    again = lti.tool_keys(sqlite_engine, LtiSettings())
    assert first == again and len(first) == 1
    [published] = public_key_set(first)["keys"]
    assert published["kty"] == "RSA" and "d" not in published and published["alg"] == "RS256"
    signed = jwt.encode({"x": 1}, first[0].private_pem, algorithm="RS256")
    assert jwt.decode(signed, first[0].public_pem, algorithms=["RS256"]) == {"x": 1}


def test_a_key_file_replaces_the_database_key_and_must_be_rsa(sqlite_engine: Engine, tmp_path: Path) -> None:
    key_file = tmp_path / "tool.pem"
    key_file.write_text(_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
                        encoding="ascii")
    [from_file] = lti.tool_keys(sqlite_engine, LtiSettings(key_file=key_file))
    assert from_file.private_pem == key_file.read_text(encoding="ascii")
    assert from_file not in lti.tool_keys(sqlite_engine, LtiSettings())
    key_file.write_text(_pem(ed25519.Ed25519PrivateKey.generate()), encoding="ascii")
    with pytest.raises(ValueError, match="must be an RSA key"):
        lti.tool_keys(sqlite_engine, LtiSettings(key_file=key_file))
