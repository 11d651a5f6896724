"""Get OAuth 2.0 access tokens by the client credentials grant (RFC 6749 §4.4), cached per process.

A service that calls an outside system with OAuth (the LRS) asks `TokenCache.get` for a token
before each request, and `TokenCache.renew` once when the system answers 401 with it. The cache
keeps one token per set of credentials until shortly before it expires, so a job run that posts
many batches asks the authorization server once. It holds nothing that needs protecting beyond
the process: losing it only means asking for a new token.

The client authenticates with HTTP basic (RFC 6749 §2.3.1: the id and secret are form-encoded
before they are joined by ':'). Errors never carry the secret or a token: they say which
token endpoint answered what, for an administrator to read on the outbox view.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

#: Seconds to wait for the token endpoint before giving up on this try.
TIMEOUT = 15.0
#: The lifetime assumed when the token endpoint says none (RFC 6749 §5.1 makes `expires_in`
#: optional); a token the LRS refuses earlier is renewed then anyway.
ASSUMED_LIFETIME = 300.0
#: A token is renewed this long before it expires (at most), so that it does not expire in flight.
EARLY_RENEWAL = 60.0


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """Who asks for tokens, where, and for what (scope and the resource or audience)."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str = ""
    #: RFC 8707 resource indicator (`resource`), for authorization servers that follow it.
    resource: str = ""
    #: The `audience` parameter, for authorization servers that name the API that way (Auth0, Okta).
    audience: str = ""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token as the token endpoint gave it: its value and lifetime in seconds."""

    value: str = field(repr=False)
    expires_in: float


class TokenError(RuntimeError):
    """No token came: the endpoint was unreachable, refused the client, or answered nonsense.

    `status` is the token endpoint's HTTP status (None: no answer at all).
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _basic(credentials: ClientCredentials) -> str:
    """Return the Authorization header of RFC 6749 §2.3.1 (each part form-encoded first)."""
    pair = (f"{urllib.parse.quote_plus(credentials.client_id)}:"
            f"{urllib.parse.quote_plus(credentials.client_secret)}")
    return "Basic " + base64.b64encode(pair.encode("ascii")).decode("ascii")


def token_request(credentials: ClientCredentials) -> tuple[bytes, dict[str, str]]:
    """Return the form body and headers of a client credentials token request."""
    form = {"grant_type": "client_credentials"}
    for name in ("scope", "resource", "audience"):
        if value := getattr(credentials, name):
            form[name] = value
    headers = {"Authorization": _basic(credentials), "Accept": "application/json",
               "Content-Type": "application/x-www-form-urlencoded"}
    return urllib.parse.urlencode(form).encode("ascii"), headers


def _redact(text: str, credentials: ClientCredentials) -> str:
    """Remove the client secret from text an outside server wrote (it might echo the request)."""
    secret = credentials.client_secret
    for form in {secret, urllib.parse.quote_plus(secret), urllib.parse.quote(secret)}:
        if form:
            text = text.replace(form, "[secret]")
    return text


def _refusal(error: urllib.error.HTTPError, credentials: ClientCredentials) -> str:
    """Say what the token endpoint answered, from its RFC 6749 §5.2 error body when there is one."""
    raw = error.read(2000).decode("utf-8", "replace")
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        detail = body["error"] + (f" ({body['error_description']})"
                                  if isinstance(body.get("error_description"), str) else "")
    else:
        detail = raw.strip()[:200]
    said = _redact(f"{error.code} {error.reason}: {detail}", credentials)
    return f"OAuth token endpoint {credentials.token_url} refused client {credentials.client_id!r}: {said}"


def parse_token_response(raw: bytes, *, token_url: str) -> IssuedToken:
    """Read a successful token response (RFC 6749 §5.1); raise TokenError if it holds no bearer token."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TokenError(f"OAuth token endpoint {token_url} answered something other than a JSON object")
    value, kind, lifetime = body.get("access_token"), body.get("token_type"), body.get("expires_in")
    if not isinstance(value, str) or not value or not value.isascii() or not value.isprintable():
        raise TokenError(f"OAuth token endpoint {token_url} answered no usable access_token")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise TokenError(f"OAuth token endpoint {token_url} answered token_type {kind!r}, not Bearer")
    if lifetime is None:
        return IssuedToken(value, ASSUMED_LIFETIME)
    if isinstance(lifetime, str) and lifetime.strip().isdigit():
        lifetime = int(lifetime)  # some servers send the number as text
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        raise TokenError(f"OAuth token endpoint {token_url} answered expires_in {lifetime!r}, "
                         "not a number of seconds above 0")
    return IssuedToken(value, float(lifetime))


def fetch_token(credentials: ClientCredentials, *, timeout: float = TIMEOUT) -> IssuedToken:
    """Ask the token endpoint for a new access token; raise TokenError saying why none came."""
    body, headers = token_request(credentials)
    request = urllib.request.Request(credentials.token_url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(64_000)
    except urllib.error.HTTPError as error:
        raise TokenError(_refusal(error, credentials)[:480], status=error.code) from None
    except (TimeoutError, urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        message = f"OAuth token endpoint {credentials.token_url} unreachable: {reason}"
        raise TokenError(message[:480]) from None
    return parse_token_response(raw, token_url=credentials.token_url)


#: How a cache gets a token (the real endpoint, or a fake in unit tests).
Fetcher = Callable[[ClientCredentials, float], IssuedToken]


def _fetch(credentials: ClientCredentials, timeout: float) -> IssuedToken:
    return fetch_token(credentials, timeout=timeout)


@dataclass(frozen=True, slots=True)
class _Held:
    value: str = field(repr=False)
    renew_at: float


class TokenCache:
    """Keep one access token per set of credentials until shortly before it expires; thread-safe.

    `clock` is monotonic seconds (a fake one in tests). Fetching happens under the lock, so two
    threads that need a token at once ask the endpoint once; the wait is bounded by the timeout.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, fetch: Fetcher = _fetch) -> None:
        self._clock = clock
        self._fetch = fetch
        self._lock = threading.Lock()
        self._held: dict[ClientCredentials, _Held] = {}

    def get(self, credentials: ClientCredentials, *, timeout: float = TIMEOUT) -> str:
        """Return a token that is not about to expire, fetching one if needed."""
        with self._lock:
            held = self._held.get(credentials)
            if held is not None and self._clock() < held.renew_at:
                return held.value
            return self._refill(credentials, timeout)

    def renew(self, credentials: ClientCredentials, *, refused: str, timeout: float = TIMEOUT) -> str:
        """Return a token other than `refused` (the one a server just answered 401 to).

        If another thread renewed it meanwhile, its new token is returned without asking again.
        """
        with self._lock:
            held = self._held.get(credentials)
            if held is not None and held.value != refused and self._clock() < held.renew_at:
                return held.value
            return self._refill(credentials, timeout)

    def _refill(self, credentials: ClientCredentials, timeout: float) -> str:
        self._held.pop(credentials, None)  # a refused or expired token is never handed out again
        started = self._clock()
        issued = self._fetch(credentials, timeout)
        early = min(EARLY_RENEWAL, issued.expires_in / 10)
        self._held[credentials] = _Held(issued.value, started + issued.expires_in - early)
        return issued.value


#: The process's tokens, shared by every adapter built from the same settings.
SHARED_TOKENS = TokenCache()
