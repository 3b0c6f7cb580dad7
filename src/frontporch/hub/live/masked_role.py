"""The live role with privacy masks re-encoded (`live.privacy_masks: reencode`).

Stands in for the worker's `Live` (same `packet` / `close`, same messages to the hub),
but the fragments it sends are a new H.264 stream with the masks painted in
(`masking.MaskedEncoder`). Decoding and encoding a full-resolution stream takes
milliseconds per frame, so it runs on its own thread: the reader thread only copies
packets into a short queue and goes on recording. If the encoder falls behind and the
queue fills, packets are dropped up to the next keyframe and a new session starts
there (the viewer's player takes the new init segment as it does after a reconnect).
Nothing is decoded while nobody watches (after `LIVE_LINGER_S`, as the plain remux).
"""

from __future__ import annotations

import ctypes
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeAlias

import av
from av.video.stream import VideoStream

from frontporch.hub.analysis.geometry import Polygon
from frontporch.hub.live.masking import MaskedEncoder
from frontporch.hub.live.muxer import DEFAULT_CODEC, Fragment, LiveMuxer, codec_string
from frontporch.hub.process.messages import (
    LiveAvailable,
    LiveChunk,
    LiveInit,
    LiveStopped,
    WorkerMessage,
)

if TYPE_CHECKING:  # PyAV's Packet is generic only in its type stubs
    from av.packet import Packet

    VideoPacket: TypeAlias = Packet[VideoStream]

log = logging.getLogger(__name__)

LIVE_LINGER_S = 10.0  # as the plain remux (process/worker.py)
QUEUE_PACKETS = 30  # about 2 s at 15 fps: more is latency, not smoothness
# What x264 `ultrafast` makes is Constrained Baseline; announced before the first frame
# is encoded (a player needs a type to ask for the stream), the High 4.0 type every
# MSE browser takes for any H.264 it can play. The init segment carries the exact one.
ANNOUNCED_CODEC = DEFAULT_CODEC

_Item: TypeAlias = tuple[str, object]


class MaskedLive:
    """The live role for a camera whose live view must show its privacy masks."""

    def __init__(
        self,
        name: str,
        polygons: Sequence[Polygon],
        viewers: ctypes.c_int,
        send: Callable[[WorkerMessage], None],
    ) -> None:
        self.name = name
        self.polygons = list(polygons)
        self.viewers = viewers
        self.send = send
        self._stream: VideoStream | None = None
        self._feeding = False  # reader side: a session gets this stream's packets
        self._session_open = False  # reader side: a session was started and not closed
        self._watched_at = 0.0
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=QUEUE_PACKETS)
        self.dropped = 0
        # Encoder side, touched only by the thread:
        self._encoder: MaskedEncoder | None = None
        self._muxer: LiveMuxer | None = None
        self._session = 0
        self._seq = 0
        self._thread = threading.Thread(target=self._run, name=f"hub-live-mask-{name}", daemon=True)
        self._thread.start()

    # -- reader thread --------------------------------------------------------------

    def packet(self, packet: VideoPacket) -> None:
        if packet.stream is not self._stream:
            self._new_stream(packet.stream)
        if not self._watched():
            self.close()
            return
        if not self._feeding:
            if not packet.is_keyframe:
                return
            if not self._offer(("start", packet.stream)):  # it also ends a session left open
                return
            self._feeding = self._session_open = True
        copy = av.Packet(bytes(packet))
        copy.pts, copy.dts, copy.time_base = packet.pts, packet.dts, packet.time_base
        copy.is_keyframe = packet.is_keyframe
        if not self._offer(("packet", copy)):
            self.dropped += 1
            self._feeding = False  # resume at the next keyframe, in a new session

    def close(self) -> None:
        """End the session, if one runs (nobody watches, input lost, shutdown)."""
        self._feeding = False
        if self._session_open:
            self._session_open = False
            try:  # waits for the encoder a little, never for long: recording comes next
                self._queue.put(("close", None), timeout=1.0)
            except queue.Full:
                log.warning("camera %s: masked live view is behind; dropped its end", self.name)

    def _offer(self, item: _Item) -> bool:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            return False
        return True

    def _watched(self) -> bool:
        if self.viewers.value > 0:
            self._watched_at = time.monotonic()
            return True
        return self._session_open and time.monotonic() - self._watched_at < LIVE_LINGER_S

    def _new_stream(self, stream: VideoStream) -> None:
        self.close()
        self._stream = stream
        decodable = stream.type == "video" and stream.codec_context.name in ("h264", "hevc")
        self.send(LiveAvailable(self.name, ANNOUNCED_CODEC if decodable else None))

    # -- encoder thread -------------------------------------------------------------

    def _run(self) -> None:
        while True:
            kind, value = self._queue.get()
            try:
                if kind == "start":
                    assert isinstance(value, VideoStream)
                    self._end_session()
                    self._encoder = MaskedEncoder(value, self.polygons)
                elif kind == "packet" and self._encoder is not None:
                    assert isinstance(value, av.Packet)
                    self._mux(self._encoder, self._encoder.add(value))
                elif kind == "close":
                    self._end_session()
            except Exception:  # a broken frame must not end live view for good
                log.exception("camera %s: masked live view failed; restarting", self.name)
                self._encoder, self._muxer = None, None
                self._feeding = False
                self.send(LiveStopped(self.name))

    def _mux(self, encoder: MaskedEncoder, packets: list[VideoPacket]) -> None:
        for packet in packets:
            if self._muxer is None:
                assert encoder.stream is not None
                self._muxer = LiveMuxer(encoder.stream)
                self._session += 1
                self._seq = 0
                fragments = self._muxer.add(packet)
                assert self._muxer.init is not None
                codec = codec_string(encoder.stream.codec_context.extradata)
                self.send(LiveInit(self.name, self._session, codec, self._muxer.init))
            else:
                fragments = self._muxer.add(packet)
            self._send(fragments)

    def _end_session(self) -> None:
        encoder, self._encoder = self._encoder, None
        if encoder is None:
            return
        last = encoder.close()
        if self._muxer is not None:  # a session that never muxed a frame has nothing to end
            self._mux(encoder, last)
        muxer, self._muxer = self._muxer, None
        if muxer is not None:
            self._send(muxer.close())
            self.send(LiveStopped(self.name))

    def _send(self, fragments: list[Fragment]) -> None:
        for fragment in fragments:
            self.send(
                LiveChunk(self.name, self._session, self._seq, fragment.keyframe, fragment.data)
            )
            self._seq += 1
