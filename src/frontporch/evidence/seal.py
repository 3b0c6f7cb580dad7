"""Sealing clips: streaming age encryption, with SHA-256 and sizes of both sides.

A released clip is encrypted in the age v1 format (https://age-encryption.org/v1) to
the agency's logged X25519 recipient, so the standard `age -d -i IDENTITY` tool opens
it. Encryption is streamed in blocks of `BLOCK_BYTES` (16 age chunks) by `age_stream`:
each block is read and encrypted with one call into a preallocated buffer, while three
worker lanes, each in order, hash (SHA-256) the plaintext blocks, hash the ciphertext
blocks and write them (hashlib and writes release the GIL, so with two cores or more
the hashing runs beside the encryption instead of after it). Memory stays about a
dozen blocks (the write lane holds a direct-write buffer's worth) whatever the clip's
size.

`seal_file` writes its output past the page cache (`direct_file`: O_DIRECT where the
filesystem allows) to a temporary file in the destination's folder, fsyncs it, and
renames it into place (then fsyncs the folder), so a crash leaves either no file or a
complete one, never a truncated ciphertext that looks sealed.
`open_sealed` is the reverse, streaming too: it decrypts with an identity into a
writer (or into nothing, to check hashes only) and reports the same four figures.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import pyrage

from frontporch.evidence.age_stream import CHUNK_BYTES as AGE_CHUNK_BYTES
from frontporch.evidence.age_stream import AgeEncryptor, AgeFormatError
from frontporch.evidence.direct_file import BUFFER_BYTES as DIRECT_BUFFER_BYTES
from frontporch.evidence.direct_file import DirectFile

CHUNK_BYTES = 1 << 20
BLOCK_BYTES = 16 * AGE_CHUNK_BYTES  # 1 MiB of plaintext per encryption call
WRITE_DEPTH = DIRECT_BUFFER_BYTES // BLOCK_BYTES + 2
"""Sealed blocks the write lane may hold. A direct write flushes a whole buffer at
once and blocks for as long as the disk takes; with room for a buffer's worth of
blocks queued, encryption goes on meanwhile instead of waiting for the disk."""


class SealError(Exception):
    """A clip could not be sealed or opened; the message says why."""


class WrongIdentity(SealError):
    """The identity given is not one the ciphertext was encrypted to."""


@dataclass(frozen=True)
class Sealed:
    """Sizes and SHA-256 (hex) of a clip's plaintext and of its age ciphertext."""

    plaintext_sha256: str
    plaintext_bytes: int
    ciphertext_sha256: str
    ciphertext_bytes: int


class _Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Writer(Protocol):
    def write(self, data: bytes, /) -> int | None: ...


class HashingReader:
    """A reader that hashes and counts everything read through it.

    It reads its source in `chunk` blocks and serves smaller reads from the current
    block, so a caller asking for 8 KiB at a time still hashes in large blocks.
    """

    def __init__(self, source: _Reader, chunk: int = CHUNK_BYTES) -> None:
        self._source = source
        self._chunk = chunk
        self._block = memoryview(b"")
        self._offset = 0
        self._hash = hashlib.sha256()
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            parts = [bytes(self._block[self._offset :])]
            self._block, self._offset = memoryview(b""), 0
            while block := self._fill():
                parts.append(bytes(block))
            return b"".join(parts)
        if self._offset >= len(self._block):
            block = self._fill()
            self._block, self._offset = memoryview(block), 0
            if not block:
                return b""
        piece = self._block[self._offset : self._offset + size]
        self._offset += len(piece)
        return bytes(piece)

    def _fill(self) -> bytes:
        block = self._source.read(self._chunk)
        if block:
            self._hash.update(block)
            self.count += len(block)
        return block

    def hexdigest(self) -> str:
        """SHA-256 of everything read so far, hex."""
        return self._hash.hexdigest()


class HashingWriter:
    """A writer that hashes and counts everything written, then passes it on (if any)."""

    def __init__(self, sink: _Writer | None = None) -> None:
        self._sink = sink
        self._hash = hashlib.sha256()
        self.count = 0

    def write(self, data: bytes, /) -> int:
        self._hash.update(data)
        self.count += len(data)
        if self._sink is not None:
            self._sink.write(data)
        return len(data)

    def flush(self) -> None:
        flush = getattr(self._sink, "flush", None)
        if flush is not None:
            flush()

    def hexdigest(self) -> str:
        """SHA-256 of everything written so far, hex."""
        return self._hash.hexdigest()


def parse_recipient(recipient: str) -> pyrage.x25519.Recipient:
    """The pyrage recipient for an `age1…` string; SealError if it is not one."""
    try:
        return pyrage.x25519.Recipient.from_str(recipient.strip())
    except (pyrage.RecipientError, ValueError) as exc:
        raise SealError(f"{recipient!r} is not an age X25519 recipient (age1…)") from exc


def load_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """The age X25519 identities in an identity file (as `age -i` reads it).

    Lines starting with '#' and blank lines are skipped; every other line must be an
    `AGE-SECRET-KEY-1…` key. Raises SealError naming the file, never quoting a key.
    """
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SealError(f"cannot read the identity file {path}: {exc}") from None
    identities = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except (pyrage.IdentityError, ValueError):
            raise SealError(
                f"line {number} of {path} is not an age identity (AGE-SECRET-KEY-1…)"
            ) from None
    if not identities:
        raise SealError(f"{path} holds no age identity (an AGE-SECRET-KEY-1… line)")
    return identities


def identity_recipients(identities: Iterable[pyrage.x25519.Identity]) -> list[str]:
    """The `age1…` recipients the identities decrypt for."""
    return [str(identity.to_public()) for identity in identities]


def seal(src: BinaryIO | _Reader, dst: BinaryIO | _Writer, recipient: str) -> Sealed:
    """Encrypt all of `src` to `recipient` into `dst`, streaming; hashes of both sides."""
    try:
        encryptor = AgeEncryptor(recipient)
    except AgeFormatError as exc:
        raise SealError(f"{recipient!r} is not an age X25519 recipient (age1…): {exc}") from exc
    plaintext, ciphertext = hashlib.sha256(), hashlib.sha256()
    plaintext_bytes = ciphertext_bytes = 0
    lanes = plain_lane, cipher_lane, write_lane = (
        _Lane("seal-plaintext"),
        _Lane("seal-ciphertext"),
        _Lane("seal-write", depth=WRITE_DEPTH),
    )
    try:
        write_lane.submit(dst.write, encryptor.header)
        cipher_lane.submit(ciphertext.update, encryptor.header)
        ciphertext_bytes += len(encryptor.header)
        block = _read_full(src, BLOCK_BYTES)
        while True:
            following = _read_full(src, BLOCK_BYTES) if len(block) == BLOCK_BYTES else b""
            final = not following
            plain_lane.submit(plaintext.update, block)
            sealed = encryptor.seal_block(block, final)
            write_lane.submit(dst.write, sealed)
            cipher_lane.submit(ciphertext.update, sealed)
            plaintext_bytes += len(block)
            ciphertext_bytes += len(sealed)
            if final:
                break
            block = following
        for lane in lanes:
            lane.finish()
    except OSError as exc:
        raise SealError(f"age encryption failed: {exc}") from exc
    finally:
        for lane in lanes:
            lane.close()
    return Sealed(plaintext.hexdigest(), plaintext_bytes, ciphertext.hexdigest(), ciphertext_bytes)


class _Lane:
    """One worker thread running its jobs in order, with at most `depth` queued.

    `submit` waits for the oldest job when the lane is full (which bounds memory to a
    few blocks and re-raises a job's error, such as a failed write, in the caller).
    """

    def __init__(self, name: str, depth: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._jobs: deque[Future[object]] = deque()
        self._depth = depth

    def submit(self, job: Callable[[Any], object], argument: Any) -> None:
        while len(self._jobs) >= self._depth:
            self._jobs.popleft().result()
        self._jobs.append(self._pool.submit(job, argument))

    def finish(self) -> None:
        """Wait for every job; the first error is raised."""
        while self._jobs:
            self._jobs.popleft().result()

    def close(self) -> None:
        """Stop: jobs not started are dropped, a running one is waited for."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._jobs.clear()


def _read_full(src: BinaryIO | _Reader, size: int) -> bytes:
    """`size` bytes from `src`, fewer only at its end (a pipe may return short reads)."""
    first = src.read(size)
    if not first or len(first) == size:
        return first or b""
    parts, have = [first], len(first)
    while have < size and (more := src.read(size - have)):
        parts.append(more)
        have += len(more)
    return b"".join(parts)


def seal_file(src: Path, dst: Path, recipient: str) -> Sealed:
    """Encrypt file `src` to `recipient` as `dst`, atomically (temp file, fsync, rename)."""
    parse_recipient(recipient)
    folder = dst.parent
    descriptor, temporary = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=folder)
    os.close(descriptor)
    try:
        with open(src, "rb") as source, DirectFile(temporary) as output:
            sealed = seal(source, output, recipient)
            try:
                output.finish()
            except OSError as exc:
                raise SealError(f"cannot write the sealed clip {dst.name}: {exc}") from exc
        os.replace(temporary, dst)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return sealed


def open_sealed(
    src: BinaryIO | _Reader,
    dst: BinaryIO | _Writer | None,
    identities: Iterable[pyrage.x25519.Identity],
) -> Sealed:
    """Decrypt age ciphertext from `src` into `dst` (None: discard), streaming.

    Returns the sizes and hashes of both sides. Raises WrongIdentity when no identity
    opens the file's header, SealError when the ciphertext is damaged (age checks each
    64 KiB chunk's tag, so a flipped byte fails here).
    """
    reader = HashingReader(src)
    writer = HashingWriter(dst)
    try:
        pyrage.decrypt_io(reader, writer, list(identities))
    except (pyrage.DecryptError, OSError) as exc:  # a damaged chunk surfaces as OSError
        message = str(exc)
        if "no matching keys" in message.lower():
            raise WrongIdentity("no identity given can decrypt this file") from None
        raise SealError(f"age decryption failed: {message}") from None
    return Sealed(writer.hexdigest(), writer.count, reader.hexdigest(), reader.count)


def file_chunks(path: Path, chunk: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The bytes of `path` in `chunk` blocks, for `PackageWriter.add_stream`."""
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            yield block


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
