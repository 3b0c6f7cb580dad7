"""What a camera worker process tells the hub process, over a multiprocessing queue.

Plain picklable dataclasses: the worker never touches the database, so the hub process
is its only writer and a worker that dies mid-sentence cannot corrupt the index.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SegmentClosed:
    camera: str
    path: str  # absolute path of the finished .mp4
    start: float
    end: float
    size_bytes: int


@dataclass(frozen=True, slots=True)
class MotionSeen:
    camera: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class EventMessage:
    camera: str
    kind: str  # "opened" | "updated" | "closed"
    event_id: str
    labels: tuple[str, ...]
    top_score: float
    start: float
    end: float | None
    zones: tuple[str, ...]
    snapshot_jpeg: bytes | None  # set when the best frame changed


@dataclass(frozen=True, slots=True)
class LiveFrame:
    camera: str
    seq: int
    jpeg: bytes


@dataclass(frozen=True, slots=True)
class WorkerStats:
    camera: str
    state: str  # "connecting" | "online" | "reconnecting" | "ended" | "failed"
    input_fps: float
    analyzed_fps: float
    skipped_frames: int
    reconnects: int
    last_error: str | None  # already redacted
    recording: bool


@dataclass(frozen=True, slots=True)
class InputLost:
    camera: str
    at: float
    reason: str


@dataclass(frozen=True, slots=True)
class InputBack:
    camera: str
    at: float


WorkerMessage = (
    SegmentClosed | MotionSeen | EventMessage | LiveFrame | WorkerStats | InputLost | InputBack
)
