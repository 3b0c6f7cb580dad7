"""Pairing with a community server from the hub's pages: pair, see the link, unpair.

The same code path as `frontporch hub pair` / `hub unpair` (`community/link.py`), plus
what a running hub must do that the commands leave to a restart: open the link to the
server right after pairing and close it after unpairing (`LinkControl`, which the hub
runtime implements). The page form and `POST/DELETE /api/pairing` both call
`pair_hub` / `unpair_hub`; the server's refusals become sentences a person can act on
(a wrong or expired code, an address that is not the server's, a hub already paired).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from frontporch.crypto.keys import IdentityFileError
from frontporch.hub.community.link import (
    HubLink,
    LinkError,
    NotPaired,
    PairingRefused,
    ServerLink,
    pair,
    unpair,
)

_changing = threading.Lock()  # one pairing or unpairing at a time per hub process

NEW_CODE = "Make a new code on the home's page on the community server and enter it here."
# The server's error names (server/hubs/errors.py, pairing.py) → what the owner does.
SERVER_REFUSALS = {
    "pairing code not recognised": "The server does not know this pairing code. Check it "
    "(8 characters, like 7K3M-9QXA) or " + NEW_CODE[0].lower() + NEW_CODE[1:],
    "pairing code already used": "This pairing code was used already. " + NEW_CODE,
    "pairing code expired": "This pairing code has expired (codes last a few minutes). " + NEW_CODE,
    "hub already paired": "The server says this hub is already paired with a home. Revoke "
    "it on that home's page on the server, then pair again.",
    "signature does not verify": "The server did not accept this hub's signature for the "
    "address entered: enter the server's address exactly as its own pages show it "
    "(https:// and the same host name).",
}


class PairingFailed(Exception):
    """Pairing or unpairing did not happen: `error` in a few words, the message what to
    do; `status` the HTTP status the API answers with."""

    def __init__(self, error: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.error = error
        self.status = status


@runtime_checkable
class LinkControl(Protocol):
    """What a running hub offers here: its link, and opening and closing it."""

    link: HubLink | None

    def restart_link(self) -> None: ...

    def stop_link(self) -> None: ...


@dataclass(frozen=True)
class LinkView:
    """The link as the owner's page shows it; `state` one of 'not paired', 'connected',
    'connecting', 'retrying', 'revoked', 'not running'; `words` says it in a sentence."""

    state: str
    words: str
    server_url: str | None = None
    home_name: str | None = None
    paired_at: float | None = None
    last_contact: float | None = None
    last_error: str | None = None

    @property
    def paired(self) -> bool:
        return self.state != "not paired"


def normalize_server_url(raw: str) -> str:
    """The server's address as `pair` wants it (scheme://host[:port], no trailing '/'),
    or PairingFailed saying what is wrong with it."""
    text = raw.strip()
    if not text:
        raise PairingFailed("server address missing", "Enter the community server's address.")
    if "://" not in text:
        raise PairingFailed(
            "server address incomplete",
            f"Start the address with https:// (or http:// on your own network): https://{text}",
        )
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PairingFailed(
            "server address not usable",
            "The server's address starts with https:// (or http://) and names a host, "
            "like https://porch.example.org.",
        )
    return text.rstrip("/")


def link_view(storage: Path, runtime: object) -> LinkView:
    """The link's state: from the saved link file and, in a running hub, its link
    thread (last contact with the server, or the last error)."""
    try:
        saved = ServerLink.load(storage)
    except NotPaired:
        return LinkView("not paired", "This hub is not paired with a community server.")
    except LinkError as exc:
        return LinkView("retrying", f"The link file cannot be read: {exc}", last_error=str(exc))
    running = runtime.link if isinstance(runtime, LinkControl) else None
    if running is None:
        return LinkView(
            "not running",
            "Paired; the link is not running in this process.",
            saved.server_url,
            saved.home_name,
            saved.paired_at,
        )
    state, error = running.state, running.last_error
    words = {
        "connected": "Connected: the server's messages reach this hub.",
        "starting": "Connecting to the server…",
        "retrying": f"Cannot reach the server right now ({error}); retrying.",
        "revoked": "The server revoked this hub's credential: unpair, then pair again.",
        "stopped": "The link is stopped.",
    }.get(state, state)
    return LinkView(
        "connecting" if state == "starting" else state,
        words,
        saved.server_url,
        saved.home_name,
        saved.paired_at,
        running.last_contact,
        error,
    )


def _refusal(exc: PairingRefused) -> PairingFailed:
    text = str(exc)
    for error, advice in SERVER_REFUSALS.items():
        if text.startswith(error):
            return PairingFailed(error, advice)
    if text.startswith("the pairing code"):
        return PairingFailed(
            "pairing code malformed", "The pairing code has 8 characters, like 7K3M-9QXA."
        )
    if text.startswith("HTTP "):
        return PairingFailed(
            "not a community server",
            f"The address answered ({text}) but not as a Frontporch community server; "
            "check the address.",
            status=502,
        )
    return PairingFailed("pairing refused", f"The server refused to pair: {text}.")


def pair_hub(storage: Path, runtime: object, server: str, code: str, name: str = "") -> ServerLink:
    """Pair with the home whose owner made `code` on the server at `server`, then open
    the link (no restart). PairingFailed says why not; nothing is saved then."""
    server_url = normalize_server_url(server)
    hub_name = (name.strip() or socket.gethostname())[:100]
    with _changing:
        try:
            current = ServerLink.load(storage)
        except NotPaired:
            current = None
        except LinkError as exc:
            raise PairingFailed("link file unreadable", str(exc), status=500) from None
        if current is not None:
            raise PairingFailed(
                "already paired",
                f"This hub is already paired with “{current.home_name}” on "
                f"{current.server_url}. Unpair it first.",
                status=409,
            )
        try:
            link = pair(storage, server_url, code, hub_name)
        except PairingRefused as exc:
            raise _refusal(exc) from None
        except LinkError as exc:  # network: the server did not answer
            raise PairingFailed(
                "server unreachable",
                f"{_sentence(str(exc))} Check the address, and that this hub can reach it.",
                status=502,
            ) from None
        except IdentityFileError as exc:
            raise PairingFailed("hub identity unreadable", str(exc), status=500) from None
        if isinstance(runtime, LinkControl):
            runtime.restart_link()
        return link


def unpair_hub(storage: Path, runtime: object) -> bool:
    """Revoke this hub's credential on the server, forget the server and close the
    link. True if the server confirmed, False if it had revoked the hub already. When
    the server cannot be reached, the hub stays paired (PairingFailed) so the owner can
    try again."""
    with _changing:
        try:
            confirmed = unpair(storage)
        except NotPaired:
            raise PairingFailed(
                "not paired", "This hub is not paired with a community server.", status=409
            ) from None
        except LinkError as exc:
            raise PairingFailed(
                "server unreachable",
                f"{_sentence(str(exc))} The hub stays paired; try again when the server answers.",
                status=502,
            ) from None
        if isinstance(runtime, LinkControl):
            runtime.stop_link()
        return confirmed


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."
