"""What the timeline and exports read and write in the hub's store (HubStore provides it;
`export_tables.py` holds the export table and the segment-by-id read)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from frontporch.hub.exports.model import ExportRecord, ExportState
from frontporch.hub.recording.records import OutageRecord, StoredSegment, TimeSpanRecord


class TimelineStorePort(Protocol):
    """Segments, motion and outages of a camera in a window; one segment by id."""

    def segments(self, camera: str, start: float, end: float) -> Sequence[StoredSegment]:
        """Segments overlapping [start, end], oldest first."""
        ...

    def motion_spans(self, camera: str, start: float, end: float) -> Sequence[TimeSpanRecord]:
        """Motion spans touching [start, end], by start."""
        ...

    def outages(self, camera: str, start: float, end: float) -> Sequence[OutageRecord]:
        """Outages overlapping [start, end], oldest first."""
        ...

    def segment_by_id(self, camera: str, segment_id: int) -> StoredSegment | None:
        """One of `camera`'s segments, or None."""
        ...


class ExportStorePort(TimelineStorePort, Protocol):
    """The export jobs, beside the recordings they are made of."""

    def add_export(self, record: ExportRecord) -> None: ...

    def get_export(self, export_id: str) -> ExportRecord | None: ...

    def list_exports(self, state: ExportState | None = None) -> list[ExportRecord]: ...

    def set_export_progress(self, export_id: str, state: ExportState, progress: float) -> bool: ...

    def finish_export(
        self,
        export_id: str,
        at: float,
        *,
        file: str | None = None,
        size: int | None = None,
        duration: float | None = None,
        error: str | None = None,
    ) -> bool: ...

    def claim_export(self, export_id: str) -> bool: ...

    def requeue_running_exports(self) -> int: ...

    def delete_export(self, export_id: str) -> bool: ...
