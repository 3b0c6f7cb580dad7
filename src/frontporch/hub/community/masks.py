"""Privacy masks: the areas of a camera's picture blacked out in anything that leaves the hub.

A camera's `privacy_masks` are relative polygons (0..1 of the frame's width and height,
see `hub/config.py`). `rasterize_masks` turns them into a boolean image for one frame
size, once; `apply_privacy_masks` then paints those pixels solid black in each frame.

Why opaque black and not a blur or pixelation: blurred text (house numbers, plates) and
pixelated faces can be recovered by trying candidates until one blurs the same way.
Black leaves nothing to recover.

A pixel is masked when the polygon touches it, not only when it covers the pixel's
centre: the polygons are drawn at four times the frame's resolution, and a pixel is
masked if any of its 4 × 4 sub-pixels is. Along an edge that falls exactly between two
pixels the outer one may be masked too: for privacy, a pixel too many is the safe side.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from frontporch.hub.analysis.geometry import Polygon, to_pixels

BoolImage = npt.NDArray[np.bool_]
Image = npt.NDArray[np.uint8]

# Sub-pixel precision for cv2.fillPoly: vertices are fixed-point with this many bits.
_SHIFT = 4
# Each pixel is judged on SUPERSAMPLE × SUPERSAMPLE sub-pixels.
SUPERSAMPLE = 4


def rasterize_masks(polygons: Sequence[Polygon], width: int, height: int) -> BoolImage:
    """A `height` × `width` boolean image, True inside any of the relative `polygons`.

    Polygons reaching the frame's edges (coordinates 0 or 1) cover the edge pixels; an
    empty list gives an all-False image.
    """
    if width < 1 or height < 1:
        raise ValueError(f"a frame size must be positive, not {width}x{height}")
    if not polygons:
        return np.zeros((height, width), bool)
    n = SUPERSAMPLE
    fine = np.zeros((height * n, width * n), np.uint8)
    outlines = []
    for polygon in polygons:
        # fillPoly's integer coordinates are pixel centres; ours put pixel edges at whole
        # numbers, hence the half sub-pixel shift.
        points = np.array(to_pixels(polygon, width * n, height * n), np.float64) - 0.5
        outlines.append(np.round(points * (1 << _SHIFT)).astype(np.int32))
    cv2.fillPoly(fine, outlines, 1, lineType=cv2.LINE_8, shift=_SHIFT)
    return np.asarray(fine.reshape(height, n, width, n).any(axis=(1, 3)), dtype=bool)


def apply_privacy_masks(frame: Image, mask: BoolImage) -> Image:
    """A copy of `frame` (BGR or grey, uint8) with every pixel where `mask` is True black.

    The input frame is left untouched. `mask` must have the frame's height and width
    (make it with `rasterize_masks` at the frame's size).
    """
    if mask.shape != frame.shape[:2]:
        raise ValueError(
            f"the privacy mask is {mask.shape[1]}x{mask.shape[0]} but the frame is "
            f"{frame.shape[1]}x{frame.shape[0]}; rasterise the masks at the frame's size"
        )
    # bitwise_and with itself copies the pixels where `keep` is set and zeroes the rest:
    # several times faster than boolean indexing on a full-HD frame.
    keep = (~mask).view(np.uint8)
    pixels = np.ascontiguousarray(frame)
    return np.asarray(cv2.bitwise_and(pixels, pixels, mask=keep), dtype=np.uint8)
