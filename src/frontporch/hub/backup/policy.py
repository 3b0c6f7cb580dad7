"""What a backup pass should have on the target, and what has aged out: pure decisions.

No I/O here: the store's rows and the configuration go in, lists of candidates come
out (`uploader.py` reads the files and talks to the target). What is in the policy:

- `events` mode: every closed event of a backed-up camera that ended within `days`:
  its row (inside the index), its snapshot and the snapshot's clean copy, its cached
  clip if one was built, and the recorded segments its clip covers (the event padded
  by the camera's pre- and post-capture), so a restored hub can build and play it.
- `continuous` mode: the same, and every segment of those cameras within `days`.

Open events wait until they end (their snapshot and clip still change). Only segments
the index names are read, and the index names a segment only once its file is closed,
so a pass never reads a file being recorded.

Retention on the target: an item whose end is more than `days` ago is removed there.
What the hub deletes at home is not deleted from the target before then; surviving the
hub's own losses is what the backup is for.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from frontporch.hub.backup.config import BackupConfig, BackupMode
from frontporch.hub.backup.index import BackupItem, ItemKind
from frontporch.hub.store.records import Event, Segment
from frontporch.hub.store.snapshots import clean_name

DAY_S = 86400.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something the policy wants on the target. `path` is relative to the recordings
    folder for a segment and to the storage folder otherwise; an event record carries
    its row in `record` (and its id as `path`)."""

    kind: ItemKind
    camera: str
    start: float
    end: float
    path: str
    record: dict[str, Any] | None = None

    @property
    def ident(self) -> tuple[str, str]:
        return (self.kind.value, self.path)


def horizon(config: BackupConfig, now: float) -> float:
    """The oldest end time the target keeps."""
    return now - config.days * DAY_S


def event_record(event: Event) -> dict[str, Any]:
    """An event's row as the index carries it."""
    return {
        "id": event.id,
        "camera": event.camera,
        "labels": list(event.labels),
        "top_score": event.top_score,
        "start": event.start,
        "end": event.end,
        "zones": list(event.zones),
        "snapshot": event.snapshot,
        "clip": event.clip,
        "created": event.created,
        "updated": event.updated,
    }


def record_digest(record: Mapping[str, Any]) -> str:
    """The sha256 of a record's canonical JSON (how a changed row is noticed)."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _overlaps(segment: Segment, start: float, end: float) -> bool:
    return segment.end > start and segment.start < end


def wanted(
    config: BackupConfig,
    padding: Mapping[str, tuple[float, float]],
    segments: Sequence[Segment],
    events: Sequence[Event],
    now: float,
) -> list[Candidate]:
    """Every candidate the policy wants, oldest first, each once.

    `padding` is each camera's (pre_capture_s, post_capture_s); `segments` and
    `events` are the store's rows (they may include rows outside the policy).
    """
    since = horizon(config, now)
    by_camera: dict[str, list[Segment]] = {}
    for segment in segments:
        if config.wants_camera(segment.camera) and segment.end >= since:
            by_camera.setdefault(segment.camera, []).append(segment)
    found: dict[tuple[str, str], Candidate] = {}

    def add(candidate: Candidate) -> None:
        found.setdefault(candidate.ident, candidate)

    def add_segment(segment: Segment) -> None:
        add(Candidate(ItemKind.segment, segment.camera, segment.start, segment.end, segment.path))

    for event in events:
        if event.end is None or event.end < since or not config.wants_camera(event.camera):
            continue
        end = event.end
        add(
            Candidate(
                ItemKind.event_record,
                event.camera,
                event.start,
                end,
                event.id,
                event_record(event),
            )
        )
        if event.snapshot is not None:
            for path in (event.snapshot, clean_name(event.snapshot)):
                add(Candidate(ItemKind.snapshot, event.camera, event.start, end, path))
        if event.clip is not None:
            add(Candidate(ItemKind.event_clip, event.camera, event.start, end, event.clip))
        pre, post = padding.get(event.camera, (0.0, 0.0))
        for segment in by_camera.get(event.camera, []):
            if _overlaps(segment, event.start - pre, end + post):
                add_segment(segment)
    if config.mode is BackupMode.continuous:
        for camera_segments in by_camera.values():
            for segment in camera_segments:
                add_segment(segment)
    return sorted(found.values(), key=lambda c: (c.start, c.kind.value, c.path))


def expired(items: Iterable[BackupItem], config: BackupConfig, now: float) -> list[BackupItem]:
    """Items on the target older than the policy keeps."""
    since = horizon(config, now)
    return [item for item in items if item.end < since]
