"""The platforms' key sets are fetched once, kept within bounds, refetched on rotation, never waited on twice.

A small key-set server on 127.0.0.1 answers as a platform would (or slowly, or with junk), and
counts the requests it gets; the cache runs on a clock the test moves.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import typing as t
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from course.integrations import platform_keys
from course.integrations.platform_keys import (
    DEFAULT_LIFETIME,
    FAILURE_HOLD,
    MAX_LIFETIME,
    MIN_LIFETIME,
    REFETCH_GAP,
    STALE_GRACE,
    KeySetUnavailable,
    PlatformKeySets,
    fetch_key_set,
    lifetime,
)


class KeyServer:
    """What the key-set endpoint answers, and how many times it was asked."""

    def __init__(self) -> None:
        self.kids = ["k1"]
        self.cache_control = "max-age=600"
        self.status = 200
        self.body: bytes | None = None
        self.delay = 0.0
        self.requests = 0
        self.lock = threading.Lock()
        self.url = ""

    def answer(self) -> tuple[int, bytes]:
        with self.lock:
            self.requests += 1
        time.sleep(self.delay)
        if self.body is not None:
            return self.status, self.body
        keys = [{"kty": "RSA", "kid": kid, "n": "AQAB", "e": "AQAB"} for kid in self.kids]
        return self.status, json.dumps({"keys": keys}).encode()


@pytest.fixture
def server() -> Iterator[KeyServer]:
    state = KeyServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: t.Any) -> None:
            return

        def do_GET(self) -> None:
            status, body = state.answer()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if state.cache_control:
                self.send_header("Cache-Control", state.cache_control)
            self.end_headers()
            # The tool gives up on an answer too large or too late, as it should.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/jwks"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _kids(keys: t.Mapping[str, t.Any]) -> list[str]:
    return [key["kid"] for key in keys["keys"]]


@pytest.mark.parametrize(("header", "seconds"), [
    ("max-age=600", 600.0),
    ("public, max-age=7200, must-revalidate", 7200.0),
    ('max-age="900"', 900.0),
    ("s-maxage=120", 120.0),
    ("max-age=0", MIN_LIFETIME),
    ("max-age=99999999", MAX_LIFETIME),
    ("no-store", MIN_LIFETIME),
    ("no-cache, max-age=600", MIN_LIFETIME),
    ("", DEFAULT_LIFETIME),
    ("private", DEFAULT_LIFETIME),
    ("max-age=abc", DEFAULT_LIFETIME),
])
def test_the_lifetime_follows_cache_control_within_bounds(header: str, seconds: float) -> None:
    assert lifetime(header) == seconds


def test_two_launches_fetch_once_and_an_expired_set_is_fetched_again(server: KeyServer) -> None:
    clock = Clock()
    sets = PlatformKeySets(clock=clock)
    assert _kids(sets.get(server.url, kid="k1")) == ["k1"]
    assert _kids(sets.get(server.url, kid="k1")) == ["k1"]
    assert server.requests == 1
    clock.now += 599
    sets.get(server.url, kid="k1")
    assert server.requests == 1
    clock.now += 2  # past the platform's max-age=600
    sets.get(server.url, kid="k1")
    assert server.requests == 2


def test_a_rotated_key_is_fetched_once_and_made_up_keys_cannot_hammer_the_platform(server: KeyServer) -> None:
    clock = Clock()
    sets = PlatformKeySets(clock=clock)
    sets.get(server.url, kid="k1")
    clock.now += REFETCH_GAP + 1
    server.kids = ["k1", "k2"]  # the platform published its next key and signs with it
    assert _kids(sets.get(server.url, kid="k2")) == ["k1", "k2"]
    assert server.requests == 2
    # Tokens naming keys that do not exist get the set held, not a fetch each.
    for n in range(20):
        assert _kids(sets.get(server.url, kid=f"made-up-{n}")) == ["k1", "k2"]
    assert server.requests == 2
    clock.now += REFETCH_GAP + 1
    sets.get(server.url, kid="made-up-again")
    assert server.requests == 3


def test_a_burst_of_launches_on_a_cold_cache_makes_one_fetch(server: KeyServer) -> None:
    server.delay = 0.3
    sets = PlatformKeySets()
    results: list[list[str]] = []

    def launch() -> None:
        results.append(_kids(sets.get(server.url, kid="k1")))

    threads = [threading.Thread(target=launch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [["k1"]] * 8
    assert server.requests == 1


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/jwks"


def test_an_unreachable_key_set_is_refused_and_not_tried_again_at_once() -> None:
    url = _closed_port_url()
    clock = Clock()
    tries: list[str] = []

    def fetch(where: str) -> platform_keys.FetchedKeySet:
        tries.append(where)
        return fetch_key_set(where)

    sets = PlatformKeySets(fetch=fetch, clock=clock)
    with pytest.raises(KeySetUnavailable, match=r"127\.0\.0\.1.*ConnectionError"):
        sets.get(url, kid="k1")
    with pytest.raises(KeySetUnavailable, match="not tried again"):
        sets.get(url, kid="k1")
    assert len(tries) == 1
    clock.now += FAILURE_HOLD + 1
    with pytest.raises(KeySetUnavailable):
        sets.get(url, kid="k1")
    assert len(tries) == 2


def test_a_platform_that_never_answers_is_given_up_on(server: KeyServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform_keys, "READ_DEADLINE", 0.3)
    server.delay = 2.0
    with pytest.raises(KeySetUnavailable, match="ReadTimeout"):
        fetch_key_set(server.url)


@pytest.mark.parametrize(("status", "body", "message"), [
    (500, b"{}", "answered HTTP 500"),
    (200, b"<html>Moodle is in maintenance mode</html>", "not JSON"),
    (200, b"[" * 100_000, "not JSON"),  # nested too deep for the parser
    (200, b'{"keys": "none"}', 'no "keys" list'),
    (200, b"[1, 2]", 'no "keys" list'),
    (200, b'{"keys": []}' + b" " * (platform_keys.MAX_BYTES + 1), "larger than"),
])
def test_a_bad_answer_is_refused_with_its_reason(server: KeyServer, status: int, body: bytes,
                                                 message: str) -> None:
    server.status, server.body = status, body
    with pytest.raises(KeySetUnavailable, match=message) as refused:
        PlatformKeySets().get(server.url, kid="k1")
    assert server.url in str(refused.value)


def test_a_failed_refetch_for_a_new_key_leaves_the_held_set_serving_known_keys(server: KeyServer) -> None:
    clock = Clock()
    sets = PlatformKeySets(clock=clock)
    sets.get(server.url, kid="k1")
    clock.now += REFETCH_GAP + 1
    server.status, server.body = 503, b"{}"
    with pytest.raises(KeySetUnavailable, match="HTTP 503"):
        sets.get(server.url, kid="k2")
    assert _kids(sets.get(server.url, kid="k1")) == ["k1"]  # launches signed with the known key go on
    assert server.requests == 2


def test_an_expired_set_answers_for_its_own_keys_while_the_platform_is_away_then_no_longer(
    server: KeyServer, caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    sets = PlatformKeySets(clock=clock)
    sets.get(server.url, kid="k1")
    clock.now += 601  # past max-age=600
    server.status, server.body = 503, b"{}"
    with caplog.at_level("WARNING", logger="course.integrations.platform_keys"):
        assert _kids(sets.get(server.url, kid="k1")) == ["k1"]  # the class goes on
    assert server.url in caplog.text and "HTTP 503" in caplog.text
    assert _kids(sets.get(server.url, kid="k1")) == ["k1"]  # within the hold: not asked again
    assert server.requests == 2
    with pytest.raises(KeySetUnavailable, match="not tried again"):
        sets.get(server.url, kid="k2")  # a key the held set lacks is never taken on trust
    clock.now += STALE_GRACE
    with pytest.raises(KeySetUnavailable, match="HTTP 503"):
        sets.get(server.url, kid="k1")  # the grace is over
    server.status, server.body, server.kids = 200, None, ["k2"]
    clock.now += FAILURE_HOLD + 1
    assert _kids(sets.get(server.url, kid="k2")) == ["k2"]
    clock.now += 601
    server.status, server.body = 503, b"{}"
    with pytest.raises(KeySetUnavailable):
        sets.get(server.url, kid="k1")  # rotated out: the fresh set did not hold it
