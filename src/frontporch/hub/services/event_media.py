"""Deleting an event, and building its clip on demand.

- `delete_event` is the owner's delete (the API and the event page's form) and expiry's
  (`recording/expiry.py`): the event's files first — its snapshot, the snapshot's clean
  copy (`store/snapshots.py`) and its cached clip — then its row. A crash in between
  leaves a row whose files are missing, which readers answer with "not found" or a
  rebuild; the other order would leave files that no row names, on the disk for good.
  Paths come from the index and are confined to the storage directory before deleting.
  The recording stays: retention keeps or drops it.
- `event_clip` remuxes the segments covering an event, padded by its camera's pre- and
  post-capture, into `clips/<event id>.mp4` (`recording/clips.py`; nothing is
  re-encoded). A closed event's clip is kept and named in the index; an open event's
  grows, so it is built again on the next request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from frontporch.hub.config import CameraConfig
from frontporch.hub.ports import ClipUnavailable, EventRecord, StorePort
from frontporch.hub.recording.clips import ClipError, build_clip
from frontporch.hub.store.layout import RECORDINGS_DIR, clip_name, confine
from frontporch.hub.store.snapshots import paths_of

log = logging.getLogger(__name__)

# One remux at a time: each reads its segments at disk speed, and two requests for the
# same clip must not write it at once.
_remuxing = threading.Lock()


@dataclass(frozen=True, slots=True)
class DeletedEvent:
    """An event that `delete_event` removed, and the bytes its files took."""

    event_id: str
    bytes_freed: int


def delete_file(root: Path, relative: str) -> int:
    """Delete one file the index names under `root` (resolved); the bytes freed (0 if it
    was absent, or refused because the path leads outside `root`)."""
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


def event_files(event: EventRecord) -> tuple[str, ...]:
    """An event's files, relative to the storage directory: both copies of its snapshot
    and its cached clip (not the recording, which retention keeps or drops)."""
    snapshots = paths_of(event.snapshot) if event.snapshot is not None else ()
    return (*snapshots, *((event.clip,) if event.clip is not None else ()))


def delete_event(store: StorePort, storage_root: Path, event_id: str) -> DeletedEvent | None:
    """Delete an event: its files, then its row. None if there was no such event."""
    event = store.get_event(event_id)
    if event is None:
        return None
    root = storage_root.resolve()
    freed = sum(delete_file(root, relative) for relative in event_files(event))
    if not store.delete_event(event_id):
        return None  # deleted meanwhile, by expiry or another request
    return DeletedEvent(event_id, freed)


def clip_window(event: EventRecord, camera: CameraConfig, now: float) -> tuple[float, float]:
    """The span an event's clip covers: the event (until `now` while it lasts), widened
    by its camera's pre- and post-capture."""
    end = event.end if event.end is not None else now
    return event.start - camera.events.pre_capture_s, end + camera.events.post_capture_s


def event_clip(
    store: StorePort,
    storage_root: Path,
    cameras: Mapping[str, CameraConfig],
    event_id: str,
    now: float | None = None,
) -> Path:
    """The event's clip (absolute path), remuxed from its segments on first request.

    Raises `ClipUnavailable`, saying why, when there is no such event, its camera is no
    longer configured, or no readable recording covers it.
    """
    event = store.get_event(event_id)
    if event is None:
        raise ClipUnavailable(f"there is no event {event_id}")
    if event.clip is not None and (storage_root / event.clip).exists():
        return storage_root / event.clip
    camera = cameras.get(event.camera)
    if camera is None:
        raise ClipUnavailable(
            f"the camera {event.camera!r} is no longer in the hub's configuration, so the "
            "footage of this event is unknown"
        )
    start, end = clip_window(event, camera, time.time() if now is None else now)
    segments = store.segments(event.camera, start, end)
    if not segments:
        raise ClipUnavailable(
            "no recording covers this event (it may have been deleted by retention, "
            "or recording was off)"
        )
    recordings = storage_root / RECORDINGS_DIR
    sources = [(recordings / segment.path, segment.start) for segment in segments]
    relative = clip_name(event_id)
    with _remuxing:
        try:
            build_clip(sources, start, end, storage_root / relative)
        except ClipError as exc:
            raise ClipUnavailable(str(exc)) from None
    if event.end is not None:
        store.set_event_media(event_id, clip=relative)
    return storage_root / relative
