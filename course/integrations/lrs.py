"""Post xAPI statements to a learning record store over HTTP, with the standard library.

The adapter has the one method the outbox needs, `send(documents)`: one POST of a JSON array
to `<endpoint>/statements` with the xAPI version header and basic authentication. Anything but
a 2xx answer raises LrsError carrying the HTTP status (None when no answer came), so the outbox
keeps the statements and decides what to do.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Sequence

from course.domain.xapi import XAPI_VERSION, LrsError
from course.settings import LrsSettings

#: Seconds to wait for the LRS before giving up on this try.
TIMEOUT = 30.0


def _auth_header(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class HttpLrs:
    """Send statements to the configured LRS, one request per batch."""

    def __init__(self, settings: LrsSettings, *, timeout: float = TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout

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
        request = urllib.request.Request(self.statements_url, data=body, method="POST",
                                         headers=self.headers())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(300).decode("utf-8", "replace").strip()
            raise LrsError(f"LRS answered {error.code} {error.reason}: {detail}"[:480],
                           status=error.code) from None
        except (TimeoutError, urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise LrsError(f"LRS {self.statements_url} unreachable: {reason}"[:480]) from None
