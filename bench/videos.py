"""The synthetic scene files the benchmarks read, generated once into a cache.

Files live in `bench/results/cache/` (git-ignored), named by every parameter that
shapes them, so a changed parameter means a new file rather than a stale one.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
CACHE = RESULTS / "cache"
CAMERA_LIKE_CRF = 20
"""The porch scene at this CRF runs at about 5 Mbit/s: a typical 1080p camera main stream."""


@dataclass(frozen=True)
class SceneVideo:
    scene: str = "porch"
    width: int = 1920
    height: int = 1080
    fps: float = 15.0
    duration_s: float = 60.0
    seed: int = 7
    crf: int = 23

    @property
    def path(self) -> Path:
        name = (
            f"{self.scene}-{self.width}x{self.height}-{self.fps:g}fps-"
            f"{self.duration_s:g}s-seed{self.seed}-crf{self.crf}.mp4"
        )
        return CACHE / name

    @property
    def label(self) -> str:
        return (
            f"'{self.scene}' scene, {self.width}x{self.height}, {self.fps:g} fps, "
            f"{self.duration_s:g} s, H.264 CRF {self.crf}"
        )


def scene_1080p(quick: bool, crf: int = 23) -> SceneVideo:
    """The 1080p scene with people walking past: 60 s, or 10 s for `--quick`; a lower
    `crf` keeps more of the sensor noise, for a bitrate nearer a real camera's."""
    return SceneVideo(duration_s=10.0 if quick else 60.0, crf=crf)


def street_scene(
    quick: bool, width: int = 1920, height: int = 1080, crf: int = 23, fps: float = 15.0
) -> SceneVideo:
    """The busy `street` scene (people in nearly every frame, usually several; cars
    passing both ways, near and far): 60 s, or 10 s for `--quick`. Any even size works;
    the script of who passes when is the same at every size."""
    return SceneVideo(
        scene="street",
        width=width,
        height=height,
        fps=fps,
        duration_s=10.0 if quick else 60.0,
        crf=crf,
    )


def ensure(video: SceneVideo) -> Path:
    """The video's path, rendering and encoding it first if the cache lacks it."""
    path = video.path
    if path.is_file():
        return path
    from frontporch.scenes import truth_path, write_scene

    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"generating {video.label} (once) ...", file=sys.stderr, flush=True)
    began = time.perf_counter()
    partial = path.with_name(f"partial-{os.getpid()}-{path.name}")
    write_scene(
        video.scene,
        partial,
        width=video.width,
        height=video.height,
        fps=video.fps,
        duration_s=video.duration_s,
        seed=video.seed,
        crf=video.crf,
    )
    os.replace(truth_path(partial), truth_path(path))
    os.replace(partial, path)
    print(f"  done in {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    return path


def bitrate_mbit_s(video: SceneVideo) -> float:
    return video.path.stat().st_size * 8 / video.duration_s / 1e6
