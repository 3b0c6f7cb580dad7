"""A camera's worker process: read its inputs, record by stream copy, analyse, report.

Each camera runs in its own process so cameras use every core and a camera whose
decoder or input misbehaves cannot stop another. Inside, the input reader thread only
demuxes, copies packets to the segment writer and decodes; analysis runs on its own
thread behind a two-frame queue, so a slow detector drops analysis frames (counted as
skipped) but never stalls recording. While someone watches the camera live (the hub
counts viewers in a shared integer), the record input's packets are also remuxed into
fragmented MP4 for the browser; nobody watching costs one integer read per packet.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing.synchronize
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TypeAlias

import cv2
import numpy as np
from av.packet import Packet
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from frontporch.hub.analysis.detect import build_detector
from frontporch.hub.analysis.events import EventChange
from frontporch.hub.analysis.pipeline import DetectPipeline, FrameResult
from frontporch.hub.capture.camera import InputReader, ReaderState, ReaderStats, scale_for_detect
from frontporch.hub.capture.timing import RateMeter
from frontporch.hub.config import CameraConfig, DetectorConfig, InputConfig, Role
from frontporch.hub.live.config import LiveMasks
from frontporch.hub.live.masked_role import MaskedLive
from frontporch.hub.live.masking import live_masks, live_painter
from frontporch.hub.live.muxer import Fragment, LiveMuxer, audio_codec_string, codec_string
from frontporch.hub.process.messages import (
    CameraState,
    EventMessage,
    InputBack,
    InputLost,
    LiveAvailable,
    LiveChunk,
    LiveFrame,
    LiveInit,
    LiveStopped,
    MotionSeen,
    Outbox,
    SegmentClosed,
    WorkerMessage,
    WorkerStats,
)
from frontporch.hub.recording.segments import SegmentInfo, SegmentWriter

if TYPE_CHECKING:  # PyAV's Packet is generic only in its type stubs
    from av.audio.stream import AudioStream

    VideoPacket: TypeAlias = Packet[VideoStream]
    AudioPacket: TypeAlias = Packet[AudioStream]

log = logging.getLogger(__name__)

STATS_EVERY_S = 2.0
MOTION_GAP_S = 2.0
MOTION_FLUSH_S = 30.0
LIVE_MAX_FPS = 5.0
JPEG_QUALITY = 80
# The remux goes on this long after the last viewer left, so a page reload resumes at
# once instead of waiting for the next keyframe.
LIVE_LINGER_S = 10.0
# The owner's switches in the shared array the hub passes each worker.
SWITCH_DETECT = 0
SWITCH_RECORD = 1

Send = Callable[[WorkerMessage], None]


def encode_jpeg(bgr: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buf)


def draw_objects(bgr: np.ndarray, result: FrameResult) -> np.ndarray:
    """A copy of the frame with tracked objects outlined, for live view and snapshots."""
    out = bgr.copy()
    for obj in result.objects:
        x1, y1, x2, y2 = obj.box.as_ints()
        colour = (60, 200, 60) if obj.confirmed else (0, 200, 230)
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, 2)
        cv2.putText(
            out,
            f"{obj.label} {obj.score:.0%}",
            (x1, max(12, y1 - 4)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45,
            colour,
            1,
            cv2.LINE_AA,
        )
    return out


class MotionSpans:
    """Folds per-frame motion into spans, reported when they end (or every 30 s)."""

    def __init__(self, camera: str, send: Send) -> None:
        self.camera = camera
        self.send = send
        self.start: float | None = None
        self.last = 0.0

    def frame(self, t: float, moving: bool) -> None:
        if self.start is not None and (
            t - self.last > MOTION_GAP_S or t - self.start > MOTION_FLUSH_S
        ):
            self.flush()
        if moving:
            if self.start is None:
                self.start = t
            self.last = t

    def flush(self) -> None:
        if self.start is not None:
            self.send(MotionSeen(self.camera, self.start, max(self.last, self.start)))
            self.start = None


class Analysis:
    """The detect role: a thread that runs the pipeline on frames handed over by the reader.

    `enabled()` is the owner's detect switch, read per frame: while it is off, frames are
    not analysed (nor counted as skipped), and the events open when it went off end.
    """

    def __init__(
        self,
        name: str,
        camera: CameraConfig,
        pipeline: DetectPipeline,
        send: Send,
        enabled: Callable[[], bool] = lambda: True,
    ):
        self.name = name
        self.enabled = enabled
        self._paused = False
        self.camera = camera
        self.pipeline = pipeline
        self.send = send
        self.frames: queue.Queue[tuple[float, VideoFrame]] = queue.Queue(maxsize=2)
        self.motion = MotionSpans(name, send)
        self.analyzed = 0
        self.rate = RateMeter()
        self.dropped = 0
        self.live_seq = 0
        self._last_live = 0.0
        # `live.privacy_masks` (mjpeg or reencode): live pictures are masked (live/masking.py).
        self.live_painter = live_painter(camera)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"hub-analyse-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def offer(self, frame: VideoFrame, wallclock: float) -> None:
        """Called on the reader thread: never blocks, drops the frame if analysis lags."""
        if not self.enabled():
            self._paused = True  # the analysis thread ends what is open
            return
        try:
            self.frames.put_nowait((wallclock, frame))
        except queue.Full:
            self.dropped += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._report(self.pipeline.finish(time.time()), None)
        self.motion.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wallclock, frame = self.frames.get(timeout=0.5)
            except queue.Empty:
                if self._paused and not self.enabled():
                    self._paused = False  # detection switched off: end the open events
                    self._report(self.pipeline.finish(time.time()), None)
                    self.motion.flush()
                continue
            try:
                self._analyse(wallclock, frame)
            except Exception:  # a bad frame must not end analysis for the camera
                log.exception("camera %s: analysis of one frame failed", self.name)

    def _analyse(self, t: float, frame: VideoFrame) -> None:
        detect = self.camera.detect
        gray, bgr_of = scale_for_detect(frame, detect.width, detect.height)
        result = self.pipeline.process(t, gray, bgr_of)
        self.analyzed += 1
        self.rate.tick(time.monotonic())
        self.motion.frame(t, bool(result.motion))
        annotated: np.ndarray | None = None
        if result.changes or t - self._last_live >= 1.0 / LIVE_MAX_FPS:
            annotated = draw_objects(bgr_of(), result)
        self._report(result.changes, annotated, t, clean=bgr_of)
        if annotated is not None and t - self._last_live >= 1.0 / LIVE_MAX_FPS:
            self._last_live = t
            self.live_seq += 1
            if self.live_painter is not None:
                annotated = self.live_painter.paint(annotated)
            self.send(LiveFrame(self.name, self.live_seq, encode_jpeg(annotated)))

    def _report(
        self,
        changes: list[EventChange],
        annotated: np.ndarray | None,
        t: float | None = None,
        *,
        clean: Callable[[], np.ndarray] | None = None,
    ) -> None:
        """Tell the hub about event changes; a new best frame goes with them twice: as the
        owner sees it (`annotated`) and clean (`clean()`, the frame as filmed), since
        only the clean one may be shared."""
        for change in changes:
            event = change.event
            new_best = annotated is not None and t is not None and event.best_t == t
            snapshot = clean_copy = None
            if new_best and annotated is not None:
                snapshot = encode_jpeg(annotated)
                clean_copy = encode_jpeg(clean()) if clean is not None else None
            self.send(
                EventMessage(
                    camera=self.name,
                    kind=change.kind,
                    event_id=event.id,
                    labels=tuple(event.labels),
                    top_score=event.top_score,
                    start=event.start,
                    end=event.end,
                    zones=tuple(event.zones),
                    snapshot_jpeg=snapshot,
                    clean_jpeg=clean_copy,
                )
            )


class Recording:
    """The record role: copy packets into segments; a new input stream starts a new writer.

    `enabled()` is the owner's record switch, read per packet: off closes the segment
    being written; on again starts a new one at the next keyframe.
    """

    def __init__(
        self,
        name: str,
        camera: CameraConfig,
        root: Path,
        send: Send,
        enabled: Callable[[], bool] = lambda: True,
    ) -> None:
        self.name = name
        self.enabled = enabled
        self.camera = camera
        self.root = root
        self.send = send
        self.writer: SegmentWriter | None = None
        self._stream: VideoStream | None = None
        self.active = False

    def packet(self, packet: VideoPacket, wallclock: float) -> None:
        if not self.enabled():
            if self.writer is not None:
                self.close()
            return
        if packet.stream is not self._stream:
            self.close()
            self._stream = packet.stream
            self.writer = SegmentWriter(
                self.name,
                self.root,
                packet.stream,
                self.camera.record.segment_s,
                self._closed,
                audio=self._audio_of(packet.stream),
            )
        assert self.writer is not None
        self.writer.write(packet, wallclock)
        self.active = True

    def audio_packet(self, packet: AudioPacket, wallclock: float) -> None:
        """The camera's sound (`record.audio` on): into the segment, by stream copy."""
        writer = self.writer
        if writer is not None and writer.audio is packet.stream and self.enabled():
            writer.write_audio(packet)

    def _audio_of(self, video: VideoStream) -> AudioStream | None:
        """The input's first audio track when the owner records sound, else None (then
        no audio stream is in the segments even if the camera sends one)."""
        if not self.camera.record.audio:
            return None
        tracks = video.container.streams.audio
        return tracks[0] if tracks else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = None
        self._stream = None
        self.active = False

    def _closed(self, info: SegmentInfo) -> None:
        self.send(SegmentClosed(self.name, str(info.path), info.start, info.end, info.size_bytes))


class Live:
    """The live role: remux the record input's H.264 packets while anyone watches.

    `viewers` is the hub's count of people watching this camera. Each new input stream
    is announced with its codec (None if it is not H.264); while watched, a remux
    session starts at the next keyframe and sends its init segment and then one
    fragment per frame. A failing remux ends its session and never affects recording.
    """

    def __init__(
        self, name: str, viewers: ctypes.c_int, send: Send, *, audio: bool = False
    ) -> None:
        """`audio`: the camera's sound is recorded (`record.audio`), so live view
        carries its AAC track too."""
        self.name = name
        self.viewers = viewers
        self.send = send
        self.audio = audio
        self._audio_stream: AudioStream | None = None
        self._stream: VideoStream | None = None
        self._codec: str | None = None
        self._muxer: LiveMuxer | None = None
        self._session = 0
        self._seq = 0
        self._watched_at = 0.0

    def packet(self, packet: VideoPacket) -> None:
        if packet.stream is not self._stream:
            self._new_stream(packet.stream)
        if self._codec is None or not self._watched():
            self.close()
            return
        try:
            self._mux(packet, self._codec)
        except Exception:  # a broken remux must not stop recording, which comes next
            log.exception(
                "camera %s: live remux failed; restarting at the next keyframe", self.name
            )
            self.close()

    def close(self) -> None:
        """End the remux session, if one runs (nobody watches, input lost, shutdown)."""
        muxer, self._muxer = self._muxer, None
        if muxer is None:
            return
        try:
            self._send_fragments(muxer.close())
        except Exception:  # the last frame is lost; the session ends all the same
            log.warning("camera %s: closing the live remux failed", self.name)
        self.send(LiveStopped(self.name))

    def _watched(self) -> bool:
        if self.viewers.value > 0:
            self._watched_at = time.monotonic()
            return True
        return self._muxer is not None and time.monotonic() - self._watched_at < LIVE_LINGER_S

    def _new_stream(self, stream: VideoStream) -> None:
        self.close()
        self._stream = stream
        context = stream.codec_context
        self._codec = codec_string(context.extradata) if context.name == "h264" else None
        tracks = stream.container.streams.audio if self.audio else ()
        sound = audio_codec_string(tracks[0]) if tracks else None
        self._audio_stream = tracks[0] if sound is not None else None
        if self._codec is not None and sound is not None:
            self._codec = f"{self._codec},{sound}"
        self.send(LiveAvailable(self.name, self._codec))

    def audio_packet(self, packet: AudioPacket) -> None:
        """The camera's sound, into the session running (if any)."""
        muxer = self._muxer
        if muxer is None or packet.stream is not self._audio_stream:
            return
        try:
            self._send_fragments(muxer.add_audio(packet))
        except Exception:  # a broken remux must not stop recording, which comes next
            log.exception("camera %s: live audio failed; restarting", self.name)
            self.close()

    def _mux(self, packet: VideoPacket, codec: str) -> None:
        if self._muxer is None:
            if not packet.is_keyframe:
                return
            self._muxer = LiveMuxer(packet.stream, self._audio_stream)
            self._session += 1
            self._seq = 0
            fragments = self._muxer.add(packet)
            assert self._muxer.init is not None  # written with the first packet
            self.send(LiveInit(self.name, self._session, codec, self._muxer.init))
        else:
            fragments = self._muxer.add(packet)
        self._send_fragments(fragments)

    def _send_fragments(self, fragments: list[Fragment]) -> None:
        for fragment in fragments:
            self.send(
                LiveChunk(self.name, self._session, self._seq, fragment.keyframe, fragment.data)
            )
            self._seq += 1


class CameraWorker:
    """Everything one camera does, wired together; `run` blocks until `stop` is set."""

    def __init__(
        self,
        name: str,
        camera: CameraConfig,
        detector: DetectorConfig,
        recordings: Path,
        send: Send,
        viewers: ctypes.c_int | None = None,
        switches: Sequence[bool] | None = None,
    ) -> None:
        """`switches` is the owner's [detect, record] in shared memory (`SWITCH_DETECT`,
        `SWITCH_RECORD`), read per frame and packet; without it the config decides once
        and a disabled role is not built at all."""
        self.name = name
        self.camera = camera
        self.send = send
        self.analysis: Analysis | None = None
        self.recording: Recording | None = None
        self.live: Live | MaskedLive | None = None
        switched = switches is not None
        if (switched or camera.detect.enabled) and camera.input_for(Role.detect) is not None:
            pipeline = DetectPipeline(name, camera, build_detector(detector))
            detect_on = (lambda: bool(switches[SWITCH_DETECT])) if switches is not None else None
            self.analysis = Analysis(name, camera, pipeline, send, detect_on or (lambda: True))
        if (switched or camera.record.enabled) and camera.input_for(Role.record) is not None:
            record_on = (lambda: bool(switches[SWITCH_RECORD])) if switches is not None else None
            self.recording = Recording(name, camera, recordings, send, record_on or (lambda: True))
        if viewers is not None and camera.input_for(Role.record) is not None:
            # With live privacy masks in `mjpeg` mode there is no video stream at all.
            masks = live_masks(camera)
            if masks is LiveMasks.reencode:
                self.live = MaskedLive(name, camera.privacy_masks, viewers, send)
            elif masks is LiveMasks.off:
                self.live = Live(name, viewers, send, audio=camera.record.audio)
        self.readers = [self._reader(i) for i in camera.inputs]
        self._online: bool | None = None

    def _reader(self, cfg: InputConfig) -> InputReader:
        packets = Role.record in cfg.roles and (self.recording or self.live) is not None
        detect = self.analysis is not None and Role.detect in cfg.roles
        return InputReader(
            cfg,
            name=self.name,
            on_packet=self._packet if packets else None,
            on_frame=self.analysis.offer if detect and self.analysis else None,
            detect_fps=self.camera.detect.fps if detect else None,
            on_disconnect=self._disconnected if packets else None,
            on_audio=self._audio if packets and self.camera.record.audio else None,
        )

    def _packet(self, packet: VideoPacket, wallclock: float) -> None:
        # Live view first: the segment writer rewrites the packet's timestamps.
        if self.live is not None:
            self.live.packet(packet)
        if self.recording is not None:
            self.recording.packet(packet, wallclock)

    def _audio(self, packet: AudioPacket, wallclock: float) -> None:
        # Live view first, as for video: the segment writer rewrites the timestamps.
        if isinstance(self.live, Live):
            self.live.audio_packet(packet)
        if self.recording is not None:
            self.recording.audio_packet(packet, wallclock)

    def _disconnected(self) -> None:
        if self.live is not None:
            self.live.close()
        if self.recording is not None:
            self.recording.close()

    def run(self, stop: threading.Event | multiprocessing.synchronize.Event) -> None:
        if self.analysis is not None:
            self.analysis.start()
        for reader in self.readers:
            reader.start()
        try:
            while not stop.wait(STATS_EVERY_S):
                self._report_stats()
        finally:
            for reader in self.readers:
                reader.stop()
            if self.live is not None:
                self.live.close()
            if self.recording is not None:
                self.recording.close()
            if self.analysis is not None:
                self.analysis.stop()
            self._report_stats(stopping=True)

    def _report_stats(self, *, stopping: bool = False) -> None:
        stats = [r.stats() for r in self.readers]
        online = all(s.connected for s in stats)
        state = camera_state(stats)
        # Stopping the camera is not losing its input: no outage for that. The first time
        # the camera is online counts as "back": it closes an outage that was still open
        # when the hub last stopped (or crashed).
        if not stopping and online != self._online and (self._online is not None or online):
            # Stats are sampled every few seconds; the outage is dated by the reader's own
            # times instead, so it matches the gap between segments rather than overlapping
            # the recording on either side.
            now = time.time()
            if online:
                back = max((s.connected_at or now for s in stats), default=now)
                self.send(InputBack(self.name, min(back, now)))
            else:
                reason = next((s.last_error for s in stats if s.last_error), None) or "input lost"
                self.send(InputLost(self.name, _went_silent(stats, now), reason))
        self._online = online
        # Skipped: frames meant for analysis that were dropped because it lagged behind
        # (frames the detect fps leaves out by design are not counted).
        skipped = self.analysis.dropped if self.analysis else 0
        self.send(
            WorkerStats(
                camera=self.name,
                state=state,
                input_fps=max((s.input_fps for s in stats), default=0.0),
                analyzed_fps=self._analyzed_fps(),
                skipped_frames=skipped,
                reconnects=sum(s.reconnects for s in stats),
                last_error=next((s.last_error for s in stats if s.last_error), None),
                recording=bool(self.recording and self.recording.active),
            )
        )

    def _analyzed_fps(self) -> float:
        return self.analysis.rate.rate(time.monotonic()) if self.analysis is not None else 0.0


_READER_TO_CAMERA = {
    ReaderState.idle: CameraState.connecting,
    ReaderState.connecting: CameraState.connecting,
    ReaderState.streaming: CameraState.online,
    ReaderState.backoff: CameraState.reconnecting,
    ReaderState.ended: CameraState.ended,
    ReaderState.stopped: CameraState.stopped,
}


def camera_state(readers: list[ReaderStats]) -> CameraState:
    """A camera is online when every input delivers; otherwise it is in the state of
    its first input that does not (a camera with separate record and detect inputs
    is only as well as its worse one)."""
    lagging = next((s for s in readers if not s.connected), None)
    if lagging is None:
        return CameraState.online
    return _READER_TO_CAMERA[lagging.state]


def _went_silent(stats: list[ReaderStats], now: float) -> float:
    """When the first lost input stopped delivering: its last packet, or its connect time
    if it never sent one on that connection (never later than `now`)."""
    known = [
        t
        for s in stats
        if not s.connected and (t := max(s.last_packet_at or 0.0, s.connected_at or 0.0)) > 0.0
    ]
    return min(min(known), now) if known else now


def _exit_once(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the cleanup
    raise SystemExit(0)


def camera_main(
    name: str,
    camera: CameraConfig,
    detector: DetectorConfig,
    recordings: Path,
    outbox: Outbox,
    stop: multiprocessing.synchronize.Event,
    viewers: ctypes.c_int | None = None,
    switches: Sequence[bool] | None = None,
) -> None:
    """Entry point of a camera's process; `viewers` is the hub's count of live viewers,
    `switches` the owner's detect and record switches (both in shared memory)."""
    # Ctrl-C reaches the whole process group; the hub process decides when workers stop.
    # SIGTERM (a service manager stopping the whole group) stops this camera cleanly:
    # the run loop unwinds and closes the segment being written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_once)
    # Parallelism comes from one process per camera; OpenCV's own thread pool in every
    # process would only oversubscribe the cores.
    cv2.setNumThreads(1)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {name} %(levelname)s %(message)s")

    def send(message: WorkerMessage) -> None:
        # Live pictures are worth nothing late: they never make the reader thread wait.
        live = isinstance(message, LiveFrame | LiveChunk)
        try:
            outbox.put(message, block=not live, timeout=1.0)
        except queue.Full:
            if not live:
                log.warning("hub is not reading messages; dropped %s", type(message).__name__)

    try:
        worker = CameraWorker(name, camera, detector, recordings, send, viewers, switches)
    except Exception as exc:  # a broken detector model, for example: say so, then stop
        log.error("camera %s cannot start: %s", name, exc)
        send(WorkerStats(name, CameraState.failed, 0.0, 0.0, 0, 0, str(exc), False))
        return
    worker.run(stop)
