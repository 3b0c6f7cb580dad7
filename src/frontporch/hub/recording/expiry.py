"""Expiring events and their media, so the hub's disk does not fill with what retention
already let go of.

Segments are retained by `retention.py`; this module handles what hangs off events:
- an event older than its camera's `event_days` (measured from its end) is deleted
  with its snapshot (both copies, see `snapshots.py`) and any cached clip — its
  footage is past retention too;
- a cached clip is a remux of segments, rebuilt on request: one not touched for
  `clip_cache_s` is deleted (the event keeps its row and snapshot).
Files go first, rows second, as in the janitor: a crash in between leaves a row whose
files are missing, which the web layer already answers with "not found" or a rebuild.
Paths come from the index and are confined to the storage root before deleting.
`delete_event` is the owner's delete (page and API): the same files, then the row.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from frontporch.hub.config import RetainConfig
from frontporch.hub.ports import EventRecord, StorePort
from frontporch.hub.recording.janitor import confine
from frontporch.hub.store.index import Event, HubStore
from frontporch.hub.store.snapshots import paths_of

log = logging.getLogger(__name__)

DAY_S = 86_400.0
CLIP_CACHE_S = DAY_S
PAGE = 500


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    events_deleted: int = 0
    clips_dropped: int = 0
    bytes_freed: int = 0


def _unlink(root: Path, relative: str | None) -> int:
    """Delete one media file under `root`; the bytes freed (0 if absent or refused)."""
    if relative is None:
        return 0
    target = confine(root, relative)
    if target is None:
        log.error("refusing to delete %r: outside %s", relative, root)
        return 0
    try:
        size = target.stat().st_size
        target.unlink()
    except FileNotFoundError:
        return 0
    return size


def delete_event_files(root: Path, event: EventRecord) -> int:
    """Delete an event's files: its snapshot, the snapshot's clean copy and its cached
    clip (not the recording, which retention keeps or drops). The bytes freed."""
    snapshots = paths_of(event.snapshot) if event.snapshot is not None else ()
    return sum(_unlink(root, relative) for relative in (*snapshots, event.clip))


def delete_event(store: StorePort, storage_root: Path, event_id: str) -> bool:
    """Delete one event and its files (files first); whether it existed."""
    event = store.get_event(event_id)
    if event is None:
        return False
    delete_event_files(storage_root.resolve(), event)
    return bool(store.delete_event(event_id))


def _expired_events(store: HubStore, camera: str, cutoff: float) -> list[Event]:
    expired: list[Event] = []
    cursor: str | None = None
    while True:
        page = store.list_events(camera=camera, before=cutoff, limit=PAGE, cursor=cursor)
        expired += [e for e in page.events if e.end is not None and e.end < cutoff]
        if page.next_cursor is None:
            return expired
        cursor = page.next_cursor


def expire_event_media(
    store: HubStore,
    storage_root: Path,
    rules: Mapping[str, RetainConfig],
    now: float | None = None,
    clip_cache_s: float = CLIP_CACHE_S,
) -> ExpiryReport:
    """Delete expired events with their files, then clips nobody asked for lately."""
    now = time.time() if now is None else now
    root = storage_root.resolve()
    deleted = freed = 0
    for camera, rule in rules.items():
        for event in _expired_events(store, camera, now - rule.event_days * DAY_S):
            freed += delete_event_files(root, event)
            deleted += store.delete_event(event.id)
    dropped = 0
    clips = root / "clips"
    for clip in clips.glob("*.mp4") if clips.is_dir() else ():
        try:
            stat = clip.stat()
        except FileNotFoundError:
            continue
        if stat.st_mtime < now - clip_cache_s:
            freed += _unlink(root, f"clips/{clip.name}")
            dropped += 1
    report = ExpiryReport(deleted, dropped, freed)
    if deleted or dropped:
        log.info("event media expiry: %s", report)
    return report
