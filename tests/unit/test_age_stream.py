"""The age writer (`evidence.age_stream`) against pyrage, an independent implementation:
every size at the chunk edges opens, the header has the format's shape, tampering and
truncation are caught by the reader, and recipients are parsed strictly."""

from __future__ import annotations

import base64
import os

import pyrage
import pytest

from frontporch.evidence.age_stream import (
    CHUNK_BYTES,
    TAG_BYTES,
    AgeEncryptor,
    AgeFormatError,
    recipient_key,
)


def encrypt(recipient: str, plain: bytes, block: int = 4 * CHUNK_BYTES) -> bytes:
    encryptor = AgeEncryptor(recipient)
    parts = [encryptor.header]
    offsets = list(range(0, len(plain), block)) or [0]
    for offset in offsets:
        piece = plain[offset : offset + block]
        parts.append(bytes(encryptor.seal_block(piece, final=offset == offsets[-1])))
    return b"".join(parts)


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 4 * CHUNK_BYTES, 9 * CHUNK_BYTES + 3],
)
def test_pyrage_opens_what_the_writer_seals(size: int) -> None:
    identity = pyrage.x25519.Identity.generate()
    plain = os.urandom(size)
    sealed = encrypt(str(identity.to_public()), plain)
    assert pyrage.decrypt(sealed, [identity]) == plain
    chunks = max(1, -(-size // CHUNK_BYTES))
    header_end = sealed.index(b"\n---") + len(b"\n--- ") + 43 + 1
    assert len(sealed) == header_end + 16 + size + chunks * TAG_BYTES


def test_the_header_is_one_x25519_stanza_and_a_mac() -> None:
    identity = pyrage.x25519.Identity.generate()
    header = AgeEncryptor(str(identity.to_public())).header
    text, nonce = header[:-16], header[-16:]  # the payload nonce follows the text
    assert nonce != bytes(16)
    lines = text.split(b"\n")
    assert lines[0] == b"age-encryption.org/v1"
    kind, share = lines[1].split(b" ")[1:]
    assert kind == b"X25519"
    assert len(base64.b64decode(share + b"=")) == 32
    assert len(base64.b64decode(lines[2] + b"=")) == 32  # file key + tag
    assert lines[3].startswith(b"--- ")
    assert len(lines[3]) == 4 + 43  # the HMAC-SHA-256, unpadded base64
    assert lines[4:] == [b""]


def test_two_files_to_one_recipient_share_nothing() -> None:
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    first, second = encrypt(recipient, b"same clip"), encrypt(recipient, b"same clip")
    assert first[:32] == second[:32]  # the version line and the stanza's type
    assert first[32:75] != second[32:75]  # the ephemeral share
    assert first[-30:] != second[-30:]


def test_a_flipped_byte_or_a_dropped_final_chunk_does_not_open() -> None:
    identity = pyrage.x25519.Identity.generate()
    sealed = encrypt(str(identity.to_public()), os.urandom(3 * CHUNK_BYTES), block=CHUNK_BYTES)
    flipped = bytearray(sealed)
    flipped[-200] ^= 1
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(bytes(flipped), [identity])
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(sealed[: -(CHUNK_BYTES + TAG_BYTES)], [identity])


def test_blocks_must_be_whole_chunks_until_the_last() -> None:
    encryptor = AgeEncryptor(str(pyrage.x25519.Identity.generate().to_public()))
    with pytest.raises(ValueError, match="whole 64 KiB chunks"):
        encryptor.seal_block(b"x" * 100, final=False)
    encryptor.seal_block(b"x" * CHUNK_BYTES, final=False)
    with pytest.raises(ValueError, match="empty only in an empty file"):
        encryptor.seal_block(b"", final=True)
    encryptor.seal_block(b"end", final=True)
    with pytest.raises(ValueError, match="already finished"):
        encryptor.seal_block(b"more", final=True)


def test_recipient_key_reads_bech32_strictly() -> None:
    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    assert len(recipient_key(recipient)) == 32
    assert recipient_key(f"  {recipient}\n") == recipient_key(recipient)
    typo = recipient[:-1] + ("q" if recipient[-1] != "q" else "p")
    refused = {
        typo: "checksum",
        recipient.upper(): "lower-case",
        "age1" + "b" * 58: "character Bech32 does not use",
        "xyz1" + recipient[4:]: "starts with 'age1'",
        "ssh-ed25519 AAAA": "lower-case|starts with",
    }
    for text, reason in refused.items():
        with pytest.raises(AgeFormatError, match=reason):
            recipient_key(text)
