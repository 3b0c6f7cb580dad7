"""Checks on polygons drawn in the zone editor (motion masks, privacy masks, zones).

Pure functions on relative points (0..1 of the frame's width and height, as the config
stores them). A polygon is refused, with a message that says which points or edges are
at fault, when it has fewer than 3 points, a point outside the frame, two edges that
cross (a "bow tie": inside and outside cannot be told apart), no area (all points on a
line), or when it repeats another polygon of the same kind exactly (a double click
that saved twice). Zones may overlap one another: a porch zone inside a yard zone is a
normal setup, and an object in both is in both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Point = tuple[float, float]
ZONE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MIN_AREA = 1e-6  # a thousandth of the frame's side squared: below this it is a line


class PolygonError(ValueError):
    """A polygon that cannot be saved; the message names the points or edges at fault."""


def check_zone_name(name: str) -> str:
    """The zone's name if it follows the rule (used in MQTT topics and filters)."""
    if not ZONE_NAME.match(name):
        raise PolygonError(
            f"zone name {name!r}: use 1 to 40 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit (e.g. 'driveway', 'front-path')"
        )
    return name


def check_polygon(points: Sequence[Sequence[float]], what: str = "polygon") -> list[Point]:
    """The points as (x, y) tuples if they make a usable polygon; PolygonError if not."""
    if len(points) < 3:
        raise PolygonError(f"{what} has {len(points)} point(s); it needs at least 3")
    pts: list[Point] = []
    for number, point in enumerate(points, start=1):
        if len(point) != 2:
            raise PolygonError(f"{what}: point {number} must be [x, y]")
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise PolygonError(
                f"{what}: point {number} ({x:g}, {y:g}) is outside the frame (0 to 1)"
            )
        pts.append((x, y))
    for number, (a, b) in enumerate(zip(pts, pts[1:] + pts[:1], strict=True), start=1):
        if a == b:
            other = number % len(pts) + 1
            raise PolygonError(f"{what}: points {number} and {other} are at the same place")
    if all(abs(_orient(pts[0], pts[1], p)) < MIN_AREA for p in pts[2:]):
        raise PolygonError(f"{what} has no area: its points lie on one line")
    crossing = first_crossing(pts)
    if crossing is not None:
        i, j = crossing
        raise PolygonError(
            f"{what} crosses itself: {_edge(i, len(pts))} crosses {_edge(j, len(pts))}; "
            "move a point so the outline does not cross"
        )
    if abs(area(pts)) < MIN_AREA:
        raise PolygonError(f"{what} has no area: its points lie on one line")
    return pts


def check_distinct(polygons: Sequence[Sequence[Point]], what: str) -> None:
    """Refuse two polygons of one kind that are the same outline."""
    seen: dict[tuple[Point, ...], int] = {}
    for number, polygon in enumerate(polygons, start=1):
        key = _canonical(polygon)
        if key in seen:
            raise PolygonError(f"{what} {number} is the same as {what} {seen[key]}")
        seen[key] = number


def area(points: Sequence[Point]) -> float:
    """Signed area (shoelace formula); positive when the points run counter-clockwise."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, [*points[1:], points[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return total / 2


def first_crossing(points: Sequence[Point]) -> tuple[int, int] | None:
    """The first pair of edges (0-based; edge i runs from point i to i+1) that cross or
    touch, other than neighbours meeting at their shared point; None if none do."""
    n = len(points)
    edges = [(points[i], points[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                if _overlap_collinear(edges[i], edges[j]):
                    return i, j
                continue
            if _segments_meet(*edges[i], *edges[j]):
                return i, j
    return None


def _edge(index: int, count: int) -> str:
    return f"edge {index + 1} (points {index + 1}→{(index + 1) % count + 1})"


def _canonical(polygon: Sequence[Point]) -> tuple[Point, ...]:
    """The same outline whatever point it starts at and whichever way it runs."""
    pts = [(round(x, 4), round(y, 4)) for x, y in polygon]
    candidates = []
    for seq in (pts, pts[::-1]):
        start = seq.index(min(seq))
        candidates.append(tuple(seq[start:] + seq[:start]))
    return min(candidates)


def _orient(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _on_segment(a: Point, b: Point, p: Point) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _segments_meet(a: Point, b: Point, c: Point, d: Point) -> bool:
    o1, o2, o3, o4 = _orient(a, b, c), _orient(a, b, d), _orient(c, d, a), _orient(c, d, b)
    if ((o1 > 0 > o2) or (o1 < 0 < o2)) and ((o3 > 0 > o4) or (o3 < 0 < o4)):
        return True
    return (
        (o1 == 0 and _on_segment(a, b, c))
        or (o2 == 0 and _on_segment(a, b, d))
        or (o3 == 0 and _on_segment(c, d, a))
        or (o4 == 0 and _on_segment(c, d, b))
    )


def _overlap_collinear(first: tuple[Point, Point], second: tuple[Point, Point]) -> bool:
    """Neighbouring edges that fold back over each other (a spike of zero width)."""
    a, b = first
    c, d = second
    if _orient(a, b, c) != 0 or _orient(a, b, d) != 0:
        return False
    shared = b if b in (c, d) else a
    other_first = a if shared == b else b
    other_second = d if shared == c else c
    vx1, vy1 = other_first[0] - shared[0], other_first[1] - shared[1]
    vx2, vy2 = other_second[0] - shared[0], other_second[1] - shared[1]
    return vx1 * vx2 + vy1 * vy2 > 0
