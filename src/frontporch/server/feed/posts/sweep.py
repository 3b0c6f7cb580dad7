"""Media blobs that no post refers to: found and removed (`frontporch server sweep-blobs`).

A post's media (and a clip's poster frame) is written before its row commits
(posts/uploads.py) and removed after its deletion commits (posts/service.py,
feed/cleanup.py), so that a large write never holds the database's write lock and no row
ever points at a missing blob. The price is that a crash between the two steps leaves a
blob behind that nothing refers to. The sweep lists the store's `posts/` blobs, asks the
database which of them posts still name, and removes the others — only those older than
a grace period, so that an upload whose row is about to commit keeps its blob.

Safe to run while the server serves, from any process with the server's settings.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from frontporch.server.blobs import BlobInfo, BlobStore
from frontporch.server.feed.posts.repository import PostRepository

log = logging.getLogger(__name__)

MEDIA_PREFIX = "posts/"
DEFAULT_GRACE = timedelta(hours=1)
BATCH = 500  # keys asked about in one query


@dataclass
class SweepReport:
    """What a sweep found: blobs posts refer to, blobs left for being recent, and the
    orphans removed (or, in a dry run, that would be)."""

    referenced: int = 0
    recent: int = 0
    orphans: list[BlobInfo] = field(default_factory=list)

    @property
    def orphan_bytes(self) -> int:
        """The orphans' total size."""
        return sum(blob.size for blob in self.orphans)


def sweep_media(
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    dry_run: bool = False,
) -> SweepReport:
    """Remove the `posts/` blobs no post names that are older than `grace` (none if
    `dry_run`); what was found. BlobError if the store cannot be listed."""
    report = SweepReport()
    for batch in _batches(blobs.list(MEDIA_PREFIX), BATCH):
        named = _referenced(sessions, [blob.key for blob in batch])
        for blob in batch:
            if blob.key in named:
                report.referenced += 1
            elif now - blob.modified < grace:
                report.recent += 1
            else:
                report.orphans.append(blob)
    if not dry_run:
        for batch in _batches(report.orphans, BATCH):
            # Asked again just before removing: a post may name one since the listing.
            named = _referenced(sessions, [blob.key for blob in batch])
            for blob in batch:
                if blob.key not in named:
                    blobs.delete(blob.key)
                    log.info(
                        "removed media blob %s (%d bytes): no post names it", blob.key, blob.size
                    )
    return report


def _referenced(sessions: sessionmaker[Session], keys: Sequence[str]) -> set[str]:
    with sessions() as db:
        return PostRepository(db).blob_keys_named(keys)


def _batches(blobs: Iterable[BlobInfo], size: int) -> Iterator[list[BlobInfo]]:
    batch: list[BlobInfo] = []
    for blob in blobs:
        batch.append(blob)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def describe(report: SweepReport, dry_run: bool) -> str:
    """The report in a sentence for the operator."""
    verb = "would remove" if dry_run else "removed"
    return (
        f"{verb} {len(report.orphans)} media blob(s) no post refers to "
        f"({report.orphan_bytes / 1e6:.1f} MB); {report.referenced} in use; {report.recent} "
        "unreferenced but too recent to remove (an upload may be committing)"
    )
