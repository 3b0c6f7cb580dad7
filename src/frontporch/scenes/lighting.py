"""Changing light on a still scene: a cloud's shadow, a lamp, dusk.

A `LitBackdrop` multiplies the scene by a wide shadow map seen through a window that
slides one way over time (so the shadow sweeps across), scales it by a global gain per
frame (a step when lights switch on, a ramp at dusk), and adds a lamp's glow while the
lamp is on. All of it is per-pixel uint8 arithmetic in OpenCV: cheap at 1080p.
"""

from __future__ import annotations

import cv2
import numpy as np

from frontporch.scenes.textures import fractal_noise


def cloud_shadow(rng: np.random.Generator, width: int, height: int, darkness: float) -> np.ndarray:
    """A 3W-wide gain map (uint8, 255 = unshaded) with a soft cloud shadow in the middle."""
    span = 3 * width
    xs = np.arange(span, dtype=np.float32)[None, :]
    core = 1.0 - np.abs(xs - 1.5 * width) / (0.55 * width)
    edge = 0.35 * fractal_noise(rng, height, span, height / 2, octaves=3)
    cover = np.clip((core + edge) * 3.0, 0.0, 1.0)
    cover = cv2.GaussianBlur(cover, (0, 0), width / 40)
    gain = 1.0 - darkness * cover
    return np.repeat(np.clip(gain * 255, 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def lamp_glow(width: int, height: int, x: float, y: float, strength: float) -> np.ndarray:
    """Warm light around a lamp at relative (x, y): an additive uint8 image."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    d2 = ((xs - x * width) ** 2 + (ys - y * height) ** 2) / (0.22 * height) ** 2
    glow = strength * np.exp(-d2)
    warm = np.array([0.55, 0.85, 1.0], np.float32)
    image: np.ndarray = np.clip(glow[..., None] * warm, 0, 255).astype(np.uint8)
    return image


class LitBackdrop:
    """A still image under changing light; one frame per index."""

    def __init__(
        self,
        image: np.ndarray,
        shadow: np.ndarray,
        shadow_offset: np.ndarray,
        gain: np.ndarray,
        glow: np.ndarray,
        glow_on: np.ndarray,
    ) -> None:
        self._image = image
        self._shadow = shadow
        self._offset = shadow_offset.astype(np.int64)
        self._gain = gain
        self._glow = glow
        self._glow_on = glow_on
        self._width = image.shape[1]

    def frame(self, index: int) -> np.ndarray:
        """The scene lit as at frame `index`."""
        x = int(self._offset[index])
        window = self._shadow[:, x : x + self._width]
        out = cv2.multiply(self._image, window, scale=float(self._gain[index]) / 255)
        if self._glow_on[index]:
            cv2.add(out, self._glow, dst=out)
        return out
