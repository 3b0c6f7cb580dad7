"""Message encryption for Web Push: RFC 8291 over the aes128gcm coding of RFC 8188.

A push service relays what the hub sends to the owner's browser, so it must not be able
to read it: each message is encrypted to the browser's own key (the subscription's
`p256dh`, a P-256 public key) and authentication secret (`auth`, 16 bytes).

RFC 8291 §3: the hub makes an ephemeral P-256 key pair per message and derives
  ecdh_secret = ECDH(as_private, ua_public)
  IKM  = HKDF(salt=auth, ikm=ecdh_secret, info="WebPush: info\\0" || ua_public || as_public, 32)
and then, as RFC 8188 §2.2-2.3 with a random 16-byte salt,
  PRK   = HKDF-Extract(salt, IKM)
  CEK   = HKDF-Expand(PRK, "Content-Encoding: aes128gcm\\0", 16)
  NONCE = HKDF-Expand(PRK, "Content-Encoding: nonce\\0", 12)
The body is the RFC 8188 header (salt, record size, key id = as_public) and one record:
AES-128-GCM(plaintext || 0x02) (0x02: the last record's padding delimiter, §2).

`encrypt(..., salt=, ephemeral_key=)` exist only so the RFC 8291 Appendix A example can
be reproduced byte for byte; callers leave them out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

RECORD_SIZE = 4096  # rs: one record holds any payload we send (RFC 8291 §4: ≤ 4096)
TAG_BYTES = 16
# What fits in one 4096-byte record after the tag and the padding delimiter. Push services
# must accept 4096 bytes of body (RFC 8030 §7.2); the header comes on top, so we keep the
# whole body under that: 4096 - header (86) - tag (16) - delimiter (1).
HEADER_BYTES = 16 + 4 + 1 + 65
MAX_PLAINTEXT = 4096 - HEADER_BYTES - TAG_BYTES - 1
AUTH_SECRET_BYTES = 16
PUBLIC_KEY_BYTES = 65  # uncompressed P-256 point: 0x04 || X || Y
_B64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


class PushCryptoError(ValueError):
    """A subscription's keys are not usable, or a payload does not fit in one message."""


def b64url_decode(text: str) -> bytes:
    """Base64url without padding (how browsers write `p256dh` and `auth`), padding
    tolerated; a clear error on anything else."""
    # The decoder skips characters outside the alphabet; refuse them instead.
    if not _B64URL.fullmatch(text):
        raise PushCryptoError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise PushCryptoError("not base64url") from exc


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_key_bytes(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed point (65 bytes) of a P-256 key."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def browser_public_key(p256dh: bytes) -> ec.EllipticCurvePublicKey:
    """The browser's P-256 key from its 65-byte `p256dh`; PushCryptoError if it is not a
    point on the curve."""
    if len(p256dh) != PUBLIC_KEY_BYTES or p256dh[0] != 4:
        raise PushCryptoError("p256dh must be an uncompressed P-256 point (65 bytes)")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError as exc:
        raise PushCryptoError("p256dh is not a point on P-256") from exc


def check_auth_secret(auth: bytes) -> bytes:
    """`auth` if it is the 16-byte secret RFC 8291 §3.2 requires."""
    if len(auth) != AUTH_SECRET_BYTES:
        raise PushCryptoError("auth must be 16 bytes")
    return auth


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def encrypt(
    plaintext: bytes,
    p256dh: bytes,
    auth: bytes,
    *,
    salt: bytes | None = None,
    ephemeral_key: ec.EllipticCurvePrivateKey | None = None,
) -> bytes:
    """The aes128gcm body (RFC 8188 header + one record) that only the subscription's
    browser can read. PushCryptoError on bad keys or a plaintext over MAX_PLAINTEXT."""
    if len(plaintext) > MAX_PLAINTEXT:
        raise PushCryptoError(
            f"payload is {len(plaintext)} bytes; one push message holds {MAX_PLAINTEXT}"
        )
    ua_public = browser_public_key(p256dh)
    check_auth_secret(auth)
    salt = os.urandom(16) if salt is None else salt
    as_private = ephemeral_key or ec.generate_private_key(ec.SECP256R1())
    as_public = public_key_bytes(as_private)
    ecdh_secret = as_private.exchange(ec.ECDH(), ua_public)
    # RFC 8291 §3.3: the auth secret and both public keys bind the key to this pair.
    key_info = b"WebPush: info\x00" + p256dh + as_public
    ikm = _hkdf(auth, ecdh_secret, key_info, 32)
    # RFC 8188 §2.2-2.3: HKDF-Extract once, then two expansions.
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()  # HKDF-Extract (RFC 5869 §2.2)
    cek = HKDFExpand(hashes.SHA256(), 16, b"Content-Encoding: aes128gcm\x00").derive(prk)
    nonce = HKDFExpand(hashes.SHA256(), 12, b"Content-Encoding: nonce\x00").derive(prk)
    # One record, the last: the delimiter 0x02 and no further padding (RFC 8188 §2).
    record = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)
    header = salt + struct.pack("!IB", RECORD_SIZE, len(as_public)) + as_public
    return header + record


__all__ = [
    "MAX_PLAINTEXT",
    "PushCryptoError",
    "b64url",
    "b64url_decode",
    "browser_public_key",
    "check_auth_secret",
    "encrypt",
    "public_key_bytes",
]
