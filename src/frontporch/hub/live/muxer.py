"""Live view without re-encoding: a camera's H.264 packets remuxed into fragmented MP4.

A browser's Media Source Extensions take fragmented MP4 ("ISO BMFF byte stream
format"): one *initialization segment* (`ftyp` + `moov` with an empty sample table)
and then *media segments* (`moof` + `mdat`), boxes as defined by ISO/IEC 14496-12
(§4.2 box header, §8.8 movie fragments). FFmpeg's `mp4` muxer writes exactly that with
`movflags=empty_moov+default_base_moof+frag_every_frame`: one fragment per frame is
the lowest latency MP4 allows, and `default_base_moof` makes every fragment
self-contained (offsets relative to its own `moof`), which is what MSE expects.

The muxer writes a frame's fragment when the *next* packet arrives (it needs that
packet's decode time for the sample duration), so remuxing adds one frame of latency;
no picture is decoded or encoded. `LiveMuxer` collects what the muxer writes in memory
and splits it at box boundaries (`BoxSplitter`), so a caller gets the init segment
once and then whole fragments, each flagged if it starts with a keyframe.

The `codecs` parameter a player needs (RFC 6381 §3.3, e.g. `avc1.64001f`) is the
profile, constraint flags and level of the stream's sequence parameter set: bytes 1-3
of an `avcC` record (ISO/IEC 14496-15 §5.3.3.1) in MP4/MKV extradata, or the first
three bytes after the NAL header of the SPS (ITU-T H.264 §7.3.2.1.1) when an RTSP
camera's extradata is Annex-B (start codes before each NAL unit).

Hazards:
- A fragment must start decodable: a muxer is only started at a keyframe, and a new
  input stream (a reconnect, a looping file) gets a new muxer and init segment, since
  its parameter sets may differ.
- Timestamps are rebased so the first decode time is 0 and forced strictly increasing
  (cameras send repeats and jumps), with presentation never before decode; the gap
  between them (B-frame reordering) is kept.
- The caller's packet is never modified: the segment writer gets the same object and
  rewrites its timestamps itself, so the muxer is fed a copy.
- With the camera's sound (`record.audio`), an AAC track is muxed too: its packets
  are placed on the video's time line (both come from one container) and become
  fragments of their own, told apart by the track id in their `tfhd` (§8.8.7), so
  only video fragments carry the keyframe flag; the `codecs` parameter then names both
  (`avc1.…,mp4a.40.2`).
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, TypeAlias

import av
from av.audio.stream import AudioStream
from av.container import OutputContainer
from av.packet import Packet
from av.video.stream import VideoStream

if TYPE_CHECKING:  # PyAV's Packet is generic only in its type stubs
    VideoPacket: TypeAlias = Packet[VideoStream]

MOVFLAGS = "empty_moov+default_base_moof+frag_keyframe+frag_every_frame"
# High profile, level 4.0: what browsers are asked for when a stream's parameter sets
# cannot be read (every browser that plays H.264 through MSE accepts it).
DEFAULT_CODEC = "avc1.640028"
_SPS_NAL_TYPE = 7
_FALLBACK_RATE = Fraction(25)


# -- ISO/IEC 14496-12 boxes --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Box:
    """A box found in a byte string: its four-character type and where it lies."""

    type: str
    start: int
    end: int


def _box_at(data: bytes | bytearray, offset: int) -> Box | None:
    """The box whose header starts at `offset`, or None if its header or body is not
    complete yet (§4.2: 32-bit size, type, and a 64-bit size when the first is 1)."""
    if len(data) - offset < 8:
        return None
    size, kind = struct.unpack_from(">I4s", data, offset)
    header = 8
    if size == 1:
        if len(data) - offset < 16:
            return None
        (size,) = struct.unpack_from(">Q", data, offset + 8)
        header = 16
    if size < header:  # size 0 ("to the end of the file") never occurs in a live stream
        raise ValueError(f"bad box size {size} at offset {offset}")
    if offset + size > len(data):
        return None
    return Box(kind.decode("latin-1"), offset, offset + size)


class BoxSplitter:
    """Cuts a byte stream written in arbitrary pieces into whole top-level boxes."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        """Add bytes; return the (type, bytes) of every box completed by them."""
        self._pending += data
        boxes: list[tuple[str, bytes]] = []
        offset = 0
        while (box := _box_at(self._pending, offset)) is not None:
            boxes.append((box.type, bytes(self._pending[box.start : box.end])))
            offset = box.end
        del self._pending[:offset]
        return boxes


def _children(data: bytes, start: int, end: int) -> Iterator[Box]:
    offset = start
    while offset < end and (box := _box_at(data[:end], offset)) is not None:
        yield box
        offset = box.end


def _track_of(moof: bytes) -> int | None:
    """The track id of a movie fragment's first `traf` (its `tfhd`, §8.8.7: after the
    full-box header, a 32-bit track_ID), or None if it has none."""
    for traf in _children(moof, 8, len(moof)):
        if traf.type != "traf":
            continue
        for tfhd in _children(moof, traf.start + 8, traf.end):
            if tfhd.type == "tfhd" and tfhd.end - tfhd.start >= 16:
                return int(struct.unpack_from(">I", moof, tfhd.start + 12)[0])
    return None


# -- RFC 6381 codecs parameter -----------------------------------------------------------


def audio_codec_string(stream: AudioStream | None) -> str | None:
    """The `codecs` entry of a live audio track: AAC (as `mp4a.40.2`, AAC-LC, which is
    what cameras send), or None for anything a browser cannot take in MP4 here."""
    if stream is None or stream.codec_context.name != "aac":
        return None
    return "mp4a.40.2"


def codec_string(extradata: bytes | None) -> str:
    """The RFC 6381 `codecs` value (`avc1.PPCCLL`) of an H.264 stream's extradata.

    Reads an `avcC` record or Annex-B parameter sets; anything else (none, truncated,
    no SPS) gives `DEFAULT_CODEC`, which browsers accept for any stream they can play.
    """
    if not extradata:
        return DEFAULT_CODEC
    if extradata[0] == 1 and len(extradata) >= 4:  # avcC: configurationVersion 1
        profile = extradata[1:4]
    else:
        found = _annexb_sps_profile(extradata)
        if found is None:
            return DEFAULT_CODEC
        profile = found
    return "avc1." + profile.hex().upper()


def _annexb_sps_profile(data: bytes) -> bytes | None:
    """profile_idc, constraint flags and level_idc of the first SPS in Annex-B data."""
    for nal in _annexb_nal_units(data):
        # No emulation prevention byte (H.264 §7.4.1) can come before level_idc: one
        # would follow two zero bytes, and neither profile_idc nor level_idc is 0-3.
        if nal and nal[0] & 0x1F == _SPS_NAL_TYPE:
            return nal[1:4] if len(nal) >= 4 else None
    return None


def _annexb_nal_units(data: bytes) -> Iterator[bytes]:
    """NAL units separated by 00 00 01 start codes (a 4-byte start code leaves a zero
    byte at the end of the previous unit, which the SPS check ignores)."""
    start = data.find(b"\x00\x00\x01")
    while start != -1:
        begin = start + 3
        start = data.find(b"\x00\x00\x01", begin)
        yield data[begin : len(data) if start == -1 else start]


# -- remuxing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fragment:
    """One media segment (`moof` + `mdat`) holding one frame."""

    data: bytes
    keyframe: bool


class Collector:
    """A write-only, unseekable file for a muxer: it keeps what it is given until taken
    (live view here, playback in `timeline/fragments.py`)."""

    def __init__(self) -> None:
        self.written = bytearray()

    def write(self, data: bytes) -> int:
        self.written += data
        return len(data)

    def take(self) -> bytes:
        data = bytes(self.written)
        self.written.clear()
        return data


class LiveMuxer:
    """Remuxes one input stream's packets into fragmented MP4, in memory.

    Feed packets in decode order with `add`, the first one a keyframe; `init` is the
    initialization segment once the first packet was added. `add` returns the fragments
    completed so far (the previous frame's), `close` the last one. Not thread-safe.
    """

    def __init__(self, template: VideoStream, audio: AudioStream | None = None) -> None:
        self.init: bytes | None = None
        self._audio: AudioStream | None = None
        self._audio_last: int | None = None
        self._time_base = template.time_base or Fraction(1, 90000)
        rate = template.average_rate or template.guessed_rate or _FALLBACK_RATE
        self._ticks = max(1, round(1 / (Fraction(rate) * self._time_base)))
        self._sink = Collector()
        self._boxes = BoxSplitter()
        self._keyframes: deque[bool] = deque()  # of frames muxed but not yet flushed
        self._moof: bytes | None = None
        self._base: int | None = None
        self._last_dts = -1
        self._container: OutputContainer = av.open(
            self._sink, "w", format="mp4", options={"movflags": MOVFLAGS}
        )
        try:
            self._stream = self._container.add_stream_from_template(template)
            if audio is not None:
                self._audio = self._container.add_stream_from_template(audio)
        except Exception:
            self._container.close()
            raise

    def add_audio(self, packet: Packet[AudioStream]) -> list[Fragment]:
        """Mux a copy of an audio packet on the video's time line (dropped before the
        first video packet, or when not after the previous one)."""
        if self._audio is None or self._base is None or packet.pts is None:
            return []
        atb = packet.time_base or Fraction(1, 48000)
        pts = round((packet.pts * atb - self._base * self._time_base) / atb)
        if pts < 0 or (self._audio_last is not None and pts <= self._audio_last):
            return []
        self._audio_last = pts
        copy = Packet(bytes(packet))
        copy.stream = self._audio
        copy.time_base = atb
        copy.pts = copy.dts = pts
        copy.duration = packet.duration or 0
        self._container.mux_one(copy)
        return self._collect()

    def add(self, packet: VideoPacket) -> list[Fragment]:
        """Mux a copy of `packet`; the fragments the muxer finished meanwhile."""
        if self._base is None and not packet.is_keyframe:
            raise ValueError("a live stream must start with a keyframe")
        copy = Packet(bytes(packet))
        copy.stream = self._stream
        copy.time_base = self._time_base
        copy.pts, copy.dts = self._rebased(packet.pts, packet.dts)
        copy.duration = packet.duration or self._ticks
        copy.is_keyframe = packet.is_keyframe
        self._keyframes.append(packet.is_keyframe)
        self._container.mux_one(copy)
        return self._collect()

    def close(self) -> list[Fragment]:
        """Flush the last frame's fragment and end the muxer."""
        self._container.close()
        return self._collect()

    def _rebased(self, pts: int | None, dts: int | None) -> tuple[int, int]:
        stamp = dts if dts is not None else pts
        if stamp is None:  # no time at all: one frame after the previous one
            stamp = (self._base or 0) + self._last_dts + self._ticks
        if self._base is None:
            self._base = stamp
        decode = max(stamp - self._base, self._last_dts + 1)
        self._last_dts = decode
        present = decode if pts is None else pts - self._base
        return max(present, decode), decode

    def _collect(self) -> list[Fragment]:
        fragments: list[Fragment] = []
        for kind, data in self._boxes.feed(self._sink.take()):
            if kind == "ftyp":
                self.init = data
            elif kind == "moov":
                self.init = (self.init or b"") + data
            elif kind == "moof":
                self._moof = data
            elif kind == "mdat" and self._moof is not None:
                # Only a video fragment takes its frame's keyframe flag off the queue.
                video = _track_of(self._moof) in (None, self._stream.index + 1)
                keyframe = bool(video and self._keyframes and self._keyframes.popleft())
                fragments.append(Fragment(self._moof + data, keyframe))
                self._moof = None
            # Anything else (the `mfra` index written at close) means nothing to a player.
        return fragments
