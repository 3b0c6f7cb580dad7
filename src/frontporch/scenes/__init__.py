"""Synthetic camera scenes with frame-by-frame ground truth, for the demo, tests and benchmarks.

Every scene is generated from a seed with numpy and OpenCV (no downloads, no data
files) and is deterministic: the same name, size, rate, duration and seed give the same
frames and the same truth. Scenes:

- ``porch``: a house front; people of different sizes walk past near and far, one of
  them leaves a parcel at the door (it stays);
- ``driveway``: a car pulls in and parks, its driver walks off, a passer-by, another
  car drives past on the street;
- ``lighting``: nobody; a cloud's shadow sweeps across, a lamp switches on (a sudden
  global change), then dusk dims everything;
- ``foliage``: nobody; bushes and a branch sway (their regions are in the truth, for a
  motion mask);
- ``night``: the house front through an infrared camera; people walk past;
- ``street``: a busy street from a front yard; people walk both ways along the
  sidewalk and a footpath (several at once, in nearly every frame) and cars pass
  often in both lanes, near and far.

People are drawn to look like pedestrians to a HOG detector (upright, head and
shoulders, alternating legs, a dark rim on the silhouette), so the hub's offline
detector finds them; the tests check it does, and that it stays quiet on the empty
scenes.

    frames, truth = render("porch", width=640, height=360, duration_s=10)
    truth = write_scene("porch", Path("porch.mp4"))   # also writes porch.mp4.truth.json
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from frontporch.scenes.encode import encode_h264
from frontporch.scenes.recipes import RECIPES, SceneSpec
from frontporch.scenes.stage import Stage
from frontporch.scenes.truth import FrameObject, SceneTruth, Visit, truth_path

__all__ = [
    "FrameObject",
    "SceneTruth",
    "Visit",
    "render",
    "scene_names",
    "scene_truth",
    "truth_path",
    "write_scene",
]

MIN_SIZE = 64


def scene_names() -> list[str]:
    """The names `render` and `write_scene` accept."""
    return sorted(RECIPES)


def _stage(
    scene: str, width: int, height: int, fps: float, duration_s: float, seed: int
) -> tuple[Stage, SceneSpec]:
    if scene not in RECIPES:
        raise ValueError(f"unknown scene {scene!r}; choose one of {', '.join(scene_names())}")
    if width < MIN_SIZE or height < MIN_SIZE or width % 2 or height % 2:
        raise ValueError(f"frame size must be even and at least {MIN_SIZE}: got {width}x{height}")
    if fps <= 0 or duration_s <= 0:
        raise ValueError(f"fps and duration must be positive: got {fps} fps, {duration_s} s")
    spec = SceneSpec(width, height, float(fps), float(duration_s), seed)
    return RECIPES[scene](spec), spec


def scene_truth(
    scene: str,
    *,
    width: int = 1280,
    height: int = 720,
    fps: float = 15.0,
    duration_s: float = 60.0,
    seed: int = 0,
) -> SceneTruth:
    """The ground truth `render` would return, without drawing any pixels."""
    stage, spec = _stage(scene, width, height, fps, duration_s, seed)
    return stage.truth(scene, spec.fps, spec.duration, seed)


def render(
    scene: str,
    *,
    width: int = 1280,
    height: int = 720,
    fps: float = 15.0,
    duration_s: float = 60.0,
    seed: int = 0,
) -> tuple[Iterator[np.ndarray], SceneTruth]:
    """Frames (BGR uint8, drawn lazily as the iterator is consumed) and their truth.

    There are `round(duration_s * fps)` frames of `height` x `width` pixels. Raises
    ValueError for an unknown scene name or an unusable size, rate or duration.
    """
    stage, spec = _stage(scene, width, height, fps, duration_s, seed)
    return stage.frames(), stage.truth(scene, spec.fps, spec.duration, seed)


def write_scene(
    scene: str,
    path: Path,
    *,
    width: int = 1280,
    height: int = 720,
    fps: float = 15.0,
    duration_s: float = 60.0,
    seed: int = 0,
    gop_s: float = 2.0,
    crf: int = 23,
    progress: Callable[[int, int], None] | None = None,
) -> SceneTruth:
    """Render a scene to an H.264 MP4 at `path` and its truth to `truth_path(path)`.

    The video is yuv420p at a constant `fps`, with a keyframe every `gop_s` seconds
    (and nowhere else). `progress(frames_done, frames_total)` is called after each frame.
    """
    frames, truth = render(
        scene, width=width, height=height, fps=fps, duration_s=duration_s, seed=seed
    )
    encode_h264(
        frames,
        path,
        width=width,
        height=height,
        fps=fps,
        total=truth.frame_count,
        gop_s=gop_s,
        crf=crf,
        progress=progress,
    )
    truth.save(truth_path(path))
    return truth
