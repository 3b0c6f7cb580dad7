"""Leafy plants: static shrubs for backgrounds and swaying ones that make motion.

A plant is a sprite of a few thousand small leaves (ellipses in varied greens, darker
inside the crown) on branches. `SwayingPlant` bends it every frame with a smooth
displacement that grows away from where it is rooted, like a bush in the wind or a
branch hanging into view, so a motion detector sees movement in its region and nowhere
else.
"""

from __future__ import annotations

import math
from typing import Literal

import cv2
import numpy as np

from frontporch.hub.analysis.geometry import Point
from frontporch.scenes.textures import overlap, value_noise

Anchor = Literal["bottom", "top"]

LEAF_GREENS = np.array(
    [(40, 110, 60), (30, 90, 45), (55, 130, 80), (35, 120, 95), (25, 75, 50)], np.float32
)


def leafy_sprite(
    rng: np.random.Generator, width: int, height: int, anchor: Anchor
) -> tuple[np.ndarray, np.ndarray]:
    """A plant filling about a `width` x `height` box: (BGR image, alpha)."""
    image = np.zeros((height, width, 3), np.uint8)
    alpha = np.zeros((height, width), np.uint8)
    crown = _crown(rng, width, height, anchor)
    _branches(rng, image, alpha, width, height, anchor)
    leaf = max(2.0, min(width, height) / 28)
    ys, xs = np.nonzero(crown > 0.5)
    if len(xs) == 0:
        return image, alpha
    count = min(6000, int(len(xs) / (leaf * leaf) * 1.6))
    pick = rng.integers(0, len(xs), count)
    colours = LEAF_GREENS[rng.integers(0, len(LEAF_GREENS), count)]
    light = 0.55 + 0.6 * crown[ys[pick], xs[pick]] * rng.uniform(0.6, 1.0, count)
    order = np.argsort(light)  # darker, inner leaves first so lit ones sit on top
    for i in order:
        centre = (int(xs[pick[i]]), int(ys[pick[i]]))
        axes = (max(1, round(leaf * rng.uniform(0.6, 1.1))), max(1, round(leaf * 0.45)))
        angle = float(rng.uniform(0, 180))
        colour = tuple(int(c) for c in np.clip(colours[i] * light[i], 0, 255))
        cv2.ellipse(image, centre, axes, angle, 0, 360, colour, -1, cv2.LINE_AA)
        cv2.ellipse(alpha, centre, axes, angle, 0, 360, 255, -1, cv2.LINE_AA)
    return image, alpha


def _crown(rng: np.random.Generator, width: int, height: int, anchor: Anchor) -> np.ndarray:
    """Where leaves grow, 0..1 (brighter towards the outside and the top)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = xs / width - 0.5, ys / height
    if anchor == "bottom":  # a dome on the ground
        shape = 1.0 - (u / 0.5) ** 2 - ((1.0 - v) / 1.0) ** 2 * 0.9
    else:  # a branch hanging down from the top, heavier on one side
        shape = 1.0 - ((u + 0.1 * (v - 0.5)) / 0.5) ** 2 - (v / 0.95) ** 4
    shape += 0.35 * value_noise(rng, height, width, min(width, height) / 5)
    crown: np.ndarray = np.clip(shape * 2.0, 0.0, 1.0)
    return crown * (1.0 - 0.3 * v) if anchor == "bottom" else crown


def _branches(
    rng: np.random.Generator,
    image: np.ndarray,
    alpha: np.ndarray,
    width: int,
    height: int,
    anchor: Anchor,
) -> None:
    bark = (40, 55, 70)
    thick = max(1, round(min(width, height) / 40))
    root = (width // 2, height - 1) if anchor == "bottom" else (int(width * 0.3), 0)
    for _ in range(7):
        tip = (int(rng.uniform(0.1, 0.9) * width), int(rng.uniform(0.1, 0.9) * height))
        cv2.line(image, root, tip, bark, thick, cv2.LINE_AA)
        cv2.line(alpha, root, tip, 255, thick, cv2.LINE_AA)


class SwayingPlant:
    """A plant at a fixed place whose leaves sway periodically, drawn as a frame layer."""

    def __init__(
        self,
        sprite: tuple[np.ndarray, np.ndarray],
        x: int,
        y: int,
        anchor: Anchor,
        amplitude: float,
        period_s: float,
        fps: float,
        rng: np.random.Generator,
    ) -> None:
        image, alpha = sprite
        pad = math.ceil(amplitude) + 2
        self._rgba = cv2.copyMakeBorder(
            np.dstack([image, alpha]), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0
        )
        h, w = self._rgba.shape[:2]
        self._x, self._y = x - pad, y - pad
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        self._grid = (xs, ys)
        reach = (h - ys) / h if anchor == "bottom" else ys / h
        self._reach = (amplitude * np.clip(reach, 0, 1) ** 1.3).astype(np.float32)
        self._ripple = (math.pi * value_noise(rng, h, w, max(h, w) / 3)).astype(np.float32)
        self._omega = 2 * math.pi / period_s
        self._fps = fps
        self._phase = float(rng.uniform(0, 2 * math.pi))

    def region(self, width: int, height: int) -> list[Point]:
        """The area its leaves can reach, as a relative rectangle polygon."""
        h, w = self._rgba.shape[:2]
        x1, y1 = max(0.0, self._x / width), max(0.0, self._y / height)
        x2, y2 = min(1.0, (self._x + w) / width), min(1.0, (self._y + h) / height)
        return [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]

    def draw(self, frame: np.ndarray, index: int) -> None:
        t = index / self._fps
        wave = self._omega * t + self._phase + self._ripple
        gust = 0.35 * math.sin(self._omega * 0.37 * t + 1.3)
        dx = self._reach * (np.sin(wave) + gust)
        dy = 0.25 * self._reach * np.cos(wave)
        xs, ys = self._grid
        bent = cv2.remap(self._rgba, xs - dx, ys - dy, cv2.INTER_LINEAR, borderValue=0)
        _blend(frame, bent, self._x, self._y)


def _blend(frame: np.ndarray, rgba: np.ndarray, x: int, y: int) -> None:
    """Alpha-blend a BGRA image onto `frame` with its top-left at (x, y), clipped."""
    found = overlap(frame, rgba, x, y)
    if found is None:
        return
    into, part_of = found
    part = rgba[part_of]
    weight = part[..., 3].astype(np.float32) * np.float32(1 / 255)
    roi = frame[into]
    roi[...] = cv2.blendLinear(
        np.ascontiguousarray(part[..., :3]), np.ascontiguousarray(roi), weight, 1.0 - weight
    )


def paste_plant(canvas: np.ndarray, sprite: tuple[np.ndarray, np.ndarray], x: int, y: int) -> None:
    """Draw a still plant into a uint8 BGR background with its top-left at (x, y)."""
    image, alpha = sprite
    _blend(canvas, np.dstack([image, alpha]), x, y)
