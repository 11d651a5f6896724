"""The shipped nginx configuration: it passes `nginx -t` as shipped and does what the docs say."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.proxy import SHIPPED, check_config, nginx_binary, site_config


def _shipped() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def _location(text: str, name: str) -> str:
    start = text.index(f"location {name} {{")
    return text[start:text.index("}", start)]


def _live(text: str) -> str:
    """Return the configuration without its comments."""
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def test_shipped_config_passes_nginx_t(tmp_path: Path) -> None:
    checked = check_config(nginx_binary(), tmp_path, _shipped())
    assert checked.returncode == 0, checked.stderr


def test_tls_lines_are_commented_placeholders() -> None:
    live = _live(_shipped())
    assert "ssl_certificate" in _shipped()
    assert "ssl_certificate" not in live and "443" not in live


def test_sticky_by_session_cookie_with_an_address_fallback_and_no_ip_hash() -> None:
    live = _live(_shipped())
    assert "hash $nts_sticky_key consistent;" in live
    assert re.search(r"map \$cookie_nts_session \$nts_sticky_key \{\s*\"\"\s+\$remote_addr;", live)
    assert "ip_hash" not in live and "sticky" not in live.replace("nts_sticky_key", "")


def test_websocket_upgrade_only_on_the_stream() -> None:
    live = _live(_shipped())
    stream = _location(live, "= /_stcore/stream")
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert "proxy_set_header Connection $nts_connection_upgrade;" in stream
    outside = live.replace(stream, "")
    assert "Upgrade" not in outside.replace("$http_upgrade {", "")
    assert 'proxy_set_header Connection "";' in outside


def test_forwarded_headers_append_and_set_the_scheme() -> None:
    live = _live(_shipped())
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in live
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in live
    assert "proxy_set_header Host $host;" in live


def test_auth_is_never_cached_and_health_passes_through() -> None:
    live = _live(_shipped())
    auth = _location(live, "/auth/")
    assert "proxy_no_cache 1;" in auth and "proxy_cache_bypass 1;" in auth
    assert "proxy_cache " not in live  # no cache zone anywhere
    for path in ("/healthz", "/readyz"):
        assert "proxy_pass http://need_to_share;" in _location(live, f"= {path}")


def test_test_harness_changes_only_the_addresses() -> None:
    adapted = site_config(_shipped(), listen_port=18080, app_ports=(18501, 18502, 18503))
    assert "listen 127.0.0.1:18080;" in adapted and "listen 80" not in _live(adapted)
    for port in (18501, 18502, 18503):
        assert f"server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" in adapted
    assert "8501" not in _live(adapted).replace("18501", "")
    assert _location(adapted, "= /_stcore/stream") == _location(_shipped(), "= /_stcore/stream")


def test_test_harness_refuses_a_config_it_cannot_adapt() -> None:
    with pytest.raises(ValueError, match="listen 80"):
        site_config(_shipped().replace("listen 80;", "listen 8080;"), listen_port=1, app_ports=(2,))


def test_metrics_are_not_served_through_the_proxy() -> None:
    metrics = _location(_live(_shipped()), "= /metrics")
    assert "return 404;" in metrics and "proxy_pass" not in metrics


def _follow_the_tls_steps(text: str, *, cert: Path, key: Path) -> str:
    """Do what the three `TLS step` comments tell an operator to do."""
    text = text.replace("server_name _;", "server_name learn.example.org;", 1)
    text = text.replace("    listen 80;\n", "    listen 443 ssl;\n", 1)
    text = text.replace("    listen [::]:80;\n", "    listen [::]:443 ssl;\n", 1)
    for commented, live in (
        ("# ssl_certificate     /etc/ssl/certs/CERTIFICATE.pem;", f"ssl_certificate {cert};"),
        ("# ssl_certificate_key /etc/ssl/private/CERTIFICATE-KEY.pem;", f"ssl_certificate_key {key};"),
        ("# ssl_protocols ", "ssl_protocols "),
        ("# add_header Strict", "add_header Strict"),
    ):
        assert commented in text, commented
        text = text.replace(commented, live, 1)
    tail = text.index("# TLS step 3: once")
    block = "\n".join(line.removeprefix("# ") for line in text[tail:].splitlines()[1:])
    return text[:tail] + block + "\n"


def test_config_with_the_tls_steps_done_passes_nginx_t(tmp_path: Path) -> None:
    nginx = nginx_binary()
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=learn.example.org", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    tls = _follow_the_tls_steps(_shipped(), cert=cert, key=key)
    live = _live(tls)
    assert "listen 443 ssl;" in live and "return 301 https://$host$request_uri;" in live
    assert f"ssl_certificate {cert};" in live
    checked = check_config(nginx, tmp_path / "nginx", tls)
    assert checked.returncode == 0, checked.stderr
