"""Recordings playback and export: time to first frame when scrubbing to an arbitrary
moment through the timeline's fragmented-MP4 path, next to opening the segment file
directly; and an export's speed next to a plain PyAV remux of the same segments.

A 1080p camera-like scene is recorded by the hub's own `SegmentWriter` into 10 s
segments, indexed in a real `HubStore`, and served by the hub's web app over real HTTP
(uvicorn on 127.0.0.1), as the browser reaches it.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

from bench.alerts import free_port
from bench.result import Result, best, median, ratio
from bench.videos import CAMERA_LIKE_CRF, RESULTS, ensure, scene_1080p

NAME = "playback"
TITLE = "Recordings playback (time to first frame when scrubbing) and export speed"
CAMERA = "porch"
SEGMENT_S = 10.0
WALL_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z: any fixed instant will do
SCRUBS, QUICK_SCRUBS = 40, 10
EXPORTS, QUICK_EXPORTS = 7, 3
PASSWORD = "benchmark owner password"
FIRST_FRAME_TARGET_MS = 250.0
EXPORT_TARGET_RATIO = 1.5
METHOD = f"""\
- Input: the 1080p15 `porch` scene at CRF {CAMERA_LIKE_CRF} (about 5 Mbit/s, like a
  1080p camera's main stream; 60 s, `--quick` 10 s), recorded by the hub's
  `SegmentWriter` into {SEGMENT_S:g} s segments and indexed in a real `HubStore`; the
  hub's web app serves it with uvicorn on 127.0.0.1, signed in as the owner (one
  keep-alive HTTP connection, as a browser holds).
- Time to first frame (figures): for a random moment of the recording ({SCRUBS} of them,
  `--quick` {QUICK_SCRUBS}), what the timeline player does when the owner scrubs there:
  ask `GET /api/timeline/{{camera}}?segments=true` for the playlist around it, request
  the covering segment as fragmented MP4 (`GET /api/playback/.../segments/{{id}}.mp4`,
  remuxed on the fly by stream copy and sent fragment by fragment), and as soon as
  the init segment and the first fragment have arrived (first figure: the first
  playable bytes), decode the first frame from them with PyAV (second figure). The
  notes give the time to the whole segment's last byte. Baseline, same moments,
  interleaved: open the segment file directly and decode its first frame with PyAV.
  Median milliseconds; target for the first playable bytes ≤
  {FIRST_FRAME_TARGET_MS:g} ms.
- Export speed (figure): from asking `ExportDesk` for an export of the whole
  recording to its background job being done (`recording/clips.build_clip`: stream
  copy into one MP4 with `+faststart`; the job's state is polled every 2 ms),
  {EXPORTS} repeats (`--quick` {QUICK_EXPORTS}). Baseline, same run,
  interleaved: a plain PyAV remux of the same segment files into one MP4 (every packet
  copied with its timestamps shifted by the segment's start, `+faststart`). Median
  seconds, and × real time; target ≤ {EXPORT_TARGET_RATIO:g}× the plain remux."""


@contextmanager
def _served(root: Path, quick: bool) -> Iterator[tuple[str, Any, Any]]:
    """Record the scene under `root`, serve the hub app; yields (base URL, store, app)."""
    import uvicorn

    from frontporch.hub.config import parse_config
    from frontporch.hub.store.index import HubStore
    from frontporch.hub.store.layout import INDEX_FILE
    from frontporch.hub.web.app import create_hub_app
    from frontporch.hub.web.passwords import set_owner_password

    storage = root / "hub"
    storage.mkdir(parents=True)
    source = ensure(scene_1080p(quick, crf=CAMERA_LIKE_CRF))
    store = HubStore(storage / INDEX_FILE)
    _record(source, storage, store)
    set_owner_password(store, PASSWORD)
    config = parse_config(
        {
            "storage": {"path": str(storage), "min_free_gb": 0},
            "cameras": {CAMERA: {"inputs": [{"url": str(source)}]}},
        }
    )
    app = create_hub_app(config, store, _Runtime())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", store, app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.exports.stop()
        store.close()


class _Runtime:
    """The little of a running hub the timeline and export routes ask for."""

    def camera_names(self) -> list[str]:
        return [CAMERA]

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"the benchmark's hub has no {name}")


def _record(source: Path, storage: Path, store: Any) -> None:
    import av

    from frontporch.hub.recording.segments import SegmentInfo, SegmentWriter
    from frontporch.hub.store.layout import RECORDINGS_DIR

    recordings = storage / RECORDINGS_DIR
    closed: list[SegmentInfo] = []
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        writer = SegmentWriter(CAMERA, recordings, stream, SEGMENT_S, closed.append)
        for packet in container.demux(stream):
            if packet.dts is not None:
                writer.write(packet, WALL_START + float(packet.dts * packet.time_base))
        writer.close()
    for info in closed:
        rel = info.path.relative_to(recordings).as_posix()
        store.add_segment(CAMERA, rel, info.start, info.end, info.size_bytes)


def _signed_in(base_url: str) -> Any:
    import httpx

    client = httpx.Client(base_url=base_url, timeout=30)
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None, "no sign-in form"
    answer = client.post(
        "/login", data={"password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    )
    assert answer.status_code in (200, 303), answer.text
    return client


def _first_frame(source: str | io.BytesIO) -> None:
    import av

    with av.open(source, "r") as container:
        for _frame in container.decode(video=0):
            return
    raise RuntimeError("no frame decoded")


def _scrub(client: Any, t: float) -> tuple[float, float, float, str]:
    """The player's path to a moment: seconds to a decoded first frame, to the first
    playable bytes (init segment and first fragment), to the fMP4's last byte; and the
    segment's id."""
    from frontporch.hub.live.muxer import BoxSplitter

    began = time.perf_counter()
    playlist = client.get(
        f"/api/timeline/{CAMERA}",
        params={"start": t - 1800, "end": t + 1800, "segments": "true"},
    ).json()
    segment = next(s for s in playlist["segments"] if s["start"] <= t < s["end"])
    splitter, head, playable = BoxSplitter(), bytearray(), 0.0
    with client.stream("GET", segment["url"]) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_bytes():
            if not playable:
                head += chunk
                if "mdat" in (kind for kind, _ in splitter.feed(chunk)):
                    playable = time.perf_counter() - began
                    _first_frame(io.BytesIO(bytes(head)))
                    first_frame = time.perf_counter() - began
    whole = time.perf_counter() - began
    return first_frame, playable, whole, str(segment["id"])


def _direct(path: Path) -> float:
    began = time.perf_counter()
    _first_frame(str(path))
    return time.perf_counter() - began


def _plain_remux(paths: list[tuple[Path, float]], out: Path) -> None:
    """The baseline: every packet of every segment into one MP4, shifted by its start."""
    import av

    first = paths[0][1]
    with av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as output:
        target = None
        for path, start in paths:
            with av.open(str(path)) as source:
                stream = source.streams.video[0]
                if target is None:
                    target = output.add_stream_from_template(stream)
                tb = stream.time_base or Fraction(1, 90000)
                shift = round((start - first) / tb)
                for packet in source.demux(stream):
                    if packet.dts is None:
                        continue
                    packet.pts = (packet.pts or packet.dts) + shift
                    packet.dts += shift
                    packet.stream = target
                    output.mux_one(packet)


def _measure(root: Path, quick: bool) -> dict[str, Any]:
    from frontporch.hub.store.layout import RECORDINGS_DIR

    figures: dict[str, Any] = {
        "scrub": [],
        "playable": [],
        "whole": [],
        "direct": [],
        "export": [],
        "plain": [],
    }
    with _served(root, quick) as (base_url, store, app):
        segments = store.all_segments(CAMERA)
        start, end = segments[0].start, segments[-1].end
        figures["video_s"] = end - start
        figures["segments"] = len(segments)
        figures["segment_mb"] = sum(s.size_bytes for s in segments) / len(segments) / 1e6
        recordings = Path(app.state.hub.config.storage.path) / RECORDINGS_DIR
        by_id = {str(s.id): recordings / s.path for s in segments}
        client = _signed_in(base_url)
        chooser = random.Random(14)
        _scrub(client, start + 1.0)  # warm: imports, first connection
        for _ in range(QUICK_SCRUBS if quick else SCRUBS):
            t = chooser.uniform(start, end - 0.5)
            first_frame, playable, whole, segment_id = _scrub(client, t)
            figures["scrub"].append(first_frame)
            figures["playable"].append(playable)
            figures["whole"].append(whole)
            figures["direct"].append(_direct(by_id[segment_id]))
        desk = app.state.exports
        chosen = [(recordings / s.path, s.start) for s in segments]
        for _ in range(QUICK_EXPORTS if quick else EXPORTS):
            began = time.perf_counter()
            job = desk.request_export(CAMERA, start, end)
            assert desk.wait_idle(300, poll_s=0.002), "the export did not finish"
            figures["export"].append(time.perf_counter() - began)
            record = desk.get(job.id)
            assert record.state.value == "done", record.error
            desk.delete(job.id)
            plain = root / "plain.mp4"
            began = time.perf_counter()
            _plain_remux(chosen, plain)
            figures["plain"].append(time.perf_counter() - began)
            plain.unlink()
        client.close()
    return figures


def run(quick: bool) -> list[Result]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="playback-", dir=RESULTS))
    try:
        figures = _measure(scratch, quick)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    scrub = [s * 1000 for s in figures["scrub"]]
    direct = [s * 1000 for s in figures["direct"]]
    playable = [s * 1000 for s in figures["playable"]]
    whole = [s * 1000 for s in figures["whole"]]
    export, plain = figures["export"], figures["plain"]
    video_s = figures["video_s"]
    first_frame = median(scrub)
    first_bytes = median(playable)
    export_s = median(export)
    moments = (
        f"{len(scrub)} random moments over {figures['segments']} segment(s) of {SEGMENT_S:g} s "
        f"(~{figures['segment_mb']:.1f} MB each)"
    )
    return [
        Result(
            name="scrub to a moment: request to the first playable fMP4 bytes",
            figure=first_bytes,
            unit="ms",
            baseline=median(direct),
            baseline_unit="ms (open the segment file, decode its first frame)",
            ratio=ratio(first_bytes, median(direct)),
            target=f"≤ {FIRST_FRAME_TARGET_MS:g} ms",
            passed=first_bytes <= FIRST_FRAME_TARGET_MS,
            notes=(
                f"{moments}; playlist, then init segment and first fragment received over "
                f"HTTP; the whole segment's fMP4: {median(whole):.1f} ms"
            ),
            repeats=len(playable),
            figure_best=best(playable),
            baseline_best=best(direct),
            raw={"playable_ms": playable, "direct_ms": direct, "whole_ms": whole},
        ),
        Result(
            name="scrub to a moment: first frame decoded from those bytes",
            figure=first_frame,
            unit="ms",
            baseline=median(direct),
            baseline_unit="ms (open the segment file, decode its first frame)",
            ratio=ratio(first_frame, median(direct)),
            target="reported",
            passed=None,
            notes=(
                f"{moments}; PyAV decodes the first frame from the bytes received so far. "
                "Most of the difference is PyAV opening a fragmented MP4, whose empty `moov` "
                "makes FFmpeg probe frames first; a browser appends the bytes to Media "
                "Source Extensions without probing"
            ),
            repeats=len(scrub),
            figure_best=best(scrub),
            baseline_best=best(direct),
            raw={"scrub_ms": scrub, "direct_ms": direct},
        ),
        Result(
            name=f"export {video_s:.0f} s of 1080p recording to one MP4",
            figure=export_s,
            unit="s",
            baseline=median(plain),
            baseline_unit="s (plain PyAV remux of the same segments)",
            ratio=ratio(export_s, median(plain)),
            target=f"≤ {EXPORT_TARGET_RATIO:g}× the plain remux",
            passed=export_s <= EXPORT_TARGET_RATIO * median(plain),
            notes=f"{video_s / export_s:.0f}× real time",
            repeats=len(export),
            figure_best=best(export),
            baseline_best=best(plain),
            raw={"export_s": export, "plain_s": plain},
        ),
    ]
