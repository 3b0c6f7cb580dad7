"""Ground truth of a synthetic scene: which object is where in every frame.

Visits are derived from the per-frame boxes, never written by hand, so the two cannot
disagree: an object's visit is a run of consecutive frames in which it is listed. An
object is listed in a frame when at least `MIN_VISIBLE` of its box lies inside the
frame; its box is then clipped to the frame. Occlusion by other objects does not
remove an object from the truth (a person walking behind a parked car is still there).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from frontporch.hub.analysis.geometry import Box, Point

MIN_VISIBLE = 0.5
"""Fraction of an object's box that must be inside the frame for it to count as seen."""

TRUTH_SUFFIX = ".truth.json"
FORMAT_VERSION = 1


class FrameObject(NamedTuple):
    """One object in one frame: unpacks as `(object_id, label, box)`."""

    object_id: int
    label: str
    box: Box


@dataclass(frozen=True)
class Visit:
    """One object's presence in view, in seconds from the start of the video.

    `start` is the time of the first frame in which the object is (mostly) visible and
    `end` the time of the last such frame, so a one-frame visit has `start == end`.
    """

    object_id: int
    label: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def overlaps(self, start: float, end: float) -> bool:
        """Whether this visit shares any instant with `[start, end]`."""
        return self.start <= end and start <= self.end


@dataclass(frozen=True)
class SceneTruth:
    """Everything a test or benchmark needs to score a pipeline on a rendered scene."""

    scene: str
    width: int
    height: int
    fps: float
    duration: float
    seed: int
    visits: tuple[Visit, ...]
    boxes: tuple[tuple[FrameObject, ...], ...]
    """Per frame, the objects in view with their boxes in pixels."""
    foliage_regions: tuple[tuple[Point, ...], ...] = ()
    """Relative polygons (0..1 of width and height) where foliage moves."""

    @property
    def frame_count(self) -> int:
        return len(self.boxes)

    def frame_time(self, index: int) -> float:
        """Seconds from the start of the video to frame `index`."""
        return index / self.fps

    def visits_of(self, label: str) -> list[Visit]:
        """The visits of objects with `label`, in order of start."""
        return [v for v in self.visits if v.label == label]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; `from_json` reads it back to an equal object."""
        return {
            "format": FORMAT_VERSION,
            "scene": self.scene,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "duration": self.duration,
            "seed": self.seed,
            "visits": [
                {"object_id": v.object_id, "label": v.label, "start": v.start, "end": v.end}
                for v in self.visits
            ],
            "boxes": [
                [[o.object_id, o.label, o.box.x1, o.box.y1, o.box.x2, o.box.y2] for o in frame]
                for frame in self.boxes
            ],
            "foliage_regions": [[list(p) for p in poly] for poly in self.foliage_regions],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SceneTruth:
        """Read what `to_json` wrote; raises ValueError on another format version."""
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported scene truth format: {data.get('format')!r}")
        return cls(
            scene=data["scene"],
            width=data["width"],
            height=data["height"],
            fps=data["fps"],
            duration=data["duration"],
            seed=data["seed"],
            visits=tuple(Visit(**v) for v in data["visits"]),
            boxes=tuple(
                tuple(FrameObject(oid, label, Box(*coords)) for oid, label, *coords in frame)
                for frame in data["boxes"]
            ),
            foliage_regions=tuple(
                tuple((float(x), float(y)) for x, y in poly) for poly in data["foliage_regions"]
            ),
        )

    def save(self, path: Path) -> None:
        """Write the truth as JSON to `path`."""
        path.write_text(json.dumps(self.to_json(), separators=(",", ":")))

    @classmethod
    def load(cls, path: Path) -> SceneTruth:
        """Read a truth file written by `save` (or by `write_scene`)."""
        return cls.from_json(json.loads(path.read_text()))


def truth_path(video: Path) -> Path:
    """Where `write_scene` puts the ground truth of the video at `video`."""
    return video.with_name(video.name + TRUTH_SUFFIX)


def visible_box(box: Box, width: int, height: int) -> Box | None:
    """`box` clipped to the frame, or None when less than `MIN_VISIBLE` of it is inside."""
    clipped = box.clip(width, height)
    if box.area <= 0 or clipped.area < MIN_VISIBLE * box.area:
        return None
    x1, y1, x2, y2 = clipped.as_ints()
    return Box(float(x1), float(y1), float(x2), float(y2))


def visits_from_boxes(boxes: Sequence[Sequence[FrameObject]], fps: float) -> tuple[Visit, ...]:
    """Turn per-frame listings into visits: one per run of consecutive frames per object."""
    open_runs: dict[int, tuple[str, int, int]] = {}
    visits: list[Visit] = []
    for index, frame in enumerate(boxes):
        for obj in frame:
            label, first, last = open_runs.get(obj.object_id, (obj.label, index, index))
            if last < index - 1:
                visits.append(Visit(obj.object_id, label, first / fps, last / fps))
                first = index
            open_runs[obj.object_id] = (label, first, index)
    visits.extend(
        Visit(oid, label, first / fps, last / fps)
        for oid, (label, first, last) in open_runs.items()
    )
    return tuple(sorted(visits, key=lambda v: (v.start, v.object_id)))
