"""What a camera worker process tells the hub process, over a multiprocessing queue.

Plain picklable dataclasses: the worker never touches the database, so the hub process
is its only writer and a worker that dies mid-sentence cannot corrupt the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from multiprocessing.queues import Queue


class CameraState(StrEnum):
    """What the hub says about a camera, in its API, pages and metrics.

    The worker reports the first five; the hub adds `connecting` before a worker's
    first report and `disabled` for a camera switched off in the config.
    """

    connecting = "connecting"  # opening the input, or waiting for its first frame
    online = "online"  # every input delivers frames
    reconnecting = "reconnecting"  # an input dropped; retrying with backoff
    ended = "ended"  # a file input reached its end (and does not loop)
    stopped = "stopped"  # the worker is shutting down
    failed = "failed"  # the worker could not start (the error says why)
    disabled = "disabled"  # `enabled: false` in the config


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
    # Set when the best frame changed: the owner's copy, with the detector's boxes and
    # scores drawn in, and the same frame clean, which is what may be shared.
    snapshot_jpeg: bytes | None
    clean_jpeg: bytes | None = None


@dataclass(frozen=True, slots=True)
class LiveFrame:
    camera: str
    seq: int
    jpeg: bytes


@dataclass(frozen=True, slots=True)
class LiveAvailable:
    """A new input stream: `codec` (RFC 6381) if it can be watched as H.264, else None."""

    camera: str
    codec: str | None


@dataclass(frozen=True, slots=True)
class LiveInit:
    """Someone watches: a remux `session` started with this init segment (ftyp + moov)."""

    camera: str
    session: int
    codec: str
    data: bytes


@dataclass(frozen=True, slots=True)
class LiveChunk:
    """One fragment (moof + mdat, one frame) of remux `session`, numbered from 0."""

    camera: str
    session: int
    seq: int
    keyframe: bool
    data: bytes


@dataclass(frozen=True, slots=True)
class LiveStopped:
    """The remux ended (nobody watches any more, or the input dropped)."""

    camera: str


@dataclass(frozen=True, slots=True)
class WorkerStats:
    camera: str
    state: CameraState
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
    SegmentClosed
    | MotionSeen
    | EventMessage
    | LiveFrame
    | LiveAvailable
    | LiveInit
    | LiveChunk
    | LiveStopped
    | WorkerStats
    | InputLost
    | InputBack
)

Outbox: TypeAlias = "Queue[WorkerMessage]"
"""The queue every camera worker sends its messages on; the hub process reads it."""
