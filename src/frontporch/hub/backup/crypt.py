"""Sealing backup objects: age-encrypted to the recovery recipient, padded to a size bucket.

Every object the target stores is `age(frame)` (age-encryption.org/v1, one X25519
recipient), where the frame is

    8-byte big-endian length n | n bytes of plaintext | zero bytes up to the bucket size

Why the padding: an object's size would otherwise tell whoever holds the bucket how
long each clip or snapshot is, and from that much about the events. Frames are padded
to one of a few sizes (64 KiB, 128 KiB, 256 KiB, 512 KiB, then whole MiB up to
`FRAME_MAX`), so the target sees a handful of sizes and a count. The true length lives
inside the encryption. Files longer than `PART_MAX` are split into parts by the caller
(`split`), each sealed on its own, so no object exceeds `target.MAX_OBJECT_BYTES`.

Opening checks the frame: a length past the frame, or padding that is not zeros, is a
`BackupCorrupt`; a key that does not open the object is `WrongKey`.

Encryption uses `evidence/age_stream.AgeEncryptor`, not pyrage: pyrage (rage) adds a
"grease" stanza of random length to every header, which would blur the size buckets
into a spread of sizes; our encryptor writes one stanza, so an object's size is its
bucket plus a fixed overhead. Opening uses pyrage, an independent implementation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyrage

from frontporch.evidence.age_stream import AgeEncryptor, AgeFormatError
from frontporch.hub.backup.target import MAX_OBJECT_BYTES

MIB = 1024 * 1024
LENGTH_BYTES = 8
SMALL_BUCKETS = (64 * 1024, 128 * 1024, 256 * 1024, 512 * 1024)
# age adds a ~200-byte header and 16 bytes per 64 KiB chunk: a 15 MiB frame seals to
# just over 15 MiB, well under the 16 MiB object limit.
FRAME_MAX = MAX_OBJECT_BYTES - MIB
PART_MAX = FRAME_MAX - LENGTH_BYTES


class CryptError(Exception):
    """An object cannot be sealed or opened."""


class WrongKey(CryptError):
    """The identity does not open this object."""


class BackupCorrupt(CryptError):
    """The object opened but its frame is not one this hub writes."""


def bucket_size(length: int) -> int:
    """The frame size a plaintext of `length` bytes is padded to."""
    need = length + LENGTH_BYTES
    if need > FRAME_MAX:
        raise CryptError(f"a part holds at most {PART_MAX} bytes, got {length}")
    for size in SMALL_BUCKETS:
        if need <= size:
            return size
    return -(-need // MIB) * MIB


def frame(plaintext: bytes | memoryview) -> bytearray:
    """The padded frame of one part (not yet encrypted)."""
    size = bucket_size(len(plaintext))
    out = bytearray(size)  # zeros: the padding
    out[:LENGTH_BYTES] = len(plaintext).to_bytes(LENGTH_BYTES, "big")
    out[LENGTH_BYTES : LENGTH_BYTES + len(plaintext)] = plaintext
    return out


def unframe(data: bytes) -> bytes:
    """The plaintext inside a frame; BackupCorrupt if the frame is malformed."""
    if len(data) < LENGTH_BYTES:
        raise BackupCorrupt("the object is shorter than its length field")
    length = int.from_bytes(data[:LENGTH_BYTES], "big")
    end = LENGTH_BYTES + length
    if end > len(data):
        raise BackupCorrupt("the object's length field points past its end")
    if data[end:].count(0) != len(data) - end:
        raise BackupCorrupt("the object's padding is not zeros")
    return data[LENGTH_BYTES:end]


def seal(plaintext: bytes | memoryview, recipient: str) -> bytes:
    """One object: `plaintext` framed, padded and encrypted to `recipient`."""
    try:
        encryptor = AgeEncryptor(recipient.strip())
    except AgeFormatError as exc:
        raise CryptError(f"not an age X25519 recipient (age1…): {exc}") from None
    return b"".join((encryptor.header, encryptor.seal_block(frame(plaintext), final=True)))


def open_sealed(data: bytes, identity: pyrage.x25519.Identity) -> bytes:
    """The plaintext of one object; WrongKey if `identity` does not open it."""
    try:
        framed = pyrage.decrypt(data, [identity])
    except pyrage.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise WrongKey("this recovery key does not open these backups") from None
        raise BackupCorrupt(f"the object does not decrypt ({exc})") from None
    return unframe(bytes(framed))


def split(data: bytes) -> Iterator[memoryview]:
    """`data` in parts of at most `PART_MAX` bytes (one empty part for empty data)."""
    view = memoryview(data)
    if not view:
        yield view
        return
    for start in range(0, len(view), PART_MAX):
        yield view[start : start + PART_MAX]
