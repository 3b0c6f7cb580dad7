"""How many events with each label are going on per camera: the MQTT count topics.

Pure bookkeeping over the event change feed. An event counts for each of its labels from
its first change until its end (`end` set, or an `end` change); labels an update adds
count from then on. "all" counts events of any label, as in Frigate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from frontporch.hub.changes import ChangeType, EventChange
from frontporch.hub.mqtt.topics import ALL_LABELS


class Occupancy:
    """Ongoing events per (camera, label); not thread-safe (the bridge's worker owns it)."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[str, frozenset[str]]] = {}  # event id -> camera, labels

    def count(self, camera: str, label: str) -> int:
        if label == ALL_LABELS:
            return sum(1 for cam, _ in self._open.values() if cam == camera)
        return sum(1 for cam, labels in self._open.values() if cam == camera and label in labels)

    def apply(self, change: EventChange) -> dict[tuple[str, str], int]:
        """Take the change into account; the counts it changed, by (camera, label)."""
        event = change.after
        before = self._snapshot_counts(event.camera)
        if change.type is ChangeType.end or event.end is not None:
            self._open.pop(event.id, None)
        else:
            self._open[event.id] = (event.camera, frozenset(event.labels))
        after = self._snapshot_counts(event.camera)
        return {
            (event.camera, label): after[label]
            for label in set(before) | set(after)
            if before[label] != after[label]
        }

    def counts(self, camera: str, labels: Iterable[str]) -> dict[str, int]:
        """The current count of each of `labels` (and of "all") on `camera`."""
        return {label: self.count(camera, label) for label in (*labels, ALL_LABELS)}

    def _snapshot_counts(self, camera: str) -> Counter[str]:
        counts: Counter[str] = Counter()
        for cam, labels in self._open.values():
            if cam != camera:
                continue
            counts[ALL_LABELS] += 1
            for label in labels:
                counts[label] += 1
        return counts
