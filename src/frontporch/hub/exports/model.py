"""What an export is, and the checks on a range the owner asks for (pure, no I/O).

An export is a job: `queued` when asked for, `running` while the background thread
remuxes it, then `done` (with the file's size and playing time) or `failed` (with the
reason in words). A job found `running` at start-up was cut short by a stop or a crash
and is queued again, so an export survives a browser closing and a hub restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

# An export is one file a person downloads; a day of footage is already gigabytes.
MAX_EXPORT_S = 24 * 3600.0


class ExportState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class ExportError(Exception):
    """An export the hub cannot make or find; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """One export job as stored. `file` is relative to the storage directory."""

    id: str
    camera: str
    start: float
    end: float
    state: ExportState
    progress: float
    created: float
    file: str | None = None
    size: int | None = None
    duration: float | None = None
    error: str | None = None
    finished: float | None = None

    @property
    def download_name(self) -> str:
        """The file name offered to the browser: camera and local start time."""
        stamp = datetime.fromtimestamp(self.start, UTC).strftime("%Y%m%d-%H%M%S")
        return f"{self.camera}-{stamp}Z.mp4"


def iso(t: float) -> str:
    """A unix time as ISO 8601 UTC text, for messages."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_range(start: float, end: float) -> None:
    """Raise `ExportError` (400) for a range that cannot be an export."""
    if not end > start:
        raise ExportError(400, f"The export must end after it starts ({iso(start)} to {iso(end)}).")
    if end - start > MAX_EXPORT_S:
        hours = MAX_EXPORT_S / 3600
        raise ExportError(
            400, f"An export can cover at most {hours:.0f} hours; split the range in parts."
        )
