"""The OAuth token cache and request, on a fake clock and a fake token endpoint.

tests/integrations/test_lrs_oauth.py runs the same code against a real authorization server and
a real LRS; these tests pin the timing rules that a real server makes slow to reach.
"""

from __future__ import annotations

import base64
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from course.domain.xapi import LrsError
from course.integrations.lrs import HttpLrs
from course.integrations.oauth import (
    ASSUMED_LIFETIME,
    ClientCredentials,
    IssuedToken,
    TokenCache,
    TokenError,
    fetch_token,
    parse_token_response,
    token_request,
)
from course.settings import LrsSettings

CREDENTIALS = ClientCredentials(token_url="https://id.example.org/token", client_id="nts:app",
                                client_secret="s3cret+/ :%", scope="statements/write",
                                resource="https://lrs.example.org/xAPI")


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeEndpoint:
    """Issue numbered tokens with a given lifetime, counting the requests (or refuse them all)."""

    def __init__(self, lifetime: float = 300.0) -> None:
        self.lifetime = lifetime
        self.issued = 0
        self.refusing = False

    def __call__(self, credentials: ClientCredentials, timeout: float) -> IssuedToken:
        if self.refusing:
            raise TokenError("OAuth token endpoint refused client", status=401)
        self.issued += 1
        return IssuedToken(f"token-{self.issued}", self.lifetime)


def _cache(lifetime: float = 300.0) -> tuple[TokenCache, FakeClock, FakeEndpoint]:
    clock, endpoint = FakeClock(), FakeEndpoint(lifetime)
    return TokenCache(clock=clock, fetch=endpoint), clock, endpoint


def test_a_token_is_reused_until_shortly_before_it_expires() -> None:
    cache, clock, endpoint = _cache(lifetime=3600)
    assert cache.get(CREDENTIALS) == "token-1"
    clock.now += 3539.5  # renewed 60 s early (the ceiling: a tenth of an hour would be 6 minutes)
    assert cache.get(CREDENTIALS) == "token-1" and endpoint.issued == 1
    clock.now += 0.5
    assert cache.get(CREDENTIALS) == "token-2" and endpoint.issued == 2


def test_a_short_lived_token_is_renewed_a_tenth_of_its_life_early() -> None:
    cache, clock, endpoint = _cache(lifetime=10)
    assert cache.get(CREDENTIALS) == "token-1"
    clock.now += 8.5
    assert cache.get(CREDENTIALS) == "token-1"
    clock.now += 0.5
    assert cache.get(CREDENTIALS) == "token-2" and endpoint.issued == 2


def test_each_set_of_credentials_has_its_own_token() -> None:
    cache, _, endpoint = _cache()
    fixed = ClientCredentials(token_url=CREDENTIALS.token_url, client_id=CREDENTIALS.client_id,
                              client_secret="the-corrected-secret", scope=CREDENTIALS.scope,
                              resource=CREDENTIALS.resource)
    got = (cache.get(CREDENTIALS), cache.get(fixed), cache.get(CREDENTIALS))
    assert got == ("token-1", "token-2", "token-1")
    assert endpoint.issued == 2


def test_renewing_a_refused_token_fetches_once_even_when_threads_race() -> None:
    cache, _, endpoint = _cache()
    refused = cache.get(CREDENTIALS)
    renewed: list[str] = []
    threads = [threading.Thread(target=lambda: renewed.append(cache.renew(CREDENTIALS, refused=refused)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert renewed == ["token-2"] * 8 and endpoint.issued == 2
    assert cache.renew(CREDENTIALS, refused="token-2") == "token-3"  # refused again: a third one


def test_concurrent_first_requests_ask_the_endpoint_once() -> None:
    cache, _, endpoint = _cache()
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get(CREDENTIALS))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == ["token-1"] * 8 and endpoint.issued == 1


def test_a_refusal_is_raised_and_nothing_stale_is_kept() -> None:
    cache, clock, endpoint = _cache(lifetime=100)
    cache.get(CREDENTIALS)
    clock.now += 95
    endpoint.refusing = True
    with pytest.raises(TokenError):
        cache.get(CREDENTIALS)
    with pytest.raises(TokenError):
        cache.renew(CREDENTIALS, refused="token-1")
    endpoint.refusing = False
    assert cache.get(CREDENTIALS) == "token-2"


def test_the_request_follows_rfc_6749() -> None:
    body, headers = token_request(CREDENTIALS)
    assert urllib.parse.parse_qs(body.decode()) == {
        "grant_type": ["client_credentials"], "scope": ["statements/write"],
        "resource": ["https://lrs.example.org/xAPI"]}
    scheme, encoded = headers["Authorization"].split(" ")
    user, _, password = base64.b64decode(encoded).decode().partition(":")
    # Section 2.3.1: each part form-encoded, so the id's ':' cannot be read as the separator.
    assert (scheme, user, password) == ("Basic", "nts%3Aapp", "s3cret%2B%2F+%3A%25")
    assert urllib.parse.unquote_plus(password) == CREDENTIALS.client_secret
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    audience = ClientCredentials(token_url="https://t.example/token", client_id="a", client_secret="b",
                                 audience="https://lrs.example.org")
    assert urllib.parse.parse_qs(token_request(audience)[0].decode()) == {
        "grant_type": ["client_credentials"], "audience": ["https://lrs.example.org"]}


@pytest.mark.parametrize(("raw", "expected"), [
    (b'{"access_token": "abc", "token_type": "Bearer", "expires_in": 3600}', IssuedToken("abc", 3600.0)),
    (b'{"access_token": "abc", "token_type": "bearer", "expires_in": "120"}', IssuedToken("abc", 120.0)),
    (b'{"access_token": "abc", "token_type": "Bearer"}', IssuedToken("abc", ASSUMED_LIFETIME)),
])
def test_a_token_response_is_read(raw: bytes, expected: IssuedToken) -> None:
    assert parse_token_response(raw, token_url="https://t.example/token") == expected


@pytest.mark.parametrize(("raw", "message"), [
    (b"<html>sign in</html>", "answered something other than a JSON object"),
    (b'["abc"]', "answered something other than a JSON object"),
    (b'{"token_type": "Bearer"}', "answered no usable access_token"),
    (b'{"access_token": "a\\nb", "token_type": "Bearer"}', "answered no usable access_token"),
    (b'{"access_token": "abc", "token_type": "mac"}', "answered token_type 'mac', not Bearer"),
    (b'{"access_token": "abc", "token_type": "Bearer", "expires_in": 0}', "answered expires_in 0"),
    (b'{"access_token": "abc", "token_type": "Bearer", "expires_in": true}', "answered expires_in True"),
    (b'{"access_token": "abc", "token_type": "Bearer", "expires_in": "soon"}', "answered expires_in 'soon'"),
])
def test_a_useless_token_response_is_refused_by_name(raw: bytes, message: str) -> None:
    with pytest.raises(TokenError) as refused:
        parse_token_response(raw, token_url="https://t.example/token")
    assert str(refused.value).startswith(f"OAuth token endpoint https://t.example/token {message}")
    assert "abc" not in str(refused.value)


def test_an_unreachable_token_endpoint_is_named_without_the_secret() -> None:
    closed = ClientCredentials(token_url="http://127.0.0.1:9/token", client_id="nts",
                               client_secret="never-shown-secret")
    with pytest.raises(TokenError) as refused:
        fetch_token(closed, timeout=2)
    assert str(refused.value).startswith("OAuth token endpoint http://127.0.0.1:9/token unreachable: ")
    assert refused.value.status is None and "never-shown-secret" not in str(refused.value)


class _EchoingLrs(BaseHTTPRequestHandler):
    """An LRS that refuses every token and writes the request's Authorization header back."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = f"refused: {self.headers.get('Authorization')}".encode()
        self.send_response(401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


def test_a_refused_token_is_renewed_once_and_never_echoed_into_the_error() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingLrs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = FakeEndpoint()
        settings = LrsSettings(endpoint=f"http://127.0.0.1:{server.server_address[1]}/xAPI",
                               actor_key="a-test-actor-key-123", oauth_token_url=CREDENTIALS.token_url,
                               oauth_client_id="nts", oauth_client_secret="s")
        lrs = HttpLrs(settings, timeout=5, tokens=TokenCache(clock=FakeClock(), fetch=endpoint))
        with pytest.raises(LrsError) as refused:
            lrs.send(['{"id": "x"}'])
    finally:
        server.shutdown()
        server.server_close()
    assert endpoint.issued == 2 and refused.value.status == 401  # renewed once, then given up
    message = str(refused.value)
    assert message.startswith("LRS answered 401 Unauthorized: refused: Bearer [credentials] (also with a new")
    assert "token-1" not in message and "token-2" not in message
