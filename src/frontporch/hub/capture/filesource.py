"""Reading a video file for offline analysis: every frame decoded, no pacing, no retries.

`frontporch analyze`, the tests and the benchmarks read files through this; the live
hub reads cameras through `capture.InputReader`. A truncated or damaged file yields
the frames it has and then says so in `FileFrames.warning`; one FFmpeg cannot open at
all raises `CaptureError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from av.error import FFmpegError

from frontporch.hub.capture.camera import explain_error, open_input, scale_for_detect
from frontporch.hub.capture.timing import FrameSampler
from frontporch.hub.config import InputConfig

if TYPE_CHECKING:
    from frontporch.hub.capture.camera import VideoPacket

log = logging.getLogger(__name__)


class AnalysedFrame(NamedTuple):
    """A frame from `iter_file_frames`: seconds from the file's start, and the images."""

    t: float
    gray: np.ndarray
    bgr: Callable[[], np.ndarray]


class FileFrames:
    """Frames of a file at the detect rate, as fast as they decode (offline analysis).

    Iterate to get `AnalysedFrame`s. Afterwards `decoded` and `analysed` count frames and
    `warning` says, in words, if the file ended early (truncated, damaged) — the frames up
    to that point were still yielded. A file FFmpeg cannot read at all raises
    `CaptureError` here, before iterating.
    """

    def __init__(self, path: Path, fps: float, width: int, height: int) -> None:
        self.path = Path(path)
        self._size = (width, height)
        self._sampler = FrameSampler(fps)
        self.decoded = 0
        self.analysed = 0
        self.decode_errors = 0
        self.warning: str | None = None
        self._container = open_input(InputConfig(url=str(self.path), realtime=False))
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._time_base = self._stream.time_base or Fraction(1, 90000)
        self._origin: int | None = None
        self._last_t = 0.0

    def __iter__(self) -> Iterator[AnalysedFrame]:
        try:
            yield from self._frames()
        finally:
            self._container.close()
        self._check_complete()

    def close(self) -> None:
        self._container.close()

    def _frames(self) -> Iterator[AnalysedFrame]:
        try:
            for packet in self._container.demux(self._stream):
                yield from self._decode(packet if packet.size else None)
        except (FFmpegError, OSError) as exc:
            self.warning = f"reading stopped at {self._last_t:.1f} s: {explain_error(exc, 0)}"

    def _decode(self, packet: VideoPacket | None) -> Iterator[AnalysedFrame]:
        try:
            frames = self._stream.decode(packet)
        except FFmpegError:
            self.decode_errors += 1
            return
        for frame in frames:
            if frame.pts is None:
                continue
            self.decoded += 1
            if self._origin is None:
                self._origin = frame.pts
            self._last_t = float((frame.pts - self._origin) * self._time_base)
            if self._sampler.take(self._last_t):
                self.analysed += 1
                gray, bgr = scale_for_detect(frame, *self._size)
                yield AnalysedFrame(self._last_t, gray, bgr)

    def _check_complete(self) -> None:
        expected = self._stream.frames
        if self.warning is None and expected and self.decoded < expected:
            self.warning = (
                f"{self.path.name} ends early: {self.decoded} of {expected} frames decoded, "
                f"up to {self._last_t:.1f} s; the file looks truncated or damaged"
            )
        if self.warning is not None:
            log.warning("%s: %s", self.path.name, self.warning)


def iter_file_frames(path: Path, fps: float, width: int, height: int) -> FileFrames:
    """Open `path` for offline analysis at `fps`, frames scaled to `width`×`height`."""
    return FileFrames(path, fps, width, height)


def probe_duration(path: Path) -> float | None:
    """A file's duration in seconds from its header, or None when it does not say."""
    container = open_input(InputConfig(url=str(path), realtime=False))
    try:
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        return container.duration / 1_000_000 if container.duration is not None else None
    finally:
        container.close()
