"""From motion boxes to detection regions, and from detector output back to the frame.

Detectors run on crops of the frame around motion rather than on whole frames: a
person 60 px tall in a 640x360 frame is lost when the whole frame is squeezed into a
320 px model input, but fills a crop made around their motion box. This module is the
pure part of that (numpy and `geometry` only):

- `plan_regions` merges nearby motion boxes, adds a margin, enforces a minimum size and,
  for models with a square input, a bounded aspect ratio, keeps regions inside the
  frame, and caps how many regions one frame may cost (merging the smallest first);
- `CropMapping` records how a crop was scaled and padded onto a detector's input, so
  boxes found there are mapped back to frame pixels;
- `nms_indices` / `non_max_suppression` drop duplicate detections per label, which
  matters because overlapping regions see the same object twice.

Hazard: boxes are `x2`/`y2`-exclusive floats; a crop uses the integer pixel bounds of
its region (`crop`), and the mapping must use those same bounds, not the float box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from frontporch.hub.analysis.detect.base import Detection
from frontporch.hub.analysis.geometry import Box, merge_overlapping


@dataclass(frozen=True, slots=True)
class RegionPolicy:
    """How motion boxes become regions; each detector picks values that suit its input."""

    margin: float = 0.15
    """Fraction of a box's longer side added on every side (objects outgrow their motion)."""
    min_margin: float = 8.0
    """Pixels added on every side at least."""
    join_gap: float = 16.0
    """Regions closer than this many pixels are merged into one."""
    min_size: float = 64.0
    """Smallest region width and height in pixels (where the frame is that large)."""
    max_aspect: float | None = None
    """Largest ratio of a region's longer side to its shorter; None: no limit."""
    max_regions: int = 4
    """Most regions per frame; beyond it the smallest are merged into their neighbours."""


def plan_regions(
    motion: Sequence[Box], width: float, height: float, policy: RegionPolicy
) -> list[Box]:
    """The regions to run a detector on for one `width` × `height` frame.

    Every returned region lies inside the frame, none are within `join_gap` of each
    other, and there are at most `policy.max_regions`. Empty input gives no regions.
    """
    boxes = [_shape(_grow(b.clip(width, height), policy), width, height, policy) for b in motion]
    boxes = [b for b in boxes if b.area > 0]
    while True:
        merged = merge_overlapping(boxes, margin=policy.join_gap / 2)
        if len(merged) > policy.max_regions:
            merged = _merge_smallest(merged)
        if len(merged) == len(boxes):
            # Nothing merged: every box is already shaped and apart from the others.
            return boxes
        boxes = [_shape(b, width, height, policy) for b in merged]


def _grow(box: Box, policy: RegionPolicy) -> Box:
    if box.area == 0:
        return box
    return box.expand(max(policy.min_margin, policy.margin * max(box.width, box.height)))


def _shape(box: Box, width: float, height: float, policy: RegionPolicy) -> Box:
    """Enforce minimum size and aspect about the box's centre, then slide it into the frame."""
    if box.area == 0:
        return box
    w = max(box.width, policy.min_size)
    h = max(box.height, policy.min_size)
    if policy.max_aspect is not None:
        w = max(w, h / policy.max_aspect)
        h = max(h, w / policy.max_aspect)
    cx, cy = box.center
    x1, x2 = _fit_span(cx - w / 2, cx + w / 2, width)
    y1, y2 = _fit_span(cy - h / 2, cy + h / 2, height)
    return Box(x1, y1, x2, y2)


def _fit_span(lo: float, hi: float, limit: float) -> tuple[float, float]:
    """Slide [lo, hi) into [0, limit) keeping its length where it fits; else the whole span."""
    if hi - lo >= limit:
        return 0.0, limit
    if lo < 0:
        return 0.0, hi - lo
    if hi > limit:
        return limit - (hi - lo), limit
    return lo, hi


def _merge_smallest(boxes: list[Box]) -> list[Box]:
    """Merge the smallest box into the neighbour whose union with it is smallest."""
    smallest = min(range(len(boxes)), key=lambda i: boxes[i].area)
    others = [b for i, b in enumerate(boxes) if i != smallest]
    partner = min(range(len(others)), key=lambda i: others[i].union(boxes[smallest]).area)
    others[partner] = others[partner].union(boxes[smallest])
    return others


def crop(frame: np.ndarray, region: Box) -> tuple[np.ndarray, int, int]:
    """The pixels of `region` (a view, not a copy) and the frame position of its top-left."""
    height, width = frame.shape[:2]
    x1, y1, x2, y2 = region.clip(width, height).as_ints()
    return frame[y1:y2, x1:x2], x1, y1


@dataclass(frozen=True, slots=True)
class CropMapping:
    """How a crop taken at (`x0`, `y0`) in the frame was placed on a detector's input.

    input = (frame − origin) × scale + pad, per axis; `to_frame` inverts it.
    """

    x0: float
    y0: float
    scale_x: float
    scale_y: float
    pad_x: float = 0.0
    pad_y: float = 0.0

    def to_frame(self, box: Box) -> Box:
        """A box in input pixels as a box in frame pixels."""
        return Box(
            (box.x1 - self.pad_x) / self.scale_x + self.x0,
            (box.y1 - self.pad_y) / self.scale_y + self.y0,
            (box.x2 - self.pad_x) / self.scale_x + self.x0,
            (box.y2 - self.pad_y) / self.scale_y + self.y0,
        )

    def to_input(self, box: Box) -> Box:
        """A box in frame pixels as a box in input pixels."""
        return Box(
            (box.x1 - self.x0) * self.scale_x + self.pad_x,
            (box.y1 - self.y0) * self.scale_y + self.pad_y,
            (box.x2 - self.x0) * self.scale_x + self.pad_x,
            (box.y2 - self.y0) * self.scale_y + self.pad_y,
        )


def letterbox_mapping(
    crop_width: int, crop_height: int, x0: int, y0: int, input_width: int, input_height: int
) -> CropMapping:
    """The mapping for a crop scaled, aspect kept, to fit an input and centred in it.

    The scales are those of the whole-pixel resized size, `round(crop_width * scale_x)`
    by `round(crop_height * scale_y)`, so mapping back has no rounding drift.
    """
    scale = min(input_width / crop_width, input_height / crop_height)
    new_width, new_height = round(crop_width * scale), round(crop_height * scale)
    return CropMapping(
        x0,
        y0,
        new_width / crop_width,
        new_height / crop_height,
        (input_width - new_width) // 2,
        (input_height - new_height) // 2,
    )


def nms_indices(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of `boxes` (N×4 x1,y1,x2,y2) kept by greedy non-maximum suppression.

    Highest score first; a box is dropped when its IoU with a kept box exceeds
    `iou_threshold`. The result is ordered by descending score.
    """
    order = np.argsort(-scores, kind="stable")
    x1, y1, x2, y2 = (boxes[:, i] for i in range(4))
    areas = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    keep: list[int] = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(int(best))
        inter_w = np.clip(np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]), 0, None)
        inter_h = np.clip(np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]), 0, None)
        inter = inter_w * inter_h
        union = areas[best] + areas[rest] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.intp)


def non_max_suppression(detections: Sequence[Detection], iou: float) -> list[Detection]:
    """Detections with per-label duplicates removed, highest score first."""
    kept: list[Detection] = []
    for label in sorted({d.label for d in detections}):
        same = [d for d in detections if d.label == label]
        boxes = np.array([[d.box.x1, d.box.y1, d.box.x2, d.box.y2] for d in same], dtype=np.float64)
        scores = np.array([d.score for d in same], dtype=np.float64)
        kept.extend(same[i] for i in nms_indices(boxes, scores, iou))
    return sorted(kept, key=lambda d: -d.score)


def suppress_nested(detections: Sequence[Detection], overlap: float) -> list[Detection]:
    """Detections without those mostly inside (or around) a better one of the same label.

    Plain NMS keeps a box nested in another, since their IoU is small although they show
    the same object at two scales (a torso hit inside a whole-body hit). Here a box is
    dropped when its intersection with a higher-scored box of its label exceeds `overlap`
    of the smaller of the two. Highest score first.
    """
    kept: list[Detection] = []
    for candidate in sorted(detections, key=lambda d: -d.score):
        if not any(
            other.label == candidate.label
            and candidate.box.intersection(other.box)
            > overlap * min(candidate.box.area, other.box.area)
            for other in kept
        ):
            kept.append(candidate)
    return kept
