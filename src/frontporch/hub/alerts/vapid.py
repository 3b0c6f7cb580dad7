"""VAPID (RFC 8292): how the hub proves to a push service that it is the sender the
browser subscribed for.

The hub has one P-256 key pair, made once and kept in the hub's index (never logged,
never sent). Its public key is the `applicationServerKey` the page subscribes with, so
the push service accepts messages for that subscription only when they carry a JWT
signed by the matching private key (RFC 8292 §2, §4):

  Authorization: vapid t=<JWT>, k=<base64url public key>

The JWT is ES256 (RFC 7518 §3.4: the signature is r || s, 32 bytes each, not DER) with
`aud` the push service's origin, `exp` at most 24 hours ahead and `sub` a contact for the
push service's operator (a mailto: or https: URL).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from frontporch.hub.alerts.webpush_crypto import b64url, public_key_bytes

TOKEN_LIFETIME_S = 12 * 3600  # RFC 8292 §2: no more than 24 hours
DEFAULT_CONTACT = "mailto:owner@localhost"


class VapidError(ValueError):
    """A stored key that cannot be read, or an endpoint with no origin to sign for."""


@dataclass(frozen=True)
class VapidKey:
    """The hub's application-server key pair."""

    private_key: ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls) -> VapidKey:
        """A new P-256 key pair."""
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pem(cls, pem: bytes) -> VapidKey:
        """The key stored by `pem()`; VapidError if it is not a P-256 private key."""
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise VapidError("the stored VAPID key cannot be read") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise VapidError("the stored VAPID key is not a P-256 key")
        return cls(key)

    def pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM, for the hub's index."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public_key(self) -> str:
        """The public key, base64url of the uncompressed point: the page's
        `applicationServerKey` and the `k=` of the Authorization header."""
        return b64url(public_key_bytes(self.private_key))

    def token(self, audience: str, contact: str, now: float) -> str:
        """An ES256 JWT for `audience` (a push service origin), valid TOKEN_LIFETIME_S."""
        header = {"typ": "JWT", "alg": "ES256"}
        claims = {"aud": audience, "exp": int(now) + TOKEN_LIFETIME_S, "sub": contact}
        signing_input = f"{_part(header)}.{_part(claims)}".encode("ascii")
        der = self.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{signing_input.decode('ascii')}.{b64url(signature)}"

    def authorization(self, endpoint: str, contact: str, now: float) -> str:
        """The Authorization header for a POST to `endpoint` (RFC 8292 §3)."""
        return f"vapid t={self.token(origin_of(endpoint), contact, now)}, k={self.public_key}"


def origin_of(endpoint: str) -> str:
    """'scheme://host[:port]' of a push endpoint: the JWT's audience."""
    parts = urlsplit(endpoint)
    if not parts.scheme or not parts.netloc:
        raise VapidError("a push endpoint must be an absolute URL")
    return f"{parts.scheme}://{parts.netloc}"


def _part(value: Mapping[str, object]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


__all__ = ["DEFAULT_CONTACT", "TOKEN_LIFETIME_S", "VapidError", "VapidKey", "origin_of"]
