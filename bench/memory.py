"""Peak memory per camera: one camera worker process, both roles, on a realtime 1080p file.

`frontporch.hub.process.worker.camera_main` runs in a spawned process (as the hub runs it) on
the cached 1080p scene played at its own frame rate and looped, recording into a
scratch folder and analysing with the built-in detector, while this process drains its
message queue and samples its resident set size. The baseline is a spawned process that
imports the same module and idles.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import shutil
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.result import Result, median, ratio
from bench.videos import RESULTS, ensure, scene_1080p

NAME = "memory"
TITLE = "Memory and CPU of one camera worker"
SAMPLE_S = 0.2
BASELINE_S = 3.0
MIB = 2**20
METHOD = f"""\
- Figure: `frontporch.hub.process.worker.camera_main("bench", camera, DetectorConfig(), dir,
  queue, stop)` in a process started with `multiprocessing.get_context("spawn")`, the
  input being the 1080p15 `porch` scene file with `realtime: true, loop: true` and both
  roles (record by stream copy into 10 s segments; detect at 5 fps, 640x360, with the
  built-in HOG detector; live-view JPEGs at up to 5 fps). The parent drains the
  message queue (as the hub does) and samples the child's RSS with psutil every
  {SAMPLE_S:g} s for the whole run (about 20 s).
- Peak = the largest sample; steady = the median of the second half of the run.
- Baseline, same run: a spawned process that imports `frontporch.hub.process.worker` and
  idles, sampled for {BASELINE_S:g} s (median). Per camera = peak − baseline.
- CPU% = the child's user + system CPU time from its first stats message to the stop
  signal, ÷ that wall time (100% = one core). The worker limits OpenCV to one thread;
  the decoder uses FFmpeg's automatic thread count, as in production.
- Reported, no target set. A single run, not repeated; RSS counts shared library pages
  too, which is why the baseline is subtracted."""


def _idle(ready: Any, stop: Any) -> None:
    """The baseline process: import what a camera worker imports, then wait."""
    import frontporch.hub.process.worker  # noqa: F401

    ready.set()
    stop.wait(60)


@dataclass
class _Drain:
    """Reads a worker's messages on a thread, as the hub's apply loop would."""

    outbox: Any
    counts: Counter[str] = field(default_factory=Counter)
    stats: list[Any] = field(default_factory=list)
    first_stats_at: float | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.done.is_set():
            try:
                message = self.outbox.get(timeout=0.2)
            except queue.Empty:
                continue
            kind = type(message).__name__
            self.counts[kind] += 1
            if kind == "WorkerStats":
                self.stats.append(message)
                if self.first_stats_at is None:
                    self.first_stats_at = time.monotonic()


def _cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def _sample(proc: psutil.Process, seconds: float, rss: list[int]) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with contextlib.suppress(psutil.NoSuchProcess):
            rss.append(proc.memory_info().rss)
        time.sleep(SAMPLE_S)


def _baseline() -> list[int]:
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    child = context.Process(target=_idle, args=(ready, stop), daemon=True)
    child.start()
    try:
        ready.wait(60)
        rss: list[int] = []
        _sample(psutil.Process(child.pid), BASELINE_S, rss)
        return rss
    finally:
        stop.set()
        child.join(10)


def _camera(path: Path, seconds: float, recordings: Path) -> dict[str, Any]:
    from frontporch.hub.config import CameraConfig, DetectorConfig, InputConfig
    from frontporch.hub.process.worker import camera_main

    camera = CameraConfig(inputs=[InputConfig(url=str(path), loop=True, realtime=True)])
    context = multiprocessing.get_context("spawn")
    outbox, stop = context.Queue(maxsize=1000), context.Event()
    child = context.Process(
        target=camera_main,
        args=("bench", camera, DetectorConfig(), recordings, outbox, stop),
        daemon=True,
    )
    drain = _Drain(outbox)
    reader = threading.Thread(target=drain.run, daemon=True)
    child.start()
    reader.start()
    proc = psutil.Process(child.pid)
    rss: list[int] = []
    cpu_start: float | None = None
    cpu_start_at = 0.0
    began = time.monotonic()
    while time.monotonic() - began < seconds and child.is_alive():
        _sample(proc, SAMPLE_S, rss)
        if cpu_start is None and drain.first_stats_at is not None:
            cpu_start, cpu_start_at = _cpu_seconds(proc), time.monotonic()
    cpu_end, cpu_end_at = _cpu_seconds(proc), time.monotonic()
    stop.set()
    child.join(30)
    if child.is_alive():
        child.terminate()
        child.join(5)
    drain.done.set()
    reader.join(2)
    last = drain.stats[-1] if drain.stats else None
    cpu_percent = None
    if cpu_start is not None:
        cpu_percent = (cpu_end - cpu_start) / (cpu_end_at - cpu_start_at) * 100
    return {
        "rss": rss,
        "cpu_percent": cpu_percent,
        "messages": dict(drain.counts),
        "analyzed_fps": [s.analyzed_fps for s in drain.stats],
        "skipped_frames": last.skipped_frames if last else None,
        "state": last.state if last else None,
        "exit_code": child.exitcode,
    }


def run(quick: bool) -> list[Result]:
    video = scene_1080p(quick)
    path = ensure(video)
    seconds = 8.0 if quick else 20.0
    baseline = median(_baseline()) / MIB
    RESULTS.mkdir(parents=True, exist_ok=True)
    recordings = Path(tempfile.mkdtemp(prefix="memory-", dir=RESULTS))
    try:
        data = _camera(path, seconds, recordings)
    finally:
        shutil.rmtree(recordings, ignore_errors=True)
    rss = [value / MIB for value in data["rss"]]
    if not rss:
        raise RuntimeError(f"the camera worker did not run (exit code {data['exit_code']})")
    peak, steady = max(rss), median(rss[len(rss) // 2 :])
    rates = [fps for fps in data["analyzed_fps"] if fps > 0]
    cpu = data["cpu_percent"]
    notes = (
        f"{seconds:g} s run, {len(rss)} samples; steady {steady:.0f} MiB "
        f"(+{steady - baseline:.0f} MiB); analysed {median(rates) if rates else 0:.1f} fps, "
        f"skipped frames as the worker reports them: {data['skipped_frames']}; "
        f"messages {data['messages']}"
    )
    raw = {"video": video.label, "baseline_mib": baseline, **data}
    rows = [
        Result(
            name="peak RSS of one camera worker (1080p15, record + detect, HOG)",
            figure=peak,
            unit="MiB",
            baseline=baseline,
            baseline_unit="MiB (idle worker process)",
            ratio=ratio(peak, baseline),
            target=f"reported: per camera = peak − baseline = {peak - baseline:.0f} MiB",
            passed=None,
            notes=notes,
            raw=raw,
        ),
    ]
    if cpu is not None:
        rows.append(
            Result(
                name="CPU of one camera worker over the run",
                figure=cpu,
                unit="% of a core",
                baseline=None,
                baseline_unit="",
                ratio=None,
                target="reported (compare the analysis figures above)",
                passed=None,
                notes="user + system CPU from the first stats message to the stop signal",
            )
        )
    return rows
