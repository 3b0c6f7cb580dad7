"""Clips: the recorded segments covering a time window, joined by remuxing into one MP4.

Nothing is decoded or re-encoded: packets are copied from the segments into a new MP4
written with `movflags=+faststart`, which moves the index (`moov`) in front of the media
data (`mdat`) so a browser can start playing while it downloads. The clip starts at the
last keyframe at or before the window's start (a clip cannot start between keyframes
without re-encoding) and stops after the last packet whose decode time is inside the
window, so every frame shown up to the end is decodable.

Timestamps: each segment's packets are shifted so that the segment continues exactly
where the previous one ended in the clip's timeline; decode timestamps are kept strictly
increasing. A gap in the recording (a camera that was offline) is closed up: the clip is
then shorter than the window, and `ClipInfo.warnings` says where the gap was. A segment
that cannot be read, or whose stream differs from the first one's (a camera that came
back at another resolution), is skipped with a warning; the clip fails with `ClipError`
only when nothing could be used at all.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, cast

import av
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.error import FFmpegError
from av.packet import Packet
from av.video.stream import VideoStream

from frontporch.hub.capture.camera import reason_of

if TYPE_CHECKING:  # PyAV's Packet is generic only in its type stubs
    VideoPacket: TypeAlias = Packet[VideoStream]
    AudioPacket: TypeAlias = Packet[AudioStream]

log = logging.getLogger(__name__)

# A jump in the wall clock between two segments larger than this is reported as a gap.
GAP_S = 1.0


class ClipError(Exception):
    """No clip could be made; the message says why."""


@dataclass(frozen=True)
class ClipInfo:
    """A finished clip. `start`/`end` are the wall-clock times of its first frame and of
    the end of its last; `duration` is its playing time (shorter than `end - start`
    when the recording had gaps)."""

    path: Path
    start: float
    end: float
    duration: float
    size: int
    warnings: tuple[str, ...] = ()


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def covering(segments: Sequence[tuple[Path, float]], start: float, end: float) -> list[int]:
    """Indexes of the segments (ordered by start) that may hold video in [start, end]:
    the last one starting at or before `start`, and every one starting inside."""
    chosen = []
    for i, (_, seg_start) in enumerate(segments):
        following = segments[i + 1][1] if i + 1 < len(segments) else None
        if seg_start <= end and (following is None or following > start):
            chosen.append(i)
    return chosen


def _signature(stream: VideoStream) -> tuple[object, ...]:
    ctx = stream.codec_context
    return (ctx.name, ctx.width, ctx.height, ctx.extradata)


@dataclass
class _Timeline:
    """Where the clip stands: its output stream and the next segment's place in it."""

    container: OutputContainer
    stream: VideoStream | None = None
    signature: tuple[object, ...] = ()
    time_base: Fraction = Fraction(1, 90000)
    started: bool = False
    done: bool = False
    position: Fraction = Fraction(0)  # seconds of clip written so far (max pts end)
    last_dts: int | None = None
    clip_start: float = 0.0  # wall clock of the clip's first frame
    clip_end: float = 0.0
    latest_shown: float = float("-inf")  # wall clock of the latest frame written, by pts
    expected_next: float | None = None  # wall clock the next segment should start at
    pending: list[tuple[VideoPacket, int, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The recorded sound (`record.audio`), when the first segment has it: stream copy too.
    audio: AudioStream | None = None
    audio_last: int | None = None


class _SegmentReader:
    """Feeds one segment's packets into the timeline."""

    def __init__(
        self, line: _Timeline, path: Path, seg_start: float, window: tuple[float, float]
    ) -> None:
        self.line = line
        self.path = path
        self.seg_start = seg_start
        self.start, self.end = window
        self.origin: int | None = None  # pts of the segment's first packet
        self.offset = line.position  # clip seconds where this segment's origin lands
        self.tb = Fraction(1, 90000)
        self.out: VideoStream  # the clip's stream, set by `run` before any packet

    def run(self, container: InputContainer) -> None:
        stream = container.streams.video[0]
        self.tb = stream.time_base or self.tb
        sound = container.streams.audio[0] if container.streams.audio else None
        out = self._output_for(stream, sound)
        if out is None:
            return
        self.out = out
        self._note_gap()
        audio = [sound] if sound is not None and self.line.audio is not None else []
        for packet in container.demux(stream, *audio):
            if not packet.size:
                continue
            if packet.stream.type == "audio":
                self._take_audio(cast("AudioPacket", packet))
            elif not self._take(cast("VideoPacket", packet)):
                self.line.done = True
                return

    def _take_audio(self, packet: AudioPacket) -> None:
        """An audio packet on the clip's time line, placed by the video's origin; one
        before the clip's first frame, past its end, or not after the previous, is
        left out."""
        line = self.line
        if line.audio is None or not line.started or self.origin is None or packet.pts is None:
            return
        atb = packet.time_base or Fraction(1, 48000)
        since = packet.pts * atb - self.origin * self.tb
        at = self.offset + since
        if at < 0 or self.seg_start + float(since) > max(line.clip_end, line.latest_shown):
            return
        pts = round(at / atb)
        if line.audio_last is not None and pts <= line.audio_last:
            return
        line.audio_last = pts
        packet.stream = line.audio
        packet.time_base = atb
        packet.pts = packet.dts = pts
        try:
            line.container.mux_one(packet)
        except (FFmpegError, OSError) as exc:
            raise ClipError(f"writing the clip failed: {reason_of(exc)}") from exc

    def _output_for(
        self, stream: VideoStream, sound: AudioStream | None = None
    ) -> VideoStream | None:
        """The clip's stream for this segment's packets; None if they cannot join it."""
        line = self.line
        if line.stream is None:
            line.stream = line.container.add_stream_from_template(stream)
            if sound is not None:  # every stream is added before the first packet
                line.audio = line.container.add_stream_from_template(sound)
            line.signature = _signature(stream)
            line.time_base = self.tb
        elif _signature(stream) != line.signature:
            line.warnings.append(f"skipped {self.path.name}: its stream parameters differ")
            return None
        return line.stream

    def _note_gap(self) -> None:
        expected = self.line.expected_next
        if self.line.started and expected is not None and self.seg_start - expected > GAP_S:
            self.line.warnings.append(
                f"{self.seg_start - expected:.1f} s missing before {_iso(self.seg_start)}"
            )

    def _since_origin(self, stamp: int) -> Fraction:
        if self.origin is None:
            self.origin = stamp
        return (stamp - self.origin) * self.tb

    def _take(self, packet: VideoPacket) -> bool:
        """Handle one packet; False once the window's end has been passed."""
        pts = packet.pts if packet.pts is not None else packet.dts
        if pts is None:
            return True  # no timestamp at all: nowhere to put it
        dts = packet.dts if packet.dts is not None else pts
        since_pts = self._since_origin(pts)
        wall = self.seg_start + float(since_pts)
        line = self.line
        if not line.started:
            self._before_start(packet, pts, dts, since_pts)
        elif wall > line.latest_shown >= self.end:
            # A packet that moves presentation forward opens a new group (a P frame and the
            # B frames shown before it); once a frame at or after the end has been
            # written, the next group is not needed. Cutting by group, not by frame,
            # keeps B frames decodable and the clip free of holes.
            return False
        else:
            self._emit(packet, pts, dts)
        return True

    def _before_start(self, packet: VideoPacket, pts: int, dts: int, since: Fraction) -> None:
        line = self.line
        wall = self.seg_start + float(since)
        if packet.is_keyframe:
            line.pending = [(packet, pts, dts)]
            self.offset = -since  # the clip's timeline starts at this keyframe
            line.clip_start = wall
        elif line.pending:
            line.pending.append((packet, pts, dts))
        if line.pending and wall >= self.start:
            line.started = True
            pending, line.pending = line.pending, []
            for held in pending:
                self._emit(*held)

    def _emit(self, packet: VideoPacket, pts: int, dts: int) -> None:
        line = self.line
        out_dts = self._to_clip(dts)
        if line.last_dts is not None and out_dts <= line.last_dts:
            out_dts = line.last_dts + 1
        out_pts = max(self._to_clip(pts), out_dts)
        duration = packet.duration or 0
        packet.stream = self.out
        packet.time_base = line.time_base
        packet.pts, packet.dts = out_pts, out_dts
        packet.duration = round(duration * self.tb / line.time_base)
        try:
            line.container.mux_one(packet)
        except (FFmpegError, OSError) as exc:
            raise ClipError(f"writing the clip failed: {reason_of(exc)}") from exc
        line.last_dts = out_dts
        line.position = max(line.position, (out_pts + packet.duration) * line.time_base)
        shown = self.seg_start + float(self._since_origin(pts))
        line.latest_shown = max(line.latest_shown, shown)
        line.clip_end = line.expected_next = max(line.clip_end, shown + float(duration * self.tb))

    def _to_clip(self, stamp: int) -> int:
        return round((self.offset + self._since_origin(stamp)) / self.line.time_base)


def build_clip(
    segments: Sequence[tuple[Path, float]],
    start: float,
    end: float,
    out: Path,
    progress: Callable[[float], None] | None = None,
) -> ClipInfo:
    """Join the segments (path, wall-clock start; ordered) covering [start, end] into `out`.

    Raises `ClipError` when the window is empty, no segment covers it, or none of the
    covering segments could be read. `out` appears only when complete (written under a
    temporary name, then renamed). `progress`, if given, is called with the share of the
    covering segments done (0-1) after each one; whatever it raises stops the clip (an
    export being deleted) and the partial file is removed.
    """
    if end <= start:
        raise ClipError(f"the clip window is empty ({_iso(start)} to {_iso(end)})")
    chosen = [segments[i] for i in covering(segments, start, end)]
    if not chosen:
        raise ClipError(f"no recording between {_iso(start)} and {_iso(end)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(out.name + ".part")
    try:
        line = _write(chosen, (start, end), temp, progress)
    except (FFmpegError, OSError) as exc:
        temp.unlink(missing_ok=True)
        raise ClipError(f"cannot write the clip {out.name}: {exc}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    os.replace(temp, out)
    for warning in line.warnings:
        log.warning("clip %s: %s", out.name, warning)
    return ClipInfo(
        path=out,
        start=line.clip_start,
        end=line.clip_end,
        duration=float(line.position),
        size=out.stat().st_size,
        warnings=tuple(line.warnings),
    )


def _write(
    chosen: Sequence[tuple[Path, float]],
    window: tuple[float, float],
    temp: Path,
    progress: Callable[[float], None] | None = None,
) -> _Timeline:
    with av.open(str(temp), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        line = _Timeline(container)
        for done, (path, seg_start) in enumerate(chosen, start=1):
            _add_segment(line, path, seg_start, window)
            if progress is not None:
                progress(done / len(chosen))
            if line.done:
                break
        if not line.started:
            reasons = "; ".join(line.warnings) or "the segments hold no video in the window"
            raise ClipError(
                f"no usable video between {_iso(window[0])} and {_iso(window[1])}: {reasons}"
            )
    return line


def _add_segment(
    line: _Timeline, path: Path, seg_start: float, window: tuple[float, float]
) -> None:
    reader = _SegmentReader(line, path, seg_start, window)
    try:
        with av.open(str(path)) as container:
            reader.run(container)
    except (FFmpegError, OSError) as exc:
        which = path.name if reader.origin is None else f"the rest of {path.name}"
        line.warnings.append(f"skipped {which}: {reason_of(exc)}")
