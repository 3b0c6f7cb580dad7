"""The map without tiles: the neighborhood drawn as H3 hexagons in an SVG.

Pure layout: given a centre cell, the cells within `rings` grid steps are projected
(equirectangular around the centre, in kilometres — fine at neighborhood scale) into
SVG polygons, each with a label that says where it lies from the start ("2 cells
north-east of the start") for screen readers. The page's small script lets a person
move the selection with a click or the arrow keys; nothing here knows a house.

`layout` draws any set of cells around a centre with labels of the caller's choosing
(the feed's map of post areas labels each hexagon with its posts, distance and
direction); `hex_map` is the add-a-home picker's disk of cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import h3

from frontporch import geo

KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LNG_EQUATOR = 111.320
DEFAULT_RINGS = 3
_COMPASS = (
    "east",
    "north-east",
    "north",
    "north-west",
    "west",
    "south-west",
    "south",
    "south-east",
)


@dataclass(frozen=True)
class HexTile:
    """One hexagon of the map."""

    cell: str
    points: str  # SVG polygon points, "x,y x,y …"
    x: float  # centre, in the SVG's units
    y: float
    ring: int
    label: str


@dataclass(frozen=True)
class HexMap:
    """An SVG hexagon map around a centre cell."""

    center: str
    view_box: str
    tiles: list[HexTile]
    cell_area_km2: float
    edge_km: float


def direction(x: float, y: float) -> str:
    """The compass direction ("north-east") of a point on the map from its centre."""
    angle = math.degrees(math.atan2(-y, x)) % 360  # SVG y grows downwards
    return _COMPASS[round(angle / 45) % 8]


def _start_label(ring: int, x: float, y: float) -> str:
    if ring == 0:
        return "the start cell"
    steps = "1 cell" if ring == 1 else f"{ring} cells"
    return f"{steps} {direction(x, y)} of the start"


# How a tile is described for screen readers: from its ring (grid steps from the centre)
# and its centre on the map (kilometres east and south of the centre's centre).
Describe = Callable[[int, float, float], str]


def layout(center: str, cells: Iterable[str], describe: Describe = _start_label) -> HexMap:
    """`cells` (and `center` itself) laid out for an SVG around `center`, nearest first,
    each labelled by `describe`. The cells must lie near `center` (a neighborhood: h3
    counts the grid steps between them)."""
    center = geo.parse_cell(center)
    lat0, lng0 = geo.cell_center(center)
    km_per_lng = KM_PER_DEGREE_LNG_EQUATOR * math.cos(math.radians(lat0))

    def project(lat: float, lng: float) -> tuple[float, float]:
        dlng = (lng - lng0 + 180.0) % 360.0 - 180.0
        return dlng * km_per_lng, -(lat - lat0) * KM_PER_DEGREE_LAT

    tiles = []
    xs: list[float] = []
    ys: list[float] = []
    for cell in sorted(set(cells) | {center}):
        corners = [project(lat, lng) for lat, lng in geo.cell_boundary(cell)]
        xs += [x for x, _ in corners]
        ys += [y for _, y in corners]
        cx, cy = project(*geo.cell_center(cell))
        ring = int(h3.grid_distance(center, cell))
        tiles.append(
            HexTile(
                cell=cell,
                points=" ".join(f"{x:.3f},{y:.3f}" for x, y in corners),
                x=round(cx, 3),
                y=round(cy, 3),
                ring=ring,
                label=describe(ring, cx, cy),
            )
        )
    pad = 0.05
    left, top = min(xs) - pad, min(ys) - pad
    width, height = max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad
    resolution = h3.get_resolution(center)
    return HexMap(
        center=center,
        view_box=f"{left:.3f} {top:.3f} {width:.3f} {height:.3f}",
        tiles=sorted(tiles, key=lambda t: (t.ring, t.cell)),
        cell_area_km2=geo.average_area_km2(resolution),
        edge_km=geo.average_edge_km(resolution),
    )


def hex_map(center: str, rings: int = DEFAULT_RINGS) -> HexMap:
    """The hexagons within `rings` steps of `center`, laid out for an SVG."""
    center = geo.parse_cell(center)
    return layout(center, (str(c) for c in h3.grid_disk(center, rings)))
