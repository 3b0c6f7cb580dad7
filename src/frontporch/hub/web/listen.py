"""Where a web UI listening on an address can be opened from: the URLs to print.

`--host 0.0.0.0` (or `::`) makes the hub and the demo answer on every address of this
machine, so a phone on the same network can open them; printing `http://0.0.0.0:5080/`
would help nobody, so the URLs name this machine's own LAN addresses instead. Reading
the addresses asks the kernel about each network interface (no packet is sent, no name
server asked); where that is not possible the address of the default route is used.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import struct

# Linux: the ioctl that reads an interface's IPv4 address (<linux/sockios.h>).
SIOCGIFADDR = 0x8915
ALL_ADDRESSES = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 (recognised, not bound)
SECURE_CONTEXT_NOTE = (
    "Passkeys and push notifications need HTTPS or localhost: from another device on "
    "this network sign in with the password; put the hub behind an HTTPS reverse proxy "
    "for passkeys and push."
)


def listens_everywhere(host: str) -> bool:
    """Whether `host` means every address of this machine."""
    return host.strip("[]") in ALL_ADDRESSES


def _interface_addresses() -> list[str]:
    try:
        import fcntl
    except ImportError:  # not a Unix: fall back to the default route's address
        return []
    found: list[str] = []
    for _, name in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            request = struct.pack("256s", name.encode()[:15])
            try:
                answer = fcntl.ioctl(sock.fileno(), SIOCGIFADDR, request)
            except OSError:  # no IPv4 address on this interface
                continue
        found.append(socket.inet_ntoa(answer[20:24]))
    return found


def _default_route_address() -> list[str]:
    # connect() on a UDP socket only picks the route; nothing goes on the wire.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, contextlib.suppress(OSError):
        sock.connect(("192.0.2.1", 9))
        return [sock.getsockname()[0]]
    return []


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other devices may reach (loopback and link-local
    left out), private ones first."""
    seen: dict[str, None] = {}
    for address in _interface_addresses() or _default_route_address():
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified):
            seen.setdefault(address, None)
    return sorted(seen, key=lambda a: (not ipaddress.ip_address(a).is_private, a))


def listen_urls(host: str, port: int) -> list[str]:
    """The URLs a person can open for a web UI listening on `host`:`port`: this machine's
    LAN addresses (then localhost) when it listens everywhere, else the address itself."""
    if not listens_everywhere(host):
        shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return [f"http://{shown}:{port}/"]
    return [f"http://{address}:{port}/" for address in lan_addresses()] + [
        f"http://127.0.0.1:{port}/"
    ]
