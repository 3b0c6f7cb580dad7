"""Restoring a hub from its backup with the recovery key alone (a stolen hub, a dead disk).

`read_index` fetches and opens the `index` object: a key that does not open it raises
`WrongKey` ("this recovery key does not open these backups"), before anything is
written. `restore` then, into a new, empty storage folder:

1. downloads each chosen item's parts, opens them, and checks the whole file against
   the sha256 the index holds (a mismatch is counted and reported, never written);
2. writes each file where the hub keeps it (`store/layout.py`), via a temporary name,
   so a file is either whole or absent;
3. only then adds the rows to a new hub index: segments, events (with the snapshot
   and clip that were restored), so `frontporch hub` on that folder serves and plays
   them. Rows after files: a row never names a file that is not there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyrage

from frontporch.hub.backup import index as backup_index
from frontporch.hub.backup.crypt import open_sealed
from frontporch.hub.backup.index import INDEX_KEY, BackupItem, ItemKind
from frontporch.hub.backup.target import BackupTarget, ObjectMissing
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import CLIP_DIR, INDEX_FILE, RECORDINGS_DIR, SNAPSHOT_DIR, confine
from frontporch.hub.store.snapshots import write_atomically


class RestoreError(Exception):
    """The restore cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    """What a restore brought back, and what it could not."""

    segments: int = 0
    events: int = 0
    snapshots: int = 0
    clips: int = 0
    bytes: int = 0
    failed: list[str] = field(default_factory=list)


def read_index(target: BackupTarget, identity: pyrage.x25519.Identity) -> list[BackupItem]:
    """Every item the target's index lists. WrongKey if the key does not open it."""
    try:
        sealed = target.get(INDEX_KEY)
    except ObjectMissing:
        raise RestoreError(
            f"{target.description} holds no backup index: nothing was backed up there yet, "
            "or the target (bucket, prefix) is not the one the hub used"
        ) from None
    head = open_sealed(sealed, identity)
    return backup_index.read(head, lambda key: open_sealed(target.get(key), identity))


def choose(
    items: Iterable[BackupItem],
    camera: str | None = None,
    start: float | None = None,
    end: float | None = None,
) -> list[BackupItem]:
    """The items of one camera (None: all) that overlap [start, end]."""
    return [
        item
        for item in items
        if (camera is None or item.camera == camera) and item.overlaps(start, end)
    ]


def check_empty(root: Path) -> None:
    """RestoreError unless `root` holds no footage and no hub index yet (a pairing with
    the community server and the hub's own keys may already be there)."""
    if root.exists() and not root.is_dir():
        raise RestoreError(f"{root} is a file, not a storage folder")
    footage = [root / name for name in (RECORDINGS_DIR, SNAPSHOT_DIR, CLIP_DIR)]
    if (root / INDEX_FILE).exists() or any(
        folder.is_dir() and any(folder.iterdir()) for folder in footage
    ):
        raise RestoreError(
            f"{root} already holds a hub's footage or index: restore into a new, empty "
            "storage folder (set storage.path in the hub's config to one), so nothing there "
            "is overwritten"
        )


def restore(
    target: BackupTarget,
    identity: pyrage.x25519.Identity,
    root: Path,
    items: Sequence[BackupItem],
    advance: Callable[[int], None] = lambda _size: None,
) -> RestoreReport:
    """Bring `items` back into the empty storage folder `root`; `advance(bytes)` after
    each file (for a progress bar)."""
    check_empty(root)
    root.mkdir(parents=True, exist_ok=True)
    resolved = root.resolve()
    (resolved / RECORDINGS_DIR).mkdir(exist_ok=True)
    report = RestoreReport()
    restored: set[tuple[str, str]] = set()
    for item in items:
        if item.kind is ItemKind.event_record:
            continue
        if _restore_file(target, identity, resolved, item, report):
            restored.add(item.ident)
        advance(item.size)
    with HubStore(resolved / INDEX_FILE) as store:
        for item in items:
            if item.kind is ItemKind.segment and item.ident in restored:
                store.add_segment(item.camera, item.path, item.start, item.end, item.size)
                report.segments += 1
            elif item.kind is ItemKind.event_record and item.record is not None:
                _add_event(store, item.record, restored)
                report.events += 1
    return report


def _restore_file(
    target: BackupTarget,
    identity: pyrage.x25519.Identity,
    root: Path,
    item: BackupItem,
    report: RestoreReport,
) -> bool:
    base = root / RECORDINGS_DIR if item.kind is ItemKind.segment else root
    path = confine(base, item.path)
    if path is None:
        report.failed.append(f"{item.path}: the path leads outside the storage folder")
        return False
    try:
        data = b"".join(open_sealed(target.get(key), identity) for key in item.parts)
    except ObjectMissing as exc:
        report.failed.append(f"{item.path}: {exc}")
        return False
    if len(data) != item.size or hashlib.sha256(data).hexdigest() != item.sha256:
        report.failed.append(f"{item.path}: its contents do not match the index's sha256")
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    report.bytes += len(data)
    if item.kind is ItemKind.snapshot:
        report.snapshots += 1
    elif item.kind is ItemKind.event_clip:
        report.clips += 1
    return True


def _add_event(store: HubStore, record: dict[str, object], restored: set[tuple[str, str]]) -> None:
    labels = record.get("labels") or []
    zones = record.get("zones") or []
    end = record.get("end")
    event_id = str(record["id"])
    store.upsert_event(
        event_id,
        camera=str(record["camera"]),
        labels=[str(label) for label in labels] if isinstance(labels, list) else [],
        top_score=float(str(record.get("top_score", 0.0))),
        start=float(str(record["start"])),
        end=None if end is None else float(str(end)),
        zones=[str(zone) for zone in zones] if isinstance(zones, list) else [],
        now=float(str(record.get("updated", 0.0))) or None,
    )
    snapshot = record.get("snapshot")
    clip = record.get("clip")
    has_snapshot = isinstance(snapshot, str) and (ItemKind.snapshot.value, snapshot) in restored
    has_clip = isinstance(clip, str) and (ItemKind.event_clip.value, clip) in restored
    if has_snapshot or has_clip:
        store.set_event_media(
            event_id,
            snapshot=str(snapshot) if has_snapshot else None,
            clip=str(clip) if has_clip else None,
        )
