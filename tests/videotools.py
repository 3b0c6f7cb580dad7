"""Small H.264 test files made with PyAV, for the capture, record and clip tests.

Each frame shows a box moving left to right on a grey background and, along the top, a
strip of 16 black/white blocks that spell the frame number in binary. The blocks are
large enough to survive compression, so a test can decode any output and read back which
source frames it holds (`read_counter`), in what order, and whether any were lost.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from frontporch.hub.recording.segments import SegmentInfo, SegmentWriter

COUNTER_BITS = 16


def _luma(index: int, frames: int, width: int, height: int) -> np.ndarray:
    y = np.full((height, width), 110, dtype=np.uint8)
    box = max(8, height // 6)
    x = int((width - box) * index / max(1, frames - 1))
    top = height // 2 - box // 2
    y[top : top + box, x : x + box] = 235
    block = width // COUNTER_BITS
    for bit in range(COUNTER_BITS):
        value = 235 if index >> bit & 1 else 16
        y[0:block, bit * block : (bit + 1) * block] = value
    return y


def _yuv420p(index: int, frames: int, width: int, height: int) -> av.VideoFrame:
    luma = _luma(index, frames, width, height)
    chroma = np.full((height // 2, width), 128, dtype=np.uint8)
    return av.VideoFrame.from_ndarray(np.vstack([luma, chroma]), format="yuv420p")


def make_h264(
    path: Path,
    seconds: float = 12.0,
    fps: int = 15,
    size: tuple[int, int] = (320, 240),
    gop_s: float = 1.0,
    *,
    bframes: int = 0,
    faststart: bool = False,
) -> Path:
    """Encode a test clip (container from the suffix: .mp4, .ts, .mkv) with fixed GOPs."""
    width, height = size
    frames = round(seconds * fps)
    keyint = max(1, round(gop_s * fps))
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        stream.options = {
            "preset": "ultrafast",
            "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0:bframes={bframes}",
        }
        for index in range(frames):
            frame = _yuv420p(index, frames, width, height)
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def read_counter(gray: np.ndarray) -> int:
    """The frame number drawn by `make_h264`, read from a decoded (or scaled) luma plane."""
    block = gray.shape[1] // COUNTER_BITS
    row = gray[block // 4 : max(block // 4 + 1, block * 3 // 4)]
    value = 0
    for bit in range(COUNTER_BITS):
        cell = row[:, bit * block + block // 4 : bit * block + max(block // 4 + 1, block * 3 // 4)]
        if cell.mean() > 128:
            value |= 1 << bit
    return value


def decode_counters(path: Path) -> list[int]:
    """Every frame of `path` in presentation order, as the numbers `make_h264` drew."""
    with av.open(str(path)) as container:
        return [
            read_counter(frame.to_ndarray(format="gray")) for frame in container.decode(video=0)
        ]


def record_segments(
    source: Path, camera: str, root: Path, segment_s: float, start: float
) -> list[SegmentInfo]:
    """`source` recorded by stream copy into `segment_s` segments under `root`, as a
    camera's worker records, with the wall clock at `start` + pts."""
    closed: list[SegmentInfo] = []
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        writer = SegmentWriter(camera, root, stream, segment_s, closed.append)
        for packet in container.demux(stream):
            if packet.pts is not None:
                writer.write(packet, start + float(packet.pts * packet.time_base))
        writer.close()
    return closed
