"""Post xAPI statements to a learning record store over HTTP, with the standard library.

The adapter has the one method the outbox needs, `send(documents)`: one POST of a JSON array
to `<endpoint>/statements` with the xAPI version header and the credentials: basic
authentication, or an OAuth 2.0 bearer token got by client credentials (course/integrations/
oauth.py). Anything but a 2xx answer raises LrsError carrying the HTTP status (None when no
answer came), so the outbox keeps the statements and decides what to do.

With OAuth, a 401 may mean the LRS no longer takes a token the cache still holds (revoked, or
the clocks disagree): the adapter gets a new token once and posts again. The LRS refused the
first post, so nothing is sent twice. A token endpoint that is down or refuses the client is a
failed send with no HTTP status (the LRS was never asked), so the whole batch waits and retries.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence

from course.domain.xapi import XAPI_VERSION, LrsError
from course.integrations.oauth import SHARED_TOKENS, ClientCredentials, TokenCache, TokenError
from course.integrations.oauth import TIMEOUT as TOKEN_TIMEOUT
from course.settings import LrsSettings

#: Seconds to wait for the LRS before giving up on this try.
TIMEOUT = 30.0


def _auth_header(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def client_credentials(settings: LrsSettings) -> ClientCredentials | None:
    """Return the OAuth client credentials of the LRS (None: basic authentication or none)."""
    if not settings.uses_oauth:
        return None
    return ClientCredentials(token_url=settings.oauth_token_url, client_id=settings.oauth_client_id,
                             client_secret=settings.oauth_client_secret, scope=settings.oauth_scope,
                             resource=settings.oauth_resource, audience=settings.oauth_audience)


class HttpLrs:
    """Send statements to the configured LRS, one request per batch.

    `tokens` holds the OAuth access tokens; by default the process's shared cache, so every
    adapter built from the same settings reuses one token until it is about to expire.
    """

    def __init__(self, settings: LrsSettings, *, timeout: float = TIMEOUT,
                 tokens: TokenCache = SHARED_TOKENS) -> None:
        self.settings = settings
        self.timeout = timeout
        self.tokens = tokens
        self.credentials = client_credentials(settings)

    @property
    def statements_url(self) -> str:
        """Return the address statements are posted to."""
        return f"{self.settings.endpoint.rstrip('/')}/statements"

    def headers(self) -> dict[str, str]:
        """Return the headers of every request: version, content type and credentials."""
        headers = {"X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json",
                   "Accept": "application/json"}
        if self.settings.username:
            headers["Authorization"] = _auth_header(self.settings.username, self.settings.password)
        return headers

    def send(self, documents: Sequence[str]) -> None:
        """Post the statements as one JSON array, or raise LrsError saying why they were not taken."""
        body = ("[" + ",".join(documents) + "]").encode("utf-8")
        credentials = self.credentials
        if credentials is None:
            self._post(body, self.headers())
            return
        wait = min(self.timeout, TOKEN_TIMEOUT)
        token = self._token(lambda: self.tokens.get(credentials, timeout=wait))
        try:
            self._post(body, self._bearer(token))
        except LrsError as error:
            if error.status != 401:
                raise
        else:
            return
        fresh = self._token(lambda: self.tokens.renew(credentials, refused=token, timeout=wait))
        try:
            self._post(body, self._bearer(fresh))
        except LrsError as error:
            if error.status != 401:
                raise
            raise LrsError(f"{error} (also with a new access token from {credentials.token_url}: "
                           "check the scope, resource or audience the LRS expects)"[:480],
                           status=401) from None

    def _bearer(self, token: str) -> dict[str, str]:
        return {**self.headers(), "Authorization": f"Bearer {token}"}

    @staticmethod
    def _token(get: Callable[[], str]) -> str:
        """Return a token, or raise LrsError (no status: the LRS was not asked) saying why none came."""
        try:
            return get()
        except TokenError as error:
            raise LrsError(str(error)) from None

    def _post(self, body: bytes, headers: dict[str, str]) -> None:
        request = urllib.request.Request(self.statements_url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(8000).decode("utf-8", "replace")
            for credential in headers.get("Authorization", "").split(" ")[1:]:
                detail = detail.replace(credential, "[credentials]")  # an LRS that echoes the request
            detail = detail.strip()[:300]
            raise LrsError(f"LRS answered {error.code} {error.reason}: {detail}"[:480],
                           status=error.code) from None
        except (TimeoutError, urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise LrsError(f"LRS {self.statements_url} unreachable: {reason}"[:480]) from None
