"""Tables of the evidence area (releases and their clips' uploads): see migration 0011.

`releases` holds each release manifest a paired hub signed, keyed by the release id the
hub chose, with the log index of its `release` entry (written in the same transaction
as the row, so no release exists that the log does not show). The hub is linked for
checking later uploads; the link goes when the hub is unpaired (SET NULL) while
`hub_key_id` (key_id of the hub's public key, as logged) stays. No column names a home:
the agency must never learn which homes released.

`release_clips` tracks each clip's ciphertext upload: the manifest's size and SHA-256,
the bytes received so far and, once complete and checked, the blob key. After the
agency's download window the blobs are deleted and `releases.deleted_at` is set.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime


class Release(Base):
    """A hub's signed release manifest for a request, as logged."""

    __tablename__ = "releases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("footage_requests.id", ondelete="CASCADE"), index=True
    )
    hub_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("hubs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    hub_key_id: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[str] = mapped_column(String(128))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    clips: Mapped[int] = mapped_column(Integer)
    ciphertext_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    complete_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReleaseClip(Base):
    """One clip of a release: its declared ciphertext and how much of it has arrived."""

    __tablename__ = "release_clips"

    release_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    file: Mapped[str] = mapped_column(String(32), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    ciphertext_sha256: Mapped[str] = mapped_column(String(64))
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    blob_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
