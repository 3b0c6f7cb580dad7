"""What changed in the running hub, for the parts that react to it (alerts, MQTT, backup).

The index writer applies each camera worker's report and then tells `Changes`, which
hands the change to every listener that subscribed (STYLE 14: the areas listen; the
index writer names none of them). A listener runs on the index writer's thread, so it
must only take note and return (put the change on its own queue); one that raises is
logged and the others still hear of the change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from frontporch.hub.process.messages import WorkerStats
from frontporch.hub.store.records import Event

log = logging.getLogger(__name__)


class ChangeType(StrEnum):
    """Frigate's event change feed: an event is new, updated, or has ended."""

    new = "new"
    update = "update"
    end = "end"


@dataclass(frozen=True, slots=True)
class EventChange:
    """One event's change: its state before (None when new) and after.

    `snapshot_jpeg` is the new best frame (the owner's copy, boxes drawn) when this
    change brought one, else None; `clean_jpeg` the same frame without boxes.
    """

    type: ChangeType
    before: Event | None
    after: Event
    snapshot_jpeg: bytes | None = None
    clean_jpeg: bytes | None = None


@dataclass(frozen=True, slots=True)
class StatsChange:
    """A camera worker's periodic report (fps, skipped frames, state)."""

    camera: str
    stats: WorkerStats


Change = EventChange | StatsChange
Listener = Callable[[Change], None]


class Changes:
    """Fan-out of the hub's changes to its listeners; safe to share between threads."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every later change (on the index writer's thread)."""
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def publish(self, change: Change) -> None:
        """Tell every listener; one that raises is logged and does not stop the rest."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:  # a listener's bug must not stop indexing or the others
                log.exception("a change listener failed on %s", type(change).__name__)
