"""Where media (clips, snapshots, encrypted evidence) is kept: the BlobStore interface.

Keys are opaque, server-chosen names (`area/uuid`), never user input, and are checked
anyway so that no key can reach outside the store's directory. The filesystem store is
the default; an S3-compatible store implements the same protocol for larger servers.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_.-]*)+$")


class BlobError(Exception):
    """A blob is missing or its key is malformed."""


class BlobStore(Protocol):
    """Stores and returns whole blobs by key."""

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing any blob there, atomically."""
        ...

    def get(self, key: str) -> bytes:
        """The blob under `key`; BlobError if there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the blob under `key`; nothing happens if there is none."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        ...


def check_key(key: str) -> str:
    """`key` if it is a well-formed blob key (lowercase path segments, no '..'), else BlobError."""
    if not _KEY.match(key) or ".." in key:
        raise BlobError(f"malformed blob key {key!r}")
    return key


class FilesystemBlobStore:
    """Blobs as files under one directory; writes go through a temporary file and rename."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` atomically (readers see the old or the new blob)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """The blob under `key`; BlobError if there is none."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobError(f"no blob {key!r}") from exc

    def delete(self, key: str) -> None:
        """Remove the blob under `key`, if any."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        return self._path(key).is_file()
