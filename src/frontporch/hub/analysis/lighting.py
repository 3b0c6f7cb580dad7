"""Telling a change of light from an object, for motion (`motion.py`) to drop.

A cloud's shadow or a lamp's glow changes pixels as much as a person does. What
differs: under new light the ground keeps its texture (locally, the frame is still a
gain and offset of the background), and the change fades out softly at its edge,
where an object has a crisp silhouette. These checks run on motion's small float
frames, region by region (`RegionCounter` counts per connected region in one pass);
a region judged to be light is adopted into the background with a feathered seam.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

GrayFrame = npt.NDArray[np.uint8]
FloatImage = npt.NDArray[np.float32]
BoolImage = npt.NDArray[np.bool_]
Labels = npt.NDArray[np.uint8] | npt.NDArray[np.int32]

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

_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def compare_to(image: cv2.typing.MatLike, level: float, operation: int) -> GrayFrame:
    """255 where `image` compares to the number `level` as `operation` says, else 0.

    OpenCV takes a number as the second operand (no array of it to allocate); its type
    stubs only list arrays.
    """
    result = cv2.compare(image, level, operation)  # type: ignore[call-overload]
    return np.asarray(result, np.uint8)


class RegionCounter:
    """Counts, per labelled region, its pixels in a mask; and paints chosen regions.

    A histogram of the labels under a mask counts every region's pixels in it in one
    pass. Byte labels use OpenCV's fast byte histogram and lookup table; more regions
    than a byte holds fall back to float32 labels (exact below 2**24) and numpy.
    """

    def __init__(self, labels: Labels, count: int) -> None:
        self.labels = labels
        self.count = count
        self._values = labels if labels.dtype == np.uint8 else labels.astype(np.float32)

    def count_in(self, mask: GrayFrame) -> npt.NDArray[np.float32]:
        # a full byte histogram is OpenCV's fastest path; the unused bins are dropped
        bins = 256 if self.labels.dtype == np.uint8 else self.count
        counts = cv2.calcHist([self._values], [0], mask, [bins], [0, bins])
        return np.asarray(counts, np.float32).reshape(-1)[: self.count]

    def paint(self, chosen: BoolImage) -> GrayFrame:
        """255 on the pixels of the regions where `chosen` is True, 0 elsewhere."""
        colours = np.zeros(max(256, self.count), np.uint8)
        colours[: self.count][chosen] = 255
        if self.labels.dtype == np.uint8:
            return np.asarray(cv2.LUT(self.labels, colours), np.uint8)
        return colours[self.labels]


def lighting_regions(
    current: FloatImage,
    background: FloatImage,
    changed: GrayFrame,
    counter: RegionCounter,
    area: npt.NDArray[np.float32],
    tolerance: float,
) -> BoolImage:
    """For each labelled changed region: is it a change of light rather than an object?

    It is when most of its pixels still show the background's texture, or when its
    outline is soft: objects have crisp silhouettes, while a cloud's shadow or a lamp's
    glow fades out gradually, even on a plain wall. Label 0 (unchanged) never is.
    `area` is each region's size in pixels.
    """
    same = counter.count_in(same_surface(current, background, tolerance))
    edge, sharp = outline(current, background, changed)
    soft_light = counter.count_in(sharp) < MAX_SHARP_OUTLINE * counter.count_in(edge)
    lighting: BoolImage = soft_light | (same >= LIGHTING_SHARE * area)
    lighting[0] = False
    return lighting


def adopt(
    current: FloatImage, background: FloatImage, changed: GrayFrame, relit: GrayFrame
) -> None:
    """Takes the `relit` pixels (255) into `background` and out of `changed`.

    The new light is adopted with a feathered edge: a hard seam between adopted and
    not-yet-adopted ground would itself look like a crisp outline next frame. Only the
    relit pixels' bounding box, grown by the feather's reach, is touched.
    """
    x, y, w, h = cv2.boundingRect(relit)
    reach = int(np.ceil(3 * ADOPT_FEATHER))
    window = (slice(max(0, y - reach), y + h + reach), slice(max(0, x - reach), x + w + reach))
    relit = relit[window]
    cv2.subtract(changed[window], relit, dst=changed[window])
    weight = cv2.GaussianBlur(relit.astype(np.float32), (0, 0), ADOPT_FEATHER)
    # a relit pixel blurs to at least half of 255: doubled, it is fully adopted
    np.multiply(weight, 2 / 255, out=weight)
    np.minimum(weight, 1.0, out=weight)
    gap = cv2.subtract(current[window], background[window])
    cv2.multiply(gap, weight, dst=gap)
    cv2.add(background[window], gap, dst=background[window])


def same_surface(current: FloatImage, background: FloatImage, tolerance: float) -> GrayFrame:
    """Pixels (255) that look like the background's own texture under different light.

    Over a small window around each pixel, `current ≈ gain·background + offset` is
    fitted. The pixel is the same surface when the window's normalised correlation is
    high (the texture survived: a shadow or a light, not an object covering the ground)
    and the pixel itself sits within `tolerance` of the fit (it is not the edge of an
    object whose window is mostly ground). Textureless windows are never explained
    away: there it would be a guess. OpenCV's operations throughout: on frames this
    small numpy's per-call allocation costs more than the arithmetic.
    """
    mean_c = cv2.blur(current, TEXTURE_WINDOW)
    mean_b = cv2.blur(background, TEXTURE_WINDOW)
    var_c = cv2.sqrBoxFilter(current, cv2.CV_32F, TEXTURE_WINDOW)
    cv2.subtract(var_c, cv2.multiply(mean_c, mean_c), dst=var_c)
    var_b = cv2.sqrBoxFilter(background, cv2.CV_32F, TEXTURE_WINDOW)
    cv2.subtract(var_b, cv2.multiply(mean_b, mean_b), dst=var_b)
    cov = cv2.blur(cv2.multiply(current, background), TEXTURE_WINDOW)
    cv2.subtract(cov, cv2.multiply(mean_c, mean_b), dst=cov)
    result = cv2.bitwise_and(
        compare_to(var_b, MIN_TEXTURE_STD**2, cv2.CMP_GT),
        compare_to(var_c, (MIN_TEXTURE_STD / 2) ** 2, cv2.CMP_GT),
    )
    # Where `result` is still set both variances are positive, so the square root and
    # the division below are only ever read where they are well defined (elsewhere a
    # NaN compares false and OpenCV divides by zero as 0).
    spread = cv2.multiply(var_c, var_b)
    cv2.sqrt(spread, dst=spread)
    np.multiply(spread, SAME_SURFACE_CORRELATION, out=spread)
    cv2.bitwise_and(result, cv2.compare(cov, spread, cv2.CMP_GT), dst=result)
    gain = cv2.divide(cov, var_b)
    fitted = cv2.subtract(background, mean_b)
    cv2.multiply(fitted, gain, dst=fitted)
    cv2.add(fitted, mean_c, dst=fitted)
    cv2.absdiff(current, fitted, dst=fitted)
    cv2.bitwise_and(result, compare_to(fitted, tolerance, cv2.CMP_LT), dst=result)
    return np.asarray(result, np.uint8)


def outline(
    current: FloatImage, background: FloatImage, changed: GrayFrame
) -> tuple[GrayFrame, GrayFrame]:
    """The changed region's outline (255), and where along it the change has a crisp edge.

    Crispness is the slope of `log(frame / background)`: a silhouette changes the ratio
    by a large factor within a pixel or two, a shadow's penumbra by a little per pixel.
    The log makes it the same for dark and bright ground.
    """
    log_ratio = cv2.divide(current + 1.0, background + 1.0)
    cv2.log(log_ratio, dst=log_ratio)
    slope = cv2.magnitude(
        cv2.Sobel(log_ratio, cv2.CV_32F, 1, 0, ksize=3),
        cv2.Sobel(log_ratio, cv2.CV_32F, 0, 1, ksize=3),
    )
    edge = cv2.subtract(changed, cv2.erode(changed, _CROSS))
    # a 3×3 Sobel is 8× the slope
    sharp = cv2.bitwise_and(edge, compare_to(slope, CRISP_SLOPE * 8, cv2.CMP_GT))
    return np.asarray(edge, np.uint8), np.asarray(sharp, np.uint8)
