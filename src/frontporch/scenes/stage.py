"""A scene's moving parts put together: backdrop, layers, actors, sensor noise.

`Stage` holds what ground truth needs (the view and the actors) and a factory for the
`Scenery` (textures, noise tiles), which costs time and memory and is built only when
frames are drawn. Each frame is: backdrop → layers (foliage) → actors, far to near →
finishing effects (vignette) → sensor noise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from frontporch.hub.analysis.geometry import Point
from frontporch.scenes.actors import Actor, View
from frontporch.scenes.camera import SensorNoise
from frontporch.scenes.truth import FrameObject, SceneTruth, visible_box, visits_from_boxes


class Backdrop(Protocol):
    def frame(self, index: int) -> np.ndarray:
        """A new BGR image of the empty scene at frame `index`, free to draw on."""
        ...


class Layer(Protocol):
    def draw(self, frame: np.ndarray, index: int) -> None:
        """Draw into `frame` (in place) for frame `index`."""
        ...


class StillBackdrop:
    """A backdrop that does not change."""

    def __init__(self, image: np.ndarray) -> None:
        self.image = image

    def frame(self, index: int) -> np.ndarray:
        return self.image.copy()


@dataclass
class Scenery:
    """The expensive, pixel-level part of a scene."""

    backdrop: Backdrop
    noise: SensorNoise
    layers: Sequence[Layer] = ()
    """Drawn over the backdrop, behind every actor (foliage)."""
    finish: Sequence[Layer] = ()
    """Applied to the whole picture after the actors (vignette)."""


@dataclass
class Stage:
    """A scene recipe's result: everything needed for truth, and scenery on demand."""

    view: View
    actors: Sequence[Actor]
    scenery: Callable[[], Scenery]
    foliage_regions: Sequence[Sequence[Point]] = field(default_factory=list)

    def frames(self) -> Iterator[np.ndarray]:
        """BGR uint8 frames, drawn one at a time."""
        scenery = self.scenery()
        for index in range(self.view.frames):
            frame = scenery.backdrop.frame(index)
            for layer in scenery.layers:
                layer.draw(frame, index)
            for actor in sorted(self.actors, key=lambda a: a.depth(index)):
                actor.draw(frame, index)
            for effect in scenery.finish:
                effect.draw(frame, index)
            scenery.noise.draw(frame, index)
            yield frame

    def truth(self, scene: str, fps: float, duration: float, seed: int) -> SceneTruth:
        """The ground truth, computed from geometry alone."""
        boxes = tuple(self._listed(index) for index in range(self.view.frames))
        return SceneTruth(
            scene=scene,
            width=self.view.width,
            height=self.view.height,
            fps=fps,
            duration=duration,
            seed=seed,
            visits=visits_from_boxes(boxes, fps),
            boxes=boxes,
            foliage_regions=tuple(tuple(p) for p in self.foliage_regions),
        )

    def _listed(self, index: int) -> tuple[FrameObject, ...]:
        listed = []
        for actor in self.actors:
            box = actor.box(index)
            seen = None if box is None else visible_box(box, self.view.width, self.view.height)
            if seen is not None:
                listed.append(FrameObject(actor.object_id, actor.label, seen))
        return tuple(listed)
