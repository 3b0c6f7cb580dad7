"""People-shaped figures with a walking gait, built to look like pedestrians to HOG.

Proportions follow an adult (height 1.0, head ~0.13, hips at ~0.5, shoulders ~0.22
wide) in a three-quarter view: wide enough that the head-and-shoulders outline reads,
turned enough that the legs scissor. The gait is a simple kinematic model: the thigh
swings sinusoidally, the knee bends mostly in the swing phase, arms swing against the
legs, and the body is lowered so that the lower foot is always on the ground. Units are
body heights with the origin between the feet and y pointing down (so the head is at
y ≈ -0.93).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from frontporch.scenes.sprites import Capsule, Ellipse, Part, Point, Polygon, shade
from frontporch.scenes.textures import Colour

THIGH, SHIN, UPPER_ARM, FOREARM = 0.245, 0.235, 0.165, 0.15
FOOT_LIFT = 0.025
STRIDE = 0.85
"""Ground covered by one full gait cycle (two steps), in body heights."""
RIM = 0.012
"""Rim width in body heights (at least one pixel is used)."""

SKIN_TONES: tuple[Colour, ...] = ((120, 150, 205), (95, 125, 180), (70, 95, 140), (45, 65, 100))
HAIR_COLOURS: tuple[Colour, ...] = ((25, 25, 30), (30, 45, 70), (60, 90, 130), (150, 150, 155))
SHIRT_COLOURS: tuple[Colour, ...] = (
    (40, 60, 170),
    (200, 200, 205),
    (60, 120, 60),
    (35, 35, 40),
    (150, 90, 40),
    (40, 170, 210),
    (120, 50, 110),
    (90, 95, 100),
)
PANTS_COLOURS: tuple[Colour, ...] = (
    (90, 60, 40),
    (40, 40, 45),
    (150, 150, 150),
    (120, 90, 60),
    (60, 80, 110),
)
SHOE_COLOURS: tuple[Colour, ...] = ((30, 30, 35), (210, 210, 215), (40, 60, 90))


@dataclass(frozen=True)
class Outfit:
    """How one person looks; `build` widens (>1) or narrows the body."""

    shirt: Colour
    pants: Colour
    skin: Colour
    hair: Colour
    shoes: Colour
    build: float = 1.0
    long_hair: bool = False
    shorts: bool = False


def random_outfit(rng: np.random.Generator) -> Outfit:
    """A plausible, varied outfit."""

    def pick(options: tuple[Colour, ...]) -> Colour:
        return options[int(rng.integers(len(options)))]

    return Outfit(
        shirt=pick(SHIRT_COLOURS),
        pants=pick(PANTS_COLOURS),
        skin=pick(SKIN_TONES),
        hair=pick(HAIR_COLOURS),
        shoes=pick(SHOE_COLOURS),
        build=float(rng.uniform(0.9, 1.15)),
        long_hair=bool(rng.random() < 0.35),
        shorts=bool(rng.random() < 0.2),
    )


def grey_outfit(outfit: Outfit, rng: np.random.Generator) -> Outfit:
    """The same person seen by an infrared camera: greys, with skin reflecting brightly."""

    def grey(low: int, high: int) -> Colour:
        v = int(rng.integers(low, high))
        return (v, v, v)

    return Outfit(
        shirt=grey(120, 220),
        pants=grey(50, 120),
        skin=grey(170, 230),
        hair=grey(30, 70),
        shoes=grey(20, 60),
        build=outfit.build,
        long_hair=outfit.long_hair,
        shorts=outfit.shorts,
    )


def _leg(phase: float, gait: float) -> tuple[Point, Point]:
    """Knee and ankle relative to the hip, facing +x, for one leg."""
    thigh = gait * (0.35 * math.sin(phase) + 0.05)
    # Knee flexion peaks early in the swing phase (when the thigh swings forward).
    knee = gait * 1.05 * max(0.0, math.cos(phase + 0.5)) ** 1.5 + 0.05
    kx, ky = math.sin(thigh) * THIGH, math.cos(thigh) * THIGH
    shin = thigh - knee
    return (kx, ky), (kx + math.sin(shin) * SHIN, ky + math.cos(shin) * SHIN)


def walk_pose(phase: float, gait: float, facing: int, build: float = 1.0) -> dict[str, Point]:
    """Joint positions at gait `phase` (radians); `gait` 0 stands still, 1 walks.

    Joint names: head, neck, {l,r}{sh,elbow,wrist,hip,knee,ankle,toe}. `facing` is +1
    (walking towards +x) or -1.
    """
    legs = {"l": _leg(phase, gait), "r": _leg(phase + math.pi, gait)}
    drop = max(ankle[1] for _, ankle in legs.values())
    hip_y = -FOOT_LIFT - drop
    sh_y = hip_y - 0.31
    joints: dict[str, Point] = {
        "head": (0.012 * facing, sh_y - 0.115),
        "neck": (0.005 * facing, sh_y - 0.03),
    }
    for side, sign in (("l", -1.0), ("r", 1.0)):
        (kx, ky), (ax, ay) = legs[side]
        hx = sign * 0.04 * build
        joints[side + "hip"] = (hx, hip_y)
        joints[side + "knee"] = (hx + facing * kx, hip_y + ky)
        joints[side + "ankle"] = (hx + facing * ax, hip_y + ay)
        joints[side + "toe"] = (hx + facing * (ax + 0.085), min(-0.012, hip_y + ay + 0.02))
        # Each arm swings with the opposite leg.
        arm_phase = phase + (math.pi if side == "l" else 0.0)
        upper = gait * 0.32 * math.sin(arm_phase)
        fore = upper + 0.2 + gait * 0.25 * max(0.0, math.sin(arm_phase))
        sx, sy = sign * 0.085 * build, sh_y + 0.01
        ex, ey = sx + facing * math.sin(upper) * UPPER_ARM, sy + math.cos(upper) * UPPER_ARM
        joints[side + "sh"] = (sx, sy)
        joints[side + "elbow"] = (ex, ey)
        joints[side + "wrist"] = (
            ex + facing * math.sin(fore) * FOREARM,
            ey + math.cos(fore) * FOREARM,
        )
    return joints


def person_parts(joints: dict[str, Point], outfit: Outfit, facing: int) -> list[Part]:
    """The figure's parts, back to front: far limbs (shaded), torso, near limbs, head."""
    far, near = ("r", "l") if facing > 0 else ("l", "r")
    w = outfit.build
    parts: list[Part] = [
        *_arm(joints, far, outfit, 0.65, w),
        *_leg_parts(joints, far, outfit, 0.7, w),
    ]
    lsh, rsh, lhip, rhip = joints["lsh"], joints["rsh"], joints["lhip"], joints["rhip"]
    parts += [
        Capsule(lhip, rhip, 0.075 * w, outfit.pants),
        Polygon(
            (
                (lsh[0] - 0.01, lsh[1] - 0.012),
                (rsh[0] + 0.01, rsh[1] - 0.012),
                (rhip[0] + 0.045 * w, rhip[1]),
                (lhip[0] - 0.045 * w, lhip[1]),
            ),
            outfit.shirt,
        ),
        Capsule(lsh, rsh, 0.07 * w, outfit.shirt),
        Capsule(joints["neck"], ((lsh[0] + rsh[0]) / 2, lsh[1]), 0.05, outfit.skin),
        *_leg_parts(joints, near, outfit, 1.0, w),
        *_arm(joints, near, outfit, 1.0, w),
    ]
    hx, hy = joints["head"]
    if outfit.long_hair:
        parts.append(
            Capsule((hx - 0.02 * facing, hy), (hx - 0.03 * facing, hy + 0.1), 0.09, outfit.hair)
        )
    parts += [
        Ellipse((hx, hy), (0.05, 0.065), outfit.skin),
        Ellipse((hx, hy), (0.052, 0.067), outfit.hair, 180.0, 360.0),
    ]
    return parts


def _arm(joints: dict[str, Point], side: str, outfit: Outfit, light: float, w: float) -> list[Part]:
    return [
        Capsule(joints[side + "sh"], joints[side + "elbow"], 0.06 * w, shade(outfit.shirt, light)),
        Capsule(
            joints[side + "elbow"], joints[side + "wrist"], 0.045 * w, shade(outfit.skin, light)
        ),
    ]


def _leg_parts(
    joints: dict[str, Point], side: str, outfit: Outfit, light: float, w: float
) -> list[Part]:
    shin = outfit.skin if outfit.shorts else outfit.pants
    return [
        Capsule(joints[side + "hip"], joints[side + "knee"], 0.085 * w, shade(outfit.pants, light)),
        Capsule(joints[side + "knee"], joints[side + "ankle"], 0.065 * w, shade(shin, light)),
        Capsule(joints[side + "ankle"], joints[side + "toe"], 0.04 * w, shade(outfit.shoes, light)),
    ]
