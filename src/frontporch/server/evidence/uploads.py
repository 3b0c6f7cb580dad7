"""Clip uploads: each clip's ciphertext arrives in resumable chunks and is kept only once
it is whole and matches its manifest.

The blob store writes whole blobs (`put_file`) and cannot append, so a clip in progress
is spooled to `data_dir/spool/releases/<release>/<file>.part`, one file per clip, while
`release_clips.received` says how many of its bytes are durably held. A chunk
(`PUT …/clips/{file}` with `Upload-Offset: N`) is streamed from the request body to the
end of that file, never held whole in memory, and counts only once written and synced;
then `received` moves on. When the last byte is in, the file's SHA-256 is compared with
the manifest's: a mismatch discards the partial (received back to 0, 422: upload it
again); a match copies the file into the blob store (`releases/<release>/<file>`), marks
the clip complete and removes the spool file. The release is complete when every clip is.

Hazards this module decides:
- Two uploads of one clip at once: the spool file is locked (`flock`, not waiting) for
  the whole chunk, and `received` is re-read under the lock; the second gets 409.
- A process that died mid-chunk leaves bytes past `received`: they are cut off before
  the next chunk is appended (the hub resends from `received`). A spool file shorter
  than `received` (the spool was lost) sets `received` back to what is there.
- Past the manifest's size, or past `MAX_UPLOAD_CHUNK`: 413, and the bytes of this
  chunk are cut off again, so nothing beyond the declared size is ever stored.
- A full disk: the chunk is cut off, 507, and everything held before stays.
- Hashing: the SHA-256 runs over the chunks as they arrive and is kept between chunks
  (per process, bounded); a chunk arriving at another process, or after a restart,
  makes the last step hash the spool file again instead (one sequential read).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frontporch.crypto.keys import key_id
from frontporch.protocol import MAX_UPLOAD_CHUNK
from frontporch.server.blobs import CHUNK, BlobError
from frontporch.server.context import ServerContext
from frontporch.server.evidence.errors import (
    ChunkTooLarge,
    CiphertextDeleted,
    ClipNotFound,
    OffsetMismatch,
    ReleaseNotFound,
    StorageFull,
    StorageUnavailable,
    UploadBusy,
    UploadHashMismatch,
)
from frontporch.server.evidence.repository import ReleaseRepository
from frontporch.server.evidence.service import ClipState, clip_blob_key
from frontporch.server.hubs.auth import HubSubject

log = logging.getLogger(__name__)

SPOOL_DIR = Path("spool") / "releases"
NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
HASHES_KEPT = 1024


class UploadHashes:
    """SHA-256 states of clips in progress, by spool file and the bytes they cover.

    Bounded (the least recently used are forgotten: their clip is hashed from the file
    when it completes) and thread-safe: chunks are written from worker threads."""

    def __init__(self, kept: int = HASHES_KEPT) -> None:
        self._kept = kept
        self._states: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, path: Path, offset: int) -> Any | None:
        """The state covering exactly the first `offset` bytes (a new one at 0), or None."""
        with self._lock:
            found = self._states.pop(str(path), None)
        if offset == 0:
            return hashlib.sha256()
        if found is None or found[0] != offset:
            return None
        return found[1]

    def keep(self, path: Path, covered: int, state: Any) -> None:
        """Remember `state`, which covers the first `covered` bytes of the file."""
        with self._lock:
            self._states[str(path)] = (covered, state)
            self._states.move_to_end(str(path))
            while len(self._states) > self._kept:
                self._states.popitem(last=False)

    def forget(self, path: Path) -> None:
        """Drop the state of a clip that completed or was discarded."""
        with self._lock:
            self._states.pop(str(path), None)


@dataclass
class ClipUpload:
    """One chunk being received: the locked spool file and where the chunk began."""

    context: ServerContext
    hashes: UploadHashes
    release_id: uuid.UUID
    file: str
    size: int
    sha256: str
    offset: int
    path: Path
    fd: int
    hasher: Any | None
    written: int = 0
    closed: bool = field(default=False)

    @property
    def limit(self) -> int:
        """How many bytes this chunk may hold: to the clip's end, at most one chunk."""
        return min(self.size - self.offset, MAX_UPLOAD_CHUNK)

    def write(self, data: bytes) -> None:
        """Append `data`; 413 past the clip's size or the chunk limit, 507 on a full disk
        (either way this chunk's bytes are cut off again)."""
        if self.written + len(data) > self.limit:
            self.abort()
            past_size = self.offset + self.written + len(data) > self.size
            raise ChunkTooLarge(
                f"the clip is {self.size} bytes and the server holds {self.offset}; this "
                f"chunk would go past its end. Send at most {self.size - self.offset} bytes."
                if past_size
                else f"a chunk is at most {MAX_UPLOAD_CHUNK} bytes; send the rest in "
                "further chunks."
            )
        view = memoryview(data)
        try:
            while view:
                done = os.write(self.fd, view)
                view = view[done:]
        except OSError as exc:
            self.abort()
            if exc.errno in NO_ROOM:
                log.error("no room to spool a release clip (%s): %s", self.path, exc.strerror)
                raise StorageFull() from None
            raise
        if self.hasher is not None:
            self.hasher.update(data)
        self.written += len(data)

    def abort(self) -> None:
        """Cut this chunk's bytes off again and release the file."""
        if self.closed:
            return
        try:
            os.ftruncate(self.fd, self.offset)
        except OSError:
            log.warning("could not cut an aborted chunk off %s", self.path, exc_info=True)
        self._close()
        self.hashes.forget(self.path)

    def keep(self) -> ClipState:
        """Record the bytes written so far (a chunk cut short by the client still counts)
        and release the file."""
        try:
            return self._record()
        finally:
            self._close()

    def _record(self) -> ClipState:
        if self.closed:
            raise RuntimeError("the upload was already closed")
        try:
            os.fsync(self.fd)
        except OSError:
            self.abort()
            raise StorageFull() from None
        received = self.offset + self.written
        try:
            _set_received(self.context, self.release_id, self.file, received)
        except BaseException:
            self.abort()
            raise
        if self.hasher is not None:
            self.hashes.keep(self.path, received, self.hasher)
        return ClipState(self.file, self.size, received, False)

    def finish(self) -> ClipState:
        """End the chunk: record it, and if the clip is whole, check and store it (still
        holding the file's lock, so a second upload cannot race the last step)."""
        if self.offset + self.written < self.size:
            return self.keep()
        try:
            return self._complete()
        finally:
            self._close()

    def _complete(self) -> ClipState:
        hasher = self.hasher
        state = self._record()  # durable first: a failure below loses nothing received
        if hasher is None:
            hasher = _hash_file(self.path)
        if hasher.hexdigest() != self.sha256:
            self.path.unlink(missing_ok=True)
            self.hashes.forget(self.path)
            _set_received(self.context, self.release_id, self.file, 0)
            raise UploadHashMismatch()
        key = clip_blob_key(self.release_id, self.file)
        try:
            with self.path.open("rb") as source:
                self.context.blobs.put_file(key, source)
        except OSError as exc:
            if exc.errno in NO_ROOM:
                log.error("no room in the blob store for a release clip: %s", exc.strerror)
                raise StorageFull() from None
            raise
        except BlobError:
            log.exception("could not store a complete release clip")
            raise StorageUnavailable() from None
        _mark_complete(self.context, self.release_id, self.file, key)
        self.path.unlink(missing_ok=True)
        self.hashes.forget(self.path)
        return ClipState(state.file, state.size, state.size, True)

    def _close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)  # closing releases the lock


def spool_path(context: ServerContext, release_id: uuid.UUID, file: str) -> Path:
    """Where a clip in progress is spooled (its name is checked against the manifest)."""
    return context.settings.data_dir / SPOOL_DIR / str(release_id) / f"{file}.part"


def begin_upload(
    context: ServerContext,
    hashes: UploadHashes,
    hub: HubSubject,
    release_id: uuid.UUID,
    file: str,
    offset: int,
    length: int | None,
) -> ClipUpload | ClipState:
    """Lock the clip's spool file and check the chunk against what is held; the upload
    to write to, or (the clip already complete and nothing sent) its state."""
    _find_clip(context, hub, release_id, file)
    path = spool_path(context, release_id, file)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        if exc.errno in NO_ROOM:
            raise StorageFull() from None
        raise
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy() from None
        size, sha256, received, complete = _locked_state(context, release_id, file, fd)
        if complete:
            if offset == size and not length:
                os.close(fd)
                return ClipState(file, size, size, True)
            raise OffsetMismatch(size)
        if offset != received:
            raise OffsetMismatch(received)
        if length is not None and offset + length > size:
            raise ChunkTooLarge(
                f"the clip is {size} bytes and the server holds {received}; this chunk would "
                f"go past its end. Send at most {size - received} bytes."
            )
        os.ftruncate(fd, received)  # bytes of a chunk that never completed
        os.lseek(fd, received, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return ClipUpload(
        context, hashes, release_id, file, size, sha256, offset, path, fd, hashes.take(path, offset)
    )


def _find_clip(context: ServerContext, hub: HubSubject, release_id: uuid.UUID, file: str) -> None:
    with context.sessions.begin() as db:
        repository = ReleaseRepository(db)
        row = repository.hub(hub.hub_id)
        release = repository.release_of_hub(release_id, key_id(row.public_key)) if row else None
        if release is None:
            raise ReleaseNotFound()
        if release.deleted_at is not None:
            raise CiphertextDeleted()
        if repository.clip(release_id, file) is None:
            raise ClipNotFound()


def _locked_state(
    context: ServerContext, release_id: uuid.UUID, file: str, fd: int
) -> tuple[int, str, int, bool]:
    """The clip's size, hash, held bytes and completeness, read under the file lock;
    `received` is lowered to what the spool file really holds."""
    on_disk = os.fstat(fd).st_size
    with context.sessions.begin() as db:
        clip = ReleaseRepository(db).clip(release_id, file, for_update=True)
        if clip is None:
            raise ClipNotFound()
        if not clip.complete and clip.received > on_disk:
            log.warning(
                "the spool of a release clip holds less than recorded; resuming from %d", on_disk
            )
            clip.received = on_disk
        return clip.size, clip.ciphertext_sha256, clip.received, clip.complete


def _set_received(context: ServerContext, release_id: uuid.UUID, file: str, received: int) -> None:
    with context.sessions.begin() as db:
        clip = ReleaseRepository(db).clip(release_id, file, for_update=True)
        if clip is None:
            raise ClipNotFound()
        clip.received = received


def _mark_complete(context: ServerContext, release_id: uuid.UUID, file: str, key: str) -> None:
    with context.sessions.begin() as db:
        repository = ReleaseRepository(db)
        clip = repository.clip(release_id, file, for_update=True)
        release = repository.get(release_id)
        if clip is None or release is None:
            raise ClipNotFound()
        clip.received = clip.size
        clip.complete = True
        clip.blob_key = key
        db.flush()
        if repository.incomplete_clips(release_id) == 0 and release.complete_at is None:
            release.complete_at = context.clock()


def _hash_file(path: Path) -> Any:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while data := handle.read(CHUNK):
            hasher.update(data)
    return hasher
