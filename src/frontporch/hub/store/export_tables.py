"""The hub index's export table (schema v11), as a `HubStore` part; and the one read of
the segments table the timeline needs that the core store lacks (a segment by its id).

- `exports`: one row per export job (`hub/exports/model.py`): its range, state,
  progress, and when done the file (relative to the storage directory), its size and
  playing time; when failed, the reason. The file is removed before the row.
"""

from __future__ import annotations

import sqlite3

from frontporch.hub.exports.model import ExportRecord, ExportState
from frontporch.hub.store.records import Segment
from frontporch.hub.store.rows import segment_from_row
from frontporch.hub.store.tables import StoreConnections

SCHEMA = """
CREATE TABLE exports (
    id TEXT PRIMARY KEY,
    camera TEXT NOT NULL,
    start_ts REAL NOT NULL,
    end_ts REAL NOT NULL CHECK (end_ts > start_ts),
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    progress REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    created REAL NOT NULL,
    file TEXT,
    size INTEGER,
    duration REAL,
    error TEXT,
    finished REAL
) WITHOUT ROWID;
CREATE INDEX exports_created ON exports (created, id);
CREATE INDEX exports_state ON exports (state, created);
"""

_COLUMNS = (
    "id, camera, start_ts, end_ts, state, progress, created, file, size, duration, error, finished"
)


def _export(row: sqlite3.Row) -> ExportRecord:
    return ExportRecord(
        id=row["id"],
        camera=row["camera"],
        start=row["start_ts"],
        end=row["end_ts"],
        state=ExportState(row["state"]),
        progress=row["progress"],
        created=row["created"],
        file=row["file"],
        size=row["size"],
        duration=row["duration"],
        error=row["error"],
        finished=row["finished"],
    )


class ExportTables(StoreConnections):
    """Export jobs, and segments by id; mixed into `HubStore`."""

    def add_export(self, record: ExportRecord) -> None:
        """Keep a new export job."""
        with self._tx() as conn:
            conn.execute(
                f"INSERT INTO exports ({_COLUMNS}) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.camera,
                    record.start,
                    record.end,
                    record.state.value,
                    record.progress,
                    record.created,
                    record.file,
                    record.size,
                    record.duration,
                    record.error,
                    record.finished,
                ),
            )

    def get_export(self, export_id: str) -> ExportRecord | None:
        """One export job, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM exports WHERE id = ?",  # noqa: S608
                (export_id,),
            ).fetchone()
        return None if row is None else _export(row)

    def list_exports(self, state: ExportState | None = None) -> list[ExportRecord]:
        """Export jobs newest first (only those in `state` if given)."""
        with self._read() as conn:
            if state is None:
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM exports ORDER BY created DESC, id DESC"  # noqa: S608
                ).fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM exports WHERE state = ? "  # noqa: S608
                    "ORDER BY created, id",
                    (state.value,),
                ).fetchall()
        return [_export(row) for row in rows]

    def set_export_progress(self, export_id: str, state: ExportState, progress: float) -> bool:
        """Move a job to `state` with `progress` (0-1); whether it still exists."""
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE exports SET state = ?, progress = ? WHERE id = ?",
                (state.value, min(max(progress, 0.0), 1.0), export_id),
            )
        return cursor.rowcount > 0

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
        """A job is done (`file` given) or failed (`error` given); whether it exists."""
        state = ExportState.failed if error is not None else ExportState.done
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE exports SET state = ?, progress = ?, file = ?, size = ?, duration = ?, "
                "error = ?, finished = ? WHERE id = ?",
                (
                    state.value,
                    1.0 if error is None else 0.0,
                    file,
                    size,
                    duration,
                    error,
                    at,
                    export_id,
                ),
            )
        return cursor.rowcount > 0

    def claim_export(self, export_id: str) -> bool:
        """Move a queued job to running; False if it is no longer queued (another worker
        took it, or it was deleted), so a job is never made twice at once."""
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE exports SET state = 'running', progress = 0 "
                "WHERE id = ? AND state = 'queued'",
                (export_id,),
            )
        return cursor.rowcount > 0

    def requeue_running_exports(self) -> int:
        """Jobs a stop or crash cut short go back to the queue; how many."""
        with self._tx() as conn:
            cursor = conn.execute(
                "UPDATE exports SET state = 'queued', progress = 0 WHERE state = 'running'"
            )
        return cursor.rowcount

    def delete_export(self, export_id: str) -> bool:
        """Forget a job (its file is removed first, by the desk); whether it existed."""
        with self._tx() as conn:
            cursor = conn.execute("DELETE FROM exports WHERE id = ?", (export_id,))
        return cursor.rowcount > 0

    def segment_by_id(self, camera: str, segment_id: int) -> Segment | None:
        """One of `camera`'s segments by its index id, or None (the player fetches a
        segment by the id the timeline gave it)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT id, camera, path, start_ts, end_ts, size_bytes FROM segments "
                "WHERE id = ? AND camera = ?",
                (segment_id, camera),
            ).fetchone()
        return None if row is None else segment_from_row(row)


__all__ = ["SCHEMA", "ExportTables"]
