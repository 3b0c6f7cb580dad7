"""The feed's map of post areas (pure): which hexagons it draws, how they are shaded and
labelled for screen readers, and the hexagon layout it shares with the add-a-home map."""

from __future__ import annotations

import h3

from frontporch import geo
from frontporch.server.feed import rules
from frontporch.server.feed.posts.feedmap import area_map, miles_phrase, tile_label
from frontporch.server.homes.hexmap import direction, hex_map, layout

HOME = geo.cell_to_int(geo.home_cell(41.878113, -87.629799))


def test_the_map_covers_the_area_and_marks_the_home() -> None:
    area = rules.area_cells(HOME, 2)
    shown = area_map(HOME, area, [])
    assert {geo.cell_to_int(t.tile.cell) for t in shown.tiles} == set(area)
    assert shown.home.home
    assert geo.cell_to_int(shown.home.tile.cell) == HOME
    assert shown.tiles[0] is shown.home  # nearest first
    assert shown.posts == 0
    assert shown.with_posts == []
    assert len(area_map(HOME, rules.area_cells(HOME, 5), []).tiles) == len(
        rules.area_cells(HOME, 5)
    )


def test_hexagons_are_shaded_and_labelled_by_their_posts() -> None:
    area = rules.area_cells(HOME, 2)
    north = max(area, key=lambda cell: geo.cell_center(geo.int_to_cell(cell))[0])
    outside = geo.cell_to_int(geo.home_cell(41.878113 + 0.5, -87.629799))
    shown = area_map(HOME, area, [HOME, north, north, north, outside])
    assert shown.posts == 4  # the post outside the area is not counted
    by_cell = {geo.cell_to_int(t.tile.cell): t for t in shown.with_posts}
    assert set(by_cell) == {HOME, north}
    assert by_cell[HOME].label == "1 post in your home's hexagon"
    assert by_cell[HOME].shade == 1
    miles = rules.rounded_distance_mi(HOME, north)
    assert by_cell[north].label == f"3 posts, {miles_phrase(miles)} north"
    assert by_cell[north].shade == 2
    assert [t.tile.cell for t in shown.with_posts] == [
        geo.int_to_cell(HOME),
        by_cell[north].tile.cell,
    ]


def test_shades_and_phrases() -> None:
    area = rules.area_cells(HOME, 1)
    for count, shade in ((0, 0), (1, 1), (2, 2), (3, 2), (4, 3), (9, 3), (10, 4), (40, 4)):
        tile = next(t for t in area_map(HOME, area, [HOME] * count).tiles if t.home)
        assert tile.shade == shade, count
    assert miles_phrase(0.5) == "about half a mile"
    assert miles_phrase(1.0) == "about 1 mile"
    assert miles_phrase(2.5) == "about 2.5 miles"
    assert tile_label(1, 1.5, "south-west") == "1 post, about 1.5 miles south-west"
    assert tile_label(0, 0.0, "east") == "no posts in your home's hexagon"


def test_layout_is_shared_with_the_add_a_home_picker() -> None:
    start = geo.int_to_cell(HOME)
    picker = hex_map(start, rings=2)
    assert len(picker.tiles) == 19
    assert picker.tiles[0].label == "the start cell"
    assert all(t.label.endswith("of the start") for t in picker.tiles[1:])
    custom = layout(start, [start, *h3.grid_ring(start, 1)], lambda ring, x, y: f"{ring}")
    assert [t.label for t in custom.tiles] == ["0"] + ["1"] * 6
    assert custom.view_box != picker.view_box  # fitted to the cells drawn
    assert direction(1.0, 0.0) == "east"
    assert direction(0.0, -1.0) == "north"  # SVG y grows downwards
    assert direction(-1.0, 1.0) == "south-west"
