"""The log's public HTTP API, read from outside: what a monitor fetches, strictly parsed.

The community server publishes (docs/transparency.md, "Monitoring the log"):

- `GET /api/log/checkpoint`: the latest signed checkpoint note, `text/plain`; 404 before
  the first checkpoint;
- `GET /api/log/key`: `{"origin", "verifier_keys": [...]}`, current key first;
- `GET /api/log/entries?start=&end=`: `{"entries": [{"index", "leaf_hash", "data",
  "entry"}]}` for [start, end), at most 1000 a call;
- `GET /api/log/proof/inclusion?index=&size=` or `?leaf_hash=&size=`:
  `{"index", "size", "leaf_hash", "proof": [...]}`;
- `GET /api/log/proof/consistency?first=&second=`: `{"first", "second", "proof": [...]}`.

Hashes and entry bytes are standard, padded base64. Nothing here trusts an answer: it
only checks the answer has the promised shape (else `BadResponse`) and hands the values
to `verify`, which checks what they prove. A network failure or an error status is
`LogUnavailable`. Plain `urllib` on purpose, like `hub.link`: a hub monitors the log
with no HTTP client library.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from frontporch.translog.errors import TranslogError
from frontporch.translog.merkle import HASH_SIZE

REQUEST_TIMEOUT_S = 20.0
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
ENTRIES_PER_CALL = 256

Fetch = Callable[[str, float], tuple[int, bytes]]
"""GET a URL with a timeout: (HTTP status, body). Raises `LogUnavailable` if unreachable."""


class LogUnavailable(TranslogError):
    """The log server could not be reached, or answered with an error status."""


class BadResponse(TranslogError):
    """The log server answered, but not in the shape its API promises."""


@dataclass(frozen=True)
class RemoteEntry:
    """One entry as the server lists it: its index, stated leaf hash and canonical bytes."""

    index: int
    leaf_hash: bytes
    data: bytes


@dataclass(frozen=True)
class InclusionAnswer:
    """The server's inclusion proof of one leaf in the tree of `size` leaves."""

    index: int
    size: int
    leaf_hash: bytes
    proof: tuple[bytes, ...]


def urllib_fetch(url: str, timeout: float) -> tuple[int, bytes]:
    """The default `Fetch`: a GET with urllib; error statuses are answers, not raised."""
    request = urllib.request.Request(url, method="GET")  # noqa: S310 (http(s) checked)
    request.add_header("Accept", "application/json, text/plain")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), _read_limited(response)
    except urllib.error.HTTPError as exc:
        return exc.code, _read_limited(exc)
    except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets
        reason = getattr(exc, "reason", exc)
        raise LogUnavailable(f"cannot reach the log server at {_site(url)}: {reason}") from exc
    except ValueError as exc:  # http.client.InvalidURL and friends
        raise LogUnavailable(f"the server URL {url!r} is not usable: {exc}") from exc


def _read_limited(response: Any) -> bytes:
    body = response.read(MAX_RESPONSE_BYTES + 1)
    if not isinstance(body, bytes):
        return b""
    if len(body) > MAX_RESPONSE_BYTES:
        raise BadResponse(f"the log server sent more than {MAX_RESPONSE_BYTES} bytes in one answer")
    return body


class LogClient:
    """Reads one log server's public API (`server_url` is its base address)."""

    def __init__(
        self, server_url: str, *, fetch: Fetch = urllib_fetch, timeout: float = REQUEST_TIMEOUT_S
    ) -> None:
        """A client for the server at `server_url`; LogUnavailable unless it is http(s)."""
        if not server_url.startswith(("http://", "https://")):
            raise LogUnavailable(
                f"the server address must start with http:// or https://, not {server_url!r}"
            )
        self.server_url = server_url.rstrip("/")
        self._fetch = fetch
        self._timeout = timeout

    def checkpoint(self) -> bytes | None:
        """The latest signed checkpoint note, or None if the log has none yet (404)."""
        status, body = self._get("/api/log/checkpoint", {})
        if status == 404:
            return None
        self._require_ok(status, body, "the latest checkpoint")
        return body

    def key(self) -> tuple[str, list[str]]:
        """The origin and verifier key strings the server publishes (current key first)."""
        body = self._json("/api/log/key", {}, "the log's key")
        origin = _field(body, "origin", str, "the log's key")
        keys = _field(body, "verifier_keys", list, "the log's key")
        if not origin or not keys or not all(isinstance(key, str) for key in keys):
            raise BadResponse("the log's key answer must name an origin and at least one key")
        return origin, keys

    def entries(self, start: int, end: int) -> list[RemoteEntry]:
        """Entries [start, end) (the server may send fewer: the first ones of the range)."""
        what = f"entries {start}..{end - 1}"
        body = self._json("/api/log/entries", {"start": start, "end": end}, what)
        items = _field(body, "entries", list, what)
        entries = []
        for item in items:
            if not isinstance(item, dict):
                raise BadResponse(f"the server's list of {what} holds a non-object")
            index = _field(item, "index", int, what)
            entries.append(
                RemoteEntry(
                    index=index,
                    leaf_hash=_hash(_field(item, "leaf_hash", str, what), f"entry {index}"),
                    data=_b64(_field(item, "data", str, what), f"the data of entry {index}"),
                )
            )
        return entries

    def inclusion_proof(
        self, size: int, *, index: int | None = None, leaf_hash: bytes | None = None
    ) -> InclusionAnswer | None:
        """The proof that a leaf (by index or by hash) is in the tree of `size` leaves.

        None if the server says it has no such leaf (404).
        """
        query: dict[str, str | int] = {"size": size}
        if index is not None:
            query["index"] = index
        if leaf_hash is not None:
            query["leaf_hash"] = base64.b64encode(leaf_hash).decode("ascii")
        what = f"the inclusion proof at size {size}"
        status, raw = self._get("/api/log/proof/inclusion", query)
        if status == 404:
            return None
        body = self._parse_json(status, raw, what)
        return InclusionAnswer(
            index=_field(body, "index", int, what),
            size=_field(body, "size", int, what),
            leaf_hash=_hash(_field(body, "leaf_hash", str, what), what),
            proof=_hashes(_field(body, "proof", list, what), what),
        )

    def consistency_proof(self, first: int, second: int) -> tuple[bytes, ...]:
        """The consistency proof from the tree of `first` leaves to that of `second`."""
        what = f"the consistency proof from size {first} to {second}"
        body = self._json("/api/log/proof/consistency", {"first": first, "second": second}, what)
        if _field(body, "first", int, what) != first or _field(body, "second", int, what) != second:
            raise BadResponse(f"the server answered a request for {what} with other sizes")
        return _hashes(_field(body, "proof", list, what), what)

    # -- plumbing ------------------------------------------------------------------------

    def _get(self, path: str, query: dict[str, str | int]) -> tuple[int, bytes]:
        url = self.server_url + path + (f"?{urlencode(query)}" if query else "")
        return self._fetch(url, self._timeout)

    def _json(self, path: str, query: dict[str, str | int], what: str) -> dict[str, Any]:
        status, raw = self._get(path, query)
        return self._parse_json(status, raw, what)

    def _parse_json(self, status: int, raw: bytes, what: str) -> dict[str, Any]:
        self._require_ok(status, raw, what)
        try:
            body = json.loads(raw)
        except ValueError:
            raise BadResponse(f"the server's answer for {what} is not JSON") from None
        if not isinstance(body, dict):
            raise BadResponse(f"the server's answer for {what} is not a JSON object")
        return body

    def _require_ok(self, status: int, raw: bytes, what: str) -> None:
        if status == 200:
            return
        raise LogUnavailable(
            f"the log server at {_site(self.server_url)} answered HTTP {status} when asked for "
            f"{what}{_explain(raw)}"
        )


def _explain(raw: bytes) -> str:
    """': <error>: <detail>' from a JSON error body, or nothing."""
    try:
        body = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return ""
    detail = body.get("detail")
    text = str(body["error"]) + (f": {detail}" if isinstance(detail, str) and detail else "")
    return ": " + text[:300]


def _field(body: dict[str, Any], name: str, kind: type, what: str) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadResponse(
            f"the server's answer for {what} lacks a valid {name!r} ({kind.__name__})"
        )
    return value


def _b64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise BadResponse(f"{what} is not standard base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise BadResponse(f"{what} is not canonical base64")
    return raw


def _hash(text: str, what: str) -> bytes:
    value = _b64(text, f"the hash in {what}")
    if len(value) != HASH_SIZE:
        raise BadResponse(f"the hash in {what} is {len(value)} bytes, not {HASH_SIZE}")
    return value


def _hashes(items: list[Any], what: str) -> tuple[bytes, ...]:
    if not all(isinstance(item, str) for item in items):
        raise BadResponse(f"{what} must be a list of base64 hashes")
    return tuple(_hash(item, what) for item in items)


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
