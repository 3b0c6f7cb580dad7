"""Keeping the recordings on disk and the index in step: the I/O shell around retention.

Recordings live at `root/<camera>/<YYYY-MM-DD>/<HH>/<unix_start>.mp4`; the recorder
writes `<unix_start>.mp4.part`, renames it on close and then indexes it. Two jobs:

- `reconcile` (at hub start, and cheap enough to run periodically) repairs what a crash
  leaves behind: a `.part` file (the segment being written; at most one per camera is
  lost), a complete file that was renamed but never indexed (indexed now, its end read
  from the file with PyAV; deleted if it cannot be read or has no video), index rows
  whose file is gone (removed), and empty directories (removed).
- `apply_retention` asks `retention.py` what to delete and deletes it, then does the
  same for the free-disk floor; `Janitor` runs it every few minutes in a thread.

Order of deletion, and why: **the file first, its index row next.** A crash in between
leaves a row whose file is missing; readers must answer such a row with "not found"
(never a 500), and `reconcile` removes it at the next start. The other order could leave
a file without a row, which `reconcile` would re-index: footage the owner's retention
had already condemned would come back. A file that cannot be deleted keeps its row.

Hazards guarded against:
- A poisoned index row (`../../etc/passwd`, an absolute path, a symlinked directory
  that leads out) is never followed outside the recordings root: it is refused, its row
  dropped, no file touched.
- A recordings root that is missing (an unmounted drive) is an error, and an empty one
  under a non-empty index does not wipe the index: stale rows are kept and reported.
- Run periodically, `reconcile` must not race the recorder: files and directories
  changed within `grace_s` are left alone (the live `.part`, a file renamed but not yet
  indexed, a new hour directory), and the index is read before the disk is walked, so a
  row added during the walk is never mistaken for a stale one.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from frontporch.hub.capture.filesource import probe_duration
from frontporch.hub.config import CAMERA_NAME, RetainConfig
from frontporch.hub.recording.retention import capture_windows, plan_disk_floor, plan_retention
from frontporch.hub.store.index import HubStore, Segment
from frontporch.hub.store.layout import confine

log = logging.getLogger(__name__)

# `<unix_start>.mp4`, or `<unix_start>-<n>.mp4` for a later segment starting in the same
# second (see record.py); the group is the start.
SEGMENT_NAME = re.compile(r"^(\d+(?:\.\d+)?)(?:-\d+)?\.mp4$")
PART_NAME = re.compile(r"^\d+(?:\.\d+)?(?:-\d+)?\.mp4\.part$")
LAYOUT_DEPTH = 4  # camera / date / hour / file
ROW_BATCH = 256  # rows removed per transaction: keeps the stale-row window short


class FreeSpace(Protocol):
    """What the janitor reads from `shutil.disk_usage` (fakes in tests provide only this)."""

    @property
    def free(self) -> int: ...


DiskUsage = Callable[[Path], FreeSpace]


class JanitorError(Exception):
    """The recordings cannot be checked; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What `reconcile` repaired."""

    parts_removed: int = 0
    orphans_indexed: int = 0
    unreadable_removed: int = 0
    stale_rows_removed: int = 0
    stale_rows_kept: int = 0  # the root looked empty (unmounted drive?): rows left alone
    dirs_removed: int = 0


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What `apply_retention` deleted, and what it could not."""

    expired: int = 0  # segments deleted by the age rules
    over_floor: int = 0  # segments deleted to get back above the free-disk floor
    bytes_freed: int = 0
    failed: tuple[str, ...] = ()  # files that could not be deleted; their rows are kept
    refused: tuple[str, ...] = ()  # rows naming a path outside the root; dropped, untouched


@dataclass(slots=True)
class _Scan:
    files: set[str] = field(default_factory=set)  # every file under root, relative
    parts: list[Path] = field(default_factory=list)
    complete: dict[str, Path] = field(default_factory=dict)  # layout-conforming .mp4


@dataclass(slots=True)
class _Deletion:
    deleted: int = 0
    bytes_freed: int = 0
    failed: list[Segment] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


# -- reconcile ------------------------------------------------------------------------


def _existing_root(recordings_root: Path) -> Path:
    root = recordings_root.resolve()
    if not root.is_dir():
        raise JanitorError(
            f"the recordings directory {root} does not exist; is the drive mounted? "
            "(check storage.path in the configuration)"
        )
    return root


def _settled(path: Path, now: float, grace_s: float) -> bool:
    """Whether nothing wrote to `path` within the grace period (no grace: always)."""
    if grace_s <= 0:
        return True  # also covers parents whose mtime our own rmdir just bumped
    try:
        return path.stat().st_mtime <= now - grace_s
    except FileNotFoundError:
        return False


def _scan(root: Path) -> _Scan:
    scan = _Scan()
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = Path(directory, name)
            rel = path.relative_to(root)
            scan.files.add(rel.as_posix())
            if len(rel.parts) != LAYOUT_DEPTH or not CAMERA_NAME.match(rel.parts[0]):
                continue
            if PART_NAME.match(name):
                scan.parts.append(path)
            elif SEGMENT_NAME.match(name):
                scan.complete[rel.as_posix()] = path
    return scan


def _index_orphan(store: HubStore, rel: str, path: Path) -> bool:
    """Index a complete file the index lacks; delete it if it holds no readable video."""
    duration = probe_duration(path)
    if duration is None:
        log.warning("deleting unreadable recording %s", rel)
        path.unlink(missing_ok=True)
        return False
    match = SEGMENT_NAME.match(path.name)
    assert match is not None  # _scan only yields matching names
    start = float(match.group(1))
    camera = rel.split("/", 1)[0]
    store.add_segment(camera, rel, start, start + duration, path.stat().st_size)
    return True


def _ours(rel: Path) -> bool:
    """Whether `rel` is a camera, day or hour directory of the layout (not `lost+found`)."""
    return 0 < len(rel.parts) < LAYOUT_DEPTH and CAMERA_NAME.match(rel.parts[0]) is not None


def _remove_empty_dirs(root: Path, now: float, grace_s: float) -> int:
    removed = 0
    for directory, _dirs, _names in os.walk(root, topdown=False):
        path = Path(directory)
        if not _ours(path.relative_to(root)) or not _settled(path, now, grace_s):
            continue
        try:
            path.rmdir()  # fails, harmlessly, unless empty
        except OSError:
            continue
        removed += 1
    return removed


def reconcile(
    store: HubStore, recordings_root: Path, *, grace_s: float = 0.0, now: float | None = None
) -> ReconcileReport:
    """Make disk and index agree after a crash; see the module docstring for each repair.

    At hub start (no recorder running) use `grace_s=0`; while recording, pass a grace of
    at least a segment's length plus the input timeout.
    """
    root = _existing_root(recordings_root)
    now = time.time() if now is None else now
    indexed = {segment.path: segment for segment in store.all_segments()}  # before the walk
    scan = _scan(root)

    parts = [p for p in scan.parts if _settled(p, now, grace_s)]
    for part in parts:
        part.unlink(missing_ok=True)

    orphans = [
        (rel, path)
        for rel, path in scan.complete.items()
        if rel not in indexed and _settled(path, now, grace_s)
    ]
    indexed_now = sum(_index_orphan(store, rel, path) for rel, path in orphans)

    stale = [s.id for path, s in indexed.items() if path not in scan.files]
    kept = 0
    if stale and not scan.files:
        log.warning("recordings directory %s is empty; keeping %d index rows", root, len(stale))
        stale, kept = [], len(stale)
    removed_rows = _delete_rows(store, stale)

    report = ReconcileReport(
        parts_removed=len(parts),
        orphans_indexed=indexed_now,
        unreadable_removed=len(orphans) - indexed_now,
        stale_rows_removed=removed_rows,
        stale_rows_kept=kept,
        dirs_removed=_remove_empty_dirs(root, now, grace_s),
    )
    log.info("reconciled recordings: %s", report)
    return report


# -- retention ------------------------------------------------------------------------


def _delete_rows(store: HubStore, ids: Sequence[int]) -> int:
    return sum(store.delete_segments(ids[i : i + ROW_BATCH]) for i in range(0, len(ids), ROW_BATCH))


def _delete(store: HubStore, root: Path, segments: Iterable[Segment]) -> _Deletion:
    """Delete files first, then their rows in batches (see the module docstring)."""
    result = _Deletion()
    gone: list[int] = []
    for segment in segments:
        target = confine(root, segment.path)
        if target is None:
            log.error("refusing to delete %r: outside %s; dropping its row", segment.path, root)
            result.refused.append(segment.path)
            gone.append(segment.id)
            continue
        try:
            target.unlink()
            result.bytes_freed += segment.size_bytes
        except FileNotFoundError:
            pass  # gone already (a crash after the unlink): only its row is left to drop
        except OSError as exc:
            log.warning("cannot delete %s: %s", segment.path, exc.strerror or exc)
            result.failed.append(segment)
            continue
        gone.append(segment.id)
        result.deleted += 1
        if len(gone) >= ROW_BATCH:
            _delete_rows(store, gone)
            gone = []
    _delete_rows(store, gone)
    return result


def apply_retention(
    store: HubStore,
    recordings_root: Path,
    rules: Mapping[str, RetainConfig],
    padding: Mapping[str, tuple[float, float]],
    now: float,
    min_free_bytes: int,
    disk_usage: DiskUsage = shutil.disk_usage,
) -> RetentionReport:
    """Delete what the camera's retention rules no longer keep, then enforce the disk floor.

    `padding` maps a camera to its (pre_capture_s, post_capture_s), which widen its
    events into the windows retention protects. A camera without rules is judged by the
    default `RetainConfig()`. Each pass reads the whole segment index (a few seconds per
    million rows on a small machine), so run it every few minutes, not every second.
    """
    root = _existing_root(recordings_root)
    segments = store.all_segments()
    windows = capture_windows(store.event_windows(), padding)
    motion = [
        span
        for camera in sorted({segment.camera for segment in segments})
        for span in store.motion_spans(camera, float("-inf"), float("inf"))
    ]
    by_id = {segment.id: segment for segment in segments}
    expired = plan_retention(segments, motion, windows, rules, now)
    aged = _delete(store, root, [by_id[i] for i in expired])

    floor = _Deletion()
    free = disk_usage(root).free
    if free < min_free_bytes:
        handled = set(expired)  # deleted, refused or undeletable: none can free more now
        remaining = [segment for segment in segments if segment.id not in handled]
        chosen = plan_disk_floor(remaining, free, min_free_bytes, windows)
        floor = _delete(store, root, [by_id[i] for i in chosen])

    report = RetentionReport(
        expired=aged.deleted,
        over_floor=floor.deleted,
        bytes_freed=aged.bytes_freed + floor.bytes_freed,
        failed=tuple(segment.path for segment in (*aged.failed, *floor.failed)),
        refused=(*aged.refused, *floor.refused),
    )
    log.info("retention: %s", report)
    return report


class Janitor(threading.Thread):
    """Runs `apply_retention` now and then every `interval_s` seconds until `stop()`.

    A failing run is logged and retried at the next interval; it never ends the thread.
    """

    def __init__(
        self,
        store: HubStore,
        recordings_root: Path,
        rules: Mapping[str, RetainConfig],
        padding: Mapping[str, tuple[float, float]],
        min_free_bytes: int,
        interval_s: float = 300.0,
        clock: Callable[[], float] = time.time,
        disk_usage: DiskUsage = shutil.disk_usage,
        after_pass: Callable[[float], object] | None = None,
    ) -> None:
        super().__init__(name="hub-janitor", daemon=True)
        self.after_pass = after_pass  # more housekeeping at the same pace (event media)
        self.store = store
        self.recordings_root = recordings_root
        self.rules = rules
        self.padding = padding
        self.min_free_bytes = min_free_bytes
        self.interval_s = interval_s
        self.clock = clock
        self.disk_usage = disk_usage
        self.last_report: RetentionReport | None = None
        self._stopping = threading.Event()

    def run_once(self) -> RetentionReport:
        """One retention pass, in the caller's thread."""
        self.last_report = apply_retention(
            self.store,
            self.recordings_root,
            self.rules,
            self.padding,
            self.clock(),
            self.min_free_bytes,
            self.disk_usage,
        )
        if self.after_pass is not None:
            self.after_pass(self.clock())
        return self.last_report

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("retention pass failed; retrying in %.0f s", self.interval_s)
            self._stopping.wait(self.interval_s)

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to finish and wait for it (a pass under way completes first)."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)
