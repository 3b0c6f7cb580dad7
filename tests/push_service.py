"""A local Web Push service for the tests: plays the part of Google's, Mozilla's or
Apple's push service, and of the browser's key store behind it.

`PushService` is an HTTP server on a thread (127.0.0.1, a free port). `subscribe()`
makes what a browser's `PushManager.subscribe()` would return: an endpoint on this
service and a fresh P-256 key pair with a 16-byte auth secret, of which the service
keeps the private half. Each POST to an endpoint is checked as a push service and a
browser would, with code independent of the hub's:

- VAPID (RFC 8292): `Authorization: vapid t=<JWT>, k=<key>`; the ES256 signature verifies
  with `k` (and `k` is the key the subscription was made for, when one was given), `aud`
  is this service's origin, `exp` is in the future and at most 24 h away, `sub` is a
  mailto: or https: URL.
- RFC 8030 headers: a TTL, `Content-Encoding: aes128gcm`, a body of at most 4096 bytes.
- The body decrypts with `http_ece` (the reference RFC 8188 implementation).

A message that passes is recorded (`messages`) and answered 201 Created; one that fails
is answered 400/401/413 and recorded in `refusals`. `answer(endpoint, status, headers)`
queues a canned answer for the next POST to that endpoint (410 Gone, 500, 429 with
Retry-After), as a real service gives when a browser unsubscribed or it is overloaded,
or `GARBLED`: a reply that is not HTTP at all.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


GARBLED = 0  # `answer(endpoint, GARBLED)`: reply with bytes that are not HTTP


@dataclass
class LocalSubscription:
    """A browser's subscription on this service, with the keys the browser would hold."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    server_key: str | None = None  # the applicationServerKey it was made for, if given

    @classmethod
    def new(cls, endpoint: str, server_key: str | None = None) -> LocalSubscription:
        """Fresh browser keys for `endpoint`."""
        return cls(
            endpoint, ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16), server_key
        )

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return _b64(point)

    def browser_json(self) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` gives in a browser."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": _b64(self.auth)},
        }


@dataclass
class PushedMessage:
    """A message the service accepted: decrypted, with its headers and VAPID claims."""

    endpoint: str
    plaintext: bytes
    headers: dict[str, str]
    claims: dict[str, Any]
    vapid_key: str
    body_size: int

    def json(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.plaintext)
        return value


@dataclass
class _Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class PushService:
    """The local push service; use as a context manager (stops the server on exit)."""

    def __init__(self) -> None:
        self.subscriptions: dict[str, LocalSubscription] = {}
        self.messages: list[PushedMessage] = []
        self.refusals: list[str] = []
        self._answers: dict[str, deque[_Answer]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        host, port = self._server.server_address[:2]
        self.origin = f"http://{host!s}:{port}"

    def __enter__(self) -> PushService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def subscribe(self, server_key: str | None = None) -> LocalSubscription:
        """A new subscription, as `PushManager.subscribe({applicationServerKey})` makes."""
        sub = LocalSubscription.new(f"{self.origin}/push/{secrets.token_urlsafe(16)}", server_key)
        with self._lock:
            self.subscriptions[sub.endpoint] = sub
        return sub

    def answer(self, endpoint: str, status: int, headers: dict[str, str] | None = None) -> None:
        """Answer the next POST to `endpoint` with `status` (and these headers)."""
        with self._lock:
            self._answers[endpoint].append(_Answer(status, headers or {}))

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[PushedMessage]:
        """The accepted messages, once there are at least `count`."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(
                    f"{len(self.messages)} push messages after {timeout:g} s, expected "
                    f"{count}; refused: {self.refusals}"
                )
            return list(self.messages)

    # -- the checks, on the server thread --------------------------------------------

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> _Answer:
        endpoint = self.origin + path
        with self._lock:
            sub = self.subscriptions.get(endpoint)
            canned = self._answers[endpoint].popleft() if self._answers[endpoint] else None
        if sub is None:
            return _Answer(404)
        if canned is not None:
            if canned.status in (404, 410):
                with self._lock:
                    self.subscriptions.pop(endpoint, None)
            return canned
        try:
            claims, key = self._check_vapid(headers.get("authorization", ""), sub)
            self._check_headers(headers, body)
            plaintext = bytes(
                http_ece.decrypt(
                    body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm"
                )
            )
        except _Refused as refused:
            with self._lock:
                self.refusals.append(refused.reason)
            return _Answer(refused.status)
        except Exception as exc:  # http_ece raises several kinds on bad ciphertext
            with self._lock:
                self.refusals.append(f"cannot decrypt: {exc!r}")
            return _Answer(400)
        with self._arrived:
            self.messages.append(
                PushedMessage(endpoint, plaintext, headers, claims, key, len(body))
            )
            self._arrived.notify_all()
        return _Answer(201, {"Location": f"{self.origin}/message/{secrets.token_urlsafe(8)}"})

    def _check_vapid(
        self, authorization: str, sub: LocalSubscription
    ) -> tuple[dict[str, Any], str]:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise _Refused(401, f"no vapid authorization: {authorization[:20]!r}")
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        token, key = fields.get("t", ""), fields.get("k", "")
        if sub.server_key is not None and key != sub.server_key:
            raise _Refused(403, "k is not the applicationServerKey of the subscription")
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            signature = _unb64(signature_b64)
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(key))
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
            header = json.loads(_unb64(header_b64))
            claims: dict[str, Any] = json.loads(_unb64(claims_b64))
        except (ValueError, InvalidSignature) as exc:
            raise _Refused(401, f"bad VAPID token: {exc!r}") from exc
        if header.get("alg") != "ES256" or len(signature) != 64:
            raise _Refused(401, f"not ES256: {header}")
        now = time.time()
        if claims.get("aud") != self.origin:
            raise _Refused(401, f"aud {claims.get('aud')!r} is not {self.origin!r}")
        exp = claims.get("exp")
        if not isinstance(exp, int) or not now < exp <= now + 24 * 3600:
            raise _Refused(401, f"exp {exp!r} not within the next 24 h")
        sub_claim = claims.get("sub")
        if not isinstance(sub_claim, str) or not sub_claim.startswith(("mailto:", "https:")):
            raise _Refused(401, f"sub {sub_claim!r} is not a mailto: or https: URL")
        return claims, key

    def _check_headers(self, headers: dict[str, str], body: bytes) -> None:
        if not headers.get("ttl", "").isdigit():
            raise _Refused(400, "TTL header missing")
        if headers.get("content-encoding") != "aes128gcm":
            raise _Refused(415, f"content-encoding {headers.get('content-encoding')!r}")
        if len(body) > 4096:
            raise _Refused(413, f"body of {len(body)} bytes")


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _handler(service: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = service._receive(self.path, headers, body)
            if answer.status == GARBLED:
                self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")
                self.close_connection = True
                return
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the tests assert on what arrived

    return Handler
