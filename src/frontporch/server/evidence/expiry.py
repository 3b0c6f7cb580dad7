"""Deletion after the download window: a release's ciphertext is kept for the agency's
download window (the operator's request policy, 30 days by default), counted from when
its last clip arrived (from when it was logged, for an upload never finished), and then
deleted. The release row, its manifest and its log entry stay, with `deleted_at` set: the
request's page and the evidence package still show the release, as deleted.

`delete_expired_ciphertext` is the one action, run by a background job every hour; it
removes the blobs and spooled partials before it marks the rows, so a failure leaves
rows to retry, never blobs that no row points at. Running it twice at once is safe.
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from frontporch.server.context import ServerContext
from frontporch.server.evidence.repository import ReleaseRepository
from frontporch.server.evidence.uploads import SPOOL_DIR
from frontporch.server.periodic import PeriodicJob
from frontporch.server.requests.models import RequestPolicyRow
from frontporch.server.settings import ServerSettings

log = logging.getLogger(__name__)

DELETION_INTERVAL_S = 3600.0
BATCH = 100
POLICY_ROW_ID = 1


def download_window(db: Session, settings: ServerSettings) -> timedelta:
    """How long an agency can download a release: the operator's request policy if one
    was set, else the `evidence_download_days` setting."""
    row = None
    if inspect(db.connection()).has_table(RequestPolicyRow.__tablename__):
        row = db.get(RequestPolicyRow, POLICY_ROW_ID)
    days = row.download_window_days if row is not None else settings.evidence_download_days
    return timedelta(days=days)


def delete_expired_ciphertext(context: ServerContext) -> int:
    """Delete the ciphertext of every release past its download window; how many."""
    deleted = 0
    while True:
        with context.sessions.begin() as db:
            repository = ReleaseRepository(db)
            cutoff = context.clock() - download_window(db, context.settings)
            due = [
                (release.id, [clip.blob_key for clip in repository.clips(release.id)])
                for release in repository.past_window(cutoff, BATCH)
            ]
        if not due:
            return deleted
        for release_id, keys in due:
            for key in keys:
                if key is not None:
                    context.blobs.delete(key)
            shutil.rmtree(context.settings.data_dir / SPOOL_DIR / str(release_id), True)
            with context.sessions.begin() as db:
                repository = ReleaseRepository(db)
                release = repository.get(release_id)
                if release is None or release.deleted_at is not None:
                    continue
                release.deleted_at = context.clock()
                for clip in repository.clips(release_id):
                    clip.blob_key = None
            deleted += 1
            log.info("deleted the ciphertext of release %s after its download window", release_id)


def deletion_job(context: ServerContext) -> PeriodicJob:
    """The app's job deleting ciphertext past the download window (not yet started)."""
    return PeriodicJob(
        "evidence-deletion", DELETION_INTERVAL_S, lambda: delete_expired_ciphertext(context)
    )
