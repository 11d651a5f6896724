"""SMTP over STARTTLS and implicit TLS, with a login, against real servers on 127.0.0.1.

The servers use a certificate made for the test; the client trusts it only through
SSL_CERT_FILE (the standard OpenSSL variable), as an organisation's own CA would be trusted.
"""

from __future__ import annotations

import re
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from course.domain.mail import MailError
from course.integrations.mail import SmtpMailer
from course.settings import MailSettings
from tests.integrations.test_mail import MESSAGE
from tests.mail_sink import _free_port, _Keeper

USER, PASSWORD = "mailer", "s3cret-pass"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def _login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok)


@pytest.fixture(params=["starttls", "tls"])
def server(
    request: pytest.FixtureRequest, certificate: tuple[Path, Path]
) -> Iterator[tuple[str, int, _Keeper]]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    keeper, port = _Keeper(), _free_port()
    options: dict[str, Any] = {"authenticator": _login, "auth_require_tls": True}
    if request.param == "starttls":
        options.update(tls_context=context, require_starttls=True)
    else:  # the whole connection is TLS; aiosmtpd's own check only knows about STARTTLS
        options.update(ssl_context=context, auth_require_tls=False)
    controller = Controller(keeper, hostname="127.0.0.1", port=port, **options)
    controller.start()
    yield request.param, port, keeper
    controller.stop()


def _settings(mode: str, port: int, **overrides: Any) -> MailSettings:
    values: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": mode,
                              "smtp_username": USER, "smtp_password": PASSWORD,
                              "sender": "course@example.org"}
    values.update(overrides)
    return MailSettings(**values)


def test_a_trusted_server_gets_the_login_and_the_message(
    server: tuple[str, int, _Keeper], certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    mode, port, keeper = server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    SmtpMailer(_settings(mode, port), timeout=10).send(MESSAGE)
    assert [m["To"] for m in keeper.messages] == ["eli@example.org"]


def test_a_wrong_password_is_a_mail_error(
    server: tuple[str, int, _Keeper], certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    mode, port, keeper = server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with pytest.raises(MailError, match=re.escape(f"SMTP server 127.0.0.1:{port}: SMTP")):
        SmtpMailer(_settings(mode, port, smtp_password="wrong"), timeout=3).send(MESSAGE)
    assert keeper.messages == []


def test_an_untrusted_certificate_gets_no_password(
    server: tuple[str, int, _Keeper], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mode, port, keeper = server
    empty = tmp_path / "no-ca.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    with pytest.raises(MailError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        SmtpMailer(_settings(mode, port), timeout=10).send(MESSAGE)
    assert keeper.messages == []
