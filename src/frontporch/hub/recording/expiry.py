"""Expiring events and their media, so the hub's disk does not fill with what retention
already let go of.

Segments are retained by `retention.py`; this module handles what hangs off events:
- an event older than its camera's `event_days` (measured from its end) is deleted
  with its snapshot (both copies) and any cached clip, through the owner's own delete
  (`services/event_media.py`: files first, then the row) — its footage is past retention too;
- a cached clip is a remux of segments, rebuilt on request: one not touched for
  `clip_cache_s` is deleted (the event keeps its row and snapshot).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from frontporch.hub.config import RetainConfig
from frontporch.hub.ports import EventRecord, StorePort
from frontporch.hub.services.event_media import delete_event, delete_file
from frontporch.hub.store.layout import CLIP_DIR

log = logging.getLogger(__name__)

DAY_S = 86_400.0
CLIP_CACHE_S = DAY_S
PAGE = 500


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    events_deleted: int = 0
    clips_dropped: int = 0
    bytes_freed: int = 0


def _expired_events(store: StorePort, camera: str, cutoff: float) -> list[EventRecord]:
    expired: list[EventRecord] = []
    cursor: str | None = None
    while True:
        page = store.list_events(camera=camera, before=cutoff, limit=PAGE, cursor=cursor)
        expired += [e for e in page.events if e.end is not None and e.end < cutoff]
        if page.next_cursor is None:
            return expired
        cursor = page.next_cursor


def expire_event_media(
    store: StorePort,
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
            gone = delete_event(store, root, event.id)
            if gone is not None:
                deleted += 1
                freed += gone.bytes_freed
    dropped = 0
    clips = root / CLIP_DIR
    for clip in clips.glob("*.mp4") if clips.is_dir() else ():
        try:
            stat = clip.stat()
        except FileNotFoundError:
            continue
        if stat.st_mtime < now - clip_cache_s:
            freed += delete_file(root, f"{CLIP_DIR}/{clip.name}")
            dropped += 1
    report = ExpiryReport(deleted, dropped, freed)
    if deleted or dropped:
        log.info("event media expiry: %s", report)
    return report
