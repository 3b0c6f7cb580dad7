"""An event's snapshot files: the owner's copy with the detector's boxes, and a clean copy.

The worker sends two JPEGs of an event's best frame: the one the owner sees on the event
page, with each tracked object outlined and scored, and the same frame without any
drawing. What leaves the hub (the "as neighbors would see it" preview, a shared
snapshot, the poster of a shared clip) is made from the clean copy, with privacy masks
burned in; a box and a score are the hub's working notes, not part of the picture.

The index stores only the owner's copy (`snapshots/<event id>.jpg`); the clean copy
lives next to it under a name derived from it (`snapshots/<event id>.clean.jpg`), so
whatever deletes one deletes the other (`services/event_media.py`, `paths_of`). Events
recorded before clean copies existed have none: `public_source` falls back to the
owner's copy.

Snapshots of an open event are replaced while the page may be reading them, so every
write goes to a temporary name in the same folder and is renamed over the old file: a
reader that opened the file has one whole picture, old or new, never a mix.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

from frontporch.hub.store.layout import SNAPSHOT_DIR

CLEAN_SUFFIX = ".clean.jpg"


def snapshot_name(event_id: str) -> str:
    """The owner's snapshot of an event, relative to the storage root."""
    return f"{SNAPSHOT_DIR}/{event_id}.jpg"


def clean_name(snapshot: str) -> str:
    """The clean copy that belongs to a snapshot (both relative to the storage root)."""
    path = PurePosixPath(snapshot)
    return str(path.with_name(path.name.removesuffix(".jpg") + CLEAN_SUFFIX))


def paths_of(snapshot: str) -> tuple[str, str]:
    """Every file of an event's snapshot: the owner's copy and the clean copy."""
    return snapshot, clean_name(snapshot)


def public_source(snapshot: Path) -> Path:
    """The picture to share for a snapshot file: its clean copy if there is one."""
    clean = snapshot.with_name(clean_name(snapshot.name))
    return clean if clean.is_file() else snapshot


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, whole.

    The temporary file is unique (two writers never share one) and in the same folder
    (a rename within one file system is atomic); it is removed if the write fails.
    """
    descriptor, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
