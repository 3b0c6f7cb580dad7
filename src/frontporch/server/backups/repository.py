"""All SQL of the backups area.

Every read for a hub takes the home the calling hub serves (`HubSubject.home_id`), so
no query can reach another home's objects. `lock_home` is how an upload serialises with
the other uploads of its home: the home's row is created if missing and locked (FOR
UPDATE on PostgreSQL; on SQLite the insert already takes the database's write lock).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from frontporch.server.backups.models import BackupHome, BackupObject, BackupUpload
from frontporch.server.homes.models import Home
from frontporch.server.hubs.models import Hub
from frontporch.server.kit.repository import Repository


class BackupRepository(Repository[BackupObject]):
    """Backup objects, homes' quotas and uploads in flight, in the caller's session."""

    # -- a home's objects ---------------------------------------------------------------

    def object_of(self, home_id: uuid.UUID, key: str) -> BackupObject | None:
        """The home's object under `key`, or None."""
        return self.db.get(BackupObject, (home_id, key))

    def objects_of(self, home_id: uuid.UUID, after: str, limit: int) -> list[BackupObject]:
        """The home's objects with keys above `after`, in key order, at most `limit`."""
        return list(
            self.db.scalars(
                select(BackupObject)
                .where(BackupObject.home_id == home_id, BackupObject.key > after)
                .order_by(BackupObject.key)
                .limit(limit)
            )
        )

    def recorded(self, home_id: uuid.UUID, keys: list[str]) -> set[str]:
        """Which of these keys the home has objects under."""
        if not keys:
            return set()
        return set(
            self.db.scalars(
                select(BackupObject.key).where(
                    BackupObject.home_id == home_id, BackupObject.key.in_(keys)
                )
            )
        )

    def keys_of(self, home_id: uuid.UUID, limit: int) -> list[str]:
        """Up to `limit` of the home's object keys (for deleting them all)."""
        return list(
            self.db.scalars(
                select(BackupObject.key).where(BackupObject.home_id == home_id).limit(limit)
            )
        )

    def stored(self, home_id: uuid.UUID) -> tuple[int, int]:
        """(objects, bytes) the home stores."""
        count, total = self.db.execute(
            select(func.count(), func.coalesce(func.sum(BackupObject.size), 0)).where(
                BackupObject.home_id == home_id
            )
        ).one()
        return int(count), int(total)

    def put_object(self, home_id: uuid.UUID, key: str, size: int, now: datetime) -> None:
        """Record the object under `key` (replacing what was recorded there)."""
        row = self.object_of(home_id, key)
        if row is None:
            self.add(BackupObject(home_id=home_id, key=key, size=size, stored_at=now))
        else:
            row.size = size
            row.stored_at = now

    def delete_objects(self, home_id: uuid.UUID, keys: list[str]) -> None:
        """Forget these objects of the home (their blobs are already gone)."""
        if keys:
            self.db.execute(
                delete(BackupObject).where(
                    BackupObject.home_id == home_id, BackupObject.key.in_(keys)
                )
            )

    # -- homes: quota, lock, hubless ----------------------------------------------------

    def home(self, home_id: uuid.UUID) -> BackupHome | None:
        """The home's backup row, or None if it never used backups nor got a quota."""
        return self.db.get(BackupHome, home_id)

    def lock_home(self, home_id: uuid.UUID) -> BackupHome:
        """The home's backup row, created if missing, locked until the transaction ends."""
        insert = pg_insert if self.db.get_bind().dialect.name == "postgresql" else sqlite_insert
        self.db.execute(
            insert(BackupHome)
            .values(home_id=home_id)
            .on_conflict_do_nothing(index_elements=["home_id"])
        )
        return self.db.scalars(
            select(BackupHome)
            .where(BackupHome.home_id == home_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()

    def usage(self) -> list[tuple[uuid.UUID, int, int, int | None]]:
        """(home, objects, bytes, quota or None) of every home with objects or a quota."""
        totals = (
            select(
                BackupObject.home_id.label("home_id"),
                func.count().label("objects"),
                func.sum(BackupObject.size).label("size"),
            )
            .group_by(BackupObject.home_id)
            .subquery()
        )
        stored = {
            row.home_id: (int(row.objects), int(row.size or 0))
            for row in self.db.execute(select(totals))
        }
        quotas = {
            row.home_id: row.quota_bytes
            for row in self.db.scalars(select(BackupHome))
            if row.quota_bytes is not None
        }
        homes = sorted(set(stored) | set(quotas), key=str)
        return [(h, *stored.get(h, (0, 0)), quotas.get(h)) for h in homes]

    def home_exists(self, home_id: uuid.UUID) -> bool:
        """Whether the home exists (the operator may set quotas only of real homes)."""
        return self.db.scalar(select(Home.id).where(Home.id == home_id)) is not None

    def homes_with_backups(self) -> list[uuid.UUID]:
        """Every home id that has objects, a backup row or an upload in flight."""
        ids: set[uuid.UUID] = set(self.db.scalars(select(BackupObject.home_id).distinct()))
        ids |= set(self.db.scalars(select(BackupHome.home_id)))
        ids |= set(self.db.scalars(select(BackupUpload.home_id).distinct()))
        return sorted(ids, key=str)

    def homes_with_objects(self) -> list[uuid.UUID]:
        """Every home id that has objects."""
        return list(self.db.scalars(select(BackupObject.home_id).distinct()))

    def existing_homes(self, home_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these homes still exist."""
        if not home_ids:
            return set()
        return set(self.db.scalars(select(Home.id).where(Home.id.in_(home_ids))))

    def homes_with_hubs(self, home_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these homes have a paired hub."""
        if not home_ids:
            return set()
        return set(self.db.scalars(select(Hub.home_id).where(Hub.home_id.in_(home_ids))))

    def forget_home_rows(self, home_id: uuid.UUID) -> None:
        """Delete the home's backup row and uploads in flight (its objects are gone)."""
        self.db.execute(delete(BackupUpload).where(BackupUpload.home_id == home_id))
        self.db.execute(delete(BackupHome).where(BackupHome.home_id == home_id))

    # -- uploads in flight --------------------------------------------------------------

    def in_flight(self, home_id: uuid.UUID, since: datetime) -> int:
        """Bytes reserved by the home's uploads started after `since`."""
        return int(
            self.db.scalar(
                select(func.coalesce(func.sum(BackupUpload.size), 0)).where(
                    BackupUpload.home_id == home_id, BackupUpload.started_at > since
                )
            )
            or 0
        )

    def reserve(self, home_id: uuid.UUID, size: int, now: datetime) -> uuid.UUID:
        """Reserve `size` bytes for an upload; the reservation's id."""
        upload = BackupUpload(id=uuid.uuid4(), home_id=home_id, size=size, started_at=now)
        self.db.add(upload)
        self.db.flush()
        return upload.id

    def release(self, upload_id: uuid.UUID) -> None:
        """End a reservation (its object was recorded, or the upload failed)."""
        self.db.execute(delete(BackupUpload).where(BackupUpload.id == upload_id))

    def delete_stale_uploads(self, before: datetime) -> int:
        """Drop reservations of uploads started before `before` (their process died)."""
        result = self.db.execute(delete(BackupUpload).where(BackupUpload.started_at < before))
        return int(getattr(result, "rowcount", 0) or 0)
