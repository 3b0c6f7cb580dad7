"""The named scenes: each a function from a `SceneSpec` to a `Stage`.

Scripts (who walks when, where, how fast) come from a random stream of their own and
are laid out in seconds and relative coordinates, so the same seed gives the same
visits at every resolution of the same shape; textures and noise use other streams.
Times scale with the duration where a scene needs its events spread out (lighting),
and otherwise follow one another until the video ends, so a short test render still
contains people.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from frontporch.scenes import layouts
from frontporch.scenes.actors import Actor, Car, Parcel, View, Walker, Waypoint
from frontporch.scenes.camera import SensorNoise, Vignette, infrared, radial_falloff
from frontporch.scenes.foliage import SwayingPlant, leafy_sprite
from frontporch.scenes.lighting import LitBackdrop, cloud_shadow, lamp_glow
from frontporch.scenes.people import grey_outfit, random_outfit
from frontporch.scenes.stage import Scenery, Stage, StillBackdrop
from frontporch.scenes.vehicles import random_car

DAY_NOISE = 2.5
NIGHT_NOISE = 2.8
"""Sensor noise, grey levels. Night noise is heavier against a much flatter picture;
both are kept moderate because noise is what makes H.264 encoding slow."""
WALK_SPEED = (0.55, 0.9)
"""Walking speeds, body heights per second (about 1.0 to 1.6 m/s)."""


@dataclass(frozen=True)
class SceneSpec:
    """What was asked for: frame size and rate, length, and seed."""

    width: int
    height: int
    fps: float
    duration: float
    seed: int

    @property
    def frames(self) -> int:
        return max(1, round(self.duration * self.fps))

    def view(self, horizon: float) -> View:
        return View(self.width, self.height, horizon * self.height, self.fps, self.frames)

    def rng(self, stream: str) -> np.random.Generator:
        """An independent generator per purpose, stable across resolutions."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    def noise(self, sigma: float, mono: bool = False) -> SensorNoise:
        rng = self.rng("noise")
        return SensorNoise(rng, self.width, self.height, self.frames, sigma, mono)


def _crossing(
    spec: SceneSpec,
    rng: np.random.Generator,
    start: float,
    depth: float,
    leftwards: bool,
    speed: float,
) -> list[Waypoint]:
    """Edge to edge across the frame at about `depth`, starting fully out of view."""
    end_depth = float(np.clip(depth + rng.uniform(-0.05, 0.05), 0.2, 0.7))
    margin = 0.3 * max(depth, end_depth) * spec.height / spec.width
    x0, x1 = -margin, 1.0 + margin
    if leftwards:
        x0, x1 = x1, x0
    pixels_per_s = speed * (depth + end_depth) / 2 * spec.height
    seconds = abs(x1 - x0) * spec.width / pixels_per_s
    return [Waypoint(start, x0, depth), Waypoint(start + seconds, x1, end_depth)]


def _walker(
    object_id: int,
    view: View,
    rng: np.random.Generator,
    path: list[Waypoint],
    grey: bool = False,
) -> Walker:
    outfit = random_outfit(rng)
    if grey:
        outfit = grey_outfit(outfit, rng)
    stature = float(rng.uniform(0.9, 1.06))
    return Walker(object_id, view, path, outfit, stature, float(rng.uniform(0, 2 * math.pi)))


def _passers_by(
    spec: SceneSpec,
    view: View,
    rng: np.random.Generator,
    depths: tuple[tuple[float, float], ...],
    gap: tuple[float, float],
    first_id: int,
    grey: bool = False,
    quiet: tuple[float, float] = (0.0, 0.0),
) -> list[Actor]:
    """People crossing one after another (sometimes two in view) until the video ends;
    nobody is in view during `quiet` (seconds)."""
    actors: list[Actor] = []
    t = float(rng.uniform(0.2, 1.0))
    while t < spec.duration - 1.0:
        low, high = depths[int(rng.integers(len(depths)))]
        path = _crossing(
            spec,
            rng,
            t,
            float(rng.uniform(low, high)),
            bool(rng.random() < 0.5),
            float(rng.uniform(*WALK_SPEED)),
        )
        if path[0].t < quiet[1] and path[-1].t > quiet[0]:
            t = quiet[1]
            continue
        actors.append(_walker(first_id + len(actors), view, rng, path, grey))
        crossing = path[-1].t - path[0].t
        t += crossing * float(rng.uniform(0.6, 1.0)) + float(rng.uniform(*gap))
    return actors


def _delivery(
    spec: SceneSpec, view: View, rng: np.random.Generator, start: float, first_id: int
) -> list[Actor]:
    """Someone walks up to the door, sets a parcel down, and walks back out."""
    f = layouts.facade_layout(spec.width, spec.height)
    from_left = bool(rng.random() < 0.5)
    side = -1.0 if from_left else 1.0
    door_depth = f.wall_depth + 0.035
    out_depth = door_depth + 0.12
    edge = 0.5 + side * (0.5 + 0.3 * out_depth * spec.height / spec.width)
    stop = f.door_x + side * f.door_half_width * 1.3
    speed = float(rng.uniform(*WALK_SPEED)) * door_depth * spec.height / spec.width
    arrive = start + abs(edge - stop) / speed
    leave = arrive + 2.6
    path = [
        Waypoint(start, edge, out_depth),
        Waypoint(arrive, stop, door_depth),
        Waypoint(leave, stop, door_depth),
        Waypoint(leave + abs(edge - stop) / speed, edge, out_depth),
    ]
    carrier = _walker(first_id, view, rng, path)
    parcel_x = stop - side * 0.16 * door_depth * spec.height / spec.width
    parcel = Parcel(first_id + 1, view, parcel_x, door_depth - 0.01, arrive + 1.0)
    return [carrier, parcel]


def porch(spec: SceneSpec) -> Stage:
    """A house front: people pass near and far; one of them leaves a parcel at the door."""
    view = spec.view(layouts.FACADE_HORIZON)
    script = spec.rng("script")
    delivery_at = min(0.2 * spec.duration, 6.0)
    delivery = _delivery(spec, view, script, delivery_at, first_id=1)
    # Passers-by keep out of the delivery's way, so the carrier is seen clearly.
    errand = (delivery_at - 0.5, delivery_at + 10.0)
    depths = ((0.3, 0.4), (0.42, 0.68))
    actors = delivery + _passers_by(spec, view, script, depths, (0.5, 3.0), 3, quiet=errand)

    def scenery() -> Scenery:
        image = layouts.paint_facade(spec.rng("texture"), spec.width, spec.height)
        return Scenery(StillBackdrop(image), spec.noise(DAY_NOISE))

    return Stage(view, actors, scenery)


def driveway(spec: SceneSpec) -> Stage:
    """A car pulls in and parks; its driver walks off; people pass; a car drives by."""
    d = layouts.Driveway()
    view = spec.view(d.horizon)
    script = spec.rng("script")
    aspect = spec.height / spec.width
    arrive = float(script.uniform(0.3, 1.0))
    park_x, enter_x = 0.4, -1.4 * d.parking_depth * aspect
    speed = 2.9 * d.parking_depth * aspect  # ~5 m/s, in frame widths per second
    brake = 2 * (park_x - enter_x) / speed  # decelerating evenly to a stop
    approach = [
        Waypoint(
            arrive + u * brake, enter_x + (park_x - enter_x) * (1 - (1 - u) ** 2), d.parking_depth
        )
        for u in np.linspace(0.0, 1.0, 12)
    ]
    out_at = arrive + brake + 1.5
    # The driver steps out on the near side and walks off towards the house (right).
    driver = [
        Waypoint(out_at, park_x + 0.3 * d.parking_depth * aspect, d.parking_depth + 0.05),
        Waypoint(out_at + 5.0, 1.0 + 0.3 * 0.5 * aspect, 0.5),
    ]
    through_at = 0.55 * spec.duration
    through_x = 1.4 * d.street_depth * aspect
    street_speed = 5.0 * d.street_depth * aspect  # ~9 m/s
    through = [
        Waypoint(through_at, 1.0 + through_x, d.street_depth),
        Waypoint(through_at + (1 + 2 * through_x) / street_speed, -through_x, d.street_depth),
    ]
    actors: list[Actor] = [
        Car(
            1,
            view,
            [*approach, Waypoint(spec.duration + 1.0, park_x, d.parking_depth)],
            random_car(script),
        ),
        _walker(2, view, script, driver),
        Car(3, view, through, random_car(script)),
    ]
    for start in (max(out_at + 5.0, 0.3 * spec.duration), 0.75 * spec.duration):
        depth = d.sidewalk_depth + float(script.uniform(-0.03, 0.03))
        speed = float(script.uniform(*WALK_SPEED))
        path = _crossing(spec, script, start, depth, bool(script.random() < 0.5), speed)
        actors.append(_walker(len(actors) + 1, view, script, path))

    def scenery() -> Scenery:
        image = layouts.paint_driveway(spec.rng("texture"), spec.width, spec.height)
        return Scenery(StillBackdrop(image), spec.noise(DAY_NOISE))

    return Stage(view, actors, scenery)


def lighting(spec: SceneSpec) -> Stage:
    """No objects: a cloud's shadow sweeps over, a lamp switches on, then dusk falls."""
    view = spec.view(layouts.FACADE_HORIZON)
    t = view.times / max(spec.duration, 1e-9)
    sweep = np.clip((t - 0.05) / 0.35, 0.0, 1.0)
    offset = np.rint(sweep * 2 * spec.width)
    lights_on = t >= 0.45
    gain = np.where(lights_on, 1.0, 0.82) * (1.0 - 0.4 * np.clip((t - 0.6) / 0.3, 0.0, 1.0))

    def scenery() -> Scenery:
        rng = spec.rng("texture")
        image = layouts.paint_facade(rng, spec.width, spec.height)
        f = layouts.facade_layout(spec.width, spec.height)
        backdrop = LitBackdrop(
            image,
            cloud_shadow(rng, spec.width, spec.height, darkness=0.45),
            offset,
            gain,
            lamp_glow(spec.width, spec.height, f.lamp[0], f.lamp[1], 70.0),
            lights_on,
        )
        return Scenery(backdrop, spec.noise(DAY_NOISE))

    return Stage(view, [], scenery)


def _plants(spec: SceneSpec) -> list[SwayingPlant]:
    rng = spec.rng("plants")
    w, h, fps = spec.width, spec.height, spec.fps
    wall = int(layouts.FACADE_WALL_BASE * h)
    plants = []
    for x0, x1, top in ((0.0, 0.22, 0.16), (0.78, 1.0, 0.2)):
        size = (int((x1 - x0) * w), int(top * h))
        sprite = leafy_sprite(rng, *size, "bottom")
        plants.append(
            SwayingPlant(
                sprite,
                int(x0 * w),
                wall - size[1] + int(0.06 * h),
                "bottom",
                0.012 * h,
                float(rng.uniform(2.5, 4.0)),
                fps,
                rng,
            )
        )
    size = (int(0.3 * w), int(0.4 * h))
    branch = leafy_sprite(rng, *size, "top")
    plants.append(SwayingPlant(branch, int(0.62 * w), 0, "top", 0.03 * h, 3.2, fps, rng))
    return plants


def foliage(spec: SceneSpec) -> Stage:
    """No objects: bushes and an overhanging branch sway in the wind."""
    view = spec.view(layouts.FACADE_HORIZON)
    plants = _plants(spec)

    def scenery() -> Scenery:
        image = layouts.paint_facade(spec.rng("texture"), spec.width, spec.height)
        return Scenery(StillBackdrop(image), spec.noise(DAY_NOISE), layers=plants)

    regions = [p.region(spec.width, spec.height) for p in plants]
    return Stage(view, [], scenery, regions)


def night(spec: SceneSpec) -> Stage:
    """The house front by infrared light: grey, flat, vignetted, noisy; people pass."""
    view = spec.view(layouts.FACADE_HORIZON)
    script = spec.rng("script")
    actors = _passers_by(spec, view, script, ((0.38, 0.62),), (2.0, 6.0), 1, grey=True)

    def scenery() -> Scenery:
        image = infrared(layouts.paint_facade(spec.rng("texture"), spec.width, spec.height))
        vignette = Vignette(radial_falloff(spec.width, spec.height, edge=0.4, centre_y=0.6))
        return Scenery(StillBackdrop(image), spec.noise(NIGHT_NOISE, mono=True), finish=[vignette])

    return Stage(view, actors, scenery)


def _traffic(
    spec: SceneSpec,
    view: View,
    rng: np.random.Generator,
    depth: float,
    leftwards: bool,
    gap: tuple[float, float],
    first_id: int,
) -> list[Actor]:
    """Cars along one lane, one after another until the video ends, at 5 to 11 m/s
    (3 to 6 standard heights per second)."""
    aspect = spec.height / spec.width
    margin = 1.4 * depth * aspect  # half a car's length and some, in frame widths
    x0, x1 = -margin, 1.0 + margin
    if leftwards:
        x0, x1 = x1, x0
    cars: list[Actor] = []
    t = float(rng.uniform(0.0, gap[1]))
    while t < spec.duration - 1.0:
        speed = float(rng.uniform(3.0, 6.0)) * depth * aspect  # frame widths per second
        seconds = abs(x1 - x0) / speed
        path = [Waypoint(t, x0, depth), Waypoint(t + seconds, x1, depth)]
        cars.append(Car(first_id + len(cars), view, path, random_car(rng)))
        # The next car keeps its distance: it enters once this one is well on its way.
        t += 0.6 * seconds + float(rng.uniform(*gap))
    return cars


def street(spec: SceneSpec) -> Stage:
    """A busy street seen from a front yard: people walk both ways along the sidewalk
    and the footpath, usually several at once, and cars pass in both lanes."""
    s = layouts.Street()
    view = spec.view(s.horizon)
    script = spec.rng("script")
    actors: list[Actor] = []
    for depth, leftwards, gap in ((s.far_lane, True, (0.3, 2.5)), (s.near_lane, False, (0.5, 3.0))):
        actors += _traffic(spec, view, script, depth, leftwards, gap, len(actors) + 1)
    for depths in ((s.sidewalk,), (s.sidewalk,), (s.footpath,)):
        actors += _passers_by(spec, view, script, depths, (0.0, 1.5), len(actors) + 1)

    def scenery() -> Scenery:
        image = layouts.paint_street(spec.rng("texture"), spec.width, spec.height)
        return Scenery(StillBackdrop(image), spec.noise(DAY_NOISE))

    return Stage(view, actors, scenery)


RECIPES: dict[str, Callable[[SceneSpec], Stage]] = {
    "porch": porch,
    "driveway": driveway,
    "lighting": lighting,
    "foliage": foliage,
    "night": night,
    "street": street,
}
