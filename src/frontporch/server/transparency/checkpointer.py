"""The checkpointer: a background job that signs a checkpoint whenever the log grew.

Every `log_checkpoint_interval_s` (2 s by default) it opens a session, runs
`LogService.checkpoint_now` and commits: a tree that grew since the last checkpoint
gets a new one, a quiet log costs two indexed reads. It starts with the app (its
lifespan) and signs the current tree at once, so a fresh server publishes a checkpoint
of its empty log within moments. Several server processes each run one; the
checkpoints table keeps one per size, so they never disagree. A failure (the database
away for a moment) is logged and retried at the next tick (`server/periodic.py`); a
damaged log (`StorageDamaged`) is logged as an error and nothing is signed.
"""

from __future__ import annotations

import logging

from frontporch.server.context import ServerContext
from frontporch.server.periodic import PeriodicJob
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService

log = logging.getLogger(__name__)


def sign_if_grown(context: ServerContext, keys: LogKeys) -> int | None:
    """Sign the current tree if it has no checkpoint yet; the size signed, or None."""
    with context.sessions.begin() as db:
        service = LogService(db, keys, context.clock)
        checkpoint, new = service.checkpoint_now()
        size = checkpoint.size
    if new:
        log.info("signed a checkpoint of the transparency log at size %d", size)
    return size if new else None


def checkpointer(context: ServerContext, keys: LogKeys) -> PeriodicJob:
    """The app's checkpointer job (not yet started)."""
    return PeriodicJob(
        "log-checkpointer",
        context.settings.log_checkpoint_interval_s,
        lambda: sign_if_grown(context, keys),
    )
