"""What other areas may read about releases: totals per request, never per home."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


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
    """The releases of each request (absent: none yet). Filled in by the evidence area."""
    return {}


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


def releases_of(db: Session, request_id: uuid.UUID) -> list[ReleaseView]:
    """A request's releases, oldest first. Filled in by the evidence area."""
    return []
