"""Reading a camera with PyAV: open, demux, reconnect, and hand packets and frames on.

One `InputReader` owns one input (an RTSP or HTTP camera stream, or a file that plays
like one) and runs in its own thread. Every video packet goes to the *record* sink as
it was sent (stream copy, no decoding); when a *detect* sink is set, packets are also
decoded and frames are handed on at the detect frame rate only. The consumer scales a
frame with `scale_for_detect` (inside FFmpeg's swscale, on its own thread, and only for
frames it does not drop), which gives the luma plane as the grayscale image. Both sinks
receive the same wall-clock time for a packet (`WallClock`), so event times and segment
times agree.

Hazards, and the FFmpeg options that address them:

- A camera that stops answering must not hang the thread. RTSP gets the socket I/O
  timeout `timeout` (microseconds; it was `stimeout` before libavformat 59, when
  `timeout` meant a *listen* timeout), HTTP gets `rw_timeout` (microseconds), and every
  input gets PyAV's interrupt callback (`av.open(timeout=...)`), which aborts a blocked
  open or read after `timeout_s`. That callback is also what bounds how long `stop()`
  can take.
- `rtsp_transport=tcp` by default: UDP loses packets on busy Wi-Fi and every lost
  packet is a smeared frame in the recording. `fflags=nobuffer` keeps the demuxer from
  holding packets back for analysis; `allowed_media_types=video` skips audio setup.
- URLs carry credentials (`rtsp://user:password@camera/`). FFmpeg puts the URL into its
  error text, so messages are built here from the error's `strerror` and the URL passes
  through `redact_url` first (`hub/capture/redact.py`, the one place that decides); FFmpeg
  exceptions are not chained (`from None`) so the raw URL cannot reach a log through a
  traceback.
- Any failure (refused connection, EOF of a live stream, a burst of corrupt packets, a
  timeout) closes the input and reopens it with exponential backoff: 1 s doubling up to
  `reconnect_max_s`, back to 1 s after a connection that lasted `good_period_s`.
  Nothing raises out of the thread; the last error is in `stats()`.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeAlias, cast
from urllib.parse import urlsplit

import av
import numpy as np
from av.container import InputContainer
from av.error import FFmpegError
from av.packet import Packet
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from frontporch.hub.capture.redact import redact_url as redact_url
from frontporch.hub.capture.timing import JUMP_S, FrameSampler, RateMeter, WallClock
from frontporch.hub.config import InputConfig

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # PyAV's Packet is generic only in its type stubs
    from av.audio.stream import AudioStream

    VideoPacket: TypeAlias = Packet[VideoStream]
    AudioPacket: TypeAlias = Packet[AudioStream]
PacketSink: TypeAlias = Callable[["VideoPacket", float], None]
FrameSink = Callable[[VideoFrame, float], None]
AudioSink: TypeAlias = Callable[["AudioPacket", float], None]

# A live stream sending this many corrupt packets in a row is reopened.
MAX_CORRUPT_RUN = 50


class CaptureError(Exception):
    """An input cannot be opened or read; the message is safe to show (no credentials)."""


class SourceKind(StrEnum):
    rtsp = "rtsp"
    http = "http"
    other_stream = "other_stream"
    file = "file"


def source_kind(url: str) -> SourceKind:
    """What kind of input `url` names; anything without `scheme://` is a file path."""
    scheme, sep, _ = url.partition("://")
    if not sep:
        return SourceKind.file
    scheme = scheme.lower()
    if scheme in ("rtsp", "rtsps"):
        return SourceKind.rtsp
    if scheme in ("http", "https"):
        return SourceKind.http
    return SourceKind.file if scheme == "file" else SourceKind.other_stream


def input_options(cfg: InputConfig, *, audio: bool = False) -> dict[str, str]:
    """FFmpeg demuxer/protocol options for `cfg` (see the module docstring for why);
    `audio`: the camera's sound is recorded too, so RTSP sets up its audio track."""
    micros = str(int(cfg.timeout_s * 1_000_000))
    kind = source_kind(cfg.url)
    if kind is SourceKind.rtsp:
        timeout_key = "timeout" if av.library_versions["libavformat"][0] >= 59 else "stimeout"
        options = {
            "rtsp_transport": cfg.rtsp_transport,
            timeout_key: micros,
            "fflags": "nobuffer",
            "allowed_media_types": "video",
        }
        if cfg.rtsp_transport == "udp":
            options["max_delay"] = "500000"  # reorder buffer for late UDP packets
        if audio:
            del options["allowed_media_types"]
        return options
    if kind in (SourceKind.http, SourceKind.other_stream):
        return {"rw_timeout": micros, "fflags": "nobuffer"}
    return {}


def explain_error(exc: BaseException, timeout_s: float) -> str:
    """A person-readable reason for an FFmpeg/OS error, without the URL it carries."""
    if isinstance(exc, av.error.ExitError):
        return f"no answer within {timeout_s:g} s (is the camera on and reachable?)"
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return "the camera refused the credentials (check the username and password)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the camera on, and are the host and port right?)"
    if isinstance(exc, av.error.InvalidDataError):
        return "not a video stream FFmpeg can read (or a recording whose index is missing)"
    strerror = getattr(exc, "strerror", None)
    return str(strerror) if strerror else type(exc).__name__


def reason_of(exc: BaseException) -> str:
    """The OS's or FFmpeg's words for a failed read or write (`strerror`), else the
    error's own text. For the hub's own files only: the text may hold their path."""
    return str(getattr(exc, "strerror", None) or exc)


def _unknown_host(shown: str, exc: BaseException) -> str | None:
    """The reason for a failed open when the camera's host name does not resolve.

    FFmpeg reports a failed name lookup only as EIO ("Input/output error"), which says
    nothing to a person; asking the resolver again tells that case apart. `shown` is the
    redacted URL, so the host taken from it can never be part of a password.
    """
    if getattr(exc, "errno", None) != errno.EIO or source_kind(shown) is SourceKind.file:
        return None
    host = urlsplit(shown).hostname
    if not host or "*" in host:  # redaction hid the host along with a secret
        return None
    try:
        socket.getaddrinfo(host, None)
    except socket.gaierror:
        return f"the host name {host!r} cannot be resolved (check the camera's address)"
    except OSError:
        return None
    return None


def _file_path(url: str) -> Path:
    return Path(url.removeprefix("file://"))


def open_input(cfg: InputConfig, *, audio: bool = False) -> InputContainer:
    """Open `cfg.url` for reading with the options above; failures raise `CaptureError`."""
    shown = redact_url(cfg.url)
    target = cfg.url
    if source_kind(cfg.url) is SourceKind.file:
        path = _file_path(cfg.url)
        if not path.is_file():
            raise CaptureError(f"cannot open {shown}: no such file")
        target = str(path)
    try:
        container = av.open(
            target,
            mode="r",
            options=input_options(cfg, audio=audio),
            timeout=(cfg.timeout_s, cfg.timeout_s),
        )
    except (FFmpegError, OSError) as exc:
        reason = _unknown_host(shown, exc) or explain_error(exc, cfg.timeout_s)
        raise CaptureError(f"cannot open {shown}: {reason}") from None
    if not container.streams.video:
        container.close()
        raise CaptureError(f"{shown} has no video stream")
    return container


class DetectFrame(NamedTuple):
    """A frame at the detect size: `gray` is the luma plane (uint8, H×W, a view into the
    frame: treat it as read-only); `bgr()` converts to H×W×3 BGR on first call only."""

    gray: np.ndarray
    bgr: Callable[[], np.ndarray]


def scale_for_detect(frame: VideoFrame, width: int, height: int) -> DetectFrame:
    """Scale `frame` inside swscale to `width`×`height`; no numpy resizing.

    Every analysed frame needs only grayscale for motion, so that is all swscale makes
    per frame: luma only (no chroma work) with fast bilinear filtering, about a quarter
    of the cost of a full yuv420p scale at 1080p. Motion detection blurs and averages
    further anyway. The object detector's BGR frame is made from the full-resolution
    frame, with area filtering, only when it is asked for (frames with motion).
    """
    small = frame.reformat(width=width, height=height, format="gray", interpolation="FAST_BILINEAR")
    plane = small.planes[0]
    luma = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(height, plane.line_size)
    return DetectFrame(np.ascontiguousarray(luma[:, :width]), _lazy_bgr(frame, width, height))


def _lazy_bgr(frame: VideoFrame, width: int, height: int) -> Callable[[], np.ndarray]:
    cache: list[np.ndarray] = []

    def bgr() -> np.ndarray:
        if not cache:
            scaled = frame.reformat(
                width=width, height=height, format="bgr24", interpolation="AREA"
            )
            cache.append(scaled.to_ndarray())
        return cache[0]

    return bgr


class ReaderState(StrEnum):
    idle = "idle"
    connecting = "connecting"
    streaming = "streaming"
    backoff = "backoff"
    ended = "ended"
    stopped = "stopped"


@dataclass
class ReaderStats:
    """Counters of an `InputReader`; `stats()` returns a copy, rates measured over the
    last few seconds."""

    state: ReaderState = ReaderState.idle
    connected: bool = False
    packets: int = 0
    frames_decoded: int = 0
    frames_analysed: int = 0
    skipped_frames: int = 0
    decode_errors: int = 0
    corrupt_packets: int = 0
    sink_errors: int = 0
    reconnects: int = 0
    last_error: str | None = None
    last_packet_at: float | None = None  # wall time (`time.time()`) of the latest packet
    connected_at: float | None = None  # wall time the current (or last) connection opened
    input_fps: float = 0.0  # packets (frames) arriving per second
    decoded_fps: float = 0.0


class InputReader:
    """Reads one input in a thread and feeds the record and detect sinks.

    `on_packet(packet, wallclock)` receives every video packet, untouched, *after* the
    detect role has decoded it (a muxer may rewrite the packet's timestamps).
    `on_frame(frame, wallclock)` receives decoded `VideoFrame`s at about `detect_fps`
    (every frame if None; pass them to `scale_for_detect`). `on_open(stream)` runs after
    each (re)connect with the new video stream, `on_disconnect()` after each disconnect,
    so a recorder can end its segment and leave the gap visible. Sinks run on the reader
    thread and must not block; an exception from a sink is logged and counted, not fatal.
    """

    def __init__(
        self,
        cfg: InputConfig,
        *,
        name: str = "camera",
        on_packet: PacketSink | None = None,
        on_frame: FrameSink | None = None,
        detect_fps: float | None = 5.0,
        on_open: Callable[[VideoStream], None] | None = None,
        on_disconnect: Callable[[], None] | None = None,
        good_period_s: float = 30.0,
        on_audio: AudioSink | None = None,
    ) -> None:
        self._cfg = cfg
        self.name = name
        self._on_packet = on_packet
        self._on_frame = on_frame
        self._detect_fps = detect_fps
        self._on_open = on_open
        self._on_disconnect = on_disconnect
        self._on_audio = on_audio
        self._good_period_s = good_period_s
        self._kind = source_kind(cfg.url)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._stats = ReaderStats()
        self._packet_meter = RateMeter()
        self._frame_meter = RateMeter()
        self._thread = threading.Thread(target=self._run, name=f"hub-capture-{name}", daemon=True)

    # -- public -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the reader thread."""
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to finish and wait for it (at most about `timeout_s` for a
        blocked network read, which FFmpeg's interrupt callback then aborts)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self._cfg.timeout_s + 2.0 if timeout is None else timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end by itself (a file without `loop` reaching its end)."""
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stats(self) -> ReaderStats:
        """A consistent snapshot of the counters."""
        now = time.monotonic()
        with self._lock:
            return replace(
                self._stats,
                input_fps=self._packet_meter.rate(now),
                decoded_fps=self._frame_meter.rate(now),
            )

    # -- thread -------------------------------------------------------------------------

    def _set(self, state: ReaderState, *, connected: bool) -> None:
        with self._lock:
            if connected and not self._stats.connected:
                self._stats.connected_at = time.time()
            self._stats.state, self._stats.connected = state, connected

    def _run(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            began = time.monotonic()
            self._session_guarded()
            if self._stop.is_set() or self._stats.state is ReaderState.ended:
                break
            if time.monotonic() - began >= self._good_period_s:
                delay = 1.0
            self._set(ReaderState.backoff, connected=False)
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, self._cfg.reconnect_max_s)
            with self._lock:
                self._stats.reconnects += 1
        if self._stats.state is not ReaderState.ended:
            self._set(ReaderState.stopped, connected=False)

    def _session_guarded(self) -> None:
        shown = redact_url(self._cfg.url)
        try:
            self._session()
        except CaptureError as exc:
            self._failed(str(exc))
        except (FFmpegError, OSError) as exc:
            self._failed(f"reading {shown} failed: {explain_error(exc, self._cfg.timeout_s)}")
        except Exception as exc:  # a bug must not stop the camera for good
            log.exception("capture %s: unexpected error", self.name)
            self._failed(f"reading {shown} failed unexpectedly: {type(exc).__name__}")

    def _failed(self, message: str) -> None:
        log.warning("capture %s: %s", self.name, message)
        with self._lock:
            self._stats.last_error, self._stats.connected = message, False

    def _session(self) -> None:
        self._set(ReaderState.connecting, connected=False)
        container = open_input(self._cfg, audio=self._on_audio is not None)
        stream = container.streams.video[0]
        session = _Session(self, stream)
        self._set(ReaderState.streaming, connected=True)
        if self._on_open is not None:
            self._call_sink(self._on_open, stream)
        try:
            while True:
                session.pump(container)
                if self._stop.is_set():
                    return
                if self._kind is not SourceKind.file:
                    raise CaptureError(f"{redact_url(self._cfg.url)} ended the stream")
                if not self._cfg.loop:
                    self._set(ReaderState.ended, connected=False)
                    return
                container.close()
                container = open_input(self._cfg, audio=self._on_audio is not None)
        finally:
            container.close()
            if self._on_disconnect is not None:
                self._call_sink(self._on_disconnect)

    def _call_sink(self, sink: Callable[..., None], *args: object) -> None:
        try:
            sink(*args)
        except Exception as exc:
            log.warning("capture %s: a consumer failed: %s", self.name, exc)
            with self._lock:
                self._stats.sink_errors += 1
                self._stats.last_error = f"consumer failed: {exc}"

    # Counters updated by `_Session`, per packet and per frame.

    def _packet_seen(self, now: float, corrupt: bool) -> None:
        self._packet_meter.tick(time.monotonic())
        with self._lock:
            self._stats.packets += 1
            self._stats.corrupt_packets += int(corrupt)
            self._stats.last_packet_at = now

    def _frame_seen(self, analysed: bool) -> None:
        self._frame_meter.tick(time.monotonic())
        with self._lock:
            self._stats.frames_decoded += 1
            self._stats.frames_analysed += int(analysed)
            self._stats.skipped_frames += int(not analysed)

    def _decode_failed(self) -> None:
        with self._lock:
            self._stats.decode_errors += 1


class _Session:
    """The state that lives across one connection: clock, pacing, loop offsets, decoder."""

    def __init__(self, reader: InputReader, stream: VideoStream) -> None:
        self._reader = reader
        cfg = reader._cfg
        self._realtime = reader._kind is SourceKind.file and cfg.realtime
        live = reader._kind is not SourceKind.file or cfg.realtime
        self._tb = stream.time_base or Fraction(1, 90000)
        self._clock = WallClock(self._tb, live=live)
        fps = reader._detect_fps
        self._sampler = FrameSampler(fps) if fps else None
        self._offset = 0  # added to pts/dts so that looping files keep counting up
        self._loop_end = 0  # end (pts + duration) of the latest packet, offset applied
        self._need_offset = False
        self._pace_base: tuple[float, int] | None = None
        self._corrupt_run = 0
        self._last_frame_wall = 0.0

    def pump(self, container: InputContainer) -> None:
        """Demux `container` to its end (or until stop), feeding the sinks."""
        stream = container.streams.video[0]
        decoder = self._decoder(stream)
        # The first audio track too, only when the camera's sound is recorded.
        audio = container.streams.audio[:1] if self._reader._on_audio is not None else []
        for packet in container.demux(stream, *audio):
            if self._reader._stop.is_set():
                return
            if not packet.size:
                continue
            if packet.stream.type == "audio":
                self._handle_audio(cast("AudioPacket", packet))
            else:
                self._handle(cast("VideoPacket", packet), decoder)
        if decoder is not None:
            self._emit_frames(decoder, None)
        self._need_offset = True

    def _decoder(self, stream: VideoStream) -> VideoStream | None:
        if self._reader._on_frame is None:
            return None
        stream.thread_type = "AUTO"  # frame + slice threads; a few frames more latency
        return stream

    def _handle(self, packet: VideoPacket, decoder: VideoStream | None) -> None:
        self._apply_loop_offset(packet)
        if self._realtime and not self._pace(packet):
            return
        arrival = time.time()
        wall = self._clock.observe(packet.pts, packet.dts, arrival)
        self._reader._packet_seen(arrival, packet.is_corrupt)
        self._check_corrupt(packet)
        if decoder is not None:
            self._emit_frames(decoder, packet)
        if self._reader._on_packet is not None:
            self._reader._call_sink(self._reader._on_packet, packet, wall)

    def _handle_audio(self, packet: AudioPacket) -> None:
        """An audio packet: the video's loop offset (in its own time base), and the wall
        time the video's clock gives its timestamp. No pacing: the demuxer interleaves
        audio with video, whose pacing holds both back."""
        atb = packet.time_base or Fraction(1, 48000)
        shift = round(self._offset * self._tb / atb)
        if packet.pts is not None:
            packet.pts += shift
        if packet.dts is not None:
            packet.dts += shift
        stamp = packet.pts if packet.pts is not None else packet.dts
        wall = self._clock.at(None if stamp is None else round(stamp * atb / self._tb))
        sink = self._reader._on_audio
        if sink is not None:
            self._reader._call_sink(sink, packet, wall)

    def _apply_loop_offset(self, packet: VideoPacket) -> None:
        first = packet.dts if packet.dts is not None else packet.pts
        if self._need_offset and first is not None:
            self._offset = self._loop_end - first
            self._need_offset = False
        if packet.pts is not None:
            packet.pts += self._offset
            self._loop_end = max(self._loop_end, packet.pts + (packet.duration or 0))
        if packet.dts is not None:
            packet.dts += self._offset

    def _pace(self, packet: VideoPacket) -> bool:
        """Sleep until the packet is due (like `ffmpeg -re`); False if stopped meanwhile."""
        stamp = packet.dts if packet.dts is not None else packet.pts
        if stamp is None:
            return True
        now = time.monotonic()
        if self._pace_base is None:
            self._pace_base = (now, stamp)
        due = self._pace_base[0] + float((stamp - self._pace_base[1]) * self._tb)
        if due - now > JUMP_S or now - due > JUMP_S:  # a timestamp jump or a long stall
            self._pace_base = (now, stamp)
            return True
        return due <= now or not self._reader._stop.wait(due - now)

    def _check_corrupt(self, packet: VideoPacket) -> None:
        self._corrupt_run = self._corrupt_run + 1 if packet.is_corrupt else 0
        if self._corrupt_run >= MAX_CORRUPT_RUN:
            raise CaptureError(f"{MAX_CORRUPT_RUN} corrupt packets in a row")

    def _emit_frames(self, decoder: VideoStream, packet: VideoPacket | None) -> None:
        try:
            frames = decoder.decode(packet)
        except FFmpegError:
            self._reader._decode_failed()
            return
        for frame in frames:
            self._offer(frame)

    def _offer(self, frame: VideoFrame) -> None:
        wall = max(self._clock.at(frame.pts), self._last_frame_wall)
        self._last_frame_wall = wall
        analysed = self._sampler.take(wall) if self._sampler else True
        self._reader._frame_seen(analysed)
        sink = self._reader._on_frame
        if analysed and sink is not None:
            self._reader._call_sink(sink, frame, wall)
