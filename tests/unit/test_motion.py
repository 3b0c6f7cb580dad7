"""Motion detection on synthetic scenes: textured ground, sensor noise, lights, shadows."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from frontporch.hub.analysis.geometry import Box
from frontporch.hub.analysis.motion import CALIBRATION_FRAMES, MotionDetector
from frontporch.hub.config import MotionConfig

WIDTH, HEIGHT = 640, 360
Scene = Callable[[int], np.ndarray]


def textured_ground(seed: int = 1) -> np.ndarray:
    """Gravel-like texture: smoothed noise, mean 120, contrast (std) 35 levels."""
    rng = np.random.default_rng(seed)
    texture = cv2.GaussianBlur(rng.normal(0, 1, (HEIGHT, WIDTH)).astype(np.float32), (0, 0), 3)
    ground: np.ndarray = texture / texture.std() * 35 + 120
    return ground


GROUND = textured_ground()
NOISE = [
    np.random.default_rng(100 + i).normal(0, 7, (HEIGHT, WIDTH)).astype(np.float32)
    for i in range(16)
]


def noisy(image: np.ndarray, i: int) -> np.ndarray:
    """`image` as a camera would deliver it: sensor noise (sigma 7) and 8-bit."""
    return np.clip(image + NOISE[i % len(NOISE)], 0, 255).astype(np.uint8)


def run(scene: Scene, frames: int, config: MotionConfig | None = None) -> list[list[Box]]:
    detector = MotionDetector(config or MotionConfig(), (WIDTH, HEIGHT))
    return [detector.detect(noisy(scene(i), i)) for i in range(frames)]


def frames_with_motion(results: Iterable[list[Box]]) -> list[int]:
    return [i for i, boxes in enumerate(results) if boxes]


def walker(i: int, y: int = 150, x0: int = 40, speed: int = 6) -> tuple[int, int, int, int]:
    """A person-sized 40×150 figure walking right: (x1, y1, x2, y2) in frame i."""
    x = x0 + i * speed
    return x, y, x + 40, y + 150


def with_walker(i: int, base: np.ndarray = GROUND, shade: int = 60) -> np.ndarray:
    """The figure on `base`, except in frame 0: the background is learnt from empty ground."""
    if i == 0:
        return base
    x1, y1, x2, y2 = walker(i)
    frame = base.copy()
    frame[y1:y2, x1:x2] = shade
    return frame


def covered(target: tuple[int, int, int, int], boxes: list[Box], slack: float = 6) -> bool:
    x1, y1, x2, y2 = target
    return any(
        b.x1 - slack <= x1 and b.y1 - slack <= y1 and b.x2 + slack >= x2 and b.y2 + slack >= y2
        for b in boxes
    )


def test_first_frame_only_learns_the_background() -> None:
    detector = MotionDetector(MotionConfig(), (WIDTH, HEIGHT))
    assert detector.calibrating
    assert detector.detect(noisy(with_walker(1), 0)) == []
    assert not detector.calibrating


def test_a_walking_figure_is_boxed_in_every_frame() -> None:
    results = run(with_walker, 80)
    for i in range(1, 80):
        assert covered(walker(i), results[i]), (i, results[i])


def test_motion_fraction_reports_how_much_moved() -> None:
    detector = MotionDetector(MotionConfig(), (WIDTH, HEIGHT))
    for i in range(5):
        detector.detect(noisy(with_walker(i), i))
    figure_share = 40 * 150 / (WIDTH * HEIGHT)
    assert figure_share / 2 < detector.motion_fraction < figure_share * 2


@pytest.mark.parametrize("sigma", [5, 8])
def test_sensor_noise_alone_is_not_motion(sigma: float) -> None:
    rng = np.random.default_rng(7)
    detector = MotionDetector(MotionConfig(), (WIDTH, HEIGHT))
    pool = [rng.normal(0, sigma, (HEIGHT, WIDTH)).astype(np.float32) for _ in range(8)]
    for i in range(400):
        frame = np.clip(GROUND + pool[i % 8] + rng.normal(0, 1), 0, 255).astype(np.uint8)
        assert detector.detect(frame) == [], i


@pytest.mark.parametrize("step", [60, -40])
def test_a_sudden_light_change_recalibrates_without_motion(step: int) -> None:
    detector = MotionDetector(MotionConfig(), (WIDTH, HEIGHT))
    for i in range(120):
        frame = noisy(GROUND + (step if i >= 50 else 0), i)
        assert detector.detect(frame) == [], i
        if i == 50:
            assert detector.calibrating


def test_a_lamp_switching_on_in_a_dim_scene_recalibrates_without_motion() -> None:
    dim = GROUND * 0.6  # few pixels change by `threshold`, but the whole frame shifts
    detector = MotionDetector(MotionConfig(), (WIDTH, HEIGHT))
    for i in range(60):
        assert detector.detect(noisy(dim * (1.3 if i >= 30 else 1.0), i)) == [], i


def test_a_soft_glow_on_a_plain_wall_is_not_motion() -> None:
    wall = np.full((HEIGHT, WIDTH), 90.0, np.float32)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    glow = 70 * np.exp(-((xx - 320.0) ** 2 + (yy - 120.0) ** 2) / (2 * 90.0**2))
    assert frames_with_motion(run(lambda i: wall + glow * min(i / 10, 1.0), 40)) == []


def test_motion_is_seen_again_once_recalibrated() -> None:
    detector = MotionDetector(MotionConfig(), (WIDTH, HEIGHT))
    for i in range(20):
        detector.detect(noisy(GROUND, i))
    brighter = GROUND + 50
    for i in range(20, 20 + CALIBRATION_FRAMES + 1):
        assert detector.detect(noisy(brighter, i)) == []
    boxes = [detector.detect(noisy(with_walker(i, brighter), i)) for i in range(30, 40)]
    assert covered(walker(39), boxes[-1])


@pytest.mark.parametrize(
    "scene",
    [
        pytest.param(lambda i: GROUND + min(i, 120) * 0.8, id="brighter by 96 over 24 s"),
        pytest.param(lambda i: GROUND * (1 - min(i, 120) * 0.004), id="dusk: half the light"),
    ],
)
def test_a_gradual_light_change_is_absorbed(scene: Scene) -> None:
    assert frames_with_motion(run(scene, 160)) == []


def cloud_shadow(i: int, speed: int = 5, soft: int = 60, depth: float = 0.65) -> np.ndarray:
    """A 300-pixel-wide cloud shadow with soft edges sweeping across from the left."""
    x = np.arange(WIDTH, dtype=np.float32)
    left = -300 + i * speed
    inside = np.clip((x - left) / soft, 0, 1) * np.clip((left + 300 - x) / soft, 0, 1)
    return GROUND * (1 - (1 - depth) * inside)[None, :]


@pytest.mark.parametrize(
    ("speed", "soft", "depth"),
    [
        pytest.param(3, 60, 0.65, id="slow, soft, a third darker"),
        pytest.param(5, 60, 0.65, id="soft, a third darker"),
        pytest.param(8, 30, 0.5, id="fast, half as bright"),
        pytest.param(5, 2, 0.6, id="hard edge"),
    ],
)
def test_a_sweeping_cloud_shadow_is_not_motion(speed: int, soft: int, depth: float) -> None:
    frames = (WIDTH + 300) // speed + 10
    scene = run(lambda i: cloud_shadow(i, speed, soft, depth), frames)
    assert frames_with_motion(scene) == []


def test_a_figure_walking_under_a_standing_shadow_is_still_seen() -> None:
    shaded = cloud_shadow(60)  # the shadow now covers the left half and stays there
    detector = MotionDetector(MotionConfig(), (WIDTH, HEIGHT))
    for i in range(30):
        detector.detect(noisy(shaded, i))
    # light clothes: dark ones would barely differ from the shaded ground
    results = [detector.detect(noisy(with_walker(i, shaded, 200), i)) for i in range(30)]
    assert all(covered(walker(i), results[i]) for i in range(1, 30))


LEFT_HALF = [(0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)]


def test_motion_inside_a_mask_is_ignored() -> None:
    config = MotionConfig(mask=[LEFT_HALF])
    # walker(i) stays within x < 300 for the first 40 frames: entirely in the mask
    assert frames_with_motion(run(with_walker, 40, config)) == []


def test_the_same_motion_outside_the_mask_is_reported() -> None:
    config = MotionConfig(mask=[[(0.6, 0.0), (1.0, 0.0), (1.0, 1.0), (0.6, 1.0)]])
    results = run(with_walker, 40, config)
    assert all(covered(walker(i), results[i]) for i in range(2, 40))


def test_small_changes_below_min_area_are_dropped() -> None:
    def speck(i: int) -> np.ndarray:
        frame = GROUND.copy()
        frame[100:106, 100 + i : 106 + i] = 250
        return frame

    assert frames_with_motion(run(speck, 30)) == []
    assert frames_with_motion(run(speck, 30, MotionConfig(min_area=0.0)))


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        (np.zeros((HEIGHT, WIDTH, 3), np.uint8), "shape"),
        (np.zeros((WIDTH, HEIGHT), np.uint8), "640x360"),
        (np.zeros((HEIGHT, WIDTH), np.float32), "uint8"),
        ([[0] * WIDTH] * HEIGHT, "uint8"),
    ],
)
def test_a_wrong_frame_is_refused_clearly(frame: np.ndarray, says: str) -> None:
    detector = MotionDetector(MotionConfig(), (WIDTH, HEIGHT))
    with pytest.raises(ValueError, match=says):
        detector.detect(frame)


@settings(max_examples=40, deadline=None)
@given(
    frames=st.lists(arrays(np.uint8, (48, 80)), min_size=1, max_size=4),
    threshold=st.integers(1, 255),
    min_area=st.floats(0, 0.05),
)
def test_any_frames_give_boxes_inside_the_frame(
    frames: list[np.ndarray], threshold: int, min_area: float
) -> None:
    detector = MotionDetector(
        MotionConfig(frame_height=40, threshold=threshold, min_area=min_area), (80, 48)
    )
    for frame in frames:
        for box in detector.detect(frame):
            assert 0 <= box.x1 < box.x2 <= 80
            assert 0 <= box.y1 < box.y2 <= 48
