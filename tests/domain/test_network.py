"""Client addresses behind proxies: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

import pytest

from course.domain.network import (
    NetworkRuleError,
    parse_address,
    parse_networks,
    resolve_client_address,
)

PROXIES = parse_networks("127.0.0.1, ::1, 10.0.0.0/8")


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # A direct client: whatever it writes in the header is ignored.
        ("203.0.113.9", None, "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("203.0.113.9", "10.0.0.5, 127.0.0.1", "203.0.113.9"),
        # Behind one trusted proxy: the hop it appended is the client.
        ("10.0.0.2", "198.51.100.4", "198.51.100.4"),
        # A client spoofing hops to the left of the real one changes nothing.
        ("10.0.0.2", "1.2.3.4, 198.51.100.4", "198.51.100.4"),
        ("10.0.0.2", "127.0.0.1, 198.51.100.4", "198.51.100.4"),
        # Two trusted proxies in a row are both skipped.
        ("127.0.0.1", "1.2.3.4, 198.51.100.4, 10.9.9.9", "198.51.100.4"),
        # Several header lines, joined with commas, read as one list.
        ("10.0.0.2", "1.2.3.4,198.51.100.4", "198.51.100.4"),
        # Only trusted hops: the left-most is the best we know.
        ("127.0.0.1", "10.1.1.1", "10.1.1.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        # A trusted proxy passed on something that is not an address: unknown.
        ("10.0.0.2", "unknown, 10.0.0.3", None),
        ("10.0.0.2", "1.2.3.4, not-an-ip", None),
        # Ports, brackets and IPv4-mapped IPv6 as proxies write them.
        ("10.0.0.2", "198.51.100.4:5123", "198.51.100.4"),
        ("::1", "[2001:db8::7]:443", "2001:db8::7"),
        ("::ffff:10.0.0.2", "198.51.100.4", "198.51.100.4"),
        ("2001:db8::1", "198.51.100.4", "2001:db8::1"),
        # No peer at all: unknown, never "".
        (None, "198.51.100.4", None),
        ("", None, None),
        ("garbage", None, None),
    ],
)
def test_the_client_is_the_right_most_untrusted_hop(
    peer: str | None, forwarded: str | None, expected: str | None
) -> None:
    assert resolve_client_address(peer, forwarded, trusted=PROXIES) == expected


def test_nothing_trusted_means_the_header_is_never_read() -> None:
    assert resolve_client_address("127.0.0.1", "198.51.100.4", trusted=()) == "127.0.0.1"


def test_networks_are_parsed_with_clear_errors() -> None:
    assert [str(n) for n in parse_networks("10.0.0.0/8 192.0.2.7,::1")] == [
        "10.0.0.0/8",
        "192.0.2.7/32",
        "::1/128",
    ]
    assert parse_networks("") == ()
    with pytest.raises(NetworkRuleError, match="'nonsense' is not an IP"):
        parse_networks("10.0.0.1, nonsense")
    with pytest.raises(NetworkRuleError, match="trust every client"):
        parse_networks("*")


def test_addresses_in_headers() -> None:
    assert str(parse_address(' "192.0.2.1" ')) == "192.0.2.1"
    assert parse_address("[::1") is not None
    assert parse_address("") is None


def test_trusted_proxies_come_from_the_settings() -> None:
    from course.settings import SettingsError, load_settings

    assert load_settings({}).trusted_proxies == ("127.0.0.1/32", "::1/128")
    assert load_settings({"NTS_TRUSTED_PROXIES": ""}).trusted_proxies == ()
    configured = load_settings({"NTS_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"}).trusted_proxies
    assert configured == ("10.0.0.0/8", "192.0.2.7/32")
    assert [str(n) for n in parse_networks(" ".join(configured))] == list(configured)
    with pytest.raises(SettingsError, match=r"'10\.0\.0\.300' is not an IP address"):
        load_settings({"NTS_TRUSTED_PROXIES": "10.0.0.300"})
    with pytest.raises(SettingsError, match="any client choose its address"):
        load_settings({"NTS_TRUSTED_PROXIES": "*"})
