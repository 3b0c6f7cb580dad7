"""Motion detection on small grayscale frames: where in the picture did something move?

The detect role hands every analysed frame here first; the boxes returned decide which
regions the (far more expensive) object detector looks at, so a false box costs CPU and
a missed one costs an event. The hazards every outdoor camera meets, and what handles
each:

* sensor noise: the frame is downscaled by area averaging and blurred, and a pixel must
  differ from a running-average background by `threshold` levels;
* lighting that changes everywhere (exposure, dusk, a lamp switched on): the median
  brightness shift between frame and background is removed before thresholding; a
  large sudden shift, or more than `lightning_threshold` of the frame changing at once,
  rebuilds the background instead, reporting nothing for a few frames;
* shadows sweeping over the ground (clouds) and local glows: a changed region is
  lighting, not an object, when most of its pixels still carry the background's texture
  (locally correlated with it, as a gain and offset would leave it) or when its outline
  is soft (objects have crisp silhouettes); it is adopted into the background instead
  of being reported;
* foliage or a busy road: `mask` polygons are rasterised once and never report motion.

Known limits: a fast, hard-edged shadow on a textureless surface cannot be told from
an object by brightness alone and may be reported as motion; a deep shadow (half the
light or less) can leave a stray box for a frame or two; an object that fills more than
`lightning_threshold` of the frame at once reads as lighting; parts of an object that
match the ground's texture (or a car that stopped, half learnt) may be adopted early.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from frontporch.hub.analysis.geometry import Box, merge_overlapping, to_pixels
from frontporch.hub.config import MotionConfig, RelPolygon

GrayFrame = npt.NDArray[np.uint8]
FloatImage = npt.NDArray[np.float32]
BoolImage = npt.NDArray[np.bool_]

CALIBRATION_FRAMES = 2
"""Frames after a lighting change in which the background is reset (exposure settles)."""

BLUR_KERNEL = (5, 5)
TEXTURE_WINDOW = (7, 7)
"""Neighbourhood (at the motion size) over which texture is compared with the background."""

MIN_TEXTURE_STD = 6.0
"""Background contrast (levels, local std) below which a surface counts as textureless."""

SAME_SURFACE_CORRELATION = 0.5
"""Local correlation with the background above which a change may be lighting."""

SAME_SURFACE_TOLERANCE = 0.8
"""How close (as a fraction of `threshold`) a pixel must sit to its window's lighting fit."""

LIGHTING_SHARE = 0.5
"""Share of a changed region that must look like the same surface for it to be lighting."""

CRISP_SLOPE = 0.05
"""Change of log brightness ratio per pixel above which an outline is a crisp edge."""

MAX_SHARP_OUTLINE = 0.2
"""Share of a changed region's outline that may be crisp for it to still be lighting."""

ADOPT_FEATHER = 2.0
"""Width (pixels at the motion size, a Gaussian sigma) of the seam where light is adopted."""

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

_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


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
        self._small: GrayFrame = np.empty(shape, np.uint8)
        self._current: FloatImage = np.empty(shape, np.float32)
        self._background: FloatImage = np.empty(shape, np.float32)
        self._diff: FloatImage = np.empty(shape, np.float32)
        self._changed: GrayFrame = np.empty(shape, np.uint8)
        self._limit: FloatImage = np.full(shape, config.threshold, np.float32)
        self._watched = _watched_area(config.mask, small_width, small_height)
        self._watched_pixels = int(cv2.countNonZero(self._watched))
        self._fit_sample = self._watched[::FIT_STRIDE, ::FIT_STRIDE] > 0
        self._open_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
        self._dilate_kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        self._min_box_area = config.min_area * small_width * small_height
        self._merge_margin = MERGE_MARGIN * small_width
        self._calibration_left = 1  # the first frame initialises the background
        self._motion_fraction = 0.0

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
        cv2.resize(source, self._small_size, dst=self._small, interpolation=cv2.INTER_AREA)
        np.copyto(self._current, self._small)
        cv2.GaussianBlur(self._current, BLUR_KERNEL, 0, dst=self._current)

    def _calibrate(self) -> None:
        np.copyto(self._background, self._current)
        self._calibration_left -= 1
        self._motion_fraction = 0.0

    def _threshold(self) -> int:
        """Marks pixels that differ from the background; returns how many (unmasked)."""
        cv2.absdiff(self._current, self._background, self._diff)
        cv2.compare(self._diff, self._limit, cv2.CMP_GT, self._changed)
        cv2.bitwise_and(self._changed, self._watched, self._changed)
        return int(cv2.countNonZero(self._changed))

    def _global_shift(self) -> float:
        """The frame's median brightness change against the background.

        The median ignores anything covering less than half of the frame, so neither a
        large object nor a passing shadow is mistaken for a change of the whole scene.
        """
        current = self._current[::FIT_STRIDE, ::FIT_STRIDE][self._fit_sample]
        background = self._background[::FIT_STRIDE, ::FIT_STRIDE][self._fit_sample]
        return float(np.median(current - background)) if current.size else 0.0

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
        rows = slice(max(0, y - ROI_PAD), y + h + ROI_PAD)
        cols = slice(max(0, x - ROI_PAD), x + w + ROI_PAD)
        changed, current = self._changed[rows, cols], self._current[rows, cols]
        background = self._background[rows, cols]
        count, raw_labels = cv2.connectedComponents(changed, connectivity=8)
        labels = np.asarray(raw_labels, np.int32)
        tolerance = SAME_SURFACE_TOLERANCE * self._config.threshold
        lighting = _lighting_regions(current, background, changed, labels, count, tolerance)
        if lighting.any():
            relit = lighting[labels]
            changed[relit] = 0
            # Adopt the new light with a feathered edge: a hard seam between adopted and
            # not-yet-adopted ground would itself look like a crisp outline next frame.
            weight = cv2.GaussianBlur(relit.astype(np.float32), (0, 0), ADOPT_FEATHER)
            np.minimum(weight * 2, 1.0, out=weight)
            background += weight * (current - background)
        return int(cv2.countNonZero(self._changed))

    def _regions(self) -> list[Box]:
        """Boxes (in frame pixels) around the changed pixels, small ones dropped."""
        cv2.morphologyEx(self._changed, cv2.MORPH_OPEN, self._open_kernel, dst=self._changed)
        cv2.dilate(self._changed, self._dilate_kernel, dst=self._changed)
        contours, _ = cv2.findContours(self._changed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        grown = self._dilate_kernel.shape[0] - 1  # judge size as it was before dilating
        boxes = []
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            if max(w - grown, 0) * max(h - grown, 0) >= self._min_box_area:
                boxes.append(Box(x, y, x + w, y + h))
        width, height = self._frame_size
        merged = merge_overlapping(boxes, self._merge_margin)
        return [box.scale(self._factor).clip(width, height) for box in merged]


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


def _lighting_regions(
    current: FloatImage,
    background: FloatImage,
    changed: GrayFrame,
    labels: npt.NDArray[np.int32],
    count: int,
    tolerance: float,
) -> BoolImage:
    """For each labelled changed region: is it a change of light rather than an object?

    It is when most of its pixels still show the background's texture, or when its
    outline is soft: objects have crisp silhouettes, while a cloud's shadow or a lamp's
    glow fades out gradually, even on a plain wall. Label 0 (unchanged) never is.
    """
    area = np.bincount(labels.ravel(), minlength=count)
    same = _same_surface(current, background, tolerance)
    textured_light = np.bincount(labels[same], minlength=count) >= LIGHTING_SHARE * area
    edge, sharp = _outline(current, background, changed)
    crisp = np.bincount(labels[sharp], minlength=count)
    soft_light = crisp < MAX_SHARP_OUTLINE * np.bincount(labels[edge], minlength=count)
    lighting: BoolImage = soft_light | textured_light
    lighting[0] = False
    return lighting


def _same_surface(current: FloatImage, background: FloatImage, tolerance: float) -> BoolImage:
    """Pixels that look like the background's own texture under different light.

    Over a small window around each pixel, `current ≈ gain·background + offset` is
    fitted. The pixel is the same surface when the window's normalised correlation is
    high (the texture survived: a shadow or a light, not an object covering the ground)
    and the pixel itself sits within `tolerance` of the fit (it is not the edge of an
    object whose window is mostly ground). Textureless windows are never explained
    away: there it would be a guess.
    """
    mean_c = cv2.blur(current, TEXTURE_WINDOW)
    mean_b = cv2.blur(background, TEXTURE_WINDOW)
    var_c = cv2.blur(current * current, TEXTURE_WINDOW) - mean_c * mean_c
    var_b = cv2.blur(background * background, TEXTURE_WINDOW) - mean_b * mean_b
    cov = cv2.blur(current * background, TEXTURE_WINDOW) - mean_c * mean_b
    textured = (var_b > MIN_TEXTURE_STD**2) & (var_c > (MIN_TEXTURE_STD / 2) ** 2)
    correlated = cov > SAME_SURFACE_CORRELATION * np.sqrt(np.maximum(var_c * var_b, 0.0))
    fitted = cov / np.maximum(var_b, 1.0) * (background - mean_b) + mean_c
    result: BoolImage = textured & correlated & (np.abs(current - fitted) < tolerance)
    return result


def _outline(
    current: FloatImage, background: FloatImage, changed: GrayFrame
) -> tuple[BoolImage, BoolImage]:
    """The changed region's outline, and where along it the change has a crisp edge.

    Crispness is the slope of `log(frame) − log(background)`: a silhouette changes the
    ratio by a large factor within a pixel or two, a shadow's penumbra by a little per
    pixel. The log makes it the same for dark and bright ground.
    """
    log_ratio = cv2.log(current + 1.0) - cv2.log(background + 1.0)
    slope = cv2.magnitude(
        cv2.Sobel(log_ratio, cv2.CV_32F, 1, 0, ksize=3),
        cv2.Sobel(log_ratio, cv2.CV_32F, 0, 1, ksize=3),
    )
    inside = cv2.erode(changed, _CROSS)
    edge: BoolImage = (changed > 0) & (inside == 0)
    sharp: BoolImage = edge & (slope > CRISP_SLOPE * 8)  # a 3×3 Sobel is 8× the slope
    return edge, sharp
