"""Cars (side view) and parcels as vector parts, in units of a standard adult's height.

A car is 2.6 units long and 0.83 tall (4.5 m and 1.45 m next to a 1.75 m adult); a
parcel is a 0.3-unit carton seen slightly from above. Origins are on the ground under
the object's centre, y pointing down, and a car faces +x unless `facing` is -1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from frontporch.scenes.sprites import Capsule, Ellipse, Part, Point, Polygon, shade
from frontporch.scenes.textures import Colour

CAR_COLOURS: tuple[Colour, ...] = (
    (40, 40, 170),
    (190, 190, 195),
    (140, 80, 30),
    (235, 235, 235),
    (30, 30, 32),
    (60, 100, 60),
)
GLASS: Colour = (75, 60, 45)
TYRE: Colour = (28, 28, 30)
HUB: Colour = (160, 160, 165)
WHEEL_X = 0.8


@dataclass(frozen=True)
class CarStyle:
    """How a car looks: paint colour and wheel size (in standard heights)."""

    paint: Colour
    wheel_radius: float = 0.19


def random_car(rng: np.random.Generator) -> CarStyle:
    """A car in one of the common paint colours."""
    return CarStyle(paint=CAR_COLOURS[int(rng.integers(len(CAR_COLOURS)))])


def _mirror(points: tuple[Point, ...], facing: int) -> tuple[Point, ...]:
    return tuple((x * facing, y) for x, y in points)


def car_parts(style: CarStyle, facing: int) -> list[Part]:
    """Body, cabin, windows, lights, trim and wheels, back to front."""
    paint = style.paint
    r = style.wheel_radius

    def poly(points: tuple[Point, ...], colour: Colour) -> Polygon:
        return Polygon(_mirror(points, facing), colour)

    def cap(a: Point, b: Point, width: float, colour: Colour) -> Capsule:
        return Capsule((a[0] * facing, a[1]), (b[0] * facing, b[1]), width, colour)

    parts: list[Part] = [
        poly(((-0.95, -0.49), (0.52, -0.49), (0.2, -0.83), (-0.75, -0.84)), paint),
        poly(
            (
                (-1.3, -0.12),
                (1.3, -0.12),
                (1.33, -0.3),
                (1.24, -0.47),
                (-1.22, -0.5),
                (-1.33, -0.32),
            ),
            paint,
        ),
        poly(((-0.86, -0.52), (-0.2, -0.52), (-0.2, -0.79), (-0.7, -0.8)), GLASS),
        poly(((-0.12, -0.52), (0.43, -0.52), (0.17, -0.79), (-0.12, -0.79)), GLASS),
        cap((-1.3, -0.24), (1.31, -0.24), 0.035, shade(paint, 0.6)),
        cap((-0.16, -0.16), (-0.16, -0.49), 0.012, shade(paint, 0.55)),
        cap((0.08, -0.42), (0.2, -0.42), 0.025, shade(paint, 0.7)),
        poly(((1.16, -0.44), (1.3, -0.41), (1.31, -0.34), (1.18, -0.35)), (190, 230, 240)),
        poly(((-1.3, -0.44), (-1.2, -0.44), (-1.2, -0.34), (-1.32, -0.34)), (40, 40, 200)),
    ]
    for x in (-WHEEL_X, WHEEL_X):
        parts += [
            Ellipse((x, -r - 0.02), (r + 0.04, r + 0.04), shade(paint, 0.35), 180.0, 360.0),
            Ellipse((x, -r), (r, r), TYRE),
            Ellipse((x, -r), (r * 0.58, r * 0.58), HUB),
        ]
    return parts


def wheel_spokes(style: CarStyle, spin: float) -> list[tuple[Point, Point]]:
    """Three spokes per wheel at rotation `spin` (radians), as segments in car units."""
    r = style.wheel_radius
    spokes = []
    for x in (-WHEEL_X, WHEEL_X):
        for k in range(3):
            angle = spin + k * 2 * math.pi / 3
            tip = (x + 0.5 * r * math.cos(angle), -r + 0.5 * r * math.sin(angle))
            spokes.append(((x, -r), tip))
    return spokes


def parcel_parts() -> list[Part]:
    """A taped cardboard carton with a shipping label, lit from the upper left."""
    card: Colour = (70, 125, 175)
    return [
        Polygon(((0.15, 0.0), (0.19, -0.04), (0.19, -0.245), (0.15, -0.205)), shade(card, 0.7)),
        Polygon(((-0.15, 0.0), (0.15, 0.0), (0.15, -0.205), (-0.15, -0.205)), card),
        Polygon(
            ((-0.15, -0.205), (0.15, -0.205), (0.19, -0.245), (-0.11, -0.245)), shade(card, 1.2)
        ),
        Capsule((0.0, -0.2), (0.04, -0.24), 0.035, (140, 185, 210)),
        Capsule((0.0, -0.2), (0.0, -0.12), 0.035, (140, 185, 210)),
        Polygon(((-0.12, -0.04), (-0.03, -0.04), (-0.03, -0.1), (-0.12, -0.1)), (235, 235, 235)),
    ]
