"""age v1 encryption to one X25519 recipient, block by block, from vetted primitives.

The format is age-encryption.org/v1 (c2sp.org/age): a text header that wraps a random
16-byte file key for the recipient, then a binary payload, a 16-byte nonce followed by
the plaintext in 64 KiB chunks, each sealed with ChaCha20-Poly1305 (STREAM: an 11-byte
big-endian counter and a last-chunk flag as the AEAD nonce). Every primitive comes from
`cryptography` (OpenSSL): X25519, HKDF-SHA-256, HMAC-SHA-256, ChaCha20-Poly1305.

Why not pyrage here, which the rest of the package uses: pyrage's streaming encryption
pulls plaintext through a Python callback every 8 KiB and holds the GIL throughout, so
hashing both sides of a clip could not run beside it, and sealing ran at half the
speed of the `age` tool. Encrypting a block of chunks per call into a preallocated
buffer leaves the hashing free to run on other cores. Decryption stays with pyrage
and the `age` tool, and the tests open what this writes with both, so two independent
implementations check every file this one produces.

Only encryption lives here; this module never parses an age file.
"""

from __future__ import annotations

import base64
import hmac
import os
from hashlib import sha256

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CHUNK_BYTES = 64 * 1024  # plaintext per STREAM chunk (fixed by the format)
TAG_BYTES = 16  # Poly1305 tag on every chunk
FILE_KEY_BYTES = 16
PAYLOAD_NONCE_BYTES = 16
VERSION_LINE = b"age-encryption.org/v1\n"
X25519_INFO = b"age-encryption.org/v1/X25519"
RECIPIENT_PREFIX = "age"
_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


class AgeFormatError(ValueError):
    """A recipient string is not an age X25519 recipient."""


def recipient_key(recipient: str) -> bytes:
    """The 32-byte X25519 public key of an `age1…` recipient (Bech32, BIP 173).

    age recipients are Bech32 with the human-readable part "age" and no length limit;
    the checksum is verified here, and the string must be all lower case.
    """
    text = recipient.strip()
    if text != text.lower() or "1" not in text:
        raise AgeFormatError("an age recipient is lower-case Bech32, age1…")
    prefix, _, data_part = text.rpartition("1")
    if prefix != RECIPIENT_PREFIX or len(data_part) < 6:
        raise AgeFormatError("an age X25519 recipient starts with 'age1'")
    try:
        values = [_BECH32_CHARSET.index(char) for char in data_part]
    except ValueError:
        raise AgeFormatError("the recipient has a character Bech32 does not use") from None
    if _bech32_polymod(_hrp_expand(prefix) + values) != 1:
        raise AgeFormatError("the recipient's checksum does not match (a typing error?)")
    key = _regroup(values[:-6])
    if len(key) != 32:
        raise AgeFormatError("the recipient does not hold a 32-byte X25519 key")
    return key


class AgeEncryptor:
    """One age file to one X25519 recipient: `header`, then `seal_block` per block.

    Blocks are whole multiples of 64 KiB except the last, which says so (`final`);
    a final empty block is allowed only as the whole payload (an empty file). The
    file key, ephemeral key and payload nonce are fresh per instance, as the format
    requires; an instance encrypts exactly one file.
    """

    def __init__(self, recipient: str) -> None:
        their_key = recipient_key(recipient)
        file_key = os.urandom(FILE_KEY_BYTES)
        self.header = _header(file_key, their_key) + (nonce := os.urandom(PAYLOAD_NONCE_BYTES))
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._counter = 0
        self._finished = False

    def seal_block(self, block: bytes | bytearray | memoryview, final: bool) -> bytearray:
        """The ciphertext of `block`'s chunks; `final` marks its last chunk as the end."""
        if self._finished:
            raise ValueError("this age file is already finished")
        size = len(block)
        if not final and (size == 0 or size % CHUNK_BYTES):
            raise ValueError("a block before the last must be whole 64 KiB chunks")
        if final and size == 0 and self._counter:
            raise ValueError("the final chunk may be empty only in an empty file")
        view = memoryview(block)
        chunks = max(1, -(-size // CHUNK_BYTES))
        out = bytearray(size + chunks * TAG_BYTES)
        target = memoryview(out)
        written = 0
        for index in range(chunks):
            piece = view[index * CHUNK_BYTES : (index + 1) * CHUNK_BYTES]
            last = final and index == chunks - 1
            nonce = self._counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
            end = written + len(piece) + TAG_BYTES
            self._aead.encrypt_into(nonce, piece, None, target[written:end])
            written = end
            self._counter += 1
        self._finished = final
        return out


def _header(file_key: bytes, their_key: bytes) -> bytes:
    """The text header: version line, one X25519 stanza, and the MAC line."""
    ephemeral = X25519PrivateKey.generate()
    share = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    try:
        secret = ephemeral.exchange(X25519PublicKey.from_public_bytes(their_key))
    except ValueError:  # a low-order point: the shared secret would be all zeros
        raise AgeFormatError("the recipient is not a usable X25519 public key") from None
    wrap_key = _hkdf(secret, share + their_key, X25519_INFO)
    body = ChaCha20Poly1305(wrap_key).encrypt(bytes(12), file_key, None)
    stanza = b"-> X25519 " + _b64(share) + b"\n" + _b64(body) + b"\n"
    # The 32-byte body is 43 base64 characters: one line, shorter than 64 columns.
    signed = VERSION_LINE + stanza + b"---"
    mac = hmac.new(_hkdf(file_key, b"", b"header"), signed, sha256).digest()
    return signed + b" " + _b64(mac) + b"\n"


def _hkdf(key_material: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key_material)


def _b64(data: bytes) -> bytes:
    """Standard base64 without padding, as age writes it."""
    return base64.b64encode(data).rstrip(b"=")


def _hrp_expand(prefix: str) -> list[int]:
    return [ord(char) >> 5 for char in prefix] + [0] + [ord(char) & 31 for char in prefix]


def _bech32_polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(_BECH32_GENERATOR):
            if (top >> bit) & 1:
                check ^= generator
    return check


def _regroup(values: list[int]) -> bytes:
    """5-bit groups to bytes; leftover bits must be fewer than 5 and all zero."""
    accumulator = bits = 0
    out = bytearray()
    for value in values:
        accumulator = (accumulator << 5) | value
        bits += 5
        while bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
    if bits >= 5 or accumulator & ((1 << bits) - 1):
        raise AgeFormatError("the recipient's Bech32 data has stray bits")
    return bytes(out)
