"""H3 helpers: coarse home cells, area limits, cells within a radius, cells covering an area.

Frontporch never keeps where a house is. A home is stored as one H3 cell at
`HOME_RESOLUTION`; agency request areas and feed radii are turned into sets of cells at
the same resolution, and matching is set intersection (trust-model point 5, DESIGN.md).

Resolution table (H3 documentation, "Tables of cell statistics across resolutions",
https://h3geo.org/docs/core-library/restable; the figures below are what h3-py's
`average_hexagon_area` / `average_hexagon_edge_length` return):

| res | average hexagon area | average edge | what a cell spans |
|---|---|---|---|
| 7 | 5.161 km² (1.99 sq mi) | 1.406 km | a small town or a whole district |
| 8 | 0.737 km² (0.285 sq mi) | 0.531 km | a neighborhood: ~10 by 10 suburban blocks |
| 9 | 0.105 km² (0.041 sq mi) | 0.201 km | two or three blocks — too close to a street |

Resolution 8 is the home resolution: in a suburb of 800-2,000 households per km² (US
suburban tracts, 2-3 people per household) one cell holds roughly 600-1,500
households, so a stored cell says "somewhere in this neighborhood", not which street.
Resolution 9 would narrow a house to a few dozen; resolution 7 would make a 0.5 sq mi
request notify homes up to ~2.5 km away. Where homes are sparse (rural land) a
resolution-8 cell holds only a handful of houses; docs/server.md says so.

Everything here is pure: no I/O, no database. Coordinates are inputs only; nothing
here keeps or logs them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import h3

HOME_RESOLUTION = 8
SQ_KM_PER_SQ_MILE = 2.589988110336
MAX_REQUEST_AREA_SQ_MI = 0.5
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG), as h3's great_circle_distance uses

LatLng = tuple[float, float]


class GeoError(ValueError):
    """A coordinate, cell or area that cannot be used; the message says why."""


class AreaTooLarge(GeoError):
    """An area above the allowed size."""


def check_coordinates(latitude: float, longitude: float) -> None:
    """Raise GeoError unless latitude is in [-90, 90] and longitude in [-180, 180]."""
    if not (math.isfinite(latitude) and -90.0 <= latitude <= 90.0):
        raise GeoError("latitude must be between -90 and 90 degrees")
    if not (math.isfinite(longitude) and -180.0 <= longitude <= 180.0):
        raise GeoError("longitude must be between -180 and 180 degrees")


def home_cell(latitude: float, longitude: float, resolution: int = HOME_RESOLUTION) -> str:
    """The coarse cell (H3 index string) that contains a point; the point is not kept."""
    check_coordinates(latitude, longitude)
    return str(h3.latlng_to_cell(latitude, longitude, resolution))


def parse_cell(text: str) -> str:
    """A valid H3 cell index string (lowercase), or GeoError."""
    cell = text.strip().lower()
    if not h3.is_valid_cell(cell):
        raise GeoError("not a valid H3 cell index (15 hexadecimal digits, e.g. 882664c1a9fffff)")
    return cell


def coarsen(cell: str, resolution: int = HOME_RESOLUTION) -> str:
    """The cell at `resolution` that contains `cell`; GeoError if `cell` is coarser."""
    cell = parse_cell(cell)
    current = h3.get_resolution(cell)
    if current < resolution:
        raise GeoError(f"the cell is coarser (resolution {current}) than {resolution}")
    return cell if current == resolution else str(h3.cell_to_parent(cell, resolution))


def at_resolution(cells: Iterable[str], resolution: int = HOME_RESOLUTION) -> set[str]:
    """The cells at `resolution` that meet `cells`: parents of finer, children of coarser."""
    out: set[str] = set()
    for raw in cells:
        cell = parse_cell(raw)
        current = h3.get_resolution(cell)
        if current >= resolution:
            out.add(str(h3.cell_to_parent(cell, resolution)) if current > resolution else cell)
        else:
            out.update(str(c) for c in h3.cell_to_children(cell, resolution))
    return out


def cell_to_int(cell: str) -> int:
    """The 64-bit integer form of a cell (what the database stores; fits a signed BIGINT)."""
    return int(h3.str_to_int(parse_cell(cell)))


def int_to_cell(value: int) -> str:
    """The index string of a cell stored as an integer."""
    return str(h3.int_to_str(value))


def cell_center(cell: str) -> LatLng:
    """The centre of a cell (public: derived from the cell alone)."""
    lat, lng = h3.cell_to_latlng(parse_cell(cell))
    return float(lat), float(lng)


def cell_boundary(cell: str) -> list[LatLng]:
    """The corners of a cell, as (lat, lng) pairs."""
    return [(float(lat), float(lng)) for lat, lng in h3.cell_to_boundary(parse_cell(cell))]


def average_area_km2(resolution: int = HOME_RESOLUTION) -> float:
    """The average hexagon area at a resolution (the H3 resolution table)."""
    return float(h3.average_hexagon_area(resolution, "km^2"))


def average_edge_km(resolution: int = HOME_RESOLUTION) -> float:
    """The average hexagon edge length at a resolution (the H3 resolution table)."""
    return float(h3.average_hexagon_edge_length(resolution, "km"))


def distance_km(a: LatLng, b: LatLng) -> float:
    """Great-circle distance between two points."""
    return float(h3.great_circle_distance(a, b, "km"))


def cells_within(cell: str, radius_km: float) -> set[str]:
    """Cells (at the cell's resolution) whose centres lie within `radius_km` of its centre.

    Used for a home's feed radius: a disk of cells around the home's cell, never around
    the house. The grid disk is taken wide enough, then trimmed by true distance.
    """
    if not (math.isfinite(radius_km) and radius_km >= 0):
        raise GeoError("the radius must be a non-negative number of kilometres")
    cell = parse_cell(cell)
    resolution = h3.get_resolution(cell)
    # Neighbouring centres are about sqrt(3) edge lengths apart; +1 ring for distortion.
    spacing = math.sqrt(3) * average_edge_km(resolution)
    k = math.ceil(radius_km / spacing) + 1
    origin = cell_center(cell)
    return {
        str(c) for c in h3.grid_disk(cell, k) if distance_km(origin, cell_center(c)) <= radius_km
    }


def polygon_area_km2(points: Sequence[LatLng]) -> float:
    """Area of a simple polygon on the sphere (spherical excess, as in d3-geo/turf).

    `points` is the outer ring as (lat, lng); it need not repeat the first point.
    """
    ring = _ring(points)
    total = 0.0
    for (lat1, lng1), (lat2, lng2) in zip(ring, ring[1:] + ring[:1], strict=True):
        delta = math.radians(_wrap(lng2 - lng1))
        total += delta * (2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2)))
    return abs(total) * EARTH_RADIUS_KM**2 / 2


def area_sq_mi(points: Sequence[LatLng]) -> float:
    """Area of a polygon in square miles."""
    return polygon_area_km2(points) / SQ_KM_PER_SQ_MILE


def check_area_limit(points: Sequence[LatLng], max_sq_mi: float = MAX_REQUEST_AREA_SQ_MI) -> float:
    """The polygon's area in sq mi; AreaTooLarge if above `max_sq_mi` (DESIGN.md flow 3)."""
    area = area_sq_mi(points)
    if area > max_sq_mi:
        raise AreaTooLarge(f"the area is {area:.2f} sq mi; at most {max_sq_mi:g} sq mi is allowed")
    return area


def cells_covering(points: Sequence[LatLng], resolution: int = HOME_RESOLUTION) -> set[str]:
    """Every cell at `resolution` that the polygon overlaps, even partly.

    Overlap (not centre containment) so that a home whose cell touches the area is
    never missed; the price is notifying some homes just outside it, which tells the
    agency nothing (notices and declines never reach it).
    """
    ring = _ring(points)
    shape = h3.LatLngPoly(ring)
    return {str(c) for c in h3.h3shape_to_cells_experimental(shape, resolution, "overlap")}


def square_around(center: LatLng, area_sq_mi: float) -> list[LatLng]:
    """A square (north-up) of the given area centred on a point; for tests and benchmarks."""
    lat, lng = center
    check_coordinates(lat, lng)
    half_km = math.sqrt(area_sq_mi * SQ_KM_PER_SQ_MILE) / 2
    dlat = math.degrees(half_km / EARTH_RADIUS_KM)
    dlng = math.degrees(half_km / (EARTH_RADIUS_KM * math.cos(math.radians(lat))))
    return [
        (lat - dlat, lng - dlng),
        (lat - dlat, lng + dlng),
        (lat + dlat, lng + dlng),
        (lat + dlat, lng - dlng),
    ]


def _ring(points: Sequence[LatLng]) -> list[LatLng]:
    ring = [(float(lat), float(lng)) for lat, lng in points]
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if len(ring) < 3:
        raise GeoError("an area needs at least three corners")
    for lat, lng in ring:
        check_coordinates(lat, lng)
    return ring


def _wrap(degrees: float) -> float:
    return (degrees + 180.0) % 360.0 - 180.0


def is_cell(text: str) -> bool:
    """Whether `text` is a valid H3 cell index string."""
    try:
        parse_cell(text)
    except GeoError:
        return False
    return True
