"""A log server for monitor tests: the public log API over real HTTP, from an in-memory
log whose entries, tree and served checkpoint a test can change at will — to stage a
rewritten, truncated, forked or garbled log the way a malicious operator would.

`StagedLog` holds what the server says: `data` (entry bytes as served), `tree` (the leaf
hashes its proofs and roots are built from: normally the hashes of `data`), `note` (the
checkpoint served) and `answers` (raw replies that replace an endpoint's). Proofs are
computed from `tree` with `translog.merkle`; checkpoints are signed with
`translog.checkpoint`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from frontporch.translog import merkle
from frontporch.translog.checkpoint import Checkpoint, sign_checkpoint
from frontporch.translog.entries import PolicyChanged, encode_entry
from frontporch.translog.note import Signer

ORIGIN = "log.frontporch.test/log"


def policy_entry(number: int) -> bytes:
    """A valid, canonical log entry, different for each number."""
    return encode_entry(
        PolicyChanged(
            at=f"2026-01-01T00:{number // 60 % 60:02d}:{number % 60:02d}Z",
            policy_sha256=hashlib.sha256(str(number).encode()).hexdigest(),
            summary=f"policy change {number}",
        )
    )


@dataclass
class StagedLog:
    """What the staged server serves; change the fields to stage a misbehaving log."""

    signer: Signer = field(default_factory=lambda: Signer.generate(ORIGIN))
    origin: str = ORIGIN
    data: list[bytes] = field(default_factory=list)
    tree: list[bytes] = field(default_factory=list)
    note: bytes | None = None
    answers: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    @property
    def verifier_key(self) -> str:
        return self.signer.verifier.key_string

    def append(self, count: int, *, start: int | None = None) -> None:
        """Append `count` valid entries (numbered from `start`, default the next index)."""
        first = len(self.data) if start is None else start
        for number in range(first, first + count):
            data = policy_entry(number)
            self.data.append(data)
            self.tree.append(merkle.leaf_hash(data))

    def sign(self, size: int | None = None, *signers: Signer, origin: str | None = None) -> bytes:
        """A checkpoint note for the first `size` leaves of `tree` (default all)."""
        size = len(self.tree) if size is None else size
        checkpoint = Checkpoint(origin or self.origin, size, merkle.root_hash(self.tree[:size]))
        return sign_checkpoint(checkpoint, *(signers or (self.signer,)))

    def publish(self, size: int | None = None) -> bytes:
        """Sign the tree (or its first `size` leaves) and serve that checkpoint."""
        self.note = self.sign(size)
        return self.note

    def rewrite(self, index: int, data: bytes) -> None:
        """Replace entry `index` and its leaf hash, as a rewriting operator would."""
        self.data[index] = data
        self.tree[index] = merkle.leaf_hash(data)

    def drop(self, index: int) -> None:
        """Remove entry `index`; later entries move down one place."""
        del self.data[index]
        del self.tree[index]

    # -- the API -------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if path in self.answers:
            return self.answers[path]
        if path == "/api/log/checkpoint":
            if self.note is None:
                return _json(404, {"error": "no checkpoint yet", "detail": "nothing logged"})
            return 200, "text/plain; charset=utf-8", self.note
        if path == "/api/log/key":
            return _json(200, {"origin": self.origin, "verifier_keys": [self.verifier_key]})
        if path == "/api/log/entries":
            start, end = int(query["start"]), min(int(query["end"]), len(self.data))
            end = min(end, start + 1000)
            return _json(200, {"entries": [self._entry(i) for i in range(start, end)]})
        if path == "/api/log/proof/inclusion":
            return self._inclusion(query)
        if path == "/api/log/proof/consistency":
            first, second = int(query["first"]), int(query["second"])
            proof = merkle.consistency_proof(first, self.tree[:second])
            return _json(200, {"first": first, "second": second, "proof": _b64s(proof)})
        return _json(404, {"error": "not found", "detail": path})

    def _entry(self, index: int) -> dict[str, Any]:
        return {
            "index": index,
            "leaf_hash": _b64(self.tree[index]),
            "data": _b64(self.data[index]),
            "entry": json.loads(self.data[index]),
        }

    def _inclusion(self, query: dict[str, str]) -> tuple[int, str, bytes]:
        size = int(query["size"])
        if "index" in query:
            index = int(query["index"])
        else:
            wanted = base64.b64decode(query["leaf_hash"])
            if wanted not in self.tree[:size]:
                return _json(404, {"error": "unknown leaf", "detail": "no such entry"})
            index = self.tree.index(wanted)
        proof = merkle.inclusion_proof(index, self.tree[:size])
        return _json(
            200,
            {
                "index": index,
                "size": size,
                "leaf_hash": _b64(self.tree[index]),
                "proof": _b64s(proof),
            },
        )


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _b64s(values: list[bytes]) -> list[str]:
    return [_b64(value) for value in values]


def _json(status: int, body: object) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body).encode()


@contextmanager
def serving(log: StagedLog) -> Iterator[str]:
    """Serve `log` on 127.0.0.1 until the block ends; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            log.requests.append(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            status, content_type, body = log.answer(parts.path, query)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
