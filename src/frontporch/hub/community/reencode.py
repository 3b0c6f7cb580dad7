"""The re-encode itself: decoded frames → masked, scaled, H.264 in a metadata-free MP4.

Only `hub/community/publish.py` calls this (it is the hub's one re-encode path, and decides what
errors mean to the owner); here are the PyAV mechanics:

- the output size is the input's, downscaled so the long side is at most
  `RenderLimits.max_side`, with even sides (yuv420p needs them);
- frames keep their presentation times, shifted so the first is at 0, in the source's
  own time base; repeated or backwards timestamps are dropped (x264 refuses them);
  frames before `skip_seconds` are decoded but not encoded (a clip remuxed from a
  keyframe before the wanted start), and frames at or after `skip_seconds +
  max_seconds` are not encoded;
- libx264 at CRF `crf`, preset `preset`, a keyframe every `keyframe_s` seconds;
- masks are painted after scaling, on the BGR picture, so the black area is exact at
  the encoded size;
- x264 writes its version and every option into an SEI message (NAL type 6) of the
  first frame; the `filter_units` bitstream filter drops it, so the file says nothing
  about the software that made it either.
- Sound is left out unless the owner keeps it (`keep_audio`): then the source's first
  audio track is copied as it is (no re-encode), on the video's time line, cut to the
  same span.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, TypeAlias, cast

import numpy as np
from av.audio.stream import AudioStream
from av.bitstream import BitStreamFilterContext
from av.container import InputContainer, OutputContainer
from av.error import FFmpegError
from av.stream import Stream
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from frontporch.hub.analysis.geometry import Polygon
from frontporch.hub.community.masks import BoolImage, apply_privacy_masks, rasterize_masks

if TYPE_CHECKING:  # PyAV's Packet is generic only in its type stubs
    from av.packet import Packet

    VideoPacket: TypeAlias = Packet[VideoStream]

log = logging.getLogger(__name__)

# Options for the output container: index in front (a browser plays while downloading),
# and no encoder tag or creation time (bitexact).
CONTAINER_OPTIONS = {"movflags": "+faststart", "fflags": "+bitexact"}


@dataclass(frozen=True)
class RenderLimits:
    """How public media are encoded and bounded."""

    max_seconds: float = 60.0
    max_side: int = 1280
    crf: int = 23
    preset: str = "veryfast"
    keyframe_s: float = 2.0
    jpeg_quality: int = 85


DEFAULT_LIMITS = RenderLimits()


@dataclass(frozen=True)
class Encoded:
    """What was written: frames, playing time (s), encoded size, whether the cap cut it."""

    frames: int
    duration: float
    width: int
    height: int
    truncated: bool


def output_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The even-sided size a `width` × `height` picture is encoded at (long side capped)."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


class _Encoder:
    """Masks, scales and encodes frames into the output container."""

    def __init__(
        self, out: OutputContainer, masks: Sequence[Polygon], rate: Fraction, limits: RenderLimits
    ) -> None:
        self.out = out
        self.masks = masks
        self.rate = rate
        self.limits = limits
        self.stream: VideoStream | None = None
        self.strip_sei: BitStreamFilterContext | None = None
        self.mask: BoolImage | None = None
        self.size = (0, 0)
        self.frames = 0
        self.end = Fraction(0)  # seconds: the end of the last frame written

    def open(self, first: VideoFrame, time_base: Fraction) -> VideoStream:
        """Add the output stream, sized from the first frame."""
        width, height = output_size(first.width, first.height, self.limits.max_side)
        self.size = (width, height)
        stream = self.out.add_stream("libx264", rate=self.rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = time_base
        stream.codec_context.gop_size = max(1, round(self.limits.keyframe_s * self.rate))
        stream.options = {"preset": self.limits.preset, "crf": str(self.limits.crf)}
        if self.masks:
            self.mask = rasterize_masks(self.masks, width, height)
        self.stream = stream
        return stream

    def write(self, stream: VideoStream, frame: VideoFrame, pts: int, tb: Fraction) -> None:
        """Encode one frame at `pts` (in `tb`, 0 at the clip's first frame)."""
        width, height = self.size
        if self.mask is None:
            public = frame.reformat(width, height, format="yuv420p", interpolation="AREA")
        else:
            scaled = frame.reformat(width, height, format="bgr24", interpolation="AREA")
            bgr = np.asarray(scaled.to_ndarray(format="bgr24"), np.uint8)
            painted = apply_privacy_masks(bgr, self.mask)
            public = VideoFrame.from_ndarray(painted, format="bgr24").reformat(format="yuv420p")
        duration = frame.duration or max(1, round(1 / (self.rate * tb)))
        public.pts, public.time_base, public.duration = pts, tb, duration
        self._mux(stream, stream.encode(public))
        self.frames += 1
        self.end = max(self.end, (pts + duration) * tb)

    def finish(self) -> None:
        """Flush the encoder and the SEI filter."""
        if self.stream is None:
            return
        self._mux(self.stream, self.stream.encode(None))
        if self.strip_sei is not None:
            self._mux_all(self.stream, self.strip_sei.filter(None))

    def _mux(self, stream: VideoStream, packets: Sequence[VideoPacket]) -> None:
        for packet in packets:
            if self.strip_sei is None:
                # Built on the first packet: the encoder is open and its parameters known.
                self.strip_sei = _sei_filter(stream)
            if self.strip_sei is None:
                self.out.mux(packet)
            else:
                self._mux_all(stream, self.strip_sei.filter(packet))

    def _mux_all(self, stream: VideoStream, packets: Sequence[Packet[Stream]]) -> None:
        for packet in packets:
            packet.stream = stream
            self.out.mux(packet)


def _sei_filter(stream: VideoStream) -> BitStreamFilterContext | None:
    try:
        return BitStreamFilterContext("filter_units=remove_types=6", stream)
    except (FFmpegError, ValueError) as exc:  # an FFmpeg built without this filter
        log.info("cannot drop x264's SEI message: %s", exc)
        return None


class _AudioCopy:
    """The source's sound, copied into the output on the video's time line: packets
    are held until the first frame is encoded (which fixes time 0), then written
    between 0 and `limit` seconds."""

    def __init__(self, source: AudioStream, limit: float) -> None:
        self.source = source
        self.limit = Fraction(limit).limit_denominator(1_000_000)
        self.stream: Stream | None = None
        self.origin: Fraction | None = None  # source seconds of the output's time 0
        self.held: list[Packet[Stream]] = []
        self.last: int | None = None

    def open(self, out: OutputContainer) -> None:
        self.stream = out.add_stream_from_template(self.source)

    def start(self, origin: Fraction, out: OutputContainer) -> None:
        self.origin = origin
        held, self.held = self.held, []
        for packet in held:
            self.add(packet, out)

    def add(self, packet: Packet[Stream], out: OutputContainer) -> None:
        if packet.pts is None or not packet.size:
            return
        if self.origin is None or self.stream is None:
            self.held.append(packet)
            return
        atb = packet.time_base or Fraction(1, 48000)
        at = packet.pts * atb - self.origin
        pts = round(at / atb)
        if at < 0 or at >= self.limit or (self.last is not None and pts <= self.last):
            return
        self.last = pts
        packet.stream, packet.time_base = self.stream, atb
        packet.pts = packet.dts = pts
        out.mux(packet)


def _frames(
    source: InputContainer, stream: VideoStream, sound: _AudioCopy | None, out: OutputContainer
) -> Iterator[VideoFrame]:
    """The video's frames in order; audio packets met on the way go to `sound`."""
    if sound is None:
        yield from source.decode(stream)
        return
    for packet in source.demux(stream, sound.source):
        if packet.stream.type == "audio":
            sound.add(packet, out)
        else:
            yield from cast("list[VideoFrame]", packet.decode())


def reencode(
    source: InputContainer,
    out: OutputContainer,
    masks: Sequence[Polygon],
    limits: RenderLimits = DEFAULT_LIMITS,
    *,
    skip_seconds: float = 0.0,
    keep_audio: bool = False,
) -> Encoded:
    """Decode the source's first video stream and encode it, masked, into `out`.

    With `skip_seconds`, the output starts at the first frame that far (or later) into
    the source; `limits.max_seconds` counts from there.

    The caller opens both containers (`out` as MP4 with `CONTAINER_OPTIONS`) and closes
    them; FFmpeg and OS errors propagate. `frames` is 0 when nothing could be decoded.
    With `keep_audio`, the source's first audio track (if any) is copied too.
    """
    stream = source.streams.video[0]
    stream.thread_type = "AUTO"
    tb = stream.time_base or Fraction(1, 90000)
    rate = Fraction(stream.average_rate or stream.guessed_rate or 15)
    step = max(1, round(1 / (rate * tb)))
    encoder = _Encoder(out, masks, rate, limits)
    skip = Fraction(skip_seconds).limit_denominator(1_000_000) - Fraction(1, 1000)
    output: VideoStream | None = None
    first = 0
    latest: int | None = None  # the source pts of the latest frame written
    truncated = False
    sound = (
        _AudioCopy(source.streams.audio[0], limits.max_seconds)
        if keep_audio and source.streams.audio
        else None
    )
    for frame in _frames(source, stream, sound, out):
        pts = frame.pts
        if pts is None:  # a frame without a timestamp follows the previous one
            pts = 0 if latest is None else latest + step
        if output is None:
            output = encoder.open(frame, tb)
            if sound is not None:  # every stream is added before the first packet
                sound.open(out)
            first = pts
        if latest is None and (pts - first) * tb < skip:
            continue
        if latest is None:
            first = pts  # the first frame encoded is at 0
            if sound is not None:
                sound.start(first * tb, out)
        if latest is not None and pts <= latest:
            continue
        if (pts - first) * tb >= limits.max_seconds:
            truncated = True
            break
        encoder.write(output, frame, pts - first, tb)
        latest = pts
    encoder.finish()
    width, height = encoder.size
    return Encoded(encoder.frames, float(encoder.end), width, height, truncated)
