"""Planning detection regions from motion boxes, crop mappings, and NMS."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from frontporch.hub.analysis.detect.base import Detection
from frontporch.hub.analysis.detect.regions import (
    CropMapping,
    RegionPolicy,
    crop,
    letterbox_mapping,
    nms_indices,
    non_max_suppression,
    plan_regions,
    suppress_nested,
)
from frontporch.hub.analysis.geometry import Box

W, H = 640, 360
PLAIN = RegionPolicy(margin=0.0, min_margin=0.0, join_gap=0.0, min_size=1.0, max_regions=10)


def inside_frame(box: Box) -> bool:
    return 0 <= box.x1 < box.x2 <= W and 0 <= box.y1 < box.y2 <= H


def test_no_motion_gives_no_regions() -> None:
    assert plan_regions([], W, H, RegionPolicy()) == []


def test_empty_and_out_of_frame_boxes_are_dropped() -> None:
    boxes = [Box(10, 10, 10, 50), Box(700, 10, 800, 50), Box(-50, -50, -10, -10)]
    assert plan_regions(boxes, W, H, RegionPolicy()) == []


def test_margin_is_relative_with_a_pixel_floor() -> None:
    policy = RegionPolicy(margin=0.1, min_margin=5.0, join_gap=0.0, min_size=1.0)
    [big] = plan_regions([Box(100, 100, 300, 200)], W, H, policy)
    assert big == Box(80, 80, 320, 220)  # 10 % of the longer side (200)
    [small] = plan_regions([Box(100, 100, 120, 110)], W, H, policy)
    assert small == Box(95, 95, 125, 115)  # 10 % of 20 is under the 5 px floor


def test_overlapping_and_nearby_boxes_merge_but_distant_ones_do_not() -> None:
    policy = RegionPolicy(margin=0.0, min_margin=0.0, join_gap=10.0, min_size=1.0)
    boxes = [Box(10, 10, 50, 50), Box(40, 40, 80, 80), Box(88, 10, 120, 40), Box(300, 10, 340, 40)]
    regions = plan_regions(boxes, W, H, policy)
    assert sorted(regions, key=lambda b: b.x1) == [Box(10, 10, 120, 80), Box(300, 10, 340, 40)]


def test_minimum_size_grows_about_the_centre() -> None:
    policy = RegionPolicy(margin=0.0, min_margin=0.0, min_size=64.0)
    [region] = plan_regions([Box(300, 150, 310, 170)], W, H, policy)
    assert region == Box(273, 128, 337, 192)


def test_regions_slide_into_the_frame_keeping_their_size() -> None:
    policy = RegionPolicy(margin=0.0, min_margin=0.0, min_size=100.0)
    [corner] = plan_regions([Box(0, 0, 10, 10)], W, H, policy)
    assert corner == Box(0, 0, 100, 100)
    [far] = plan_regions([Box(630, 350, 640, 360)], W, H, policy)
    assert far == Box(540, 260, 640, 360)


def test_a_side_longer_than_the_frame_becomes_the_frame_side() -> None:
    policy = RegionPolicy(margin=0.0, min_margin=0.0, min_size=500.0)
    [region] = plan_regions([Box(300, 150, 310, 170)], W, H, policy)
    assert region == Box(55, 0, 555, 360)


@pytest.mark.parametrize("motion", [Box(300, 100, 320, 300), Box(100, 170, 500, 190)])
def test_max_aspect_makes_regions_square_ish(motion: Box) -> None:
    policy = RegionPolicy(margin=0.0, min_margin=0.0, min_size=1.0, max_aspect=1.25)
    [region] = plan_regions([motion], W, H, policy)
    long, short = max(region.width, region.height), min(region.width, region.height)
    assert long / short == pytest.approx(1.25)
    assert region.center == pytest.approx(motion.center)
    assert region.union(motion) == region


def test_aspect_gives_way_to_the_frame() -> None:
    policy = RegionPolicy(margin=0.0, min_margin=0.0, min_size=1.0, max_aspect=1.0)
    [region] = plan_regions([Box(0, 100, 640, 120)], W, H, policy)
    assert region == Box(0, 0, 640, 360)


def test_regions_that_grow_into_each_other_are_merged() -> None:
    # Apart as motion boxes, but the minimum size makes them overlap.
    policy = RegionPolicy(margin=0.0, min_margin=0.0, join_gap=0.0, min_size=80.0)
    regions = plan_regions([Box(100, 100, 110, 110), Box(150, 100, 160, 110)], W, H, policy)
    assert len(regions) == 1
    assert regions[0].union(Box(100, 100, 160, 110)) == regions[0]


def test_the_cap_merges_the_smallest_region_into_its_nearest_neighbour() -> None:
    policy = RegionPolicy(margin=0.0, min_margin=0.0, join_gap=0.0, min_size=1.0, max_regions=2)
    big_left, big_right = Box(0, 0, 200, 200), Box(440, 0, 640, 200)
    small_near_right = Box(400, 300, 410, 310)
    regions = plan_regions([big_left, big_right, small_near_right], W, H, policy)
    assert sorted(regions, key=lambda b: b.x1) == [big_left, Box(400, 0, 640, 310)]


def test_plan_invariants_hold_for_many_random_layouts() -> None:
    rng = np.random.default_rng(7)
    policy = RegionPolicy(margin=0.2, min_margin=4.0, join_gap=12.0, min_size=48.0, max_aspect=1.5)
    for _ in range(200):
        boxes = []
        for _ in range(rng.integers(1, 12)):
            x, y = rng.uniform(-20, W), rng.uniform(-20, H)
            boxes.append(Box(x, y, x + rng.uniform(1, 200), y + rng.uniform(1, 150)))
        regions = plan_regions(boxes, W, H, policy)
        assert 1 <= len(regions) <= policy.max_regions
        assert all(inside_frame(r) for r in regions)
        for a, b in itertools.combinations(regions, 2):
            assert a.expand(policy.join_gap / 2).intersection(b.expand(policy.join_gap / 2)) == 0
        for box in boxes:  # all motion inside the frame is covered by some region
            visible = box.clip(W, H)
            covered = sum(r.intersection(visible) for r in regions)
            assert covered >= visible.area - 1e-6


def test_crop_returns_the_region_pixels_and_origin() -> None:
    frame = np.arange(H * W * 3, dtype=np.uint32).reshape(H, W, 3)
    pixels, x0, y0 = crop(frame, Box(10.4, 20.6, 30.2, 40))
    assert (x0, y0) == (10, 21)
    assert pixels.shape == (19, 20, 3)
    assert np.array_equal(pixels, frame[21:40, 10:30])
    _, x0, y0 = crop(frame, Box(-5, -5, 20, 20))
    assert (x0, y0) == (0, 0)


def test_crop_mapping_round_trips() -> None:
    mapping = CropMapping(x0=100, y0=50, scale_x=2.0, scale_y=0.5, pad_x=8, pad_y=3)
    box = Box(110, 60, 150, 100)
    assert mapping.to_input(box) == Box(28, 8, 108, 28)
    assert mapping.to_frame(mapping.to_input(box)) == box


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((200, 100), CropMapping(40, 30, 3.2, 3.2, 0, 160)),
        ((100, 200), CropMapping(40, 30, 3.2, 3.2, 160, 0)),
        ((640, 640), CropMapping(40, 30, 1.0, 1.0, 0, 0)),
        ((1280, 960), CropMapping(40, 30, 0.5, 0.5, 0, 80)),
        # 333 px scale by 640/333; the height lands on a whole 192 px, scaled by 1.92.
        ((333, 100), CropMapping(40, 30, 640 / 333, 1.92, 0, 224)),
    ],
)
def test_letterbox_mapping_fits_and_centres(size: tuple[int, int], expected: CropMapping) -> None:
    width, height = size
    mapping = letterbox_mapping(width, height, 40, 30, 640, 640)
    assert mapping == expected
    # The whole crop lands inside the input.
    placed = mapping.to_input(Box(40, 30, 40 + width, 30 + height))
    assert placed.union(Box(0, 0, 640, 640)) == Box(0, 0, 640, 640)


def test_nms_keeps_the_best_of_each_overlapping_group() -> None:
    boxes = np.array(
        [[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 10, 10.5], [100, 0, 110, 10]],
        dtype=float,
    )
    scores = np.array([0.5, 0.9, 0.8, 0.7, 0.1])
    assert nms_indices(boxes, scores, 0.5).tolist() == [1, 2, 4]
    assert nms_indices(boxes, scores, 0.99).tolist() == [1, 2, 3, 0, 4]
    assert nms_indices(np.zeros((0, 4)), np.zeros(0), 0.5).tolist() == []


def test_nms_ignores_degenerate_boxes_without_dividing_by_zero() -> None:
    boxes = np.array([[5, 5, 5, 5], [5, 5, 5, 5]], dtype=float)
    assert nms_indices(boxes, np.array([0.6, 0.4]), 0.5).tolist() == [0, 1]


def test_non_max_suppression_is_per_label() -> None:
    person = Detection("person", 0.9, Box(0, 0, 10, 20))
    duplicate = Detection("person", 0.6, Box(1, 0, 11, 20))
    dog = Detection("dog", 0.7, Box(0, 0, 10, 20))
    other_person = Detection("person", 0.3, Box(100, 0, 110, 20))
    kept = non_max_suppression([duplicate, dog, other_person, person], 0.5)
    assert kept == [person, dog, other_person]
    assert non_max_suppression([], 0.5) == []


def test_suppress_nested_drops_boxes_inside_or_around_a_better_one() -> None:
    torso = Detection("person", 0.9, Box(10, 10, 40, 60))
    body = Detection("person", 0.8, Box(5, 5, 45, 110))  # IoU with torso ~0.35
    neighbour = Detection("person", 0.7, Box(38, 5, 78, 110))  # overlaps, not nested
    dog_inside = Detection("dog", 0.6, Box(12, 12, 30, 30))
    assert non_max_suppression([torso, body], 0.4) == [torso, body]
    assert suppress_nested([body, neighbour, dog_inside, torso], 0.7) == [
        torso,
        neighbour,
        dog_inside,
    ]
