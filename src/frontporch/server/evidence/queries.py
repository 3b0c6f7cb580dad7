"""What other areas may read about releases: totals per request, never per home.

A release is shown by its hub's key fingerprint (as the public log shows it), its clip
count, sizes and times; nothing here reaches a home, a cell or an owner.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from frontporch.server.evidence.repository import ReleaseRepository


@dataclass(frozen=True)
class ReleaseSummary:
    """A request's releases in aggregate, as its agency may see them."""

    releases: int = 0
    clips: int = 0
    ciphertext_bytes: int = 0
    deleted: bool = False  # the ciphertext was deleted after the download window


def release_summary(
    db: Session, request_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ReleaseSummary]:
    """The releases of each request (absent: none yet). `deleted` once the ciphertext of
    every release of the request was deleted after the download window."""
    grouped: dict[uuid.UUID, list[tuple[int, int, bool]]] = {}
    for release in ReleaseRepository(db).of_requests(request_ids):
        grouped.setdefault(release.request_id, []).append(
            (release.clips, release.ciphertext_bytes, release.deleted_at is not None)
        )
    return {
        request_id: ReleaseSummary(
            releases=len(rows),
            clips=sum(clips for clips, _, _ in rows),
            ciphertext_bytes=sum(size for _, size, _ in rows),
            deleted=all(deleted for _, _, deleted in rows),
        )
        for request_id, rows in grouped.items()
    }


@dataclass(frozen=True)
class ReleaseView:
    """One release as the requesting agency sees it: by hub fingerprint, never by home."""

    release: uuid.UUID
    hub_fingerprint: str
    log_index: int
    clips: int
    ciphertext_bytes: int
    released_at: datetime
    complete: bool  # every clip uploaded and checked
    deleted_at: datetime | None  # ciphertext deleted after the download window


def hub_fingerprint(hub_key_id: str) -> str:
    """A hub's key id in 16 groups of four hex digits (`crypto.keys.fingerprint`)."""
    return " ".join(hub_key_id[i : i + 4] for i in range(0, len(hub_key_id), 4))


def releases_of(db: Session, request_id: uuid.UUID) -> list[ReleaseView]:
    """A request's releases, oldest first."""
    return [
        ReleaseView(
            release=release.id,
            hub_fingerprint=hub_fingerprint(release.hub_key_id),
            log_index=release.log_index,
            clips=release.clips,
            ciphertext_bytes=release.ciphertext_bytes,
            released_at=release.created_at,
            complete=release.complete_at is not None,
            deleted_at=release.deleted_at,
        )
        for release in ReleaseRepository(db).of_requests([request_id])
    ]
