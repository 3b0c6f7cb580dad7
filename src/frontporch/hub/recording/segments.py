"""Recording by stream copy: a camera's packets go into fixed-length MP4 segments as-is.

No decoding and no encoding happen here, so recording costs almost no CPU whatever the
resolution: each packet gets new timestamps and is handed to FFmpeg's `mp4` muxer
(`add_stream_from_template` copies the codec parameters, SPS/PPS included).

Layout: `root/<camera>/<YYYY-MM-DD>/<HH>/<unix_start>.mp4`, the date and hour in UTC
(a local-time hour repeats when clocks go back). A segment being written is named
`….mp4.part` and renamed atomically (`os.replace`) after the muxer has written its
index (`moov`) and the file was fsync'ed, so a crash or `kill -9` loses only the segment
in progress; the index reconciler deletes stray `.part` files (a stale one is simply
overwritten). Two segments starting in the same second (a quick reconnect) get
`<unix_start>-1.mp4` and so on.

Hazards:
- A segment must start with a keyframe to be playable on its own: a new segment starts
  at the first keyframe after `segment_s`, and packets before the first keyframe of a
  connection are dropped.
- Cameras send odd timestamps (missing, repeated, going backwards). Each segment is
  rebased to start at 0 and its decode timestamps are forced strictly increasing, with
  presentation never before decode; the gap between pts and dts (B-frame reordering)
  is kept, so the muxer writes the composition offsets it needs.
- A full disk, a vanished directory: the segment being written is closed and deleted,
  `RecordError` is raised to the caller, and the next keyframe starts a new segment.
  Closed segments are never touched again.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import av
from av.audio.stream import AudioStream
from av.container import OutputContainer
from av.error import FFmpegError
from av.packet import Packet
from av.video.stream import VideoStream

from frontporch.hub.capture.camera import reason_of
from frontporch.hub.config import CAMERA_NAME

if TYPE_CHECKING:  # PyAV's Packet is generic only in its type stubs
    VideoPacket: TypeAlias = Packet[VideoStream]
    AudioPacket: TypeAlias = Packet[AudioStream]

_FALLBACK_RATE = Fraction(25)


class RecordError(Exception):
    """Writing a segment failed; that segment was discarded, recording goes on."""


@dataclass(frozen=True)
class SegmentInfo:
    """A closed segment: wall-clock `start` of its first packet, `end` of its last."""

    camera: str
    path: Path
    start: float
    end: float
    size_bytes: int
    frames: int

    @property
    def duration(self) -> float:
        return self.end - self.start


def segment_dir(root: Path, camera: str, start: float) -> Path:
    """The folder a segment starting at `start` (unix seconds) belongs in."""
    utc = time.gmtime(start)
    return root / camera / time.strftime("%Y-%m-%d", utc) / time.strftime("%H", utc)


def _free_name(directory: Path, start: float) -> Path:
    stem = str(int(start))
    candidate = directory / f"{stem}.mp4"
    suffix = 0
    while candidate.exists():
        suffix += 1
        candidate = directory / f"{stem}-{suffix}.mp4"
    return candidate


def _frame_ticks(template: VideoStream, time_base: Fraction) -> int:
    """One frame's duration in `time_base` units, for packets that do not say."""
    rate = template.average_rate or template.guessed_rate or _FALLBACK_RATE
    return max(1, round(1 / (Fraction(rate) * time_base)))


class _Segment:
    """One MP4 being written: rebases and repairs timestamps, counts frames."""

    def __init__(
        self,
        final: Path,
        template: VideoStream,
        start: float,
        audio: AudioStream | None = None,
    ) -> None:
        self.final = final
        self.part = final.with_name(final.name + ".part")
        self.start = start
        self.end = start
        self.frames = 0
        self.time_base = template.time_base or Fraction(1, 90000)
        self._ticks = _frame_ticks(template, self.time_base)
        self._base: int | None = None
        self._last_dts: int | None = None
        self._container: OutputContainer = av.open(str(self.part), "w", format="mp4")
        self._audio: AudioStream | None = None
        self._audio_last: int | None = None
        try:
            self._stream = self._container.add_stream_from_template(template)
            if audio is not None:
                self._audio = self._container.add_stream_from_template(audio)
        except Exception:
            self._container.close()
            raise

    def add_audio(self, packet: AudioPacket) -> None:
        """Add an audio packet on the video's time line (both streams' timestamps come
        from the same container): one before the segment's first frame, or one not after
        the previous, is dropped."""
        if self._audio is None or self._base is None or packet.pts is None:
            return
        atb = packet.time_base or Fraction(1, 48000)
        pts = round((packet.pts * atb - self._base * self.time_base) / atb)
        if pts < 0 or (self._audio_last is not None and pts <= self._audio_last):
            return
        self._audio_last = pts
        packet.stream = self._audio
        packet.time_base = atb
        packet.pts = packet.dts = pts
        self._container.mux_one(packet)

    def add(self, packet: VideoPacket, wallclock: float) -> None:
        pts, dts = self._rebased(packet, wallclock)
        duration = packet.duration or self._ticks
        packet.stream = self._stream
        packet.time_base = self.time_base
        packet.pts, packet.dts, packet.duration = pts, dts, duration
        self._container.mux_one(packet)
        self.frames += 1
        self.end = max(self.end, wallclock + float(duration * self.time_base))

    def _rebased(self, packet: VideoPacket, wallclock: float) -> tuple[int, int]:
        pts, dts = packet.pts, packet.dts
        if pts is None:
            # No presentation time from the camera: derive it from the wall clock.
            pts = round((wallclock - self.start) / self.time_base) + (self._base or 0)
        if self._base is None:
            self._base = pts
        pts -= self._base
        dts = pts if dts is None else dts - self._base
        if self._last_dts is not None and dts <= self._last_dts:
            dts = self._last_dts + 1
        self._last_dts = dts
        return max(pts, dts), dts

    def finish(self, camera: str) -> SegmentInfo:
        """Write the index, make the file durable, and give it its final name."""
        self._container.close()
        with self.part.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.part, self.final)
        size = self.final.stat().st_size
        return SegmentInfo(camera, self.final, self.start, self.end, size, self.frames)

    def discard(self) -> None:
        """Drop a segment that failed; errors while closing it do not matter any more."""
        with contextlib.suppress(FFmpegError, OSError):
            self._container.close()
        self.part.unlink(missing_ok=True)


class SegmentWriter:
    """Copies one camera's video packets into segments of about `segment_s` seconds.

    Call `write` for every packet (in decode order) with its wall-clock time, and
    `close` when the input disconnects (the gap then shows between segments) and at
    shutdown; a reconnect, whose stream parameters may differ, gets a new writer.
    `on_segment` is called with each closed segment. Not thread-safe: use it from one
    thread, normally the camera's `InputReader`.
    """

    def __init__(
        self,
        camera: str,
        root: Path,
        in_stream: VideoStream,
        segment_s: float,
        on_segment: Callable[[SegmentInfo], None],
        audio: AudioStream | None = None,
    ) -> None:
        """`audio`: the input's audio stream, copied into the segments too (the owner's
        `record.audio`); None records video only."""
        if not CAMERA_NAME.match(camera):
            raise ValueError(f"camera name {camera!r} cannot be used as a folder name")
        self.camera = camera
        self.root = Path(root)
        self.segment_s = segment_s
        self.dropped = 0  # packets dropped while waiting for a keyframe
        self._template = in_stream
        self.audio = audio
        self._on_segment = on_segment
        self._segment: _Segment | None = None

    def write(self, packet: VideoPacket, wallclock: float) -> None:
        """Add a packet; may start a new segment. Raises `RecordError` if a segment was
        lost (it has been cleaned up; the writer keeps going at the next keyframe)."""
        if not packet.size:
            return
        errors: list[str] = []
        closed = None
        current = self._segment
        if current and packet.is_keyframe and wallclock - current.start >= self.segment_s:
            closed = self._finish(errors)
        if self._segment is None and packet.is_keyframe:
            self._begin(wallclock, errors)
        if self._segment is None:
            self.dropped += 1
        else:
            self._add(self._segment, packet, wallclock, errors)
        self._report(closed, errors)

    def write_audio(self, packet: AudioPacket) -> None:
        """Add an audio packet of `audio` to the segment being written (none is open
        before the first keyframe: the packet is dropped then)."""
        segment = self._segment
        if segment is None or not packet.size:
            return
        errors: list[str] = []
        try:
            segment.add_audio(packet)
        except (FFmpegError, OSError) as exc:
            segment.discard()
            self._segment = None
            errors.append(f"writing {segment.part} failed ({reason_of(exc)}); that segment is lost")
        self._report(None, errors)

    def close(self) -> None:
        """End the current segment, if any (at a disconnect or shutdown)."""
        errors: list[str] = []
        self._report(self._finish(errors), errors)

    def _report(self, closed: SegmentInfo | None, errors: list[str]) -> None:
        if closed is not None:
            self._on_segment(closed)
        if errors:
            raise RecordError(f"{self.camera}: " + "; ".join(errors))

    def _begin(self, wallclock: float, errors: list[str]) -> None:
        directory = segment_dir(self.root, self.camera, wallclock)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._segment = _Segment(
                _free_name(directory, wallclock), self._template, wallclock, self.audio
            )
        except (FFmpegError, OSError) as exc:
            errors.append(f"cannot start a segment in {directory} ({reason_of(exc)})")

    def _add(
        self, segment: _Segment, packet: VideoPacket, wallclock: float, errors: list[str]
    ) -> None:
        try:
            segment.add(packet, wallclock)
        except (FFmpegError, OSError) as exc:
            segment.discard()
            self._segment = None
            errors.append(f"writing {segment.part} failed ({reason_of(exc)}); that segment is lost")

    def _finish(self, errors: list[str]) -> SegmentInfo | None:
        segment, self._segment = self._segment, None
        if segment is None:
            return None
        try:
            return segment.finish(self.camera)
        except (FFmpegError, OSError) as exc:
            segment.discard()
            errors.append(f"closing {segment.part} failed ({reason_of(exc)}); that segment is lost")
            return None
