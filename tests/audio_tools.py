"""A test camera with sound: H.264 video (`videotools`' frames) and an AAC track."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from videotools import _yuv420p

FPS = 15
RATE = 48000
SAMPLES = 1024  # AAC frame


def make_av(path: Path, seconds: float = 6.0, size: tuple[int, int] = (320, 240)) -> Path:
    """H.264 (a keyframe a second) with an AAC track: a 440 Hz tone."""
    width, height = size
    frames = round(seconds * FPS)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.time_base = Fraction(1, FPS)
        video.options = {"preset": "ultrafast", "x264-params": f"keyint={FPS}:bframes=0"}
        sound = out.add_stream("aac", rate=RATE)
        sound.layout = "mono"
        audio_done = 0
        for index in range(frames):
            frame = _yuv420p(index, frames, width, height)
            frame.pts = index
            out.mux(video.encode(frame))
            while audio_done * SAMPLES < (index + 1) * RATE / FPS:
                t = (np.arange(SAMPLES) + audio_done * SAMPLES) / RATE
                tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
                chunk = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts = RATE, audio_done * SAMPLES
                out.mux(sound.encode(chunk))
                audio_done += 1
        out.mux(video.encode(None))
        out.mux(sound.encode(None))
    return path
