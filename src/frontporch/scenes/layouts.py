"""The two camera views the scenes share: a house front, and a driveway by a street.

Both are painted once per scene from seeded procedural textures. Positions are relative
to the frame (so every resolution shows the same picture) and obey the perspective in
`actors`: the horizon row and `EYE` decide where a figure of a given size stands.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from frontporch.scenes import textures as tx
from frontporch.scenes.actors import EYE
from frontporch.scenes.foliage import leafy_sprite, paste_plant

FACADE_HORIZON = 0.42
FACADE_WALL_BASE = 0.64
FACADE_PORCH_EDGE = 0.74
DOOR_X = 0.42
DRIVEWAY_HORIZON = 0.40


@dataclass(frozen=True)
class Facade:
    """Where things are in the house-front view (relative coordinates)."""

    horizon: float = FACADE_HORIZON
    wall_base: float = FACADE_WALL_BASE
    door_x: float = DOOR_X
    door_top: float = 0.0
    door_half_width: float = 0.0
    lamp: tuple[float, float] = (0.0, 0.0)

    @property
    def wall_depth(self) -> float:
        """The `depth` of a person standing at the foot of the wall."""
        return (self.wall_base - self.horizon) / EYE


def facade_layout(width: int, height: int) -> Facade:
    """Door and lamp positions for a frame of this shape (a door is 1.2 adults tall)."""
    depth = (FACADE_WALL_BASE - FACADE_HORIZON) / EYE
    door_h = 1.2 * depth
    half_w = 0.26 * depth * height / width
    return Facade(
        door_top=FACADE_WALL_BASE - door_h,
        door_half_width=half_w,
        lamp=(DOOR_X + half_w + 0.035, FACADE_WALL_BASE - door_h + 0.06),
    )


def paint_facade(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A brick house front with a door, window and lamp, a porch, a lawn and a path."""
    f = facade_layout(width, height)
    wall = int(f.wall_base * height)
    edge = int(FACADE_PORCH_EDGE * height)
    canvas = tx.grass(rng, height, width, max(1.5, height / 200))
    canvas[:wall] = tx.brick_wall(rng, wall, width, height * 0.028, (70, 85, 150))
    canvas[:wall] *= tx.vertical_gradient(wall, width, 0.7, 1.0)[..., None]
    eave = int(0.05 * height)
    canvas[:eave] = tx.tint(tx.vertical_gradient(eave, width, 0.75, 0.55), (200, 205, 210))
    canvas[wall:edge] = tx.concrete(rng, edge - wall, width, width * 0.2, (165, 170, 172))
    canvas[edge : edge + max(1, height // 90)] *= np.float32(0.55)
    _path(rng, canvas, f, width, height, edge)
    _door(rng, canvas, f, width, height)
    _window(canvas, width, height, f.wall_base)
    _lamp(canvas, f, width, height)
    image = tx.to_image(canvas)
    for x0, x1 in ((0.01, 0.17), (0.86, 0.99)):
        w, h = int((x1 - x0) * width), int(0.13 * height)
        paste_plant(image, leafy_sprite(rng, w, h, "bottom"), int(x0 * width), wall - h + 2)
    return image


def _path(
    rng: np.random.Generator, canvas: np.ndarray, f: Facade, width: int, height: int, top: int
) -> None:
    slab = tx.concrete(rng, height - top, width, width * 0.2, (150, 158, 162))
    ys = np.arange(height - top, dtype=np.float32)[:, None] / max(1, height - top)
    half = (0.07 + 0.08 * ys) * width
    xs = np.arange(width, dtype=np.float32)[None, :]
    tx.paste(canvas, slab, 0, top, np.abs(xs - f.door_x * width) < half)


def _door(rng: np.random.Generator, canvas: np.ndarray, f: Facade, width: int, height: int) -> None:
    x1 = int((f.door_x - f.door_half_width) * width)
    x2 = int((f.door_x + f.door_half_width) * width)
    y1, y2 = int(f.door_top * height), int(f.wall_base * height)
    trim = max(2, height // 70)
    canvas[y1 - trim : y2, x1 - trim : x2 + trim] = np.float32(225)
    canvas[y1:y2, x1:x2] = tx.wood_planks(
        rng, y2 - y1, x2 - x1, max(3, (x2 - x1) / 5), (40, 65, 105)
    )
    for top, bottom in ((0.08, 0.45), (0.55, 0.92)):
        py1, py2 = y1 + int(top * (y2 - y1)), y1 + int(bottom * (y2 - y1))
        px1, px2 = x1 + (x2 - x1) // 6, x2 - (x2 - x1) // 6
        canvas[py1:py2, px1:px2] *= np.float32(0.8)
        canvas[py1 : py1 + max(1, trim // 2), px1:px2] *= np.float32(0.7)
    knob = (x2 - (x2 - x1) // 7, (y1 + y2) // 2)
    cv2.circle(canvas, knob, max(2, trim), (60, 170, 200), -1, cv2.LINE_AA)
    mat_y = y2 + max(2, height // 80)
    cv2.rectangle(canvas, (x1, y2), (x2, mat_y), (50, 60, 75), -1)


def _window(canvas: np.ndarray, width: int, height: int, wall_base: float) -> None:
    x1, x2 = int(0.66 * width), int(0.82 * width)
    y1, y2 = int(0.2 * height), int((wall_base - 0.14) * height)
    trim = max(2, height // 70)
    canvas[y1 - trim : y2 + trim, x1 - trim : x2 + trim] = np.float32(225)
    glass = tx.tint(tx.vertical_gradient(y2 - y1, x2 - x1, 0.75, 0.45), (120, 95, 80))
    xs = np.arange(x2 - x1, dtype=np.float32)[None, :]
    ys = np.arange(y2 - y1, dtype=np.float32)[:, None]
    glint = np.abs((xs - ys * 0.8) - 0.3 * (x2 - x1)) < 0.08 * (x2 - x1)
    glass[glint] *= np.float32(1.35)
    canvas[y1:y2, x1:x2] = glass
    canvas[y1:y2, (x1 + x2) // 2 - trim // 2 : (x1 + x2) // 2 + trim // 2 + 1] = 225
    canvas[(y1 + y2) // 2 - trim // 2 : (y1 + y2) // 2 + trim // 2 + 1, x1:x2] = 225
    canvas[y2 + trim : y2 + 2 * trim, x1 - trim : x2 + trim] *= np.float32(0.6)


def _lamp(canvas: np.ndarray, f: Facade, width: int, height: int) -> None:
    cx, cy = int(f.lamp[0] * width), int(f.lamp[1] * height)
    w, h = max(3, height // 60), max(5, height // 30)
    cv2.rectangle(canvas, (cx - w, cy - h), (cx + w, cy + h), (35, 35, 40), -1)
    cv2.rectangle(canvas, (cx - w + 1, cy - h + 2), (cx + w - 1, cy + h - 2), (170, 200, 210), -1)


@dataclass(frozen=True)
class Driveway:
    """Depths (standard-adult sizes) of the lanes in the driveway view, far to near."""

    horizon: float = DRIVEWAY_HORIZON
    street_depth: float = 0.22
    parking_depth: float = 0.33
    sidewalk_depth: float = 0.55


def paint_driveway(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Houses across a street, a concrete parking pad, a lawn and a sidewalk in front."""
    d = Driveway()

    def row(depth: float) -> int:
        return int((d.horizon + EYE * depth) * height)

    canvas = tx.grass(rng, height, width, max(1.5, height / 200))
    sky = int(0.12 * height)
    canvas[:sky] = tx.tint(tx.vertical_gradient(sky, width, 0.85, 1.0), (225, 200, 170))
    houses = row(0.15)
    canvas[sky:houses] = tx.tint(1.0 + 0.05 * tx.grain(rng, houses - sky, width), (175, 185, 190))
    _siding(rng, canvas, sky, houses, width)
    lanes = (
        (d.street_depth - 0.06, d.street_depth + 0.05, tx.asphalt, (80, 82, 85)),
        (d.street_depth + 0.05, d.street_depth + 0.08, tx.concrete, (170, 172, 175)),
        (d.parking_depth - 0.04, d.parking_depth + 0.08, tx.concrete, (160, 165, 168)),
        (d.sidewalk_depth - 0.06, d.sidewalk_depth + 0.06, tx.concrete, (172, 175, 178)),
    )
    for near, far, paint, colour in lanes:
        top, bottom = row(near), row(far)
        if paint is tx.asphalt:
            canvas[top:bottom] = tx.asphalt(rng, bottom - top, width, colour)
        else:
            canvas[top:bottom] = tx.concrete(rng, bottom - top, width, width * 0.15, colour)
        canvas[bottom : bottom + max(1, height // 150)] *= np.float32(0.65)
    dash, mid = max(1, height // 150), row(d.street_depth)
    for x in range(0, width, max(8, width // 12)):
        canvas[mid - dash : mid + dash, x : x + width // 24] = (120, 200, 220)
    return tx.to_image(canvas)


def _siding(
    rng: np.random.Generator, canvas: np.ndarray, top: int, bottom: int, width: int
) -> None:
    """Houses across the street: sided walls with windows and roofs against the sky."""
    x = int(rng.uniform(-0.1, 0.05) * width)
    while x < width:
        w = int(rng.uniform(0.25, 0.4) * width)
        b, g, r = (int(c) for c in rng.integers(120, 215, 3))
        roof = top + (bottom - top) // 4
        body = tx.wood_planks(rng, bottom - roof, w, max(3, (bottom - roof) / 8), (b, g, r), True)
        tx.paste(canvas, body, x, roof)
        pts = np.array([(x - w // 20, roof), (x + w + w // 20, roof), (x + w // 2, top)], np.int32)
        cv2.fillConvexPoly(canvas, pts, (60, 60, 75), cv2.LINE_AA)
        for wx in (0.2, 0.65):
            x1, y1 = x + int(wx * w), roof + (bottom - roof) // 4
            cv2.rectangle(
                canvas, (x1, y1), (x1 + w // 6, y1 + (bottom - roof) // 3), (90, 70, 60), -1
            )
        x += w + int(rng.uniform(0.02, 0.08) * width)


@dataclass(frozen=True)
class Street:
    """Depths (standard-adult sizes) in the street view, far to near: houses across a
    two-lane road, the sidewalk on this side, a lawn, and a footpath close to the camera."""

    horizon: float = DRIVEWAY_HORIZON
    far_lane: float = 0.2
    near_lane: float = 0.27
    sidewalk: tuple[float, float] = (0.31, 0.4)
    footpath: tuple[float, float] = (0.48, 0.62)


def paint_street(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Houses across a two-lane road with a centre line, a sidewalk, lawn and a footpath."""
    s = Street()

    def row(depth: float) -> int:
        return int((s.horizon + EYE * depth) * height)

    canvas = tx.grass(rng, height, width, max(1.5, height / 200))
    sky = int(0.12 * height)
    canvas[:sky] = tx.tint(tx.vertical_gradient(sky, width, 0.85, 1.0), (225, 200, 170))
    houses = row(0.13)
    canvas[sky:houses] = tx.tint(1.0 + 0.05 * tx.grain(rng, houses - sky, width), (175, 185, 190))
    _siding(rng, canvas, sky, houses, width)
    kerb = row(0.13), row(0.16)
    canvas[kerb[0] : kerb[1]] = tx.concrete(
        rng, kerb[1] - kerb[0], width, width * 0.15, (165, 168, 170)
    )
    road = row(0.16), row(s.sidewalk[0] - 0.01)
    canvas[road[0] : road[1]] = tx.asphalt(rng, road[1] - road[0], width, (80, 82, 85))
    for near, far in (
        (s.sidewalk[0] - 0.01, s.sidewalk[1] + 0.02),
        (s.footpath[0] - 0.03, s.footpath[1] + 0.03),
    ):
        top, bottom = row(near), row(far)
        canvas[top:bottom] = tx.concrete(rng, bottom - top, width, width * 0.15, (172, 175, 178))
        canvas[bottom : bottom + max(1, height // 150)] *= np.float32(0.65)
    dash, mid = max(1, height // 150), row((s.far_lane + s.near_lane) / 2)
    for x in range(0, width, max(8, width // 12)):
        canvas[mid - dash : mid + dash, x : x + width // 24] = (120, 200, 220)
    return tx.to_image(canvas)
