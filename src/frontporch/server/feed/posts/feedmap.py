"""The feed's map of post areas: the hexagons of a home's feed area, shaded by how many
posts each holds, every hexagon with posts labelled for screen readers ("3 posts, about
1 mile north-east") and linked to the list filtered to it.

Pure: cells and counts in, a laid-out map out (the SVG itself is `templates/feed/_map.html`).
Distances are the ones the feed shows ("about 1.5 mi away"): cell centre to cell
centre, to the nearest half mile (`rules.rounded_distance_mi`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from frontporch import geo
from frontporch.server.feed import rules
from frontporch.server.homes.hexmap import HexMap, HexTile, direction, layout

# Shades: 1 post, 2-3, 4-9, 10 or more.
SHADE_FLOORS = (1, 2, 4, 10)


@dataclass(frozen=True)
class AreaTile:
    """One hexagon of the area: how many posts, its label, whether it is the home's."""

    tile: HexTile
    posts: int
    home: bool
    label: str

    @property
    def shade(self) -> int:
        """0 for no posts, else 1 to 4 by how many."""
        return sum(1 for floor in SHADE_FLOORS if self.posts >= floor)


@dataclass(frozen=True)
class AreaMap:
    """A home's feed area as a hexagon map."""

    map: HexMap
    tiles: list[AreaTile]  # nearest first, as `layout` orders them
    posts: int  # how many posts the shading counts

    @property
    def with_posts(self) -> list[AreaTile]:
        """The hexagons that hold posts, nearest first (the map's links, in tab order)."""
        return [tile for tile in self.tiles if tile.posts]

    @property
    def home(self) -> AreaTile:
        """The home's own hexagon."""
        return next(tile for tile in self.tiles if tile.home)


def miles_phrase(miles: float) -> str:
    """A rounded distance as people say it: "about half a mile", "about 2 miles"."""
    if miles <= 0:
        return "in your home's hexagon"
    if miles == 0.5:
        return "about half a mile"
    if miles == 1:
        return "about 1 mile"
    return f"about {miles:g} miles"


def posts_phrase(count: int) -> str:
    """ "1 post", "3 posts", "no posts"."""
    if count == 0:
        return "no posts"
    return "1 post" if count == 1 else f"{count} posts"


def tile_label(count: int, miles: float, compass: str) -> str:
    """What a screen reader says for one hexagon."""
    if miles <= 0:
        return f"{posts_phrase(count)} in your home's hexagon"
    return f"{posts_phrase(count)}, {miles_phrase(miles)} {compass}"


def area_map(home_cell: int, area: Sequence[int], post_cells: Iterable[int]) -> AreaMap:
    """The map of `area` (a home's feed cells) around `home_cell`, shaded by the cells of
    the posts counted (`post_cells`, one entry per post; cells outside the area are
    ignored)."""
    inside = set(area)
    counts = Counter(cell for cell in post_cells if cell in inside)
    by_string = {geo.int_to_cell(cell): cell for cell in inside | {home_cell}}
    # Each tile's own label is its compass direction from the home's hexagon.
    laid_out = layout(geo.int_to_cell(home_cell), by_string, lambda _r, x, y: direction(x, y))
    tiles = []
    for tile in laid_out.tiles:
        number = by_string[tile.cell]
        miles = rules.rounded_distance_mi(home_cell, number)
        tiles.append(
            AreaTile(
                tile=tile,
                posts=counts[number],
                home=number == home_cell,
                label=tile_label(counts[number], miles, tile.label),
            )
        )
    return AreaMap(map=laid_out, tiles=tiles, posts=sum(counts.values()))
