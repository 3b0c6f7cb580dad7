"""The camera worker's live role: remux only while watched, from a keyframe, per stream."""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from frontporch.hub.capture.camera import ReaderState, ReaderStats
from frontporch.hub.process import worker
from frontporch.hub.process.messages import (
    CameraState,
    LiveAvailable,
    LiveChunk,
    LiveInit,
    LiveStopped,
    WorkerMessage,
)
from frontporch.hub.process.worker import Live, camera_state
from videotools import make_h264

FPS = 15


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264(tmp_path_factory.mktemp("worker-live") / "clip.mp4", seconds=2, fps=FPS)


@pytest.fixture
def open_packets() -> Iterator[Callable[[Path], list]]:
    """Opens files and lists their packets; the files stay open for the muxers' sake
    (a packet's stream is only valid while its container is open)."""
    containers: list = []

    def packets(path: Path) -> list:
        container = av.open(str(path))
        containers.append(container)
        return [p for p in container.demux(container.streams.video[0]) if p.size]

    yield packets
    for container in containers:
        container.close()


def _kinds(messages: list[WorkerMessage]) -> list[str]:
    return [type(m).__name__ for m in messages]


def test_nobody_watching_only_announces_the_codec(clip: Path, open_packets) -> None:
    sent: list[WorkerMessage] = []
    live = Live("porch", ctypes.c_int(0), sent.append)
    for packet in open_packets(clip):
        live.packet(packet)
    assert sent == [LiveAvailable("porch", "avc1.42C00C")]


def test_a_viewer_gets_a_session_from_the_next_keyframe(
    clip: Path, open_packets, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[WorkerMessage] = []
    viewers = ctypes.c_int(0)
    live = Live("porch", viewers, sent.append)
    packets = open_packets(clip)
    for index, packet in enumerate(packets):
        if index == 5:
            viewers.value = 1  # arrives mid-GOP: nothing until the keyframe at FPS
        live.packet(packet)
    init = next(m for m in sent if isinstance(m, LiveInit))
    assert (init.session, init.codec) == (1, "avc1.42C00C")
    assert init.data[4:8] == b"ftyp"
    chunks = [m for m in sent if isinstance(m, LiveChunk)]
    assert [c.seq for c in chunks] == list(range(FPS - 1))  # the last frame is pending
    assert chunks[0].keyframe
    assert not any(c.keyframe for c in chunks[1:])

    viewers.value = 0
    live.packet(packets[-1])  # the viewer just left: the session lingers
    assert not isinstance(sent[-1], LiveStopped)
    monkeypatch.setattr(worker, "LIVE_LINGER_S", 0.0)
    live.packet(packets[-1])
    assert _kinds(sent[-2:]) == ["LiveChunk", "LiveStopped"]  # flushed, then stopped


def test_a_new_stream_ends_the_session_and_starts_another(clip: Path, open_packets) -> None:
    sent: list[WorkerMessage] = []
    live = Live("porch", ctypes.c_int(1), sent.append)
    for packet in open_packets(clip)[:3]:
        live.packet(packet)
    for packet in open_packets(clip)[:2]:  # the file looped: a new stream object
        live.packet(packet)
    assert _kinds(sent) == [
        "LiveAvailable",
        "LiveInit",
        "LiveChunk",
        "LiveChunk",
        "LiveChunk",
        "LiveStopped",
        "LiveAvailable",
        "LiveInit",
        "LiveChunk",
    ]
    assert [m.session for m in sent if isinstance(m, LiveInit)] == [1, 2]
    live.close()
    assert _kinds(sent[-2:]) == ["LiveChunk", "LiveStopped"]


def test_a_stream_that_is_not_h264_offers_no_live_view(tmp_path: Path, open_packets) -> None:
    path = tmp_path / "mpeg4.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, FPS)
        for index in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    sent: list[WorkerMessage] = []
    live = Live("porch", ctypes.c_int(1), sent.append)
    for packet in open_packets(path):
        live.packet(packet)
    assert sent == [LiveAvailable("porch", None)]


def test_a_camera_is_in_the_state_of_its_first_input_that_does_not_deliver() -> None:
    online = ReaderStats(state=ReaderState.streaming, connected=True)
    assert camera_state([online]) is CameraState.online
    assert camera_state([online, online]) is CameraState.online
    waiting = ReaderStats(state=ReaderState.backoff)
    assert camera_state([online, waiting]) is CameraState.reconnecting
    assert camera_state([ReaderStats(state=ReaderState.idle)]) is CameraState.connecting
    assert camera_state([ReaderStats(state=ReaderState.connecting)]) is CameraState.connecting
    assert camera_state([ReaderStats(state=ReaderState.ended)]) is CameraState.ended
    assert camera_state([ReaderStats(state=ReaderState.stopped)]) is CameraState.stopped
