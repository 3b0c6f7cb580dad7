"""Where media (clips, snapshots, encrypted evidence) is kept: the BlobStore interface.

Keys are opaque, server-chosen names (`area/uuid`), never user input, and are checked
anyway so that no key can reach outside the store's directory. The filesystem store is
the default; `blobs_s3.S3BlobStore` implements the same protocol on S3-compatible
object storage for larger servers.

Ranged reads (`size`, `get_range`) exist so video can be served to HTTP Range requests
without loading a whole clip; their bounds follow RFC 9110 §14.1.2: the end is
inclusive, an end past the blob is clamped, a start past the blob is unsatisfiable.

Media is large (up to the feed's 64 MiB limit) and many people read it at once, so
what serves and receives it streams: `open` hands out a blob (or a range of it) as
chunks of `CHUNK` bytes, and `put_file` stores what a file holds, copied in chunks.
Holding whole clips in memory per request is what took a server from 140 to 704 MiB
with eight readers; `get` and `put` remain for small blobs.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 256 * 1024  # bytes read or copied at a time when streaming
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_.-]*)+$")


class BlobError(Exception):
    """A blob is missing, its key is malformed, or the store cannot be used."""


class BlobNotFound(BlobError):
    """No blob is stored under the key."""


class BlobRangeError(BlobError):
    """A byte range that cannot be served from this blob (HTTP 416)."""


@dataclass(frozen=True)
class BlobInfo:
    """A stored blob as a listing names it."""

    key: str
    size: int
    modified: datetime  # when it was last written (UTC)


class BlobReader:
    """A blob opened for reading: bytes `first`..`last` (inclusive) of a blob of `size`
    bytes, handed out in chunks by iterating it. Opening has already checked that the
    blob exists and the range is satisfiable, so nothing can fail for those reasons once
    a response has started; `close` releases the file or connection (iterating to the end
    does too)."""

    def __init__(
        self,
        size: int,
        first: int,
        last: int,
        chunks: Iterator[bytes],
        close: Callable[[], None],
    ) -> None:
        self.size = size
        self.first = first
        self.last = last
        self._chunks = chunks
        self._close = close

    @property
    def length(self) -> int:
        """How many bytes the reader hands out."""
        return self.last - self.first + 1

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        """Release what the reader holds (idempotent)."""
        self._close()


class BlobStore(Protocol):
    """Stores and returns blobs by key, whole or by byte range."""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing any blob there, atomically."""
        ...

    def put_file(self, key: str, source: BinaryIO) -> int:
        """Store what remains in `source` under `key`, read in chunks, atomically; how
        many bytes were stored."""
        ...

    def get(self, key: str) -> bytes:
        """The blob under `key`; BlobNotFound if there is none."""
        ...

    def open(self, key: str, start: int = 0, end_inclusive: int | None = None) -> BlobReader:
        """The blob under `key` (or bytes `start`..`end_inclusive`, the end clamped; to
        the blob's end if None) to be read in chunks.

        BlobNotFound if there is no blob; BlobRangeError if a range is reversed or starts
        at or past the blob's end (the whole of an empty blob is zero bytes, not an error).
        """
        ...

    def delete(self, key: str) -> None:
        """Remove the blob under `key`; nothing happens if there is none."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        ...

    def size(self, key: str) -> int:
        """The length in bytes of the blob under `key`; BlobNotFound if there is none."""
        ...

    def get_range(self, key: str, start: int, end_inclusive: int) -> bytes:
        """Bytes `start`..`end_inclusive` of the blob under `key` (the end is clamped).

        BlobNotFound if there is no blob; BlobRangeError if the range is reversed or
        starts at or past the blob's end.
        """
        ...

    def list(self, prefix: str) -> Iterator[BlobInfo]:
        """Every blob whose key starts with `prefix` (an area, such as `posts/`), in no
        particular order."""
        ...


def _file_chunks(handle: BinaryIO, length: int) -> Iterator[bytes]:
    try:
        left = length
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                return
            left -= len(data)
            yield data
    finally:
        handle.close()


def check_key(key: str) -> str:
    """`key` if it is a well-formed blob key (lowercase path segments, no '..'), else BlobError."""
    if not _KEY.match(key) or ".." in key:
        raise BlobError(f"malformed blob key {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """`prefix` if it is a blob key's first segment and its slash (`posts/`), else BlobError."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*/", prefix):
        raise BlobError(f"malformed blob key prefix {prefix!r}")
    return prefix


def check_range(start: int, end_inclusive: int) -> None:
    """BlobRangeError unless 0 ≤ start ≤ end_inclusive (checked before any I/O)."""
    if start < 0 or end_inclusive < start:
        raise BlobRangeError(f"bad byte range {start}-{end_inclusive}")


def span(key: str, start: int, end_inclusive: int | None, size: int) -> tuple[int, int]:
    """(first, last) of what `open(key, start, end_inclusive)` reads from `size` bytes."""
    if start == 0 and end_inclusive is None:
        return 0, size - 1  # the whole blob, even an empty one
    return clamp_range(key, start, size - 1 if end_inclusive is None else end_inclusive, size)


def clamp_range(key: str, start: int, end_inclusive: int, size: int) -> tuple[int, int]:
    """The range within a blob of `size` bytes: the end clamped; BlobRangeError if unsatisfiable."""
    check_range(start, end_inclusive)
    if start >= size:
        raise BlobRangeError(f"byte {start} is past the end of blob {key!r} ({size} bytes)")
    return start, min(end_inclusive, size - 1)


# A key that names a directory (`clips/a` when `clips/a/b` exists) or passes through a
# file is as missing as one that names nothing.
_MISSING = (FileNotFoundError, IsADirectoryError, NotADirectoryError)


class FilesystemBlobStore:
    """Blobs as files under one directory; writes go through a temporary file and rename."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` atomically (readers see the old or the new blob)."""
        self.put_file(key, io.BytesIO(data))

    def put_file(self, key: str, source: BinaryIO) -> int:
        """Store what remains in `source` under `key`, copied in chunks, atomically."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                shutil.copyfileobj(source, handle, CHUNK)
                written = handle.tell()
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return written

    def get(self, key: str) -> bytes:
        """The blob under `key`; BlobNotFound if there is none."""
        try:
            return self._path(key).read_bytes()
        except _MISSING as exc:
            raise BlobNotFound(f"no blob {key!r}") from exc

    def open(self, key: str, start: int = 0, end_inclusive: int | None = None) -> BlobReader:
        """The blob (or a range of it) to be read in chunks from an open file; a blob
        replaced meanwhile does not change what this reader hands out (the rename leaves
        the open file as it was)."""
        path = self._path(key)
        try:
            handle = path.open("rb")
        except _MISSING as exc:
            raise BlobNotFound(f"no blob {key!r}") from exc
        try:
            size = os.fstat(handle.fileno()).st_size
            first, last = span(key, start, end_inclusive, size)
            handle.seek(first)
        except BaseException:
            handle.close()
            raise
        return BlobReader(size, first, last, _file_chunks(handle, last - first + 1), handle.close)

    def delete(self, key: str) -> None:
        """Remove the blob under `key`, if any."""
        path = self._path(key)
        with contextlib.suppress(IsADirectoryError, NotADirectoryError):
            path.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        """The length in bytes of the blob under `key`; BlobNotFound if there is none."""
        path = self._path(key)
        if not path.is_file():
            raise BlobNotFound(f"no blob {key!r}")
        return path.stat().st_size

    def get_range(self, key: str, start: int, end_inclusive: int) -> bytes:
        """Bytes `start`..`end_inclusive` of the blob under `key` (the end is clamped)."""
        check_range(start, end_inclusive)
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                first, last = clamp_range(key, start, end_inclusive, size)
                handle.seek(first)
                return handle.read(last - first + 1)
        except _MISSING as exc:
            raise BlobNotFound(f"no blob {key!r}") from exc

    def list(self, prefix: str) -> Iterator[BlobInfo]:
        """Every blob under `prefix`; half-written temporary files are not blobs."""
        top = self.root / check_prefix(prefix)
        for folder, _, names in os.walk(top):
            for name in names:
                path = Path(folder) / name
                key = path.relative_to(self.root).as_posix()
                if not _KEY.match(key):  # `.tmp-…` files of a write in progress
                    continue
                try:
                    stat = path.stat()
                except FileNotFoundError:  # deleted while listing
                    continue
                yield BlobInfo(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))
