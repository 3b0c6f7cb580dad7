"""Where the hub keeps what, under its storage directory (`storage.path` in the config).

    hub.db                                   the index (`index.py`)
    recordings/<camera>/<day>/<hour>/*.mp4   recorded segments (`recording/segments.py`)
    snapshots/<event id>.jpg, .clean.jpg     an event's best frame, twice (`snapshots.py`)
    clips/<event id>.mp4                     clips remuxed on demand (`services/event_media.py`)
    server-link.json                         the pairing with a server (`community/link.py`)

The index names snapshots and clips relative to the storage directory and segments
relative to `recordings/`, so the whole directory can move. Whatever deletes a file the
index names goes through `confine` first: a poisoned row (`../../etc/passwd`, an
absolute path, a symlinked folder that leads out) must never reach outside its root.
"""

from __future__ import annotations

from pathlib import Path

INDEX_FILE = "hub.db"
RECORDINGS_DIR = "recordings"
SNAPSHOT_DIR = "snapshots"
CLIP_DIR = "clips"


def clip_name(event_id: str) -> str:
    """An event's cached clip, relative to the storage directory."""
    return f"{CLIP_DIR}/{event_id}.mp4"


def confine(root: Path, rel: str) -> Path | None:
    """The file `rel` names under the (resolved) `root`, or None if it would lead outside.

    Directories are resolved (a symlinked directory pointing out is caught); the last
    component is not, so deleting a symlink removes the link, never its target.
    """
    candidate = root / rel  # an absolute `rel` replaces root and is caught below
    if candidate.name in ("", ".", ".."):
        return None
    parent = candidate.parent.resolve()
    if not parent.is_relative_to(root):
        return None
    return parent / candidate.name
