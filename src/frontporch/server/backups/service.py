"""Every backup action, one function each: the hub API, the operator's page and API, and
the background sweep call these and nothing else.

Objects live in the blob store at `backups/<home id>/<key>`; a row in `backup_objects`
exists only for a blob that was written whole. Storing an object takes three short
steps, none holding a transaction while bytes move: (1) lock the home's row, check the
quota against what the home stores plus the uploads in flight, and reserve the bytes;
(2) write the blob; (3) record the object and end the reservation. A process that dies
between (1) and (3) leaves a reservation that expires (`UPLOAD_STALE`) and maybe a blob
without a row, which the sweep deletes once it is older than that.

Deleting removes the blob before the row, so a failure leaves a row to retry with, never
a blob nobody knows of. A home's objects are deleted when the home is gone (at the next
sweep) and when it has had no paired hub for the grace period (setting
`backup_hubless_keep_days`, default 30): not at once on unpairing, because revoking a
stolen hub and pairing a new one to restore from these very objects is what they are for.

Nothing here logs an object key: home ids, counts and sizes only.
"""

from __future__ import annotations

import errno
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from sqlalchemy.orm import Session

from frontporch.server.backups.errors import (
    BackupsOff,
    BadObjectKey,
    BadQuota,
    HomeNotFound,
    ObjectNotFound,
    ObjectTooLarge,
    QuotaFull,
    StorageFull,
    StorageUnavailable,
)
from frontporch.server.backups.models import BackupHome, BackupObject
from frontporch.server.backups.quota import MAX_OBJECT_BYTES, Room, is_key
from frontporch.server.backups.repository import BackupRepository
from frontporch.server.blobs import BlobError, BlobNotFound, BlobReader, check_prefix
from frontporch.server.context import ServerContext
from frontporch.server.settings import ServerSettings

log = logging.getLogger(__name__)

BLOB_AREA = "backups/"
UPLOAD_STALE = timedelta(minutes=15)
LIST_LIMIT = 1000
BATCH = 500
NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
MAX_QUOTA_BYTES = 10**18  # a BIGINT holds it, and no disk is that large


def blob_key(home_id: uuid.UUID, key: str) -> str:
    """Where a home's object is kept in the blob store."""
    return f"{BLOB_AREA}{home_id}/{key}"


def default_quota(settings: ServerSettings) -> int:
    """Bytes a home may store unless the operator set its own quota."""
    return settings.backup_quota_bytes


def hubless_grace(settings: ServerSettings) -> timedelta:
    """How long a home's objects are kept once it has no paired hub."""
    return timedelta(days=settings.backup_hubless_keep_days)


def limit_of(row: BackupHome | None, settings: ServerSettings) -> int:
    """A home's limit: the operator's quota if set, else the default."""
    if row is None or row.quota_bytes is None:
        return default_quota(settings)
    return row.quota_bytes


def checked_key(key: str) -> str:
    """`key` if it is 32 lowercase hex digits, else BadObjectKey (422)."""
    if not is_key(key):
        raise BadObjectKey()
    return key


@dataclass(frozen=True)
class Usage:
    """What a home stores against its limit."""

    home_id: uuid.UUID
    objects: int
    used_bytes: int
    limit_bytes: int
    custom: bool  # the operator set this home's quota (else the default applies)


class BackupService:
    """Reads for hubs and the operator's quota, in one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.backups = BackupRepository(db)

    def usage(self, home_id: uuid.UUID) -> Usage:
        """What the home stores and may store."""
        row = self.backups.home(home_id)
        objects, used = self.backups.stored(home_id)
        limit = limit_of(row, self.context.settings)
        custom = row is not None and row.quota_bytes is not None
        return Usage(home_id, objects, used, limit, custom)

    def objects(self, home_id: uuid.UUID, after: str, limit: int) -> list[BackupObject]:
        """A page of the home's objects in key order, after the key `after` ('' first)."""
        if after and not is_key(after):
            raise BadObjectKey()
        return self.backups.objects_of(home_id, after, max(1, min(limit, LIST_LIMIT)))

    def usages(self) -> tuple[int, list[Usage]]:
        """The default quota and every home that stores objects or has its own quota."""
        default = default_quota(self.context.settings)
        return default, [
            Usage(home, objects, used, default if quota is None else quota, quota is not None)
            for home, objects, used, quota in self.backups.usage()
        ]

    def set_quota(self, home_id: uuid.UUID, limit: int | None) -> Usage:
        """The operator sets a home's quota (None: back to the default; 0: backups off).
        Objects already stored stay; only new uploads are refused past the limit."""
        if limit is not None and not 0 <= limit <= MAX_QUOTA_BYTES:
            raise BadQuota(f"A quota is a whole number of bytes from 0 to {MAX_QUOTA_BYTES}.")
        if not self.backups.home_exists(home_id):
            raise HomeNotFound()
        row = self.backups.lock_home(home_id)
        row.quota_bytes = limit
        row.quota_set_at = self.context.clock()
        self.db.flush()
        log.info("backup quota of home %s set to %s by an operator", home_id, limit)
        return self.usage(home_id)


# -- one object: store, open, delete (each in short transactions of its own) -----------


def store_object(
    context: ServerContext, home_id: uuid.UUID, key: str, source: BinaryIO, size: int
) -> None:
    """Store `size` bytes from `source` as the home's object `key`, replacing any there.

    QuotaFull or BackupsOff (507) if it does not fit; StorageFull (507) or
    StorageUnavailable (503) if the blob store fails, leaving what was stored before."""
    checked_key(key)
    if size > MAX_OBJECT_BYTES:
        raise ObjectTooLarge()
    upload_id = _reserve(context, home_id, key, size)
    try:
        context.blobs.put_file(blob_key(home_id, key), source)
    except BaseException as exc:
        _end_reservation(context, upload_id)
        if isinstance(exc, OSError) and exc.errno in NO_ROOM:
            log.error("no room for a backup object of home %s (%d bytes)", home_id, size)
            raise StorageFull() from None
        if isinstance(exc, BlobError):
            log.error("blob store failed storing a backup object of home %s", home_id)
            raise StorageUnavailable() from None
        raise
    with context.sessions.begin() as db:
        backups = BackupRepository(db)
        backups.put_object(home_id, key, size, context.clock())
        backups.release(upload_id)


def _reserve(context: ServerContext, home_id: uuid.UUID, key: str, size: int) -> uuid.UUID:
    now = context.clock()
    with context.sessions.begin() as db:
        backups = BackupRepository(db)
        home = backups.lock_home(home_id)
        limit = limit_of(home, context.settings)
        if limit <= 0:
            raise BackupsOff()
        _, stored = backups.stored(home_id)
        existing = backups.object_of(home_id, key)
        room = Room(
            limit=limit,
            stored=stored,
            in_flight=backups.in_flight(home_id, now - UPLOAD_STALE),
            replaced=existing.size if existing is not None else 0,
        )
        if not room.fits(size):
            raise QuotaFull(limit, stored, size)
        home.hubless_since = None  # a paired hub is calling
        return backups.reserve(home_id, size, now)


def _end_reservation(context: ServerContext, upload_id: uuid.UUID) -> None:
    try:
        with context.sessions.begin() as db:
            BackupRepository(db).release(upload_id)
    except Exception:  # it expires anyway; the upload's own error matters more
        log.warning("could not end a backup upload's reservation", exc_info=True)


def open_object(context: ServerContext, home_id: uuid.UUID, key: str) -> BlobReader:
    """The home's object `key`, opened to be streamed; ObjectNotFound (404) if the home
    has none under that key."""
    checked_key(key)
    with context.sessions() as db:
        if BackupRepository(db).object_of(home_id, key) is None:
            raise ObjectNotFound()
    try:
        return context.blobs.open(blob_key(home_id, key))
    except BlobNotFound:
        raise ObjectNotFound() from None
    except BlobError:
        log.error("blob store failed opening a backup object of home %s", home_id)
        raise StorageUnavailable() from None


def delete_object(context: ServerContext, home_id: uuid.UUID, key: str) -> None:
    """Delete the home's object `key`, the blob before the row; nothing if there is none."""
    checked_key(key)
    try:
        context.blobs.delete(blob_key(home_id, key))
    except BlobError:
        log.error("blob store failed deleting a backup object of home %s", home_id)
        raise StorageUnavailable() from None
    with context.sessions.begin() as db:
        BackupRepository(db).delete_objects(home_id, [key])


# -- a home's objects all at once, and the sweep ------------------------------------------


def forget_objects(context: ServerContext, home_id: uuid.UUID) -> int:
    """Delete every object of the home, blobs before rows, in batches; how many.
    A blob store failure stops it (StorageUnavailable) with the rows of the blobs not
    deleted kept, for the next sweep to retry."""
    deleted = 0
    while True:
        with context.sessions() as db:
            keys = BackupRepository(db).keys_of(home_id, BATCH)
        if not keys:
            return deleted
        try:
            for key in keys:
                context.blobs.delete(blob_key(home_id, key))
        except BlobError:  # its message names the key: not logged
            log.error("blob store failed deleting backups of home %s; retried later", home_id)
            keys = keys[: keys.index(key)]
            _forget_rows(context, home_id, keys)
            raise StorageUnavailable() from None
        _forget_rows(context, home_id, keys)
        deleted += len(keys)


def _forget_rows(context: ServerContext, home_id: uuid.UUID, keys: list[str]) -> None:
    with context.sessions.begin() as db:
        BackupRepository(db).delete_objects(home_id, keys)


def forget_home(context: ServerContext, home_id: uuid.UUID) -> int:
    """Delete everything the backups area keeps of a home that is gone; objects deleted."""
    deleted = forget_objects(context, home_id)
    with context.sessions.begin() as db:
        BackupRepository(db).forget_home_rows(home_id)
    log.info("deleted %d backup objects of home %s, which no longer exists", deleted, home_id)
    return deleted


@dataclass(frozen=True)
class Swept:
    """What one sweep did."""

    homes_gone: int = 0
    homes_hubless: int = 0
    objects_deleted: int = 0


def sweep(context: ServerContext) -> Swept:
    """Delete the objects of homes that are gone and of homes without a paired hub for
    longer than the grace period; mark homes that just lost their last hub; drop stale
    reservations. Safe to run twice at once (deleting is idempotent)."""
    now = context.clock()
    grace = hubless_grace(context.settings)
    gone: list[uuid.UUID] = []
    hubless: list[uuid.UUID] = []
    with context.sessions.begin() as db:
        backups = BackupRepository(db)
        backups.delete_stale_uploads(now - UPLOAD_STALE)
        ids = backups.homes_with_backups()
        existing = backups.existing_homes(ids)
        with_hubs = backups.homes_with_hubs(ids)
        with_objects = set(backups.homes_with_objects())
        for home_id in ids:
            if home_id not in existing:
                gone.append(home_id)
                continue
            row = backups.home(home_id)
            if home_id in with_hubs or home_id not in with_objects:
                if row is not None and row.hubless_since is not None:
                    row.hubless_since = None
                continue
            row = row or backups.lock_home(home_id)
            if row.hubless_since is None:
                row.hubless_since = now
                log.info("home %s has backups and no paired hub: kept for %s", home_id, grace)
            if now - row.hubless_since >= grace:
                hubless.append(home_id)
    deleted = sum(forget_home(context, home_id) for home_id in gone)
    for home_id in hubless:
        count = forget_objects(context, home_id)
        deleted += count
        with context.sessions.begin() as db:
            row = BackupRepository(db).home(home_id)
            if row is not None:
                row.hubless_since = None
        log.info(
            "deleted %d backup objects of home %s: no paired hub since the grace period began",
            count,
            home_id,
        )
    return Swept(len(gone), len(hubless), deleted)


def sweep_unrecorded(context: ServerContext) -> int:
    """Delete blobs under `backups/` that no row records (left by a process that died
    between writing a blob and recording it), once older than `UPLOAD_STALE`; how many.
    It lists every backup blob, so it runs daily, not with every sweep."""
    cutoff = context.clock() - UPLOAD_STALE
    by_home: dict[uuid.UUID, list[str]] = {}
    for info in context.blobs.list(check_prefix(BLOB_AREA)):
        parts = info.key.split("/")
        if info.modified >= cutoff or len(parts) != 3 or not is_key(parts[2]):
            continue
        try:
            by_home.setdefault(uuid.UUID(parts[1]), []).append(parts[2])
        except ValueError:
            continue
    deleted = 0
    for home_id, keys in by_home.items():
        for start in range(0, len(keys), BATCH):
            batch = keys[start : start + BATCH]
            with context.sessions() as db:
                recorded = BackupRepository(db).recorded(home_id, batch)
            try:
                for key in batch:
                    if key not in recorded:
                        context.blobs.delete(blob_key(home_id, key))
                        deleted += 1
            except BlobError:  # its message names the key: not logged
                log.error("blob store failed deleting unrecorded backup blobs; retried later")
                return deleted
    if deleted:
        log.info("deleted %d backup blobs that no object row recorded", deleted)
    return deleted
