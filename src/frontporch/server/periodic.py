"""Background jobs that run every few seconds or hours inside a server process.

Each job is one named daemon thread that calls a function, then waits its interval.
A failure (the database away for a moment) is logged and retried at the next tick, so
the thread outlives it. Jobs start with the app (its lifespan) and stop with it; a
job being run when the app stops is allowed to finish. Several server processes each
run their own: every job here is safe to run concurrently with itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 10.0


class PeriodicJob:
    """Calls `run` at once and then every `interval_s`, on a thread named `name`."""

    def __init__(self, name: str, interval_s: float, run: Callable[[], object]) -> None:
        self.name = name
        self.interval_s = interval_s
        self.run = run
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (a daemon: it never keeps the process alive)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, letting a run in progress finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=STOP_TIMEOUT_S)
            self._thread = None

    def _loop(self) -> None:
        while True:
            try:
                self.run()
            except Exception:  # the thread must outlive a database hiccup
                log.exception("the background job %r failed; it runs again later", self.name)
            if self._stop.wait(self.interval_s):
                return


@contextmanager
def running(*jobs: PeriodicJob) -> Iterator[None]:
    """Started jobs for the duration of the block; each stopped on exit."""
    with ExitStack() as stack:
        for job in jobs:
            job.start()
            stack.callback(job.stop)
        yield
