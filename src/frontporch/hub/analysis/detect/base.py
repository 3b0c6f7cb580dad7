"""What every object detector gives the rest of the hub: `Detection`, `Detector`, `DetectorError`.

A detector looks only at the parts of a frame where motion was seen (the *regions*),
which is what keeps analysis cheap on a small home machine: a quiet porch costs nothing
and a person walking by costs one small crop. Detectors are duck-typed through the
`Detector` protocol, so a test of the tracker or the event logic can pass any object
with a `labels` set and a `detect` method — no subclassing, no model files.

Re-checks. The tracker also asks for objects it already follows, where it expects them
(`Recheck`). A detector that can use the known size of such an object, and search only
around it, implements `RecheckingDetector`; `detect_with_rechecks` calls it, and hands
any other detector the re-check areas as plain regions.

Hazard: boxes are always in pixels of the frame passed to `detect`, never of a crop or
of the model's input; each detector maps its results back before returning them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from frontporch.hub.analysis.geometry import Box


class DetectorError(Exception):
    """A detector cannot be built or run: a model file missing, corrupt or of a layout
    we do not understand. The message names the file and says what to fix."""


@dataclass(frozen=True, slots=True)
class Detection:
    """One object found in a frame: its label, a score in 0..1, and its box in frame pixels."""

    label: str
    score: float
    box: Box


class Detector(Protocol):
    """Finds labelled objects inside motion regions of a frame."""

    labels: frozenset[str]
    """Every label this detector can produce."""

    def detect(self, frame: np.ndarray, regions: Sequence[Box]) -> list[Detection]:
        """Detect objects in `regions` of `frame`.

        `frame` is BGR uint8, H×W×3, at the camera's detect size; `regions` are motion
        boxes in that frame. Returns detections in frame coordinates, with duplicates
        from overlapping regions removed (non-maximum suppression per label).
        """
        ...


@dataclass(frozen=True, slots=True)
class Recheck:
    """A tracked object looked for again: `expected` is its predicted box (so its size is
    known), `area` the part of the frame it should be found in."""

    label: str
    expected: Box
    area: Box


@runtime_checkable
class RecheckingDetector(Detector, Protocol):
    """A detector that searches for known objects more cheaply than for unknown ones."""

    def detect_rechecked(
        self, frame: np.ndarray, regions: Sequence[Box], rechecks: Sequence[Recheck]
    ) -> list[Detection]:
        """`detect` on `regions`, plus each re-checked object looked for in its `area` at
        about its `expected` size; one list, duplicates removed as in `detect`."""
        ...


def detect_with_rechecks(
    detector: Detector, frame: np.ndarray, regions: Sequence[Box], rechecks: Sequence[Recheck]
) -> list[Detection]:
    """Detections in `regions` and for `rechecks`; a detector that cannot use what a
    re-check knows is simply given its area as one more region."""
    if rechecks and isinstance(detector, RecheckingDetector):
        return detector.detect_rechecked(frame, regions, rechecks)
    return detector.detect(frame, [*regions, *(r.area for r in rechecks)])
