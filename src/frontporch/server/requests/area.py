"""A request's area: a polygon of coordinates, or a circle (centre and radius in metres),
and the H3 cells that cover it.

Pure. The area as filed is kept and sent to hubs in the contract's form
(`{"type": "polygon", "points": [[lat, lng], ...]}` or `{"type": "circle", "center":
[lat, lng], "radius_m": int}`). Its size for the policy is the shape's own: a polygon's
spherical area, a circle's π r². A circle is covered through a polygon drawn *around*
it (each side touches the circle), so every cell the circle meets is included; the
cells are those `geo.cells_covering` gives at the home resolution, sorted, as logged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from frontporch import geo

CIRCLE_SIDES: Final = 32
MAX_POINTS: Final = 100
MAX_RADIUS_M: Final = 5000  # far above any policy; a bound on the arithmetic only
MAX_CELLS: Final = 512  # what a `request_filed` entry holds
SQ_M_PER_SQ_MI: Final = geo.SQ_KM_PER_SQ_MILE * 1_000_000


class AreaError(ValueError):
    """An area that cannot be used; `field` names the input, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Polygon:
    """Corners as (lat, lng), not repeating the first."""

    points: tuple[geo.LatLng, ...]


@dataclass(frozen=True)
class Circle:
    """A centre (lat, lng) and a radius in whole metres."""

    center: geo.LatLng
    radius_m: int


Area = Polygon | Circle


def polygon(points: Sequence[Sequence[float]]) -> Polygon:
    """A polygon from [[lat, lng], ...]; AreaError unless it has 3 to 100 valid corners."""
    corners = [_point(p, "area.points") for p in points]
    if len(corners) > 1 and corners[0] == corners[-1]:
        corners.pop()
    if len(corners) < 3:
        raise AreaError("area.points", "a polygon needs at least three corners")
    if len(corners) > MAX_POINTS:
        raise AreaError("area.points", f"a polygon may have at most {MAX_POINTS} corners")
    return Polygon(tuple(corners))


def circle(center: Sequence[float], radius_m: int) -> Circle:
    """A circle; AreaError unless the centre is valid and the radius 1 to 5,000 m."""
    if not 1 <= radius_m <= MAX_RADIUS_M:
        raise AreaError("area.radius_m", f"the radius must be 1 to {MAX_RADIUS_M} metres")
    return Circle(_point(center, "area.center"), int(radius_m))


def from_json(value: dict[str, Any]) -> Area:
    """An area from its JSON form; AreaError naming the field otherwise."""
    kind = value.get("type")
    if kind == "polygon":
        return polygon(value.get("points") or [])
    if kind == "circle":
        radius = value.get("radius_m")
        if not isinstance(radius, int) or isinstance(radius, bool):
            raise AreaError("area.radius_m", "give the radius as whole metres")
        return circle(value.get("center") or [], radius)
    raise AreaError("area.type", "the area's type is 'polygon' or 'circle'")


def to_json(area: Area) -> dict[str, Any]:
    """The area in the contract's JSON form."""
    if isinstance(area, Circle):
        return {"type": "circle", "center": list(area.center), "radius_m": area.radius_m}
    return {"type": "polygon", "points": [list(p) for p in area.points]}


def size_sq_mi(area: Area) -> float:
    """The area's size in square miles (a circle's π r², a polygon's spherical area)."""
    if isinstance(area, Circle):
        return math.pi * area.radius_m**2 / SQ_M_PER_SQ_MI
    try:
        return geo.area_sq_mi(area.points)
    except geo.GeoError as exc:
        raise AreaError("area.points", str(exc)) from None


def ring(area: Area) -> list[geo.LatLng]:
    """The corners used to find cells: the polygon's, or a polygon around the circle."""
    if isinstance(area, Polygon):
        return list(area.points)
    # Corners at r / cos(π/n) put the middle of each side on the circle.
    reach_km = area.radius_m / 1000 / math.cos(math.pi / CIRCLE_SIDES)
    return [
        _destination(area.center, reach_km, 360 * i / CIRCLE_SIDES) for i in range(CIRCLE_SIDES)
    ]


def covering_cells(area: Area) -> list[str]:
    """The sorted H3 cells at the home resolution that the area meets."""
    try:
        cells = sorted(geo.cells_covering(ring(area), geo.HOME_RESOLUTION))
    except geo.GeoError as exc:
        raise AreaError("area", str(exc)) from None
    if not cells:
        raise AreaError("area", "the area covers no cell; check its coordinates")
    if len(cells) > MAX_CELLS:
        raise AreaError("area", f"the area covers {len(cells)} cells; at most {MAX_CELLS}")
    return cells


def center_of(area: Area) -> geo.LatLng:
    """A point in the middle of the area (the circle's centre, the corners' mean)."""
    if isinstance(area, Circle):
        return area.center
    lats = [lat for lat, _ in area.points]
    lngs = [lng for _, lng in area.points]
    return sum(lats) / len(lats), sum(lngs) / len(lngs)


def _point(value: Any, field: str) -> geo.LatLng:
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        raise AreaError(field, "give each point as [latitude, longitude] in decimal degrees")
    lat, lng = float(value[0]), float(value[1])
    try:
        geo.check_coordinates(lat, lng)
    except geo.GeoError as exc:
        raise AreaError(field, str(exc)) from None
    return lat, lng


def _destination(start: geo.LatLng, distance_km: float, bearing_deg: float) -> geo.LatLng:
    lat1, lng1 = map(math.radians, start)
    angle = distance_km / geo.EARTH_RADIUS_KM
    bearing = math.radians(bearing_deg)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing)
    )
    lng2 = lng1 + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat1),
        math.cos(angle) - math.sin(lat1) * math.sin(lat2),
    )
    return math.degrees(lat2), (math.degrees(lng2) + 540.0) % 360.0 - 180.0
