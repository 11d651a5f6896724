"""The platforms' public key sets (JWKS), fetched once and kept for a while by this process.

Every launch is checked against its platform's published keys. Fetching them for each launch
would make every launch as slow as the LMS's key endpoint, make a burst of launches a burst of
requests to the LMS, and let an LMS that is away hold each launch for a whole time-out. So a
key set is kept per URL for as long as its `Cache-Control: max-age` says (within bounds), is
fetched again once, early, when a token names a key it does not hold (the platform rotated its
keys), and a failed fetch is remembered for a few seconds so that the launches behind it are
refused at once instead of each waiting again. Nothing here is security state: forgetting it
only costs a fetch.

A platform's key endpoint that is away for a while (an LMS upgrade, a proxy restart) should not
lock out every class whose tokens are signed with a key the tool already holds: an expired set
keeps answering for the keys it holds, for up to STALE_GRACE after it expired, while fetching it
again fails (stale-if-error, as RFC 5861 allows for caches). A key the platform has rotated out
is no longer trusted once a fetch succeeds, and a key the held set lacks is never trusted
without one.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

#: Bounds on how long a fetched key set is trusted, in seconds, whatever the platform says.
MIN_LIFETIME = 60.0
MAX_LIFETIME = 24 * 3600.0
#: How long a key set is kept when the platform says nothing (no max-age).
DEFAULT_LIFETIME = 3600.0
#: The least time between two fetches of one key set caused by an unknown key id, so that
#: tokens naming made-up keys cannot make the tool hammer the platform.
REFETCH_GAP = 10.0
#: How long a failed fetch is remembered: launches meanwhile are refused without waiting.
FAILURE_HOLD = 15.0
#: How long after it expired a held key set still answers for its own keys while it cannot be
#: fetched again.
STALE_GRACE = 6 * 3600.0
#: Seconds to connect, then at most this long in all to read the answer.
CONNECT_TIMEOUT = 3.0
READ_DEADLINE = 8.0
#: The largest key set accepted (a real one is a few kilobytes).
MAX_BYTES = 256 * 1024
_MAX_AGE = re.compile(r"(?:^|[,\s])(s-maxage|max-age)\s*=\s*\"?(\d{1,10})\"?", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|[,\s])(no-store|no-cache)(?:$|[,\s=])", re.IGNORECASE)

log = logging.getLogger(__name__)


class KeySetUnavailable(Exception):
    """A platform's key set could not be had just now; the message says which URL and why."""


def lifetime(cache_control: str) -> float:
    """Return how many seconds to keep a key set, from its Cache-Control header, within bounds.

    `no-store` and `no-cache` are taken as "as short as allowed" rather than "never": keeping
    the set a minute is what protects the platform from a burst of launches.
    """
    if _NO_CACHE.search(cache_control):
        return MIN_LIFETIME
    found = _MAX_AGE.search(cache_control)
    if found is None:
        return DEFAULT_LIFETIME
    return min(MAX_LIFETIME, max(MIN_LIFETIME, float(found.group(2))))


@dataclass(frozen=True, slots=True)
class FetchedKeySet:
    """A key set as fetched: its JSON object and the Cache-Control header that came with it."""

    keys: Mapping[str, Any]
    cache_control: str


def _key_ids(keys: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(str(key.get("kid")) for key in keys.get("keys", []) if isinstance(key, dict))


def fetch_key_set(url: str, *, session: requests.Session | None = None,
                  clock: Callable[[], float] = time.monotonic) -> FetchedKeySet:
    """Fetch a key set with short time-outs and a size cap; raise KeySetUnavailable saying why."""
    if session is None:
        with requests.Session() as own:
            return fetch_key_set(url, session=own, clock=clock)
    deadline = clock() + READ_DEADLINE
    try:
        with session.get(url, timeout=(CONNECT_TIMEOUT, READ_DEADLINE), stream=True,
                      headers={"Accept": "application/json"}) as response:
            if response.status_code != 200:
                raise KeySetUnavailable(f"{url}: answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_content(16 * 1024):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise KeySetUnavailable(f"{url}: the key set is larger than {MAX_BYTES} bytes")
                if clock() > deadline:
                    raise KeySetUnavailable(f"{url}: the key set took over {READ_DEADLINE:g} s to arrive")
            cache_control = response.headers.get("Cache-Control", "")
    except requests.RequestException as error:
        raise KeySetUnavailable(f"{url}: {type(error).__name__}: {error}".splitlines()[0][:300]) from error
    try:
        keys = json.loads(bytes(body))
    except (ValueError, RecursionError) as error:
        raise KeySetUnavailable(f"{url}: the answer is not JSON") from error
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise KeySetUnavailable(f'{url}: the answer is not a key set (no "keys" list)')
    return FetchedKeySet(keys, cache_control)


@dataclass(frozen=True, slots=True)
class _Entry:
    keys: Mapping[str, Any]
    kids: frozenset[str]
    fetched_at: float
    expires_at: float

    def serves(self, kid: str, *, now: float) -> bool:
        """Tell whether this set answers for `kid` now: unexpired, and holding the key or fetched
        too recently to be fetched again for a key it lacks."""
        return now < self.expires_at and (kid in self.kids or now < self.fetched_at + REFETCH_GAP)

    def serves_stale(self, kid: str, *, now: float) -> bool:
        """Tell whether this set may answer for `kid` while it cannot be fetched again: it holds
        the key, and expired no more than STALE_GRACE ago."""
        return kid in self.kids and now < self.expires_at + STALE_GRACE


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    until: float


class PlatformKeySets:
    """Key sets by URL, shared by the threads of one process; one fetch at a time per URL."""

    def __init__(self, *, fetch: Callable[[str], FetchedKeySet] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch or (lambda url: fetch_key_set(url, clock=clock))
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._failures: dict[str, _Failure] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, url: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(url, threading.Lock())

    def get(self, url: str, *, kid: str) -> Mapping[str, Any]:
        """Return the key set at `url`, fetching it when not held, expired, or without `kid`.

        Raises KeySetUnavailable when it must be fetched and cannot be (or failed moments ago).
        """
        with self._lock(url):
            now = self._clock()
            entry = self._entries.get(url)
            if entry is not None and entry.serves(kid, now=now):
                return entry.keys
            stale = entry is not None and entry.serves_stale(kid, now=now)
            failure = self._failures.get(url)
            if failure is not None and now < failure.until:
                if stale and entry is not None:
                    return entry.keys
                raise KeySetUnavailable(f"{failure.reason} (not tried again for a few seconds)")
            try:
                return self._refresh(url, now)
            except KeySetUnavailable as error:
                if not stale or entry is None:
                    raise
                log.warning("the key set at %s could not be fetched again (%s); the set fetched "
                            "%.0f s ago still answers for the keys it holds", url, error,
                            now - entry.fetched_at)
                return entry.keys

    def _refresh(self, url: str, now: float) -> Mapping[str, Any]:
        try:
            fetched = self._fetch(url)
        except KeySetUnavailable as error:
            self._failures[url] = _Failure(str(error), now + FAILURE_HOLD)
            raise
        self._failures.pop(url, None)
        done = self._clock()
        self._entries[url] = _Entry(fetched.keys, _key_ids(fetched.keys), done,
                                    done + lifetime(fetched.cache_control))
        return fetched.keys
