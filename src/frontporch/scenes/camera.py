"""What the camera adds to the light that reaches it: sensor noise, vignetting, infrared.

Noise is the costly part at 1080p, both to generate and (because it does not compress)
to encode; it is drawn from a few tiles made once, at a fresh offset every frame.
"""

from __future__ import annotations

import cv2
import numpy as np

NOISE_MARGIN = 32
"""Noise tiles are this much larger than the frame, so each frame can use a new offset."""
NOISE_TILES = 3


class SensorNoise:
    """Per-frame sensor noise with standard deviation `sigma` (grey levels).

    A full-frame normal sample per frame would cost more than the rest of the frame;
    a few tiles at a random offset per frame look the same to a motion detector or an
    encoder. `mono` noise is equal in all channels (an infrared camera's grey picture).
    """

    def __init__(
        self,
        rng: np.random.Generator,
        width: int,
        height: int,
        frames: int,
        sigma: float,
        mono: bool = False,
    ) -> None:
        shape = (NOISE_TILES, height + NOISE_MARGIN, width + NOISE_MARGIN, 1 if mono else 3)
        tiles = rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma)
        tiles = np.clip(np.rint(tiles), -127, 127).astype(np.int8)
        self._tiles = np.repeat(tiles, 3, axis=3) if mono else tiles
        self._offsets = rng.integers(0, NOISE_MARGIN, (max(1, frames), 2))
        self._width = width
        self._height = height

    def draw(self, frame: np.ndarray, index: int) -> None:
        """Add this frame's noise to `frame`, saturating at 0 and 255."""
        dy, dx = self._offsets[index]
        tile = self._tiles[index % NOISE_TILES, dy : dy + self._height, dx : dx + self._width]
        cv2.add(frame, tile, dst=frame, dtype=cv2.CV_8U)


def radial_falloff(width: int, height: int, edge: float, centre_y: float = 0.5) -> np.ndarray:
    """A gain map, 1.0 at the centre and `edge` in the frame's corners (float32, H x W)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    r2 = ((xs - width / 2) / (width / 2)) ** 2 + ((ys - centre_y * height) / (height / 2)) ** 2
    gain: np.ndarray = (1.0 - (1.0 - edge) * np.clip(r2 / 2, 0, 1)).astype(np.float32)
    return gain


class Vignette:
    """Darkens the frame towards the corners: an infrared illuminator's narrow beam."""

    def __init__(self, gain: np.ndarray) -> None:
        self._gain = np.repeat(np.clip(gain * 255, 0, 255).astype(np.uint8)[..., None], 3, axis=2)

    def draw(self, frame: np.ndarray, index: int) -> None:
        """Apply the falloff to `frame` in place."""
        cv2.multiply(frame, self._gain, dst=frame, scale=1 / 255)


def infrared(image: np.ndarray, floor: float = 30.0, contrast: float = 0.45) -> np.ndarray:
    """A daylight picture as an infrared night camera sees it: grey and flat."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    flat = np.clip(floor + contrast * grey, 0, 255).astype(np.uint8)
    bgr: np.ndarray = cv2.cvtColor(flat, cv2.COLOR_GRAY2BGR)
    return bgr
