"""Polygon checks of the zone editor: pure functions, messages that name the fault."""

from __future__ import annotations

import pytest

from frontporch.hub.settings.polygons import (
    PolygonError,
    area,
    check_distinct,
    check_polygon,
    check_zone_name,
    first_crossing,
)

SQUARE = [(0.1, 0.1), (0.5, 0.1), (0.5, 0.5), (0.1, 0.5)]


def test_a_plain_polygon_passes_in_either_direction() -> None:
    assert check_polygon(SQUARE) == SQUARE
    assert check_polygon(SQUARE[::-1]) == SQUARE[::-1]
    assert area(SQUARE) == pytest.approx(0.16)
    concave = [(0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.5, 0.3), (0.1, 0.9)]
    assert first_crossing(concave) is None


@pytest.mark.parametrize(
    ("points", "words"),
    [
        ([(0.1, 0.1), (0.2, 0.2)], "has 2 point(s); it needs at least 3"),
        ([(0.1, 0.1), (1.2, 0.1), (0.5, 0.5)], "point 2 (1.2, 0.1) is outside the frame"),
        ([(0.1, 0.1), (0.2, 0.2), (0.3, 0.3)], "has no area"),
        ([(0.1, 0.1), (0.1, 0.1), (0.3, 0.3)], "points 1 and 2 are at the same place"),
        (
            [(0.1, 0.1), (0.5, 0.5), (0.5, 0.1), (0.1, 0.5)],
            "crosses itself: edge 1 (points 1→2) crosses edge 3 (points 3→4)",
        ),
        (
            [(0.1, 0.1), (0.6, 0.1), (0.3, 0.1), (0.3, 0.5)],
            "crosses itself: edge 1 (points 1→2) crosses edge 2 (points 2→3)",
        ),
    ],
)
def test_bad_polygons_are_refused_with_the_fault_named(
    points: list[tuple[float, float]], words: str
) -> None:
    with pytest.raises(PolygonError) as caught:
        check_polygon(points, "zone 'yard'")
    assert words in str(caught.value)
    assert str(caught.value).startswith("zone 'yard'")


def test_an_exact_duplicate_is_refused_wherever_it_starts_and_overlaps_are_not() -> None:
    rotated = SQUARE[2:] + SQUARE[:2]
    with pytest.raises(PolygonError, match="zone 2 is the same as zone 1"):
        check_distinct([SQUARE, rotated[::-1]], "zone")
    inner = [(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]
    check_distinct([SQUARE, inner], "zone")  # overlapping zones are a normal setup


@pytest.mark.parametrize("name", ["driveway", "front-path", "zone_2", "9"])
def test_zone_names_that_pass(name: str) -> None:
    assert check_zone_name(name) == name


@pytest.mark.parametrize("name", ["", "Front", "front path", "-x", "a" * 41, "porch/1"])
def test_zone_names_that_are_refused(name: str) -> None:
    with pytest.raises(PolygonError, match="lowercase letters, digits"):
        check_zone_name(name)
