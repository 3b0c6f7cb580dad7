"""Recording cost: stream copy of a 1080p camera into 10 s segments, in CPU per hour.

Packets are demuxed from the cached 60 s 1080p scene and handed to
`frontporch.hub.recording.segments.SegmentWriter` in decode order with synthetic wall clocks (the
file's start plus each packet's decode time, which is what `InputReader`'s clock gives
a file read faster than real time). Baselines in the same run: demuxing alone, and
decoding every frame (the least that transcoding would cost).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.isolate import in_child, timed
from bench.result import Result, best, median, ratio
from bench.videos import (
    CAMERA_LIKE_CRF,
    RESULTS,
    SceneVideo,
    bitrate_mbit_s,
    ensure,
    scene_1080p,
)

Pick = Callable[[Sequence[float]], float]

NAME = "recording"
TITLE = "Recording cost (stream copy into segments)"
TARGET_PERCENT = 1.0
SEGMENT_S = 10.0
WALL_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z: any fixed instant will do
METHOD = f"""\
- Input: the same 60 s 1080p15 `porch` scene as above, and the same scene encoded at
  CRF {CAMERA_LIKE_CRF}, which keeps more of its sensor noise: about 5 Mbit/s, like a
  typical 1080p camera's main stream (the cost of copying grows with the bytes and
  the packets; the bitrates are in the names).
- Figure: open the file, demux every video packet and pass it to
  `frontporch.hub.recording.segments.SegmentWriter` ({SEGMENT_S:g} s segments) with a synthetic wall
  clock (start + the packet's decode time), as `InputReader` does for a file; close
  the writer. Segments go to a scratch folder under `bench/results/` on the real disk
  (each is fsync'ed and renamed, as in the hub).
- Baselines, same run: the same demux loop without writing; and decoding every frame
  (single-threaded here: the least CPU that transcoding would spend before encoding).
- Everything runs in one process pinned to one core; CPU time is
  `time.process_time()`, median of the repeats (interleaved). Figure = CPU seconds ÷
  video seconds × 100 = % of one core while recording that camera; CPU seconds per
  hour of video = that × 36. Time spent waiting for the disk (fsync) is not CPU and
  is not counted. Target: ≤ {TARGET_PERCENT:g}% of one core."""


def _demux(path: str, root: Path | None) -> dict[str, Any]:
    """Demux `path`; with a `root`, record the packets into segments there."""
    import av

    from frontporch.hub.recording.segments import SegmentInfo, SegmentWriter

    closed: list[SegmentInfo] = []
    packets = 0
    with timed() as span:
        container = av.open(path)
        stream = container.streams.video[0]
        time_base = stream.time_base
        writer = None
        if root is not None:
            writer = SegmentWriter("bench", root, stream, SEGMENT_S, closed.append)
        for packet in container.demux(stream):
            if not packet.size:  # the demuxer's end-of-stream flush packet
                continue
            packets += 1
            if writer is not None and packet.dts is not None and time_base is not None:
                writer.write(packet, WALL_START + float(packet.dts * time_base))
        if writer is not None:
            writer.close()
        container.close()
    return {
        "cpu": span.cpu,
        "wall": span.wall,
        "packets": packets,
        "segments": len(closed),
        "bytes_written": sum(info.size_bytes for info in closed),
    }


def _decode(path: str) -> dict[str, Any]:
    import av

    with timed() as span:
        container = av.open(path)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # one thread here: the process is pinned to one core
        frames = sum(1 for _ in container.decode(stream))
        container.close()
    return {"cpu": span.cpu, "wall": span.wall, "frames": frames}


def _series(path: str, repeats: int, decodes: int) -> dict[str, list[dict[str, Any]]]:
    """All repeats, interleaved, in the (pinned) calling process."""
    runs: dict[str, list[dict[str, Any]]] = {"record": [], "demux": [], "decode": []}
    RESULTS.mkdir(parents=True, exist_ok=True)
    for index in range(repeats):
        runs["demux"].append(_demux(path, None))
        scratch = Path(tempfile.mkdtemp(prefix="record-", dir=RESULTS))
        try:
            runs["record"].append(_demux(path, scratch))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if index < decodes:
            runs["decode"].append(_decode(path))
    return runs


def run(quick: bool) -> list[Result]:
    repeats, decodes = (3, 2) if quick else (7, 3)
    rows = []
    for crf, with_decode in ((23, True), (CAMERA_LIKE_CRF, False)):
        video = scene_1080p(quick, crf)
        path = ensure(video)
        runs = in_child(_series, str(path), repeats, decodes if with_decode else 0, one_core=True)
        rows += _rows(video, runs, repeats)
    return rows


def _percent(video: SceneVideo, runs: list[dict[str, Any]], pick: Pick = median) -> float:
    return pick([run["cpu"] for run in runs]) / video.duration_s * 100


def _rows(video: SceneVideo, runs: dict[str, list[dict[str, Any]]], repeats: int) -> list[Result]:
    record = _percent(video, runs["record"])
    first = runs["record"][0]
    scene = f"{video.width}x{video.height} at {bitrate_mbit_s(video):.1f} Mbit/s"

    def row(
        name: str, baseline: float, baseline_unit: str, best_baseline: float, notes: str
    ) -> Result:
        return Result(
            name=name,
            figure=record,
            unit="% of a core",
            baseline=baseline,
            baseline_unit=baseline_unit,
            ratio=ratio(record, baseline),
            target=f"≤ {TARGET_PERCENT:g}% of one core",
            passed=record <= TARGET_PERCENT,
            notes=notes,
            repeats=repeats,
            figure_best=_percent(video, runs["record"], best),
            baseline_best=best_baseline,
            raw={"video": video.label, "runs": runs},
        )

    demux = _percent(video, runs["demux"])
    rows = [
        row(
            f"recording {scene} by stream copy, vs demux alone",
            demux,
            "% (demux only)",
            _percent(video, runs["demux"], best),
            f"{video.label}; {first['packets']} packets into {first['segments']} segments; "
            f"{record * 36:.1f} CPU s per hour of video; muxing and segment files add "
            f"{record - demux:.3f} points to the demux",
        )
    ]
    if runs["decode"]:
        decode = _percent(video, runs["decode"])
        rows.append(
            row(
                f"recording {scene} by stream copy, vs decoding",
                decode,
                "% (decode, 1 thread)",
                _percent(video, runs["decode"], best),
                f"decoding alone (median of {len(runs['decode'])}) would cost "
                f"{decode * 36:.0f} CPU s per hour of video",
            )
        )
    return rows
