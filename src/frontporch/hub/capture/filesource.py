"""Reading a video file for offline analysis: every frame decoded, no pacing, no retries.

`frontporch analyze`, the tests and the benchmarks read files through this; the live
hub reads cameras through `capture.InputReader`. A truncated or damaged file yields
the frames it has and then says so in `FileFrames.warning`; one FFmpeg cannot open at
all raises `CaptureError`. `probe_duration` measures how much video a file holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import av
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
    """Seconds of video in a file, from its first frame to the end of its last, or None
    if it cannot be read or has no video.

    Demuxes the first video stream without decoding, so a 10 s segment costs
    milliseconds; the janitor trusts it to index a segment the index missed, and
    `frontporch analyze` to size its progress bar.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            first: int | None = None
            last: int | None = None
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue  # the flush packet at the end
                first = packet.pts if first is None else min(first, packet.pts)
                stop = packet.pts + (packet.duration or 0)
                last = stop if last is None else max(last, stop)
            if first is None or last is None or stream.time_base is None:
                return None
            return float((last - first) * stream.time_base)
    except (FFmpegError, OSError):
        return None
