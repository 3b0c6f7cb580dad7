"""The checkpointer: a background thread that signs a checkpoint whenever the log grew.

Every `log_checkpoint_interval_s` (2 s by default) it opens a session, runs
`LogService.checkpoint_now` and commits: a tree that grew since the last checkpoint
gets a new one, a quiet log costs two indexed reads. It starts with the app (its
lifespan) and signs the current tree at once, so a fresh server publishes a checkpoint
of its empty log within moments. Several server processes each run one; the
checkpoints table keeps one per size, so they never disagree. A failure (the database
away for a moment) is logged and retried at the next tick; a damaged log
(`StorageDamaged`) is logged as an error and nothing is signed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from frontporch.server.context import ServerContext
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 10.0


class Checkpointer:
    """Signs a checkpoint every interval while the log grows, on its own thread."""

    def __init__(self, context: ServerContext, keys: LogKeys, interval_s: float) -> None:
        self.context = context
        self.keys = keys
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> int | None:
        """Sign the current tree if it has no checkpoint yet; the size signed, or None."""
        with self.context.sessions.begin() as db:
            service = LogService(db, self.keys, self.context.clock)
            checkpoint, new = service.checkpoint_now()
            size = checkpoint.size
        if new:
            log.info("signed a checkpoint of the transparency log at size %d", size)
        return size if new else None

    def start(self) -> None:
        """Start the thread (a daemon: it never keeps the process alive)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="log-checkpointer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, letting a checkpoint being signed finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=STOP_TIMEOUT_S)
            self._thread = None

    def _run(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # the thread must outlive a database hiccup
                log.exception("signing a checkpoint of the transparency log failed")
            if self._stop.wait(self.interval_s):
                return


@contextmanager
def running_checkpointer(context: ServerContext, keys: LogKeys) -> Iterator[Checkpointer]:
    """A started checkpointer for the app's lifetime; stopped on exit."""
    checkpointer = Checkpointer(context, keys, context.settings.log_checkpoint_interval_s)
    checkpointer.start()
    try:
        yield checkpointer
    finally:
        checkpointer.stop()
