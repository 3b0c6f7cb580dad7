"""Privacy masks: relative polygons rasterised once, painted solid black into frames."""

from __future__ import annotations

import numpy as np
import pytest

from frontporch.hub.community.masks import apply_privacy_masks, rasterize_masks

LEFT_HALF = [(0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)]


def noisy_frame(width: int = 160, height: int = 90, seed: int = 7) -> np.ndarray:
    """A BGR frame with no black pixel, so painted ones stand out."""
    rng = np.random.default_rng(seed)
    return rng.integers(20, 256, size=(height, width, 3), dtype=np.uint8)


def test_pixels_inside_are_black_and_outside_untouched() -> None:
    frame = noisy_frame()
    mask = rasterize_masks([LEFT_HALF], 160, 90)
    out = apply_privacy_masks(frame, mask)
    # The outline itself may cover one more pixel (the safe side): check clear of it.
    assert (out[:, :79] == 0).all()
    assert (out[:, 81:] == frame[:, 81:]).all()
    assert mask[:, :80].all()
    assert not mask[:, 81:].any()


def test_the_input_frame_is_left_as_it_was() -> None:
    frame = noisy_frame()
    before = frame.copy()
    apply_privacy_masks(frame, rasterize_masks([LEFT_HALF], 160, 90))
    assert (frame == before).all()


def test_a_triangle_covers_its_inside_only() -> None:
    mask = rasterize_masks([[(0.25, 0.25), (0.75, 0.25), (0.5, 0.75)]], 200, 200)
    assert mask[60:141, 100].all()  # down the middle
    assert not mask[40, 100]  # above the top edge
    assert not mask[160, 100]  # below the apex
    assert not mask[130, 60]  # beside the narrowing sides
    assert not mask[130, 140]
    assert 0.10 < mask.mean() < 0.15  # about the triangle's 1/8 of the frame


@pytest.mark.parametrize(
    ("polygon", "row", "column"),
    [
        ([(0.0, 0.0), (0.1, 0.0), (0.1, 0.1), (0.0, 0.1)], 0, 0),  # top-left corner
        ([(0.9, 0.9), (1.0, 0.9), (1.0, 1.0), (0.9, 1.0)], 89, 159),  # bottom-right corner
        ([(0.0, 0.95), (1.0, 0.95), (1.0, 1.0), (0.0, 1.0)], 89, 80),  # a strip along the bottom
    ],
)
def test_polygons_at_the_edges_cover_the_edge_pixels(
    polygon: list[tuple[float, float]], row: int, column: int
) -> None:
    mask = rasterize_masks([polygon], 160, 90)
    assert mask[row, column]
    out = apply_privacy_masks(noisy_frame(), mask)
    assert (out[row, column] == 0).all()


def test_the_whole_frame_can_be_masked() -> None:
    mask = rasterize_masks([[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]], 64, 48)
    assert mask.all()


def test_several_polygons_are_all_painted() -> None:
    left = [(0.0, 0.0), (0.2, 0.0), (0.2, 0.2), (0.0, 0.2)]
    right = [(0.8, 0.8), (1.0, 0.8), (1.0, 1.0), (0.8, 1.0)]
    out = apply_privacy_masks(noisy_frame(), rasterize_masks([left, right], 160, 90))
    assert (out[2:16, 2:30] == 0).all()
    assert (out[74:, 130:] == 0).all()
    assert (out[30:60, 40:120] != 0).any(axis=2).all()


def test_no_masks_change_nothing() -> None:
    frame = noisy_frame()
    mask = rasterize_masks([], 160, 90)
    assert mask.shape == (90, 160)
    assert not mask.any()
    assert (apply_privacy_masks(frame, mask) == frame).all()


def test_grey_frames_are_painted_too() -> None:
    grey = noisy_frame()[:, :, 0].copy()
    out = apply_privacy_masks(grey, rasterize_masks([LEFT_HALF], 160, 90))
    assert (out[:, :79] == 0).all()
    assert (out[:, 81:] == grey[:, 81:]).all()


def test_a_mask_of_another_size_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="rasterise the masks at the frame's size"):
        apply_privacy_masks(noisy_frame(), rasterize_masks([LEFT_HALF], 80, 45))


def test_a_frame_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        rasterize_masks([LEFT_HALF], 0, 10)


def test_a_view_of_a_larger_frame_is_painted_like_a_frame() -> None:
    view = noisy_frame(320, 180)[::2, ::2]
    out = apply_privacy_masks(view, rasterize_masks([LEFT_HALF], 160, 90))
    assert (out[:, :79] == 0).all()
    assert (out[:, 81:] == view[:, 81:]).all()
