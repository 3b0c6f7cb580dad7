"""InputReader and iter_file_frames against real files and a closed RTSP port.

The RTSP-server test (GStreamer) lives elsewhere; here a file stands in for a live
camera (`realtime`, `loop`), and failures are provoked with missing, garbage, truncated
files and a port nobody listens on.
"""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from frontporch.hub.capture.camera import (
    CaptureError,
    DetectFrame,
    InputReader,
    ReaderState,
    open_input,
    redact_url,
    scale_for_detect,
)
from frontporch.hub.capture.filesource import iter_file_frames
from frontporch.hub.config import InputConfig
from videotools import make_h264, read_counter

FPS = 15


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("capture") / "two_seconds.mp4"
    return make_h264(path, seconds=2, fps=FPS, size=(320, 240), gop_s=1.0)


@pytest.fixture
def readers() -> Iterator[list[InputReader]]:
    started: list[InputReader] = []
    yield started
    for reader in started:
        reader.stop()


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)


def timed_stop(reader: InputReader) -> float:
    began = time.monotonic()
    reader.stop()
    return time.monotonic() - began


def test_looping_realtime_file_behaves_like_a_live_camera(
    clip: Path, readers: list[InputReader]
) -> None:
    packets: list[tuple[int, float, float]] = []
    frames: list[tuple[DetectFrame, float]] = []
    reader = InputReader(
        InputConfig(url=str(clip), loop=True, realtime=True),
        on_packet=lambda p, wall: packets.append((p.pts, wall, time.time())),
        on_frame=lambda f, wall: frames.append((scale_for_detect(f, 160, 120), wall)),
        detect_fps=5,
    )
    readers.append(reader)
    reader.start()
    time.sleep(3.5)  # crosses the end of the 2 s file once
    stats = reader.stats()
    assert timed_stop(reader) < 1.0

    assert stats.state is ReaderState.streaming
    assert stats.connected
    assert stats.reconnects == 0
    assert stats.last_error is None
    assert 3.5 * FPS - 8 <= len(packets) <= 3.5 * FPS + 2  # paced at real time
    pts = [p[0] for p in packets]
    walls = [p[1] for p in packets]
    assert all(b > a for a, b in itertools.pairwise(pts))  # offset across the loop
    assert all(b > a for a, b in itertools.pairwise(walls))
    assert max(abs(wall - arrival) for _, wall, arrival in packets) < 0.5
    assert 3.5 * 5 - 5 <= len(frames) <= 3.5 * 5 + 1  # detect fps, not source fps
    gray, bgr = frames[0][0]
    assert gray.shape == (120, 160)
    assert gray.dtype == np.uint8
    assert bgr().shape == (120, 160, 3)
    counters = [read_counter(f.gray) for f, _ in frames]
    assert counters[:5] == [0, 3, 6, 9, 12]
    assert 0 in counters[5:]  # the file started again


def test_a_file_without_loop_ends(clip: Path, readers: list[InputReader]) -> None:
    count = []
    reader = InputReader(
        InputConfig(url=str(clip), loop=False, realtime=False),
        on_packet=lambda p, wall: count.append(wall),
    )
    readers.append(reader)
    reader.start()
    reader.join(5.0)

    assert not reader.alive
    assert reader.stats().state is ReaderState.ended
    assert len(count) == 2 * FPS


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.mp4", None, "no such file"),
        ("garbage.mp4", b"\x13\x37 not video " * 4000, "not a video stream"),
    ],
)
def test_unreadable_files_are_retried_without_killing_the_thread(
    tmp_path: Path,
    readers: list[InputReader],
    name: str,
    content: bytes | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    reader = InputReader(InputConfig(url=str(path), reconnect_max_s=1.0))
    readers.append(reader)
    reader.start()
    wait_for(lambda: reader.stats().reconnects >= 2, timeout=5.0)

    stats = reader.stats()
    assert reader.alive
    assert stats.reconnects >= 2
    assert not stats.connected
    assert stats.last_error is not None
    assert message in stats.last_error
    assert timed_stop(reader) < 1.0
    assert reader.stats().state is ReaderState.stopped


def test_truncated_file_yields_frames_up_to_the_cut_then_says_so(tmp_path: Path) -> None:
    whole = make_h264(tmp_path / "whole.mp4", seconds=6, fps=FPS, gop_s=1.0, faststart=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])

    frames = iter_file_frames(cut, fps=5, width=160, height=120)
    got = list(frames)

    assert len(got) >= 5
    assert [read_counter(f.gray) for f in got] == [3 * i for i in range(len(got))]
    assert [round(f.t, 3) for f in got] == [round(0.2 * i, 3) for i in range(len(got))]
    assert frames.analysed == len(got)
    assert frames.decoded > frames.analysed
    assert frames.warning is not None
    assert "truncated" in frames.warning


def test_iter_file_frames_rejects_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.ts"
    path.write_bytes(b"\xff" * 10000)

    with pytest.raises(CaptureError, match="not a video stream"):
        iter_file_frames(path, fps=5, width=160, height=120)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_rtsp_to_a_closed_port_reports_without_credentials(readers: list[InputReader]) -> None:
    url = f"rtsp://admin:hunter2@127.0.0.1:{closed_port()}/stream1"
    cfg = InputConfig(url=url, timeout_s=2.0, reconnect_max_s=1.0)

    with pytest.raises(CaptureError) as raised:
        open_input(cfg)
    assert "hunter2" not in str(raised.value)
    assert "***@127.0.0.1" in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__

    reader = InputReader(cfg)
    readers.append(reader)
    reader.start()
    wait_for(lambda: reader.stats().reconnects >= 1, timeout=5.0)
    stats = reader.stats()
    assert stats.last_error is not None
    assert "connection refused" in stats.last_error
    assert "hunter2" not in stats.last_error
    assert timed_stop(reader) < 1.0


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:s3cret@10.0.0.5:554/live", "rtsp://***@10.0.0.5:554/live"),
        ("rtsp://admin:p@ss/w#rd@cam.lan/s", "rtsp://***@cam.lan/s"),
        (
            "http://cam/snap.cgi?user=a&password=b&ch=1",
            "http://cam/snap.cgi?user=***&password=***&ch=***",
        ),
        ("rtsp://10.0.0.5/live", "rtsp://10.0.0.5/live"),
        ("/var/video/front door.mp4", "/var/video/front door.mp4"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
