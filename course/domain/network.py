"""Which address a request came from, believing X-Forwarded-For only from trusted proxies.

A client can write anything in X-Forwarded-For; each proxy appends the address it saw. So the
list is read from the right: hops added by trusted proxies are skipped, and the first hop that
is not a trusted proxy is the client. Everything to its left is the client's own say-so.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Trusted when nothing is configured: a proxy on the same host (as uvicorn's own default).
LOOPBACK_PROXIES = ("127.0.0.1", "::1")


class NetworkRuleError(ValueError):
    """A proxy address or network cannot be read; the message says which."""


def parse_networks(raw: str) -> tuple[Network, ...]:
    """Parse addresses and CIDR networks separated by commas or spaces, or raise NetworkRuleError.

    "*" is refused on purpose: trusting every peer lets any client choose its own address.
    """
    networks: list[Network] = []
    for item in raw.replace(",", " ").split():
        if item == "*":
            raise NetworkRuleError("'*' would trust every client; list the proxies' addresses")
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise NetworkRuleError(f"{item!r} is not an IP address or network") from None
    return tuple(networks)


def parse_address(raw: str) -> Address | None:
    """Return the address in one hop of a header, or None when it is not an address.

    Accepts "[::1]:443"-style IPv6 with a port and "192.0.2.1:443" as some proxies write them.
    """
    text = raw.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped if mapped is not None else address


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def resolve_client_address(
    peer: str | None, forwarded_for: str | None, *, trusted: Iterable[Network]
) -> str | None:
    """Return the client's address, or None when it cannot be known.

    `peer` is the address of the connection itself; `forwarded_for` the X-Forwarded-For header
    (all of its values joined by commas). The header is read only when the peer is a trusted
    proxy; then the right-most hop that is not a trusted proxy is the client. A hop that is not
    an address ends the walk with None: a proxy we trust wrote something we cannot read.
    """
    networks = tuple(trusted)
    current = parse_address(peer) if peer else None
    if current is None:
        return None
    if not _trusted(current, networks) or not forwarded_for:
        return str(current)
    for hop in reversed(forwarded_for.split(",")):
        if not hop.strip():
            continue
        found = parse_address(hop)
        if found is None:
            return None
        current = found
        if not _trusted(current, networks):
            break
    return str(current)
