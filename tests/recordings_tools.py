"""Recordings for the janitor's tests: segments whose files hold only zeros, on disk and
in a real index (what retention and reconcile decide does not depend on the bytes; the
tests that need real video write it themselves)."""

from __future__ import annotations

import time
from pathlib import Path

from frontporch.hub.store.index import HubStore, Segment


def rel_path(camera: str, start: float) -> str:
    """Where the recorder puts a segment that starts at `start`."""
    stamp = time.gmtime(start)
    return f"{camera}/{time.strftime('%Y-%m-%d', stamp)}/{stamp.tm_hour:02d}/{int(start)}.mp4"


def write_fake(root: Path, rel: str, size: int = 100) -> Path:
    """A segment file of `size` zero bytes."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    return path


def add_fake(store: HubStore, root: Path, camera: str, start: float, size: int = 100) -> Segment:
    """A 10 s segment of zeros, on disk and in the index."""
    rel = rel_path(camera, start)
    write_fake(root, rel, size)
    return store.add_segment(camera, rel, start, start + 10, size)
