"""Tables of the backups area (migration 0015).

`backup_objects` records each object a home's hub stored: (home, key) → size and when.
The key is the hub's opaque name (32 hex digits); the bytes live in the blob store at
`backups/<home id>/<key>`. `backup_homes` holds, per home that has used backups or been
given a quota, the operator's quota (None: the server's default) and since when the home
has had no paired hub (its objects are deleted once that lasts past the grace period);
its row is also what an upload locks to check the quota. `backup_uploads` reserves the
bytes of uploads in flight, so two at once cannot both fit into the same room.

No column here is a foreign key to `homes`: the rows must outlive a deleted home, since
they are what says which blobs to delete, and the blobs go before the rows
(`service.forget_home`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime


class BackupObject(Base):
    """One stored object of a home: its opaque key and size."""

    __tablename__ = "backup_objects"

    home_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BackupHome(Base):
    """A home's backup settings and state: its quota and since when it has no hub."""

    __tablename__ = "backup_homes"

    home_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Bytes the home may store; None: the server's default (settings).
    quota_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    quota_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the sweep first found the home with objects and no paired hub.
    hubless_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BackupUpload(Base):
    """Bytes reserved by an upload in flight (deleted when it ends; stale ones expire)."""

    __tablename__ = "backup_uploads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    home_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
