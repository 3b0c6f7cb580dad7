"""Motion at different detect sizes, and the shortcut for objects already being followed.

A motion pixel averages a bounded sample of its block of the frame, so that a 1280x720
frame costs what a 640x360 one does; these tests check that the sample still behaves
like the whole block would: the same boxes at both sizes, noise still ignored. A region
mostly inside last frame's boxes skips the lighting checks; after a recalibration there
are no such boxes to trust.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from frontporch.hub.analysis.geometry import Box
from frontporch.hub.analysis.motion import CALIBRATION_FRAMES, RECHECK_EVERY, MotionDetector
from frontporch.hub.config import MotionConfig

BIG = (1280, 720)
SMALL = (640, 360)


def ground(size: tuple[int, int], seed: int = 3) -> np.ndarray:
    """Gravel-like texture (std 35 around 120) at `size`, the same scene at every size."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 1, (180, 320)).astype(np.float32)
    texture = cv2.resize(cv2.GaussianBlur(base, (0, 0), 1.5), size, interpolation=cv2.INTER_CUBIC)
    result: np.ndarray = texture / texture.std() * 35 + 120
    return result


def camera(image: np.ndarray, i: int, sigma: float = 6) -> np.ndarray:
    """`image` with fresh sensor noise on every pixel, as 8-bit."""
    noise = np.random.default_rng(1000 + i).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def figure_at(i: int) -> tuple[float, float, float, float]:
    """A person-sized figure walking right, in relative coordinates (x1, y1, x2, y2)."""
    x = 0.1 + 0.012 * i
    return x, 0.35, x + 0.07, 0.8


def scene(size: tuple[int, int], i: int, base: np.ndarray) -> np.ndarray:
    width, height = size
    frame = base.copy()
    if i > 0:
        x1, y1, x2, y2 = figure_at(i)
        frame[round(y1 * height) : round(y2 * height), round(x1 * width) : round(x2 * width)] = 50
    return frame


def relative(boxes: list[Box], size: tuple[int, int]) -> list[Box]:
    width, height = size
    return [Box(b.x1 / width, b.y1 / height, b.x2 / width, b.y2 / height) for b in boxes]


def test_a_figure_gives_the_same_boxes_at_1280x720_and_640x360() -> None:
    big_ground = ground(BIG)
    big = MotionDetector(MotionConfig(), BIG)
    small = MotionDetector(MotionConfig(), SMALL)
    compared = 0
    for i in range(40):
        big_frame = camera(scene(BIG, i, big_ground), i)
        # the substream a camera would send: the same picture, scaled down
        small_frame = np.asarray(
            cv2.resize(big_frame, SMALL, interpolation=cv2.INTER_AREA), np.uint8
        )
        big_boxes = relative(big.detect(big_frame), BIG)
        small_boxes = relative(small.detect(small_frame), SMALL)
        if i == 0:
            continue
        assert len(big_boxes) == len(small_boxes) == 1, (i, big_boxes, small_boxes)
        b, s = big_boxes[0], small_boxes[0]
        # the two sizes average different pixels of each block (a 6-pixel block its
        # centre, a 3-pixel one two spread rows and columns), and a figure's trailing
        # edge is where the background is half learnt: allow three motion pixels
        slack = 3 / 120
        for edge_big, edge_small in zip(
            (b.x1, b.y1, b.x2, b.y2), (s.x1, s.y1, s.x2, s.y2), strict=True
        ):
            assert abs(edge_big - edge_small) <= slack, (i, b, s)
        x1, y1, x2, _ = figure_at(i)
        assert b.x1 <= x1 + slack
        assert b.x2 >= x2 - slack
        assert b.y1 <= y1 + slack
        compared += 1
    assert compared == 39


def test_sensor_noise_alone_is_not_motion_at_1280x720() -> None:
    base = ground(BIG)
    detector = MotionDetector(MotionConfig(), BIG)
    for i in range(150):
        assert detector.detect(camera(base, i, sigma=8)) == [], i


def glow(size: tuple[int, int], centre: tuple[float, float], strength: float) -> np.ndarray:
    """A soft round glow (a lamp's light on the ground) at a relative centre."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    cx, cy = centre[0] * width, centre[1] * height
    spread = 0.025 * width
    result: np.ndarray = strength * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * spread**2))
    return result


@pytest.mark.parametrize("walked", range(12, 12 + RECHECK_EVERY))
def test_after_recalibrating_no_region_is_taken_for_last_frames_object(walked: int) -> None:
    # every phase of the periodic full check: none of them may hide the glow below
    base = ground(SMALL)
    detector = MotionDetector(MotionConfig(), SMALL)
    for i in range(walked):
        boxes = detector.detect(camera(scene(SMALL, i, base), i))
    assert boxes, "the figure is seen before the light changes"
    x1, y1, x2, y2 = figure_at(walked - 1)
    # the whole scene brightens (a recalibration), the figure has gone, and a soft glow
    # appears where it last stood: light, to be judged as such, not a known object
    brighter = base + 50
    lit = brighter + glow(SMALL, ((x1 + x2) / 2, (y1 + y2) / 2), 70)
    for i in range(walked, walked + CALIBRATION_FRAMES):
        assert detector.detect(camera(brighter, i)) == [], i
    assert not detector.calibrating
    for i in range(walked + CALIBRATION_FRAMES, walked + 2 * RECHECK_EVERY + 4):
        assert detector.detect(camera(lit, i)) == [], i


def test_a_glow_beside_a_walking_figure_is_still_judged_as_light() -> None:
    base = ground(SMALL)
    detector = MotionDetector(MotionConfig(), SMALL)
    for i in range(10):
        detector.detect(camera(scene(SMALL, i, base), i))
    # a lamp comes on a little way behind the figure while it walks on: the glow is a
    # region of its own, near last frame's box but not inside it, and is never reported
    x1, y1, _, y2 = figure_at(10)
    lamp = glow(SMALL, (x1 - 0.12, (y1 + y2) / 2), 70)
    for i in range(10, 30):
        boxes = detector.detect(camera(scene(SMALL, i, base) + lamp * min((i - 9) / 4, 1), i))
        left = figure_at(i)[0]
        for box in relative(boxes, SMALL):
            assert box.x2 > left - 0.02, (i, box, "a box left of the figure: the glow")
