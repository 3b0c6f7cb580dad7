"""Objects that move through a scene: walkers, cars and parcels.

Each actor knows, for every frame index, where it is (`box`, unclipped, in pixels) and
how far from the camera (`depth`, the y of its ground contact: larger is nearer); it
draws itself from the same geometry, so the ground truth is exact without rendering.
Paths are piecewise-linear waypoints sampled at the frame times once, up front.

Perspective: the camera is at `EYE` times a person's height above flat ground, with the
horizon at `View.horizon` (pixels). An adult of standard height whose image is `depth`
frame heights tall stands with their feet at `horizon + EYE * depth * frame_height`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from frontporch.hub.analysis.geometry import Box
from frontporch.scenes.people import RIM, STRIDE, Outfit, person_parts, walk_pose
from frontporch.scenes.sprites import Part, draw, extent, ground_shadow
from frontporch.scenes.vehicles import CarStyle, car_parts, parcel_parts, wheel_spokes

EYE = 0.8
"""Camera height over a standard adult's height (a doorbell or eave camera)."""
WALKING = 0.35
"""Speed, in body heights per second, at and above which the gait is a full walk."""


@dataclass(frozen=True)
class View:
    """The video being rendered: frame size, horizon row, frame rate and count."""

    width: int
    height: int
    horizon: float
    fps: float
    frames: int

    @property
    def times(self) -> np.ndarray:
        """Seconds from the start to each frame."""
        return np.arange(self.frames, dtype=np.float64) / self.fps

    def ground_y(self, depth: np.ndarray | float) -> np.ndarray | float:
        """Pixel row where something `depth` (standard heights per frame height) stands."""
        return self.horizon + EYE * depth * self.height


@dataclass(frozen=True)
class Waypoint:
    """Where an actor is at time `t`: `x` relative to the frame width (may be off-frame)
    and `depth` as a standard adult's height relative to the frame height."""

    t: float
    x: float
    depth: float


class Actor(Protocol):
    """Something with ground truth that draws itself into frames."""

    object_id: int
    label: str

    def box(self, index: int) -> Box | None:
        """Its unclipped box in frame `index`, or None when it is not in the scene."""
        ...

    def depth(self, index: int) -> float:
        """The row of its ground contact: actors are drawn in increasing order of it."""
        ...

    def draw(self, frame: np.ndarray, index: int) -> None:
        """Draw it into `frame` (a no-op when it is not in the scene)."""
        ...


def _follow(view: View, waypoints: Sequence[Waypoint]) -> tuple[np.ndarray, ...]:
    """Per-frame (present, x in px, depth) along `waypoints`."""
    t = np.array([w.t for w in waypoints])
    times = view.times
    present = (times >= t[0]) & (times <= t[-1])
    x = np.interp(times, t, [w.x for w in waypoints]) * view.width
    depth = np.interp(times, t, [w.depth for w in waypoints])
    return present, x, depth


def _smooth(values: np.ndarray, frames: int) -> np.ndarray:
    if frames <= 1:
        return values
    kernel = np.ones(frames) / frames
    return np.convolve(np.pad(values, frames // 2, mode="edge"), kernel, "same")[
        frames // 2 : frames // 2 + len(values)
    ]


def _facing(dx: np.ndarray) -> np.ndarray:
    """+1/-1 per frame from the direction of motion, held while standing still."""
    facing = np.sign(dx)
    moving = np.flatnonzero(facing)
    if moving.size == 0:
        return np.ones_like(dx, dtype=np.int64)
    fill = np.maximum.accumulate(np.where(facing != 0, np.arange(len(dx)), 0))
    held: np.ndarray = facing[np.maximum(fill, moving[0])].astype(np.int64)
    return held


class Walker:
    """A person walking along waypoints, with a gait driven by the distance covered."""

    label = "person"

    def __init__(
        self,
        object_id: int,
        view: View,
        waypoints: Sequence[Waypoint],
        outfit: Outfit,
        stature: float = 1.0,
        phase: float = 0.0,
    ) -> None:
        self.object_id = object_id
        self.outfit = outfit
        self._present, self._x, depth = _follow(view, waypoints)
        self._foot = np.asarray(view.ground_y(depth))
        self._size = depth * view.height * stature
        dx = np.gradient(self._x) if len(self._x) > 1 else np.zeros(1)
        speed = np.abs(dx) * view.fps / self._size  # body heights per second
        self._phase = phase + np.cumsum(speed / view.fps) * (2 * math.pi / STRIDE)
        gait = np.clip(speed / WALKING, 0.0, 1.0)
        self._gait = _smooth(gait, max(1, round(0.3 * view.fps)))
        self._facing = _facing(np.where(speed > 0.05, dx, 0.0))

    def _parts(self, index: int) -> list[Part]:
        facing = int(self._facing[index])
        joints = walk_pose(
            float(self._phase[index]), float(self._gait[index]), facing, self.outfit.build
        )
        return person_parts(joints, self.outfit, facing)

    def box(self, index: int) -> Box | None:
        if not self._present[index]:
            return None
        size, x, foot = self._size[index], self._x[index], self._foot[index]
        x1, y1, x2, y2 = extent(self._parts(index))
        return Box(x + x1 * size, foot + y1 * size, x + x2 * size, foot + y2 * size)

    def depth(self, index: int) -> float:
        return float(self._foot[index])

    def draw(self, frame: np.ndarray, index: int) -> None:
        if not self._present[index]:
            return
        size, x, foot = float(self._size[index]), float(self._x[index]), float(self._foot[index])
        ground_shadow(frame, x + 0.05 * size, foot, 0.17 * size, 0.025 * size)
        sprite = draw(self._parts(index), size, max(1.0, RIM * size))
        sprite.paste(frame, x, foot)


class Car:
    """A car seen from the side, driving along waypoints with turning wheels."""

    label = "car"

    def __init__(
        self, object_id: int, view: View, waypoints: Sequence[Waypoint], style: CarStyle
    ) -> None:
        self.object_id = object_id
        self._present, self._x, depth = _follow(view, waypoints)
        self._foot = np.asarray(view.ground_y(depth))
        # A car's scale does not change along a lateral path, so its body is drawn once.
        self._scale = waypoints[0].depth * view.height
        dx = np.diff(self._x, prepend=self._x[:1])
        facing = int(np.sign(dx[np.flatnonzero(dx)[0]])) if np.any(dx) else 1
        self._parts = car_parts(style, facing)
        self._style = style
        self._body = draw(self._parts, self._scale, max(1.0, 0.006 * self._scale))
        self._spin = np.cumsum(dx) / (style.wheel_radius * self._scale)

    def box(self, index: int) -> Box | None:
        if not self._present[index]:
            return None
        x, foot, s = self._x[index], self._foot[index], self._scale
        x1, y1, x2, y2 = extent(self._parts)
        return Box(x + x1 * s, foot + y1 * s, x + x2 * s, foot + y2 * s)

    def depth(self, index: int) -> float:
        return float(self._foot[index])

    def draw(self, frame: np.ndarray, index: int) -> None:
        if not self._present[index]:
            return
        x, foot, s = float(self._x[index]), float(self._foot[index]), self._scale
        ground_shadow(frame, x, foot, 1.35 * s, 0.06 * s)
        self._body.paste(frame, x, foot)
        for (x1, y1), (x2, y2) in wheel_spokes(self._style, float(self._spin[index])):
            cv2.line(
                frame,
                (round(x + x1 * s), round(foot + y1 * s)),
                (round(x + x2 * s), round(foot + y2 * s)),
                (70, 70, 75),
                max(1, round(0.012 * s)),
                cv2.LINE_AA,
            )


class Parcel:
    """A package set down at `t_drop` that then stays where it is."""

    label = "package"

    def __init__(self, object_id: int, view: View, x: float, depth: float, t_drop: float) -> None:
        self.object_id = object_id
        self._present = view.times >= t_drop
        self._x = x * view.width
        self._foot = float(view.ground_y(depth))
        self._scale = depth * view.height
        self._parts = parcel_parts()
        self._sprite = draw(self._parts, self._scale, max(1.0, 0.004 * self._scale))

    def box(self, index: int) -> Box | None:
        if not self._present[index]:
            return None
        x1, y1, x2, y2 = extent(self._parts)
        s = self._scale
        return Box(self._x + x1 * s, self._foot + y1 * s, self._x + x2 * s, self._foot + y2 * s)

    def depth(self, index: int) -> float:
        return self._foot

    def draw(self, frame: np.ndarray, index: int) -> None:
        if not self._present[index]:
            return
        ground_shadow(
            frame, self._x + 0.03 * self._scale, self._foot, 0.16 * self._scale, 0.02 * self._scale
        )
        self._sprite.paste(frame, self._x, self._foot)
