"""Privacy masks on the live view (`cameras.<name>.live.privacy_masks`).

- `mjpeg`: the analysed frames the live MJPEG stream and `latest.jpg` show are painted
  with the masks before they are encoded (`LivePainter`, in the camera worker); the
  full-resolution video stream is not remuxed at all, so nothing unmasked is there to
  leak, and its endpoint answers 409 saying why (the page stays on MJPEG).
- `reencode`: the record input's H.264 is decoded, painted and encoded again
  (`MaskedEncoder`, on its own thread in the worker: `live/masked_role.py`), and that
  new stream is what the fragmented-MP4 endpoint serves. Cost: one decode and one
  x264 `ultrafast`/`zerolatency` encode per frame, while someone watches (docs/hub.md
  gives the measured CPU figure).

Painting is `community/masks.py`'s: opaque black, a pixel touched by a polygon is
masked, the raster made once per frame size.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, TypeAlias, cast

import av
import numpy as np
from av.codec.context import CodecContext
from av.container import OutputContainer
from av.video.codeccontext import VideoCodecContext
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from frontporch.hub.analysis.geometry import Polygon
from frontporch.hub.community.masks import BoolImage, Image, apply_privacy_masks, rasterize_masks
from frontporch.hub.config import CameraConfig
from frontporch.hub.live.config import LiveMasks
from frontporch.hub.live.muxer import MOVFLAGS

if TYPE_CHECKING:  # PyAV's Packet is generic only in its type stubs
    from av.packet import Packet

    VideoPacket: TypeAlias = Packet[VideoStream]

# x264 for a live picture: fastest preset, no frame lookahead or B-frames (each frame
# leaves the encoder as soon as it went in), a keyframe every KEYFRAME_S so a new
# viewer starts quickly.
ENCODER_OPTIONS = {"preset": "ultrafast", "tune": "zerolatency", "crf": "23"}
KEYFRAME_S = 2.0
_FALLBACK_RATE = Fraction(15)

# What the setting costs, measured as docs/hub.md says (bench: tests/integration/
# test_live_masks.py::test_reencode_cost_is_measured prints it): CPU time of one core.
REENCODE_COST = (
    "about 10 ms of CPU per frame at 1280×720 (15% of one core at 15 fps) and 3 ms at "
    "640×360 (4%), only while someone watches"
)


def live_masks(camera: CameraConfig) -> LiveMasks:
    """The camera's live-view mask mode; `off` when it has no privacy masks at all."""
    return camera.live.privacy_masks if camera.privacy_masks else LiveMasks.off


class LivePainter:
    """Paints a camera's privacy masks into live pictures (BGR or grey, any size)."""

    def __init__(self, polygons: Sequence[Polygon]) -> None:
        self.polygons = list(polygons)
        self._raster: BoolImage | None = None

    def paint(self, picture: Image) -> Image:
        """A masked copy of `picture`; the raster is made once per picture size."""
        height, width = picture.shape[:2]
        if self._raster is None or self._raster.shape != (height, width):
            self._raster = rasterize_masks(self.polygons, width, height)
        return apply_privacy_masks(picture, self._raster)


def live_painter(camera: CameraConfig) -> LivePainter | None:
    """The painter for the camera's live pictures, or None when they stay unmasked."""
    if live_masks(camera) is LiveMasks.off:
        return None
    return LivePainter(camera.privacy_masks)


class MaskedEncoder:
    """Decode one input H.264 stream's packets, paint the masks, encode again.

    Feed packets in decode order from a keyframe (`add`); the packets out belong to
    `stream` (an x264 stream of an in-memory container that is never written, kept only
    so `LiveMuxer` can copy its parameters), with the input's timestamps. Not
    thread-safe; `close` flushes the encoder.
    """

    def __init__(self, source: VideoStream, polygons: Sequence[Polygon]) -> None:
        context = source.codec_context
        self._decoder = cast(VideoCodecContext, CodecContext.create(context.name, "r"))
        if context.extradata:
            self._decoder.extradata = context.extradata
        self._time_base = source.time_base or Fraction(1, 90000)
        self._rate = Fraction(source.average_rate or source.guessed_rate or _FALLBACK_RATE)
        self._painter = LivePainter(polygons)
        self._holder: OutputContainer | None = None
        self.stream: VideoStream | None = None
        self.frames = 0
        self._last_pts: int | None = None
        self._started = False
        self._step = max(1, round(1 / (self._rate * self._time_base)))

    def add(self, packet: VideoPacket) -> list[VideoPacket]:
        """Decode `packet` (a copy: the caller's is left alone) and return what the
        encoder gives back for the frames it held."""
        copy = av.Packet(bytes(packet))
        copy.pts, copy.dts, copy.time_base = packet.pts, packet.dts, packet.time_base
        copy.is_keyframe = packet.is_keyframe
        out: list[VideoPacket] = []
        for frame in self._decoder.decode(copy):
            out.extend(self._encode(frame))
        return out

    def close(self) -> list[VideoPacket]:
        """The encoder's last packets; the decoder and the holder are closed."""
        out: list[VideoPacket] = []
        if self.stream is not None:
            out = list(self.stream.encode(None))
        if self._holder is not None:
            self._holder.close()
            self._holder = None
        return out

    def _open(self, width: int, height: int) -> VideoStream:
        sink = av.open(_Discard(), "w", format="mp4", options={"movflags": MOVFLAGS})
        stream = sink.add_stream("libx264", rate=self._rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = self._time_base
        stream.codec_context.time_base = self._time_base
        stream.codec_context.gop_size = max(1, round(KEYFRAME_S * self._rate))
        stream.codec_context.max_b_frames = 0
        stream.options = dict(ENCODER_OPTIONS)
        self._holder, self.stream = sink, stream
        return stream

    def _encode(self, frame: VideoFrame) -> list[VideoPacket]:
        pts = frame.pts
        if pts is None:  # a frame without a time follows the previous one
            pts = 0 if self._last_pts is None else self._last_pts + self._step
        if self._last_pts is not None and pts <= self._last_pts:
            return []  # x264 refuses repeated or backwards times
        self._last_pts = pts
        width, height = frame.width - frame.width % 2, frame.height - frame.height % 2
        stream = self.stream or self._open(width, height)
        bgr = np.asarray(frame.to_ndarray(format="bgr24"), np.uint8)[:height, :width]
        painted = VideoFrame.from_ndarray(self._painter.paint(bgr), format="bgr24")
        public = painted.reformat(format="yuv420p")
        public.pts, public.time_base = pts, self._time_base
        self.frames += 1
        packets = list(stream.encode(public))
        if packets and not self._started and self._holder is not None:
            # Writing the (discarded) header copies the encoder's parameter sets into the
            # stream's parameters, which is what `LiveMuxer` copies from.
            self._holder.start_encoding()
            self._started = True
        return packets


class _Discard:
    """A write-only sink for the holder container (it never writes a byte: no header)."""

    def write(self, data: bytes) -> int:
        return len(data)
