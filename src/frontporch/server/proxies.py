"""Who the client is behind reverse proxies: X-Forwarded-For, trusted only from proxies we know.

Each proxy appends the address it received the request from to `X-Forwarded-For`, so
the list reads client, proxy 1, proxy 2, … and only its right end was written by
proxies we run; anything further left may be whatever the client sent. The client is
therefore the right-most address that is not a trusted proxy, found by walking from the
right — and only when the direct peer itself is a trusted proxy, since anyone else can
send the header. A malformed entry on that walk means the chain cannot be believed,
and the peer is used instead. (The same rule as MDN's "right-most untrusted address"
guidance for X-Forwarded-For, and RFC 7239 §5.2 for the standard `Forwarded`.)

Pure functions on strings and `ipaddress` values: no framework here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Addresses and CIDR networks as networks; ValueError naming the first bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
    return tuple(networks)


def parse_address(text: str) -> IPAddress | None:
    """The IP address in one X-Forwarded-For entry or peer name, else None.

    Accepts `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]` and
    `[2001:db8::1]:5678` (some proxies add the port); an IPv4-mapped IPv6 address is
    read as the IPv4 address, so a dual-stack listener matches IPv4 networks.
    """
    text = text.strip()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        text = host
    elif text.count(":") == 1:  # IPv4 with a port; bare IPv6 has two or more colons
        host, _, port = text.partition(":")
        if not port.isdigit():
            return None
        text = host
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    """Whether `address` lies in one of the `trusted` networks."""
    return any(address.version == net.version and address in net for net in trusted)


def forwarded_client(peer: str, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]) -> str:
    """The client's address, given the direct peer and the X-Forwarded-For header lines.

    The peer unless it is a trusted proxy; then the right-most X-Forwarded-For entry
    that is not a trusted proxy (the left-most one if all are), or the peer again if
    the header is missing or an entry on the way is malformed. Several header lines are
    read as one list, in order (RFC 9110 §5.3).
    """
    peer_address = parse_address(peer)
    if not trusted or peer_address is None or not is_trusted(peer_address, trusted):
        return peer
    entries = [part for line in forwarded_for for part in line.split(",") if part.strip()]
    client: IPAddress | None = None
    for entry in reversed(entries):
        client = parse_address(entry)
        if client is None:
            return peer
        if not is_trusted(client, trusted):
            break
    return peer if client is None else str(client)
