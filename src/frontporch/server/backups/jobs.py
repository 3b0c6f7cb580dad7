"""The backups area's background jobs: `service.sweep` every 15 minutes (homes gone,
homes without a hub past the grace period, stale reservations) and, once a day,
`service.sweep_unrecorded` (blobs no row records; it lists every backup blob)."""

from __future__ import annotations

from frontporch.server.backups.service import sweep, sweep_unrecorded
from frontporch.server.context import ServerContext
from frontporch.server.periodic import PeriodicJob

SWEEP_INTERVAL_S = 900.0
UNRECORDED_INTERVAL_S = 86400.0


def sweep_job(context: ServerContext) -> PeriodicJob:
    """The app's backup sweep (not yet started)."""
    return PeriodicJob("backup-sweep", SWEEP_INTERVAL_S, lambda: sweep(context))


def unrecorded_job(context: ServerContext) -> PeriodicJob:
    """The app's daily sweep of backup blobs that no row records (not yet started)."""
    return PeriodicJob(
        "backup-unrecorded-sweep", UNRECORDED_INTERVAL_S, lambda: sweep_unrecorded(context)
    )
