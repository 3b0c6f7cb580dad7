"""Backup test helpers: an in-memory target, and a hub storage folder with footage.

`MemoryTarget` implements `hub/backup/target.py:BackupTarget` the way a bucket does
(objects by key, listing, deletion) with switches for the failures a real one has:
refusing writes, failing after N writes (a cut-off pass), listing deleted objects
anyway (deletion that did not take). It records nothing about how it was called.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from frontporch.hub.backup.index import BackupItem
from frontporch.hub.backup.ports import BackupRun, RecoveryRecipient
from frontporch.hub.backup.target import ObjectMissing, StoredObject, TargetError
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import RECORDINGS_DIR
from frontporch.hub.store.records import Event, Segment

HOUR = 3600.0
DAY = 24 * HOUR


class MemoryTarget:
    """A bucket in memory."""

    description = "memory target"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.refuse_writes = False
        self.writes_left: int | None = None  # fail every write after this many
        self.sticky_deletes = False  # delete answers OK but the object stays
        self.failures_left = 0  # the next N writes fail, then writes work again
        self.on_put: Callable[[], object] | None = None  # runs before each write
        self._lock = threading.Lock()

    def put(self, key: str, data: bytes) -> None:
        if self.on_put is not None:
            self.on_put()
        with self._lock:
            if self.failures_left > 0:
                self.failures_left -= 1
                raise TargetError("the memory target timed out")
            if self.refuse_writes:
                raise TargetError("the bucket 'memory' refuses writes (AccessDenied)")
            if self.writes_left is not None:
                if self.writes_left <= 0:
                    raise TargetError("cannot reach the memory target (connection reset)")
                self.writes_left -= 1
            self.objects[key] = bytes(data)

    def get(self, key: str) -> bytes:
        with self._lock:
            if key not in self.objects:
                raise ObjectMissing(f"no object {key!r}")
            return self.objects[key]

    def delete(self, key: str) -> None:
        with self._lock:
            if not self.sticky_deletes:
                self.objects.pop(key, None)

    def list(self) -> Iterator[StoredObject]:
        with self._lock:
            listed = [StoredObject(key, len(data)) for key, data in self.objects.items()]
        return iter(listed)


def backup_config(
    root: Path,
    *,
    cameras: tuple[str, ...] = ("front", "back"),
    backup: dict[str, object] | None = None,
) -> HubConfig:
    """A hub config with these cameras (files as inputs) and a `backup:` section."""
    return parse_config(
        {
            "storage": {"path": str(root)},
            "cameras": {
                name: {
                    "inputs": [{"url": f"/videos/{name}.mp4"}],
                    "events": {"pre_capture_s": 5, "post_capture_s": 5},
                }
                for name in cameras
            },
            "backup": backup if backup is not None else {},
        }
    )


def write_file(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def add_segment(
    store: HubStore, root: Path, camera: str, start: float, data: bytes, length: float = 10.0
) -> str:
    """A segment file (with these bytes) on disk and in the index; its relative path."""
    rel = f"{camera}/{int(start)}.mp4"
    write_file(root / RECORDINGS_DIR, rel, data)
    store.add_segment(camera, rel, start, start + length, len(data))
    return rel


def add_event(
    store: HubStore,
    root: Path,
    event_id: str,
    camera: str,
    start: float,
    end: float | None,
    *,
    snapshot: bytes | None = b"\xff\xd8owner\xff\xd9",
    clip: bytes | None = None,
) -> None:
    """An event with a snapshot (both copies) and optionally a cached clip file."""
    store.upsert_event(
        event_id, camera=camera, labels=["person"], top_score=0.8, start=start, end=end, now=start
    )
    snap = clip_rel = None
    if snapshot is not None:
        snap = f"snapshots/{event_id}.jpg"
        write_file(root, snap, snapshot)
        write_file(root, f"snapshots/{event_id}.clean.jpg", snapshot + b"clean")
    if clip is not None:
        clip_rel = f"clips/{event_id}.mp4"
        write_file(root, clip_rel, clip)
    if snap or clip_rel:
        store.set_event_media(event_id, snapshot=snap, clip=clip_rel, now=start)


class FakeBackupTables:
    """`BackupStorePort` in memory, for `tests/fakes.py:FakeStore` to inherit (its state
    is made on first use, so a dataclass subclass needs no fields for it). The SQLite
    tables are tested themselves in the backup tests; this serves pages over fakes."""

    def _backup_state(self) -> dict[str, Any]:
        state: dict[str, Any] | None = getattr(self, "_fake_backup_state", None)
        if state is None:
            state = {"recipients": [], "items": {}, "partial": {}, "meta": {}, "runs": []}
            object.__setattr__(self, "_fake_backup_state", state)
        return state

    def _recipients(self, confirmed: bool) -> list[RecoveryRecipient]:
        return [
            r
            for r in self._backup_state()["recipients"]
            if (r.confirmed_at is not None) is confirmed and r not in self._retired()
        ]

    def _retired(self) -> list[RecoveryRecipient]:
        retired: list[RecoveryRecipient] = self._backup_state().setdefault("retired", [])
        return retired

    def backup_recipient(self) -> RecoveryRecipient | None:
        confirmed = self._recipients(confirmed=True)
        return max(confirmed, key=lambda r: r.confirmed_at or 0) if confirmed else None

    def backup_pending_recipient(self) -> RecoveryRecipient | None:
        pending = self._recipients(confirmed=False)
        return pending[-1] if pending else None

    def add_backup_recipient(self, recipient: str, now: float) -> None:
        self._retired().extend(self._recipients(confirmed=False))
        self._backup_state()["recipients"].append(RecoveryRecipient(recipient, now, None))

    def confirm_backup_recipient(self, recipient: str, now: float) -> bool:
        pending = [r for r in self._recipients(confirmed=False) if r.recipient == recipient]
        if not pending:
            return False
        self._retired().extend(self._recipients(confirmed=True))
        recipients = self._backup_state()["recipients"]
        recipients[recipients.index(pending[0])] = RecoveryRecipient(
            recipient, pending[0].created_at, now
        )
        self._backup_state()["items"].clear()
        self._backup_state()["meta"].clear()
        return True

    def backup_items(self, partial: bool = False) -> list[BackupItem]:
        return list(self._backup_state()["partial" if partial else "items"].values())

    def save_backup_item(self, item: BackupItem, *, done: bool, now: float) -> None:
        state = self._backup_state()
        state["partial"].pop(item.ident, None)
        state["items" if done else "partial"][item.ident] = item

    def forget_backup_items(self, idents: Iterable[tuple[str, str]]) -> None:
        for ident in idents:
            self._backup_state()["items"].pop(ident, None)

    def backup_meta(self, key: str) -> str | None:
        value: str | None = self._backup_state()["meta"].get(key)
        return value

    def set_backup_meta(self, key: str, value: str) -> None:
        self._backup_state()["meta"][key] = value

    def start_backup_run(self, now: float) -> int:
        runs = self._backup_state()["runs"]
        runs.append(BackupRun(len(runs) + 1, now, None, 0, 0, 0, None))
        return len(runs)

    def finish_backup_run(
        self,
        run_id: int,
        now: float,
        uploaded: int,
        uploaded_bytes: int,
        deleted: int,
        error: str | None,
    ) -> None:
        runs = self._backup_state()["runs"]
        runs[run_id - 1] = BackupRun(
            run_id, runs[run_id - 1].started, now, uploaded, uploaded_bytes, deleted, error
        )

    def backup_runs(self, limit: int = 10) -> Sequence[BackupRun]:
        return list(reversed(self._backup_state()["runs"]))[:limit]

    def backup_segments(self, since: float, cameras: Sequence[str] | None) -> list[Segment]:
        return []  # the pages never list footage; passes are tested on the real store

    def backup_events(self, since: float, cameras: Sequence[str] | None) -> list[Event]:
        return []
