"""End-to-end checks of bench/stclient.py and bench/load.py against real `streamlit run` servers.

One server per app for the whole module (anchor app, and the two-page app in apps/), on free
loopback ports, with the repository's production .streamlit/config.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.load import ANCHOR, ANCHOR_APP, ServerHandle, drive, start_server
from bench.stclient import TRIGGER, RunResult, StreamlitClient

NAV_APP = Path(__file__).resolve().parent / "apps" / "nav_app.py"


@pytest.fixture(scope="module")
def anchor_server() -> Iterator[ServerHandle]:
    with start_server(ANCHOR_APP) as server:
        yield server


@pytest.fixture(scope="module")
def nav_server() -> Iterator[ServerHandle]:
    with start_server(NAV_APP) as server:
        yield server


def clicks(result: RunResult) -> int:
    """The anchor's counter, read from the markdown it writes."""
    match = re.search(r"Clicks: (\d+)", result.text())
    assert match, f"no counter on the page: {result.texts()}"
    return int(match.group(1))


def test_only_loopback_servers_are_accepted() -> None:
    for url in ("http://example.com:8501", "http://10.0.0.1:8501", "ws://127.0.0.1:8501"):
        with pytest.raises(ValueError, match="loopback"):
            StreamlitClient(url)


@pytest.mark.slow
def test_button_click_reruns_the_script(anchor_server: ServerHandle) -> None:
    with StreamlitClient(anchor_server.url, timeout=15) as client:
        first = client.open()
        assert first.status == "FINISHED_SUCCESSFULLY" and first.ok
        assert client.session_id
        assert clicks(first) == 0
        button = first.widget("Click me")
        assert button.kind == "button" and button.id

        assert clicks(client.click("Click me")) == 1
        pressed = client.rerun({button.id: TRIGGER})
        assert clicks(pressed) == 2
        assert pressed.latency_s > 0 and pressed.messages >= 3
        # A trigger is one-shot: a plain rerun does not press the button again.
        assert clicks(client.rerun()) == 2

    with StreamlitClient(anchor_server.url, timeout=15) as other:
        assert clicks(other.open()) == 0, "each connection is its own session"


@pytest.mark.slow
def test_navigation_between_pages_and_widget_states(nav_server: ServerHandle) -> None:
    with StreamlitClient(nav_server.url, timeout=15) as client:
        first = client.open()
        assert "Page one" in first.texts()
        assert [page.page_name for page in client.pages] == ["One", "Two"]

        two = client.navigate("Two")
        assert two.page_script_hash == client.find_page("two").page_script_hash
        assert two.texts() == ["Page two", "Hello, nobody", "Colour: red", "Size: small"]
        assert "Hello, Ada" in client.fill("Your name", "Ada").texts()
        chosen = client.choose("Colour", 1)  # by index, sent as the option the browser sends
        assert {"Hello, Ada", "Colour: green"} <= set(chosen.texts()), "the name persists"
        assert "Size: large" in client.choose("Size", "large").texts()

        boom = client.click("Boom")
        assert boom.status == "FINISHED_SUCCESSFULLY" and len(boom.exceptions) == 1
        assert not boom.ok

        back = client.navigate("One")
        assert "Page one" in back.texts() and not back.exceptions
        # Widgets that left the page are forgotten, as in the browser.
        assert "Hello, nobody" in client.navigate("two").texts()

    with StreamlitClient(nav_server.url, timeout=15) as direct:
        opened = direct.open("two")  # the page name a browser sends for /two
        assert "Page two" in opened.texts() and not opened.page_not_found
    with StreamlitClient(nav_server.url, timeout=15) as lost:
        missing = lost.open("no-such-page")
        assert missing.page_not_found and "Page one" in missing.texts()


@pytest.mark.slow
def test_cached_messages_are_referenced_and_expire(nav_server: ServerHandle) -> None:
    with StreamlitClient(nav_server.url, timeout=15) as client:
        first = client.open()
        assert first.refs == 0 and client.cache_size == 1
        for _ in range(12):  # longer than the cache's age limit: references keep it alive
            again = client.rerun()
            assert again.refs == 1 and again.ok
            assert any("padding for a cacheable message" in text for text in again.texts())
        client.navigate("Two")
        client.rerun()
        assert client.cache_size == 0, "unused for more than max_cached_message_age runs"
        back = client.navigate("One")
        assert back.refs == 0 and "Page one" in back.texts()
        assert client.rerun().refs == 1


@pytest.mark.slow
def test_drive_runs_bounded_sessions_and_reads_memory(anchor_server: ServerHandle) -> None:
    report = drive(anchor_server.url, ANCHOR, sessions=3, duration_s=2.0, think_s=0.1,
                   think_jitter=0.5, pid=anchor_server.pid, timeout_s=15, ramp_s=0.3, warmup=1)
    assert report.failures == 0, report.failure_samples
    assert report.app_errors == 0, report.error_samples
    assert report.reruns >= 3 and report.connected_at_end == 3
    assert report.duration_s < 2.0 + 15
    assert len(report.by_step["open"]) == 3
    assert report.rss_before and report.rss_after and report.rss_peak
    assert report.rss_peak >= report.rss_after
    figures = report.as_dict()
    assert figures["median_ms"] > 0 and figures["per_session_kib"] is not None
    assert anchor_server.alive and anchor_server.rss_bytes() > 0


def test_held_cookies_reach_the_page_beside_the_xsrf_cookie(nav_server: ServerHandle) -> None:
    with StreamlitClient(nav_server.url, cookies={"flavour": "oat"}) as client:
        assert "Cookie: oat" in client.open().text()
    with StreamlitClient(nav_server.url) as client:
        assert "Cookie: none" in client.open().text()
