"""`ExportDesk`: the owner's exports, made by one background thread.

Every owner action is one method here, used by the JSON API and the page alike:
`request_export` (checks the range and that something was recorded in it, then
queues), `get`/`list`, `delete` (file first, then the row). A single worker thread
remuxes one job at a time with `recording.clips.build_clip` (the same remux as event
clips: stream copy, `+faststart`, gaps closed up) into `<storage>/exports/<id>.mp4`,
writing progress to the store as each segment is done, so the page shows it and a
browser that closed and came back sees where the job stands.

A stop (or a crash) leaves a job `running`; `resume` at the next start queues it again
and the worker makes it from the beginning (the partial `.part` file is overwritten).
Deleting a job while it runs stops it at the next segment.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from frontporch.hub.exports.model import ExportError, ExportRecord, ExportState, check_range, iso
from frontporch.hub.recording.clips import ClipError, build_clip
from frontporch.hub.store.layout import RECORDINGS_DIR, confine
from frontporch.hub.timeline.ports import ExportStorePort

log = logging.getLogger(__name__)

EXPORT_DIR = "exports"
# Progress is written at most this often (a long export has thousands of segments).
PROGRESS_EVERY_S = 0.5


class _Cancelled(Exception):
    """The job was deleted while it ran."""


class ExportDesk:
    """Queues, makes, lists and deletes exports; `start`/`stop` run its worker thread.

    `cameras` is what can be exported (the configured cameras); `root` the storage
    directory. The worker starts on `start`, `resume` or the first request.
    """

    def __init__(
        self,
        store: ExportStorePort,
        root: Path,
        cameras: Callable[[], Mapping[str, object] | list[str]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.root = Path(root)
        self.recordings = self.root / RECORDINGS_DIR
        self.folder = self.root / EXPORT_DIR
        self._cameras = cameras
        self._clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._deleted: set[str] = set()

    # --- owner actions --------------------------------------------------------------

    def request_export(self, camera: str, start: float, end: float) -> ExportRecord:
        """Queue an export of `camera` over [start, end]; `ExportError` if it cannot be."""
        if camera not in self._cameras():
            raise ExportError(404, f"No camera named {camera!r}.")
        check_range(start, end)
        if not self.store.segments(camera, start, end):
            raise ExportError(
                422,
                f"Nothing of {camera} was recorded between {iso(start)} and {iso(end)}; "
                "pick a range over a recorded (filled) part of the timeline.",
            )
        record = ExportRecord(
            id=secrets.token_hex(8),
            camera=camera,
            start=start,
            end=end,
            state=ExportState.queued,
            progress=0.0,
            created=self._clock(),
        )
        self.store.add_export(record)
        self._ensure_worker()
        self._wake.set()
        return record

    def get(self, export_id: str) -> ExportRecord:
        """One export, or `ExportError` 404."""
        record = self.store.get_export(export_id)
        if record is None:
            raise ExportError(404, f"No export {export_id!r}; it may have been deleted.")
        return record

    def list(self) -> list[ExportRecord]:
        """Every export, newest first."""
        return self.store.list_exports()

    def file_of(self, record: ExportRecord) -> Path:
        """The finished export's file, or `ExportError` (409 not ready, 410 gone)."""
        if record.state is not ExportState.done or record.file is None:
            raise ExportError(409, f"The export is {record.state.value}; its file is not ready.")
        path = confine(self.root.resolve(), record.file)
        if path is None or not path.is_file():
            raise ExportError(410, "The export's file is gone; delete it and export again.")
        return path

    def delete(self, export_id: str) -> None:
        """Delete an export's file, then its row; a running job stops first."""
        record = self.get(export_id)
        with self._lock:
            self._deleted.add(export_id)
        self._remove_files(record)
        self.store.delete_export(export_id)

    # --- the worker -----------------------------------------------------------------

    def start(self) -> None:
        """Queue again what a stop cut short, and run the worker."""
        self.resume()
        self._ensure_worker()

    def resume(self) -> int:
        """Jobs left `running` by a stop or crash are queued again; how many wait."""
        requeued = self.store.requeue_running_exports()
        if requeued:
            log.info("exports: %d unfinished export(s) queued again", requeued)
        waiting = len(self.store.list_exports(ExportState.queued))
        if waiting:
            self._ensure_worker()
            self._wake.set()
        return waiting

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker; a job in flight stops at its next segment and resumes later."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def wait_idle(self, timeout: float, poll_s: float = 0.05) -> bool:
        """Wait until no job is queued or running (for tests and the benchmark)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = [
                r
                for r in self.store.list_exports()
                if r.state in (ExportState.queued, ExportState.running)
            ]
            if not busy:
                return True
            time.sleep(poll_s)
        return False

    def run_pending(self) -> int:
        """Make every queued job now, in this thread; how many were made."""
        made = 0
        while not self._stopping.is_set():
            queued = self.store.list_exports(ExportState.queued)
            if not queued:
                return made
            self._make(queued[0])
            made += 1
        return made

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name="hub-exports", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_pending()
            except Exception:  # one broken job must not end the worker
                log.exception("exports: the worker failed; it goes on with the next job")
            self._wake.wait(5.0)
            self._wake.clear()

    def _make(self, record: ExportRecord) -> None:
        if not self.store.claim_export(record.id):
            return  # taken by another worker, or deleted meanwhile
        segments = self.store.segments(record.camera, record.start, record.end)
        chosen = [(self.recordings / s.path, s.start) for s in segments]
        rel = f"{EXPORT_DIR}/{record.id}.mp4"
        last_write = 0.0

        def progress(share: float) -> None:
            nonlocal last_write
            if self._stopping.is_set() or record.id in self._deleted:
                raise _Cancelled
            now = time.monotonic()
            if now - last_write >= PROGRESS_EVERY_S or share >= 1.0:
                last_write = now
                self.store.set_export_progress(record.id, ExportState.running, share * 0.99)

        try:
            clip = build_clip(chosen, record.start, record.end, self.root / rel, progress)
        except _Cancelled:
            if record.id in self._deleted:
                self._remove_files(record)
            return  # a stop: `resume` queues it again
        except ClipError as exc:
            log.warning("export %s failed: %s", record.id, exc)
            self.store.finish_export(record.id, self._clock(), error=str(exc))
            return
        if not self.store.finish_export(
            record.id, self._clock(), file=rel, size=clip.size, duration=clip.duration
        ):
            (self.root / rel).unlink(missing_ok=True)  # deleted while it finished

    def _remove_files(self, record: ExportRecord) -> None:
        for name in (f"{record.id}.mp4", f"{record.id}.mp4.part"):
            (self.folder / name).unlink(missing_ok=True)
