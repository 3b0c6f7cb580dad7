"""Encoding rendered frames to an H.264 MP4 that plays, seeks and splits like a camera's.

libx264 (in PyAV's FFmpeg), yuv420p, a keyframe exactly every `gop_s` seconds and no
others (recording splits segments at keyframes, so their spacing must be regular), no
B-frames (IP cameras rarely send them), constant frame rate with `time_base = 1/fps`
and pts = frame index, so the container's duration is frames / fps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

PRESET = "veryfast"


def frame_rate(fps: float) -> Fraction:
    """`fps` as an exact rational (29.97 becomes 2997/100, 15.0 becomes 15)."""
    return Fraction(fps).limit_denominator(1001)


def encode_h264(
    frames: Iterable[np.ndarray],
    path: Path,
    *,
    width: int,
    height: int,
    fps: float,
    total: int,
    gop_s: float = 2.0,
    crf: int = 23,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write BGR uint8 `frames` to an MP4 at `path`; `progress(done, total)` per frame."""
    rate = frame_rate(fps)
    gop = max(1, round(gop_s * fps))
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.time_base = 1 / rate
        stream.options = {
            "preset": PRESET,
            "crf": str(crf),
            "g": str(gop),
            "keyint_min": str(gop),
            "sc_threshold": "0",
            "bf": "0",
        }
        for index, image in enumerate(frames):
            yuv = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            frame.pts = index
            frame.time_base = 1 / rate
            container.mux(stream.encode(frame))
            if progress is not None:
                progress(index + 1, total)
        container.mux(stream.encode(None))
