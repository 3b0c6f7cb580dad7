"""The expiry job: a background job that closes open requests past their expiry.

Every `EXPIRY_INTERVAL_S` it opens a transaction, closes each open request whose
`expires_at` has passed (`RequestService.expire_due`: `request_closed` logged with the
reason `expired`, the area's hubs told, a checkpoint signed) and commits. Several
server processes may each run one: the due requests are locked as they are read
(PostgreSQL skips those another process holds), and SQLite runs one writer at a time.
"""

from __future__ import annotations

import logging

from frontporch.server.context import ServerContext
from frontporch.server.periodic import PeriodicJob
from frontporch.server.requests.service import RequestService
from frontporch.server.transparency.keys import LogKeys

log = logging.getLogger(__name__)

EXPIRY_INTERVAL_S = 60.0


def expire_requests(context: ServerContext, keys: LogKeys) -> int:
    """Close the requests past their expiry in one transaction; how many."""
    with context.sessions.begin() as db:
        closed = RequestService(db, context, keys).expire_due()
    if closed:
        log.info("expired %d footage requests", closed)
    return closed


def expiry_job(context: ServerContext, keys: LogKeys) -> PeriodicJob:
    """The app's request-expiry job (not yet started)."""
    return PeriodicJob("request-expiry", EXPIRY_INTERVAL_S, lambda: expire_requests(context, keys))
