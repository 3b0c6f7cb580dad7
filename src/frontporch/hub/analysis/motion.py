"""Motion detection on small grayscale frames: where in the picture did something move?

The detect role hands every analysed frame here first; the boxes returned decide which
regions the (far more expensive) object detector looks at, so a false box costs CPU and
a missed one costs an event. The hazards every outdoor camera meets, and what handles
each:

* sensor noise: each motion pixel averages a 2×2 sample of its block of the frame (as
  many reads at 1280×720 as at 640×360), the result is blurred, and a pixel must
  differ from a running-average background by `threshold` levels;
* lighting that changes everywhere (exposure, dusk, a lamp switched on): the median
  brightness shift between frame and background is removed before thresholding; a
  large sudden shift, or more than `lightning_threshold` of the frame changing at once,
  rebuilds the background instead, reporting nothing for a few frames;
* shadows sweeping over the ground (clouds) and local glows: a changed region is
  lighting, not an object, when most of its pixels still carry the background's texture
  (locally correlated with it, as a gain and offset would leave it) or when its outline
  is soft (objects have crisp silhouettes); it is adopted into the background instead
  of being reported (the checks are in `lighting.py`);
* foliage or a busy road: `mask` polygons are rasterised once and never report motion;
* a busy scene (people and cars in nearly every frame): judging every changed region
  for lighting in every frame would be most of motion's cost, so a region mostly
  inside the previous frame's boxes is taken for the same object without the checks,
  except on every `RECHECK_EVERY`-th frame, when every region is judged again.

Known limits: a fast, hard-edged shadow on a textureless surface cannot be told from
an object by brightness alone and may be reported as motion; a deep shadow (half the
light or less) can leave a stray box for a frame or two; an object that fills more than
`lightning_threshold` of the frame at once reads as lighting; parts of an object that
match the ground's texture (or a car that stopped, half learnt) may be adopted early;
a shadow that falls inside the box of something already moving there is reported
with it until the next full check.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from frontporch.hub.analysis.geometry import Box, to_pixels
from frontporch.hub.analysis.lighting import (
    SAME_SURFACE_TOLERANCE,
    Labels,
    RegionCounter,
    adopt,
    lighting_regions,
)
from frontporch.hub.config import MotionConfig, RelPolygon

GrayFrame = npt.NDArray[np.uint8]
FloatImage = npt.NDArray[np.float32]
BoolImage = npt.NDArray[np.bool_]

CALIBRATION_FRAMES = 2
"""Frames after a lighting change in which the background is reset (exposure settles)."""

BLUR_KERNEL = (5, 5)


ROI_PAD = 8
"""Margin around the changed pixels that texture and adoption are computed over."""

GLOBAL_SHIFT = 0.5
"""A median change of the whole frame, as a fraction of `threshold`, that is a light change."""

FIT_STRIDE = 8
"""Every n-th pixel (in both directions) is sampled for the global brightness shift."""

BORDER = 2
"""Pixels (at the motion size) along the frame's edge where motion is not judged."""

MERGE_MARGIN = 0.02
"""Boxes closer than this fraction of the frame width are merged into one."""

RECHECK_EVERY = 4
"""A region mostly inside last frame's motion boxes is taken for the same moving object
without the lighting checks, except on every n-th frame, when every region is judged."""

KNOWN_SHARE = 0.5
"""Share of a region inside last frame's (grown) boxes for it to count as that object."""

KNOWN_REACH = 4
"""Pixels (at the motion size) last frame's boxes are grown by: how far an object moves."""

SAMPLES = 2
"""Source pixels read per motion pixel along each axis: the scaling reads as many pixels
at 1280×720 as at 640×360 (INTER_AREA over the whole frame grew with the detect size)."""

_BLUR = cv2.getGaussianKernel(BLUR_KERNEL[0], 0, cv2.CV_32F)


class MotionDetector:
    """Finds moving regions in a camera's detect frames, one frame at a time.

    Construct once per camera with the size of its detect frames; `detect` takes each
    uint8 grayscale frame of that size and returns boxes in its pixel coordinates. The
    first frame only initialises the background.
    """

    def __init__(self, config: MotionConfig, frame_size: tuple[int, int]) -> None:
        width, height = frame_size
        if width < 1 or height < 1:
            raise ValueError(f"frame size must be positive, got {width}x{height}")
        self._config = config
        self._frame_size = (width, height)
        # An integer factor lets area averaging take its fast path; the few rows and
        # columns past the last whole block are left out of motion.
        self._factor = max(1, round(height / config.frame_height))
        small_width, small_height = max(1, width // self._factor), max(1, height // self._factor)
        self._small_size = (small_width, small_height)
        self._source_size = (small_width * self._factor, small_height * self._factor)
        shape = (small_height, small_width)
        # Blocks of an even height of 6 or more: one INTER_LINEAR pass averages exactly
        # their centre 2×2, reading pairs of adjacent rows (a large frame is read from
        # memory, not cache: half as many separate rows is what makes it cheap).
        self._centre_pair = self._factor >= 6 and self._factor % 2 == 0
        # Above SAMPLES× reduction, a nearest-pixel pass first picks SAMPLES evenly spread
        # rows and columns of every block; area averaging of what it picked follows.
        self._sampled: GrayFrame | None = None
        if self._factor > SAMPLES and not self._centre_pair:
            self._sampled = np.empty((small_height * SAMPLES, small_width * SAMPLES), np.uint8)
        self._small: GrayFrame = np.empty(shape, np.uint8)
        self._current: FloatImage = np.empty(shape, np.float32)
        self._background: FloatImage = np.empty(shape, np.float32)
        self._diff: FloatImage = np.empty(shape, np.float32)
        self._changed: GrayFrame = np.empty(shape, np.uint8)
        self._limit: FloatImage = np.full(shape, config.threshold, np.float32)
        self._watched = _watched_area(config.mask, small_width, small_height)
        self._watched_pixels = int(cv2.countNonZero(self._watched))
        # an infinite limit: masked pixels never count as changed, without a mask pass
        self._limit[self._watched == 0] = np.inf
        grid = np.zeros(shape, np.bool_)
        grid[::FIT_STRIDE, ::FIT_STRIDE] = True
        self._fit_index = np.flatnonzero(grid & (self._watched > 0))
        # 2×2, not 3×3: isolated pixels and one-pixel slivers go, while anything that
        # fills a 2×2 block of motion pixels (a ball, a cat far away) is kept for
        # `min_area` to judge.
        self._open_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2))
        self._dilate_kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        self._min_box_area = config.min_area * small_width * small_height
        self._merge_margin = MERGE_MARGIN * small_width
        self._calibration_left = 1  # the first frame initialises the background
        self._motion_fraction = 0.0
        self._moving: list[Box] = []  # last frame's boxes, at the motion size
        self._frames_to_recheck = 0

    @property
    def calibrating(self) -> bool:
        """True while the background is being (re)built and no motion is reported."""
        return self._calibration_left > 0

    @property
    def motion_fraction(self) -> float:
        """Fraction of the watched (unmasked) frame that moved in the last frame."""
        return self._motion_fraction

    @property
    def processing_size(self) -> tuple[int, int]:
        """(width, height) that motion is computed at."""
        return self._small_size

    def detect(self, gray: GrayFrame) -> list[Box]:
        """Boxes around what moved in `gray` since the background was learnt."""
        self._check(gray)
        self._prepare(gray)
        if self._calibration_left > 0:
            self._calibrate()
            return []
        changed = self._threshold()
        if changed:
            shift = self._global_shift()
            if self._is_lighting_change(changed, shift):
                self._start_calibrating()
                return []
            np.add(self._background, shift, out=self._background)
            changed = self._threshold()
        if changed and self._is_lighting_change(changed, 0.0):
            self._start_calibrating()
            return []
        if changed:
            changed = self._drop_lighting_changes()
        self._motion_fraction = changed / self._watched_pixels if changed else 0.0
        self._moving = []
        boxes = self._regions() if changed else []
        cv2.accumulateWeighted(self._current, self._background, self._config.alpha)
        return boxes

    def _check(self, gray: GrayFrame) -> None:
        width, height = self._frame_size
        if not isinstance(gray, np.ndarray) or gray.dtype != np.uint8:
            kind = getattr(gray, "dtype", type(gray).__name__)
            raise ValueError(f"motion needs a uint8 grayscale frame, got {kind}")
        if gray.shape != (height, width):
            raise ValueError(
                f"motion was set up for {width}x{height} grayscale frames "
                f"(shape {(height, width)}), got shape {gray.shape}"
            )

    def _prepare(self, gray: GrayFrame) -> None:
        source_width, source_height = self._source_size
        source = gray[:source_height, :source_width]
        if self._sampled is not None:
            sampled_size = (self._sampled.shape[1], self._sampled.shape[0])
            cv2.resize(source, sampled_size, dst=self._sampled, interpolation=cv2.INTER_NEAREST)
            source = self._sampled
        interpolation = cv2.INTER_LINEAR if self._centre_pair else cv2.INTER_AREA
        cv2.resize(source, self._small_size, dst=self._small, interpolation=interpolation)
        # to float and blurred in one pass (the same Gaussian as cv2.GaussianBlur's)
        cv2.sepFilter2D(self._small, cv2.CV_32F, _BLUR, _BLUR, dst=self._current)

    def _calibrate(self) -> None:
        np.copyto(self._background, self._current)
        self._moving = []
        self._calibration_left -= 1
        self._motion_fraction = 0.0

    def _threshold(self) -> int:
        """Marks pixels that differ from the background; returns how many (unmasked)."""
        cv2.absdiff(self._current, self._background, self._diff)
        cv2.compare(self._diff, self._limit, cv2.CMP_GT, self._changed)
        return int(cv2.countNonZero(self._changed))

    def _global_shift(self) -> float:
        """The frame's median brightness change against the background.

        The median ignores anything covering less than half of the frame, so neither a
        large object nor a passing shadow is mistaken for a change of the whole scene.
        """
        size = self._fit_index.size
        if not size:
            return 0.0
        shifts = np.take(self._current.reshape(-1), self._fit_index)
        shifts -= np.take(self._background.reshape(-1), self._fit_index)
        # the median, by partial sorting only around the middle
        middle = size // 2
        if size % 2:
            return float(np.partition(shifts, middle)[middle])
        low, high = np.partition(shifts, (middle - 1, middle))[middle - 1 : middle + 1]
        return float(low + high) / 2

    def _is_lighting_change(self, changed: int, shift: float) -> bool:
        """Too much of the frame changed at once, or all of it shifted: the light changed.

        A small shift (exposure drift, dusk) is simply removed from the background; a
        sudden large one (a lamp switched on) also changes shadows and highlights in ways
        a shift cannot undo, so the background is rebuilt instead.
        """
        too_much = changed > self._config.lightning_threshold * self._watched_pixels
        return too_much or abs(shift) >= GLOBAL_SHIFT * self._config.threshold

    def _start_calibrating(self) -> None:
        self._calibration_left = CALIBRATION_FRAMES
        self._calibrate()

    def _drop_lighting_changes(self) -> int:
        """Unmarks changed regions that are the background under different light.

        The decision is per connected region, not per pixel: a shadow's edge must not
        survive as a sliver of "motion". A region judged to be lighting is adopted into
        the background, so that a shadow that stays is not reported again.
        Returns how many changed pixels are left.
        """
        x, y, w, h = cv2.boundingRect(self._changed)
        top, left = max(0, y - ROI_PAD), max(0, x - ROI_PAD)
        rows, cols = slice(top, y + h + ROI_PAD), slice(left, x + w + ROI_PAD)
        changed, current = self._changed[rows, cols], self._current[rows, cols]
        background = self._background[rows, cols]
        count, raw_labels = cv2.connectedComponents(changed, connectivity=8)
        # Labels fit in a byte on all but the most cluttered frames, and OpenCV's
        # histogram and lookup are several times faster on bytes.
        labels: Labels = (
            np.asarray(raw_labels, np.uint8) if count <= 256 else np.asarray(raw_labels, np.int32)
        )
        counter = RegionCounter(labels, count)
        area = counter.count_in(changed)
        unknown = self._unknown_regions(changed, counter, area, top, left)
        if not unknown.any():
            return int(cv2.countNonZero(self._changed))
        # Only the regions still to be judged, and the margin their windows reach over.
        judged = counter.paint(unknown)
        x, y, w, h = cv2.boundingRect(judged)
        window = (
            slice(max(0, y - ROI_PAD), y + h + ROI_PAD),
            slice(max(0, x - ROI_PAD), x + w + ROI_PAD),
        )
        tolerance = SAME_SURFACE_TOLERANCE * self._config.threshold
        lighting = unknown & lighting_regions(
            current[window],
            background[window],
            changed[window],
            RegionCounter(labels[window], count),
            area,
            tolerance,
        )
        if lighting.any():
            adopt(current, background, changed, counter.paint(lighting))
        return int(cv2.countNonZero(self._changed))

    def _unknown_regions(
        self,
        changed: GrayFrame,
        counter: RegionCounter,
        area: npt.NDArray[np.float32],
        top: int,
        left: int,
    ) -> BoolImage:
        """Which labelled regions need the lighting checks: all of them on every
        `RECHECK_EVERY`-th frame, otherwise those not mostly inside last frame's boxes.

        A busy scene has people and cars in nearly every frame; judging each of them
        again every frame is most of motion's cost there, and an object that was
        reported a frame ago and is still where it went is no shadow.
        """
        # A region of fewer than four pixels holds no 2×2 block: the opening in
        # `_regions` removes it, whatever it is.
        unknown = area >= 4
        unknown[0] = False
        self._frames_to_recheck -= 1
        if self._frames_to_recheck <= 0 or not self._moving:
            self._frames_to_recheck = RECHECK_EVERY
            return unknown
        known = np.zeros(changed.shape, np.uint8)
        for box in self._moving:
            cv2.rectangle(
                known,
                (int(box.x1) - left - KNOWN_REACH, int(box.y1) - top - KNOWN_REACH),
                (int(box.x2) - left + KNOWN_REACH - 1, int(box.y2) - top + KNOWN_REACH - 1),
                255,
                cv2.FILLED,
            )
        inside = counter.count_in(np.asarray(cv2.bitwise_and(changed, known), np.uint8))
        unknown &= inside < KNOWN_SHARE * area
        return unknown

    def _regions(self) -> list[Box]:
        """Boxes (in frame pixels) around the changed pixels, small ones dropped."""
        cv2.morphologyEx(self._changed, cv2.MORPH_OPEN, self._open_kernel, dst=self._changed)
        cv2.dilate(self._changed, self._dilate_kernel, dst=self._changed)
        contours, _ = cv2.findContours(self._changed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        grown = self._dilate_kernel.shape[0] - 1  # judge size as it was before dilating
        rects = []
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            if max(w - grown, 0) * max(h - grown, 0) >= self._min_box_area:
                rects.append((x, y, x + w, y + h))
        self._moving = [Box(*rect) for rect in _merge_near(rects, self._merge_margin)]
        width, height = self._frame_size
        return [box.scale(self._factor).clip(width, height) for box in self._moving]


def _merge_near(
    rects: list[tuple[int, int, int, int]], margin: float
) -> list[tuple[int, int, int, int]]:
    """Unions rectangles (x1, y1, x2, y2) that overlap once each is grown by `margin`,
    until none do: `geometry.merge_overlapping` on plain tuples, which a busy frame's
    dozens of contours pass through every frame."""
    reach = 2 * margin  # two rectangles each grown by `margin` overlap
    merging = True
    while merging:
        merging = False
        out: list[tuple[int, int, int, int]] = []
        for x1, y1, x2, y2 in rects:
            for i, (a1, b1, a2, b2) in enumerate(out):
                if x1 < a2 + reach and a1 < x2 + reach and y1 < b2 + reach and b1 < y2 + reach:
                    out[i] = (min(x1, a1), min(y1, b1), max(x2, a2), max(y2, b2))
                    merging = True
                    break
            else:
                out.append((x1, y1, x2, y2))
        rects = out
    return rects


def _watched_area(mask: list[RelPolygon], width: int, height: int) -> GrayFrame:
    """255 where motion counts, 0 inside the configured mask polygons."""
    watched = np.zeros((height, width), np.uint8)
    # The outermost pixels see half a blur window, where a passing shadow's edge
    # looks most like an object; motion there is caught a pixel or two later.
    watched[BORDER:-BORDER, BORDER:-BORDER] = 255
    for polygon in mask:
        points = np.array(to_pixels(polygon, width, height), np.float64)
        cv2.fillPoly(watched, [np.round(points).astype(np.int32)], 0)
    return watched
