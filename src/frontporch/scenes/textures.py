"""Procedural surfaces for scene backgrounds: brick, wood, concrete, grass, asphalt.

Everything is built once per scene from a seeded generator with whole-array numpy and
OpenCV operations (no per-pixel Python), at the scene's resolution. Feature sizes are
given in pixels by the caller, who derives them from the frame height, so a scene looks
the same at 640x360 and at 1920x1080.
"""

from __future__ import annotations

import cv2
import numpy as np

Colour = tuple[int, int, int]
"""BGR, 0..255."""

FloatImage = np.ndarray
"""float32, H x W (a shading map, roughly 0..2) or H x W x 3 (colour, 0..255)."""


def value_noise(rng: np.random.Generator, height: int, width: int, cell: float) -> FloatImage:
    """Smooth noise in -1..1 with features about `cell` pixels across."""
    gh = max(2, int(height / cell) + 2)
    gw = max(2, int(width / cell) + 2)
    grid = rng.uniform(-1.0, 1.0, (gh, gw)).astype(np.float32)
    return cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)


def fractal_noise(
    rng: np.random.Generator, height: int, width: int, cell: float, octaves: int = 4
) -> FloatImage:
    """Sum of value noise octaves (each half the size and weight of the last), in ~-1..1."""
    total = np.zeros((height, width), np.float32)
    weight, norm = 1.0, 0.0
    for octave in range(octaves):
        size = cell / 2**octave
        if size < 1.0:
            break
        total += weight * value_noise(rng, height, width, size)
        norm += weight
        weight /= 2
    return total / max(norm, 1e-6)


def grain(rng: np.random.Generator, height: int, width: int) -> FloatImage:
    """Per-pixel texture noise (static, part of the surface), in ~-1..1."""
    return rng.standard_normal((height, width), dtype=np.float32).clip(-3, 3) / 3


def tint(shade: FloatImage, colour: Colour) -> FloatImage:
    """A colour surface: `colour` multiplied by a shading map (1.0 = the colour itself)."""
    return shade[..., None] * np.asarray(colour, np.float32)[None, None, :]


def to_image(surface: FloatImage) -> np.ndarray:
    """Float colour surface to a BGR uint8 image."""
    image: np.ndarray = np.clip(surface, 0, 255).astype(np.uint8)
    return image


def brick_wall(
    rng: np.random.Generator, height: int, width: int, brick_h: float, colour: Colour
) -> FloatImage:
    """Running-bond brickwork: bricks of varied tone, recessed mortar, weathering."""
    brick_w = brick_h * 2.6
    mortar = max(1.0, brick_h * 0.14)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    row = np.floor(ys / brick_h)
    shifted = xs + (row % 2) * brick_w / 2
    col = np.floor(shifted / brick_w)
    rows, cols = int(row.max()) + 1, int(col.max()) + 1
    tones = rng.normal(1.0, 0.09, (rows, cols)).astype(np.float32)
    shade = tones[row.astype(np.intp), col.astype(np.intp)]
    in_mortar = ((ys % brick_h) < mortar) | ((shifted % brick_w) < mortar)
    shade = np.where(in_mortar, 1.45, shade)
    shade *= (
        1.0
        + 0.12 * fractal_noise(rng, height, width, brick_h * 3)
        + 0.08 * grain(rng, height, width)
    )
    surface = tint(shade, colour)
    surface[in_mortar] *= np.float32(0.78)
    return surface


def wood_planks(
    rng: np.random.Generator,
    height: int,
    width: int,
    plank_w: float,
    colour: Colour,
    horizontal: bool = False,
) -> FloatImage:
    """Planks with long grain and dark seams: vertical (a door) or horizontal (siding)."""
    if horizontal:
        return wood_planks(rng, width, height, plank_w, colour).transpose(1, 0, 2)
    grain_cols = rng.uniform(-1, 1, (max(2, height // 40 + 2), width)).astype(np.float32)
    streaks = cv2.resize(grain_cols, (width, height), interpolation=cv2.INTER_LINEAR)
    xs = np.arange(width, dtype=np.float32)
    plank = np.floor(xs / plank_w)
    tones = rng.normal(1.0, 0.07, int(plank.max()) + 1).astype(np.float32)
    shade = tones[plank.astype(np.intp)][None, :] + 0.12 * streaks
    seam = (xs % plank_w) < max(1.0, plank_w * 0.06)
    shade = shade * np.where(seam, 0.55, 1.0)[None, :]
    shade *= 1.0 + 0.05 * grain(rng, height, width)
    return tint(shade.astype(np.float32), colour)


def concrete(
    rng: np.random.Generator, height: int, width: int, slab: float, colour: Colour
) -> FloatImage:
    """Concrete slabs: blotchy tone, fine aggregate, expansion joints every `slab` px."""
    shade = (
        1.0 + 0.07 * fractal_noise(rng, height, width, slab / 2) + 0.06 * grain(rng, height, width)
    )
    xs = np.arange(width, dtype=np.float32)
    joint = (xs % slab) < max(1.0, slab * 0.012)
    shade = shade * np.where(joint, 0.7, 1.0)[None, :]
    return tint(shade.astype(np.float32), colour)


def grass(rng: np.random.Generator, height: int, width: int, blade: float) -> FloatImage:
    """A lawn: blade-scale streaks over patchy green, yellower where it is dry."""
    blades = cv2.resize(
        rng.uniform(-1, 1, (max(2, int(height / (blade * 3))), max(2, int(width / blade)))).astype(
            np.float32
        ),
        (width, height),
        interpolation=cv2.INTER_LINEAR,
    )
    patches = fractal_noise(rng, height, width, blade * 25)
    shade = 1.0 + 0.25 * blades + 0.12 * grain(rng, height, width)
    green = tint(shade * (1.0 + 0.15 * patches), (45, 120, 70))
    dry = tint(shade, (60, 140, 150))
    mix = np.clip(0.5 + patches, 0.0, 1.0)[..., None] * 0.35
    return green * (1 - mix) + dry * mix


def asphalt(rng: np.random.Generator, height: int, width: int, colour: Colour) -> FloatImage:
    """Dark road surface with speckled aggregate and faint stains."""
    shade = (
        1.0
        + 0.15 * grain(rng, height, width)
        + 0.08 * fractal_noise(rng, height, width, height / 3)
    )
    return tint(shade.astype(np.float32), colour)


def vertical_gradient(height: int, width: int, top: float, bottom: float) -> FloatImage:
    """A shading map going linearly from `top` to `bottom`."""
    column = np.linspace(top, bottom, height, dtype=np.float32)[:, None]
    return np.repeat(column, width, axis=1)


Window = tuple[slice, slice]


def overlap(
    canvas: np.ndarray, surface: np.ndarray, x: int, y: int
) -> tuple[Window, Window] | None:
    """Where `surface`, with its top-left at (x, y), lands on `canvas`: the (rows,
    columns) of the part on the canvas and of the same part in the surface; None if
    none of it does."""
    h, w = surface.shape[:2]
    x1, y1 = max(0, x), max(0, y)
    x2, y2 = min(canvas.shape[1], x + w), min(canvas.shape[0], y + h)
    if x1 >= x2 or y1 >= y2:
        return None
    return (slice(y1, y2), slice(x1, x2)), (slice(y1 - y, y2 - y), slice(x1 - x, x2 - x))


def paste(
    canvas: FloatImage, surface: FloatImage, x: int, y: int, mask: np.ndarray | None = None
) -> None:
    """Copy `surface` into `canvas` at (x, y), clipped; `mask` (bool, surface-sized) limits it."""
    found = overlap(canvas, surface, x, y)
    if found is None:
        return
    into, part_of = found
    part = surface[part_of]
    if mask is None:
        canvas[into] = part
    else:
        region = canvas[into]
        keep = mask[part_of]
        region[keep] = part[keep]
