"""The hub's side of the community server: pairing, unpairing, and the message link.

- `pair(storage, server_url, code, name)`: loads (or creates, once) the hub identity
  (`crypto.keys.HubIdentity`), signs the pairing message for the server's origin
  (`crypto.pairing`), sends it with the one-time code, and keeps the server URL and the
  hub credential it gets back in `<storage>/server-link.json` (mode 0600).
- `unpair(storage)`: revokes the credential on the server and forgets the link.
- `HubLink`: a thread that long-polls `GET /api/hub/messages?after=N&wait=S` and hands
  each message to a callback. Receiving the next batch acknowledges the previous one
  (the server deletes messages up to `after`); `after` is saved in the link file, so a
  restart does not replay what was handled. Network and server errors back off
  exponentially (with jitter); a revoked credential stops the thread.

Plain `urllib` on purpose: the hub needs no HTTP client library for one JSON call at a
time. The credential, codes and keys are never logged.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import random
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol, TypeAlias
from urllib.parse import urlencode

from frontporch.crypto.keys import HubIdentity
from frontporch.crypto.pairing import is_valid_code, normalize_code, origin_of, pairing_message
from frontporch.protocol import MESSAGES_PATH, PAIR_PATH, PAIRING_PATH, MessageKind

log = logging.getLogger(__name__)

LINK_FILE = "server-link.json"
DEFAULT_WAIT_S = 25.0
REQUEST_TIMEOUT_S = 15.0

JsonObject: TypeAlias = dict[str, object]
# What the hub does with each kind of message from its server.
MessageHandlers: TypeAlias = Mapping[MessageKind, Callable[[JsonObject], None]]
"""A JSON object as the server sent it: each value is checked where it is read."""


class LinkError(Exception):
    """The server could not be reached or refused; the message says what to do."""


class PairingRefused(LinkError):
    """The server refused to pair (bad code, signature, already paired…)."""


class NotPaired(LinkError):
    """There is no link to a server in this storage directory."""


@dataclass(frozen=True)
class ServerLink:
    """What a paired hub keeps about its server (in `server-link.json`, mode 0600)."""

    server_url: str
    hub_id: str
    home_id: str
    home_name: str
    credential: str
    after: int = 0
    paired_at: float | None = None  # unix seconds; None in links saved before it was kept

    @classmethod
    def load(cls, storage: Path) -> ServerLink:
        """The saved link; NotPaired if there is none."""
        path = storage / LINK_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotPaired(
                "this hub is not paired; run `frontporch hub pair --server URL --code CODE`"
            ) from None
        except (OSError, ValueError) as exc:
            raise LinkError(f"cannot read {path}: {exc}") from exc
        try:
            return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})
        except TypeError as exc:
            raise LinkError(f"{path} is incomplete; unpair and pair the hub again") from exc

    def save(self, storage: Path) -> None:
        """Write the link atomically, readable by the hub's user only."""
        storage.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=storage, prefix=".server-link-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(self), handle, indent=2)
            os.replace(temporary, storage / LINK_FILE)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


class Transport(Protocol):
    """One JSON request to the server: (status, parsed body or {})."""

    def __call__(
        self,
        method: str,
        url: str,
        *,
        body: JsonObject | None,
        bearer: str | None,
        timeout: float,
    ) -> tuple[int, JsonObject]: ...


def http_json(
    method: str, url: str, *, body: JsonObject | None, bearer: str | None, timeout: float
) -> tuple[int, JsonObject]:
    """The default transport (urllib). HTTP errors are answers; network errors LinkError."""
    if not url.startswith(("http://", "https://")):
        raise LinkError(f"the server URL must start with http:// or https://, not {url!r}")
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http(s) only)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    return send_json_request(request, url, bearer=bearer, timeout=timeout)


def send_json_request(
    request: urllib.request.Request, url: str, *, bearer: str | None, timeout: float
) -> tuple[int, JsonObject]:
    """Send `request` (to `url`, http or https) asking for JSON: (status, parsed body or {}).

    HTTP error statuses are answers for the caller to read; network failures raise
    LinkError. The bearer credential is never logged."""
    request.add_header("Accept", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, _parse(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _parse(exc.read())
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LinkError(f"cannot reach the server at {origin_of(url)}: {reason}") from exc
    except ValueError as exc:  # http.client.InvalidURL and friends
        raise LinkError(f"the server URL {url!r} is not usable: {exc}") from exc


def _parse(raw: bytes) -> JsonObject:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _explain(status: int, body: JsonObject) -> str:
    error = body.get("error") or f"HTTP {status}"
    detail = body.get("detail")
    return f"{error}: {detail}" if detail and detail != error else str(error)


def pair(
    storage: Path,
    server_url: str,
    code: str,
    name: str,
    *,
    transport: Transport = http_json,
) -> ServerLink:
    """Pair this hub with the home whose owner showed `code`; the saved link."""
    if (storage / LINK_FILE).exists():
        raise LinkError("this hub is already paired; run `frontporch hub unpair` first")
    normalized = normalize_code(code)
    if not is_valid_code(normalized):
        raise PairingRefused("the pairing code has 8 characters, like 7K3M-9QXA")
    server_url = server_url.rstrip("/")
    identity = HubIdentity.load_or_create(storage)
    message = pairing_message(
        origin_of(server_url), normalized, name, identity.public_key, identity.age_recipient
    )
    status, body = transport(
        "POST",
        f"{server_url}{PAIR_PATH}",
        body={
            "code": normalized,
            "name": name,
            "public_key": identity.public_key,
            "age_recipient": identity.age_recipient,
            "signature": base64.b64encode(identity.sign(message)).decode("ascii"),
        },
        bearer=None,
        timeout=REQUEST_TIMEOUT_S,
    )
    if status != 201:
        raise PairingRefused(_explain(status, body))
    link = ServerLink(
        server_url=server_url,
        hub_id=str(body["hub_id"]),
        home_id=str(body["home_id"]),
        home_name=str(body["home_name"]),
        credential=str(body["credential"]),
        paired_at=time.time(),
    )
    link.save(storage)
    log.info("paired with home %s on %s", link.home_id, origin_of(server_url))
    return link


def unpair(storage: Path, *, transport: Transport = http_json) -> bool:
    """Revoke this hub's credential on the server and forget the link.

    True if the server confirmed; False if it already did not know the credential
    (revoked by the owner). The local link is removed in both cases; a network error
    keeps it, so the command can be run again.
    """
    link = ServerLink.load(storage)
    status, body = transport(
        "DELETE",
        f"{link.server_url}{PAIRING_PATH}",
        body=None,
        bearer=link.credential,
        timeout=REQUEST_TIMEOUT_S,
    )
    if status not in (204, 401):
        raise LinkError(f"the server refused to unpair: {_explain(status, body)}")
    (storage / LINK_FILE).unlink(missing_ok=True)
    log.info("unpaired from %s", origin_of(link.server_url))
    return status == 204


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter (AWS architecture blog, 2015)."""

    initial_s: float = 1.0
    maximum_s: float = 60.0

    def delay(self, failures: int) -> float:
        """How long to wait after `failures` consecutive failures (≥ 1)."""
        ceiling = min(self.maximum_s, self.initial_s * 2 ** min(failures - 1, 30))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (not for secrets)


MessageHandler = Callable[[JsonObject], None]


def dispatch(message: JsonObject, handlers: MessageHandlers) -> None:
    """Hand a server message to the handler of its kind. A kind this hub does not know
    (a server newer than the hub) is logged and skipped, so it cannot block the queue."""
    kind = message.get("kind")
    # Only what a message is, never its content: later kinds carry requests.
    log.info("community server message %s (%s)", message.get("seq"), kind)
    try:
        handler = handlers[MessageKind(str(kind))]
    except (ValueError, KeyError):
        log.warning("skipping a %r message: this hub does not know that kind", kind)
        return
    handler(message)


def _messages(body: JsonObject) -> list[JsonObject]:
    """The messages of a long-poll answer (objects with a `seq` and a `kind`)."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return []
    return [message for message in messages if isinstance(message, dict)]


class HubLink:
    """The hub's long-poll link: start(), stop(); messages go to `on_message`.

    `state` is 'starting', 'connected', 'retrying', 'revoked' or 'stopped';
    `last_contact` when the server last answered (unix seconds), `last_error` why the
    latest poll failed (None after a success), for the owner's pairing page.
    """

    def __init__(
        self,
        storage: Path,
        on_message: MessageHandler,
        *,
        transport: Transport = http_json,
        wait_s: float = DEFAULT_WAIT_S,
        backoff: Backoff | None = None,
    ) -> None:
        self.storage = storage
        self.on_message = on_message
        self.transport = transport
        self.wait_s = wait_s
        self.backoff = backoff or Backoff()
        self.state = "starting"
        self.last_contact: float | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling in a daemon thread (NotPaired if the hub has no link)."""
        ServerLink.load(self.storage)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="hub-link", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to stop and wait for it (a poll in flight finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.state = "stopped"

    def poll_once(self, link: ServerLink) -> ServerLink:
        """One long-poll: hand new messages to the callback; the link with `after` advanced."""
        query = urlencode({"after": link.after, "wait": self.wait_s})
        status, body = self.transport(
            "GET",
            f"{link.server_url}{MESSAGES_PATH}?{query}",
            body=None,
            bearer=link.credential,
            timeout=self.wait_s + REQUEST_TIMEOUT_S,
        )
        if status == 401:
            raise NotPaired("the server revoked this hub's credential; pair it again")
        if status != 200:
            raise LinkError(_explain(status, body))
        after = link.after
        for message in _messages(body):
            try:
                self.on_message(message)
            except Exception:
                # A message the hub cannot handle must not block the queue forever.
                log.exception("handling a %s message failed", message.get("kind"))
            seq = message.get("seq")
            if isinstance(seq, int):
                after = max(after, seq)
        if after != link.after:
            link = replace(link, after=after)
            link.save(self.storage)
        return link

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                link = ServerLink.load(self.storage)
                self.poll_once(link)
                self.state = "connected"
                self.last_contact, self.last_error = time.time(), None
                failures = 0
            except NotPaired as exc:
                log.warning("hub link stopped: %s", exc)
                self.state = "revoked"
                self.last_error = str(exc)
                return
            except (LinkError, OSError, ValueError, KeyError) as exc:
                failures += 1
                self.state = "retrying"
                self.last_error = str(exc)
                delay = self.backoff.delay(failures)
                log.warning("hub link: %s; retrying in %.0f s", exc, delay)
                self._stop.wait(delay)
