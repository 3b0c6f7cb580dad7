"""In memory: the store's export table, motion spans and segment-by-id read (what
`timeline/ports.py` asks of the store), mixed into `fakes.FakeStore`. The timeline and
export tests themselves run on the real store (`timeline_tools.py`); this keeps the
fake a full `HubStorePort` for the tests that walk every page and route."""

from __future__ import annotations

from dataclasses import replace

from frontporch.hub.exports.model import ExportRecord, ExportState
from frontporch.hub.store.index import MotionSpan, Segment


class FakeExportTables:
    """Export jobs in a dict, motion in a list (state made on first use, so a dataclass
    subclass needs no fields for it); segments are looked up in `segment_list`."""

    segment_list: list[Segment]

    @property
    def exports(self) -> dict[str, ExportRecord]:
        found: dict[str, ExportRecord] | None = getattr(self, "_fake_exports", None)
        if found is None:
            found = {}
            object.__setattr__(self, "_fake_exports", found)
        return found

    @property
    def motion_list(self) -> list[MotionSpan]:
        found: list[MotionSpan] | None = getattr(self, "_fake_motion", None)
        if found is None:
            found = []
            object.__setattr__(self, "_fake_motion", found)
        return found

    def motion_spans(self, camera: str, start: float, end: float) -> list[MotionSpan]:
        return [
            m for m in self.motion_list if m.camera == camera and m.end >= start and m.start <= end
        ]

    def segment_by_id(self, camera: str, segment_id: int) -> Segment | None:
        return next(
            (s for s in self.segment_list if s.id == segment_id and s.camera == camera), None
        )

    def add_export(self, record: ExportRecord) -> None:
        self.exports[record.id] = record

    def get_export(self, export_id: str) -> ExportRecord | None:
        return self.exports.get(export_id)

    def list_exports(self, state: ExportState | None = None) -> list[ExportRecord]:
        if state is not None:
            return sorted(
                (r for r in self.exports.values() if r.state is state), key=lambda r: r.created
            )
        return sorted(self.exports.values(), key=lambda r: (r.created, r.id), reverse=True)

    def set_export_progress(self, export_id: str, state: ExportState, progress: float) -> bool:
        found = self.exports.get(export_id)
        if found is not None:
            self.exports[export_id] = replace(found, state=state, progress=progress)
        return found is not None

    def claim_export(self, export_id: str) -> bool:
        found = self.exports.get(export_id)
        if found is None or found.state is not ExportState.queued:
            return False
        self.exports[export_id] = replace(found, state=ExportState.running, progress=0.0)
        return True

    def finish_export(
        self,
        export_id: str,
        at: float,
        *,
        file: str | None = None,
        size: int | None = None,
        duration: float | None = None,
        error: str | None = None,
    ) -> bool:
        found = self.exports.get(export_id)
        if found is None:
            return False
        state = ExportState.failed if error is not None else ExportState.done
        self.exports[export_id] = replace(
            found,
            state=state,
            progress=1.0 if error is None else 0.0,
            file=file,
            size=size,
            duration=duration,
            error=error,
            finished=at,
        )
        return True

    def requeue_running_exports(self) -> int:
        running = [r for r in self.exports.values() if r.state is ExportState.running]
        for record in running:
            self.exports[record.id] = replace(record, state=ExportState.queued, progress=0.0)
        return len(running)

    def delete_export(self, export_id: str) -> bool:
        return self.exports.pop(export_id, None) is not None
