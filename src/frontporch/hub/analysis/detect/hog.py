"""The built-in person detector: OpenCV's HOG people detector, run on motion regions.

Why HOG: it ships inside opencv-python (< 5), needs no model download and runs on any
CPU, so a fresh hub detects people offline from the first minute. It is a classical
detector (Dalal & Triggs, 2005: histograms of oriented gradients scored by a linear SVM
trained on upright pedestrians) and knows one label, "person". ONNX models do better.

How it is run. The SVM looks at a 64×128 window and expects an upright body about
96 px tall inside it. Rather than scanning whole frames at every scale, each motion
region is cropped (with context around it), and the crop is resized so that a person
as tall as the region is ~96 px; a short ladder of scales around that height is then
scanned with `HOGDescriptor.detect`. A region wider than a person of its height, up
to about square, is read as part of a body (only the legs or arms moved): the search
extends to the taller person its width implies, and the crop grows vertically to hold
them. A region wider still is read as several people side by side, as tall as it is.

Re-checks (`detect_rechecked`). A person the tracker already follows has a known height:
it is looked for only at that height and one scale step either side, on a crop just
around where it is expected, instead of the whole ladder a motion region needs (three
scans of a small crop instead of five to seven of a larger one).

Scores. The SVM's output is a signed distance to its decision plane (a *weight*,
typically −0.5..3 for windows near people). It is mapped to 0..1 with a logistic,
``score = 1 / (1 + exp(-(weight - midpoint) / spread))``, so that the config's
`min_score` (0.5 by default) sits at `midpoint` and each `spread` of weight beyond it
moves the score by one logistic unit. Windows below `hit_threshold` are never reported.
The midpoint (weight 0.15) was chosen on the synthetic scenes, where weights of 0.1-0.2
kept ~98% of people while person-free textures almost never reach them.

Hazards: HOG wants upright people at least ~40 px tall in the frame; sitting, lying,
heavily occluded, tiny people and people half out of the frame are missed, and a region
covering only a head or an arm can yield a small box on that part. IR night frames
(three identical channels) work unchanged. Textured foliage and railings are its
typical false positives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from frontporch.hub.analysis.detect.base import Detection, Recheck
from frontporch.hub.analysis.detect.regions import (
    CropMapping,
    RegionPolicy,
    non_max_suppression,
    plan_regions,
    suppress_nested,
)
from frontporch.hub.analysis.geometry import Box

WINDOW_WIDTH, WINDOW_HEIGHT = 64, 128
PERSON_HEIGHT = 96
"""Height, in window pixels, of the person the default people detector was trained on."""
PERSON_IN_WINDOW = Box(10, 14, 54, 110)
"""Where a walking person's box (limbs swinging: ~0.46 as wide as tall) lies in a hit's
window, measured on the synthetic scenes' figures; a hit's box is this, not the window."""
MIN_PERSON_HEIGHT = 32.0
"""Frame pixels; smaller people are not searched for (the crop would be upscaled 3x+)."""


@dataclass(frozen=True, slots=True)
class HogSettings:
    """Tuning of the HOG detector; the defaults were tuned on the synthetic scenes."""

    hit_threshold: float = -0.3
    """SVM weight below which a window is discarded (negative: more recall)."""
    score_midpoint: float = 0.15
    """SVM weight that maps to a score of 0.5."""
    score_spread: float = 0.4
    """SVM weight per logistic unit of score."""
    scale_step: float = 1.15
    """Ratio between neighbouring person heights searched."""
    win_stride: int = 8
    """Window step in pixels of the rescaled crop (a multiple of HOG's 8-px block stride)."""
    nms_iou: float = 0.4
    """Overlap above which two person boxes are the same person."""
    nested_overlap: float = 0.7
    """Fraction of the smaller box inside a better one that makes it the same person."""
    person_aspect: float = 0.35
    """Width / height of a person's motion box, on the narrow side (for implied heights)."""
    max_part_aspect: float = 1.3
    """Widest region (width / height) read as part of one person; wider: a group."""
    max_height_ratio: float = 2.4
    """Tallest person searched, as a multiple of a region's height (only part moved)."""
    recheck_steps: int = 1
    """Scale steps searched either side of a re-checked person's known height."""


# Motion boxes of one person are often split (head, torso, legs): join close ones, but
# add no margin, since the region's height is our estimate of the person's height.
_MOTION_POLICY = RegionPolicy(
    margin=0.0, min_margin=0.0, join_gap=8.0, min_size=8.0, max_aspect=None, max_regions=6
)


class HogPersonDetector:
    """Detects upright people with OpenCV's default HOG people detector."""

    labels = frozenset({"person"})

    def __init__(self, settings: HogSettings | None = None) -> None:
        self.settings = settings or HogSettings()
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(
            np.asarray(cv2.HOGDescriptor.getDefaultPeopleDetector(), dtype=np.float32)
        )

    def detect(self, frame: np.ndarray, regions: Sequence[Box]) -> list[Detection]:
        """People in the motion `regions` of a BGR `frame`, in frame pixels."""
        return self.detect_rechecked(frame, regions, ())

    def detect_rechecked(
        self, frame: np.ndarray, regions: Sequence[Box], rechecks: Sequence[Recheck]
    ) -> list[Detection]:
        """`detect` on `regions`, plus each re-checked person looked for in its `area` at
        their known height only (see the module docstring)."""
        height, width = frame.shape[:2]
        found: list[Detection] = []
        for region in plan_regions(regions, width, height, _MOTION_POLICY):
            found.extend(self._detect_region(frame, region))
        for recheck in rechecks:
            if recheck.label in self.labels and recheck.area.area > 0:
                heights = self.recheck_heights(recheck.expected, height)
                found.extend(self._scan_heights(frame, recheck.area, heights, centred=True))
        # Neighbouring scales see one person as a body and as a torso: keep one of them.
        return suppress_nested(
            non_max_suppression(found, self.settings.nms_iou), self.settings.nested_overlap
        )

    def recheck_heights(self, expected: Box, frame_height: float) -> list[float]:
        """The person heights (frame pixels) searched for a person expected as `expected`."""
        s = self.settings
        known = min(max(expected.height, MIN_PERSON_HEIGHT), frame_height)
        steps = range(-s.recheck_steps, s.recheck_steps + 1)
        return [
            h
            for h in (known * s.scale_step**i for i in steps)
            if MIN_PERSON_HEIGHT <= h <= frame_height
        ] or [known]

    def person_heights(self, region: Box, frame_height: float) -> list[float]:
        """The person heights (frame pixels) searched for in a motion region, smallest first."""
        s = self.settings
        lowest = max(MIN_PERSON_HEIGHT, 0.7 * region.height)
        highest = 1.15 * region.height
        aspect = region.width / max(region.height, 1.0)
        if aspect <= s.max_part_aspect:
            # Wider than a person of its height, narrower than a group: part of a taller
            # person moved (legs, arms); search up to the height their width implies.
            implied = region.width / s.person_aspect
            highest = max(highest, min(implied, s.max_height_ratio * region.height))
        highest = min(highest, frame_height)
        if highest <= lowest:
            return [lowest]
        steps = math.ceil(math.log(highest / lowest) / math.log(s.scale_step))
        return [lowest * (highest / lowest) ** (i / steps) for i in range(steps + 1)]

    def _detect_region(self, frame: np.ndarray, region: Box) -> list[Detection]:
        heights = self.person_heights(region, frame.shape[0])
        return self._scan_heights(frame, region, heights, centred=False)

    def _scan_heights(
        self, frame: np.ndarray, region: Box, heights: Sequence[float], centred: bool
    ) -> list[Detection]:
        """People of each of `heights` around `region`; `centred`: the person is known to
        be centred in it (a re-check), else only part of them may have moved, above or
        below the rest."""
        found: list[Detection] = []
        for person_height in heights:
            # Room for a person this tall: vertically when only part of them moved, plus
            # the window's own margin around the body on every side. Sized per height, as
            # the small heights are scanned upscaled, where every pixel costs most.
            taller = max(0.0, person_height - region.height)
            grow_y = (taller / 2 if centred else taller) + 0.25 * person_height
            grow_x = 0.25 * person_height
            area = Box(
                region.x1 - grow_x, region.y1 - grow_y, region.x2 + grow_x, region.y2 + grow_y
            )
            patch, x0, y0 = _crop_padded(frame, area)
            scale = PERSON_HEIGHT / person_height
            resized = cv2.resize(
                patch,
                None,
                fx=scale,
                fy=scale,
                interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
            )
            if resized.shape[0] >= WINDOW_HEIGHT and resized.shape[1] >= WINDOW_WIDTH:
                found.extend(self._scan(resized, CropMapping(x0, y0, scale, scale)))
        return non_max_suppression(found, self.settings.nms_iou)

    def _scan(self, image: np.ndarray, mapping: CropMapping) -> list[Detection]:
        s = self.settings
        stride = (s.win_stride, s.win_stride)
        locations, weights = self._hog.detect(
            image, hitThreshold=s.hit_threshold, winStride=stride, padding=(0, 0)
        )
        return [
            Detection(
                "person",
                self.score(float(weight)),
                mapping.to_frame(PERSON_IN_WINDOW.translate(float(x), float(y))),
            )
            for (x, y), weight in zip(
                np.reshape(locations, (-1, 2)), np.ravel(weights), strict=True
            )
        ]

    def score(self, weight: float) -> float:
        """The 0..1 score of an SVM weight (see the module docstring)."""
        s = self.settings
        return 1.0 / (1.0 + math.exp(-(weight - s.score_midpoint) / s.score_spread))


def _crop_padded(frame: np.ndarray, area: Box) -> tuple[np.ndarray, int, int]:
    """The pixels of `area`, with edge pixels replicated where it leaves the frame.

    Replication lets a window sit partly outside the frame, so a person at the frame's
    edge can still be found; the returned origin may be negative.
    """
    height, width = frame.shape[:2]
    x1, y1, x2, y2 = area.as_ints()
    inner = frame[max(y1, 0) : min(y2, height), max(x1, 0) : min(x2, width)]
    padded = cv2.copyMakeBorder(
        inner,
        max(0, -y1),
        max(0, y2 - height),
        max(0, -x1),
        max(0, x2 - width),
        cv2.BORDER_REPLICATE,
    )
    return padded, x1, y1
