"""Recordings for the timeline, playback and export tests, made without a camera.

A test clip from `videotools.make_h264` (each frame shows its number) is recorded by
the hub's own `SegmentWriter` into 2 s segments, as a camera's worker records: 8 s,
then a 5 s outage (the writer closed, as at a disconnect, and an outage row in the
index), then 6 s more. The segments, the outage and some motion go into a real
`HubStore`, and `hub_app` serves the hub's web app over it.

`expected_frame(t)` is the source frame recorded at wall-clock time `t`, and
`decoded_frame(recording, t)` reads it back from the segment file with PyAV, the way
the browser test checks what Chromium shows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
from fastapi import FastAPI

from fakes import FakeRuntime, camera_status
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.recording.segments import SegmentInfo, SegmentWriter
from frontporch.hub.store.index import HubStore, Segment
from frontporch.hub.store.layout import INDEX_FILE, RECORDINGS_DIR
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from videotools import make_h264, read_counter

CAMERA = "porch"
T0 = 1_717_400_000.0
FPS = 15
SEGMENT_S = 2.0
BEFORE_S = 8.0  # recorded before the outage (4 segments)
OUTAGE_S = 5.0
AFTER_S = 6.0  # recorded after it (3 segments)
OUTAGE_REASON = "connection refused"
MOTION = (T0 + 2.0, T0 + 5.0)
PASSWORD = "timeline test password"


@dataclass
class Recording:
    """A camera's recorded segments in a real store under `storage`."""

    storage: Path
    store: HubStore
    segments: list[Segment] = field(default_factory=list)

    @property
    def recordings(self) -> Path:
        return self.storage / RECORDINGS_DIR

    def segment_at(self, t: float) -> Segment:
        return next(s for s in self.segments if s.start <= t < s.end)


def recorded_wall(t: float) -> float:
    """The wall-clock time source time `t` was recorded at (after the outage: shifted)."""
    return T0 + t + (OUTAGE_S if t >= BEFORE_S else 0.0)


def expected_frame(wall: float) -> int:
    """The number of the source frame shown at wall-clock time `wall`."""
    source_t = wall - T0 - (OUTAGE_S if wall >= T0 + BEFORE_S + OUTAGE_S else 0.0)
    return math.floor(source_t * FPS + 1e-6)


def _record(source: Path, recordings: Path, camera: str) -> list[SegmentInfo]:
    closed: list[SegmentInfo] = []
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        writer = SegmentWriter(camera, recordings, stream, SEGMENT_S, closed.append)
        reconnected = False
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            t = float(packet.pts * packet.time_base)
            if t >= BEFORE_S and not reconnected:
                writer.close()  # the camera went away: the outage begins
                writer = SegmentWriter(camera, recordings, stream, SEGMENT_S, closed.append)
                reconnected = True
            writer.write(packet, recorded_wall(t))
        writer.close()
    return closed


def make_recording(
    folder: Path, cameras: tuple[str, ...] = (CAMERA,), *, seconds_after: float = AFTER_S
) -> Recording:
    """Record the test clip around an outage into a real store under `folder`/hub, for
    each of `cameras` (the same frames at the same wall-clock times); `segments` are
    the first camera's."""
    storage = folder / "hub"
    storage.mkdir(parents=True, exist_ok=True)
    source = make_h264(folder / "source.mp4", seconds=BEFORE_S + seconds_after, fps=FPS)
    store = HubStore(storage / INDEX_FILE)
    recording = Recording(storage, store)
    for camera in cameras:
        for info in _record(source, recording.recordings, camera):
            rel = info.path.relative_to(recording.recordings).as_posix()
            row = store.add_segment(camera, rel, info.start, info.end, info.size_bytes)
            if camera == cameras[0]:
                recording.segments.append(row)
        store.add_outage(camera, T0 + BEFORE_S, T0 + BEFORE_S + OUTAGE_S, OUTAGE_REASON)
        store.add_motion(camera, *MOTION)
    return recording


def decoded_frame(recording: Recording, wall: float) -> int:
    """The frame number PyAV decodes from the segment file at wall-clock time `wall`:
    the last frame presented at or before it."""
    segment = recording.segment_at(wall)
    shown = None
    with av.open(str(recording.recordings / segment.path)) as container:
        for frame in container.decode(video=0):
            assert frame.time is not None
            if segment.start + frame.time > wall + 1e-6:
                break
            shown = read_counter(frame.to_ndarray(format="gray"))
    assert shown is not None, f"nothing shown at {wall}"
    return shown


def hub_config(storage: Path, *cameras: str) -> HubConfig:
    """A configuration with file cameras (never started here) storing under `storage`."""
    return parse_config(
        {
            "storage": {"path": str(storage), "min_free_gb": 0},
            "cameras": {
                name: {"inputs": [{"url": f"/videos/{name}.mp4"}], "record": {"segment_s": 2}}
                for name in cameras
            },
        }
    )


def hub_app(
    recording: Recording,
    cameras: tuple[str, ...] = (CAMERA,),
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The hub's web app over the recording's store (the runtime is the tests' fake:
    no camera runs), with the owner password `PASSWORD`. The clock is the real one: a
    browser drops a session cookie that a clock in the past made expire."""
    set_owner_password(recording.store, PASSWORD)
    runtime = FakeRuntime({name: camera_status(name) for name in cameras})
    config = hub_config(recording.storage, *cameras)
    return create_hub_app(config, recording.store, runtime, clock=clock)
