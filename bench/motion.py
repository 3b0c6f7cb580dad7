"""Motion detector: time per frame at the detect size, against a trivial frame difference.

Frames are decoded and scaled first (the hub's own `iter_file_frames`, at the detect
rate of 5 fps) and kept in memory, so only `MotionDetector.detect` is timed. The
sequence is played forwards then backwards (no jump at the turn) until there are at
least 1000 frames.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.isolate import in_child
from bench.result import Result, best, median, ratio
from bench.videos import ensure, scene_1080p

NAME = "motion"
TITLE = "Motion detector"
SIZES = ((640, 360), (1280, 720))
DETECT_FPS = 5.0
MIN_FRAMES = 1000
METHOD = f"""\
- Frames: the 60 s 1080p `porch` scene, decoded and scaled by
  `frontporch.hub.capture.filesource.iter_file_frames` at {DETECT_FPS:g} fps to each
  detect size (the luma plane, as the hub feeds motion), held in a list; played
  forwards and backwards until there are at least {MIN_FRAMES} frames.
- Figure: `MotionDetector(MotionConfig(), size).detect(gray)` timed per frame with
  `time.perf_counter_ns`; a round is one fresh detector over the whole sequence, its
  statistic the median frame time; the figure is the median over rounds (best round in
  the JSON).
- Baseline, same frames, same process: `cv2.absdiff(previous, frame)` then
  `cv2.threshold(diff, 25, 255, THRESH_BINARY)` — the least a frame-difference motion
  detector does.
- One process pinned to one core, OpenCV on one thread, as in the camera workers.
  Frames per second of one core = 1 / median frame time; the notes give the share of
  one core motion takes at {DETECT_FPS:g} fps. Reported, no target: motion's cost is
  already inside the analysis target above."""


def _frames(path: str, width: int, height: int) -> list[Any]:
    from frontporch.hub.capture.filesource import iter_file_frames

    decoded = [
        frame.gray.copy() for frame in iter_file_frames(Path(path), DETECT_FPS, width, height)
    ]
    sequence = list(decoded)
    while len(sequence) < MIN_FRAMES:
        decoded.reverse()
        sequence.extend(decoded)
    return sequence


def _time_motion(frames: list[Any], size: tuple[int, int]) -> list[int]:
    from frontporch.hub.analysis.motion import MotionDetector
    from frontporch.hub.config import MotionConfig

    detector = MotionDetector(MotionConfig(), size)
    times = []
    for gray in frames:
        began = time.perf_counter_ns()
        detector.detect(gray)
        times.append(time.perf_counter_ns() - began)
    return times


def _time_difference(frames: list[Any]) -> list[int]:
    import cv2

    times = []
    previous = frames[0]
    for gray in frames:
        began = time.perf_counter_ns()
        diff = cv2.absdiff(previous, gray)
        cv2.threshold(diff, 25, 255, cv2.THRESH_BINARY)
        times.append(time.perf_counter_ns() - began)
        previous = gray
    return times


def _measure(path: str, width: int, height: int, rounds: int) -> dict[str, Any]:
    """Per-round median frame times (ms) of motion and of the baseline, interleaved."""
    frames = _frames(path, width, height)
    motion: list[float] = []
    baseline: list[float] = []
    for _ in range(rounds):
        baseline.append(median(_time_difference(frames)) / 1e6)
        motion.append(median(_time_motion(frames, (width, height))) / 1e6)
    return {"frames": len(frames), "motion_ms": motion, "baseline_ms": baseline}


def run(quick: bool) -> list[Result]:
    video = scene_1080p(quick)
    path = ensure(video)
    rounds = 2 if quick else 3
    results = []
    for width, height in SIZES:
        data = in_child(_measure, str(path), width, height, rounds, one_core=True)
        ms, base_ms = median(data["motion_ms"]), median(data["baseline_ms"])
        results.append(
            Result(
                name=f"motion detect per frame at {width}x{height}",
                figure=ms,
                unit="ms/frame",
                baseline=base_ms,
                baseline_unit="ms (absdiff + threshold)",
                ratio=ratio(ms, base_ms),
                target="reported (inside the analysis target)",
                passed=None,
                notes=(
                    f"{1000 / ms:.0f} frames/s on one core; {ms * DETECT_FPS / 10:.2f}% of a "
                    f"core at {DETECT_FPS:g} fps; {data['frames']} frames per round"
                ),
                repeats=rounds,
                figure_best=best(data["motion_ms"]),
                baseline_best=best(data["baseline_ms"]),
                raw={"video": video.label, **data},
            )
        )
    return results
