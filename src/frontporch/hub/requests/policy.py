"""Which footage requests this hub answers at all: the owner's limits and the hub's own.

Pure decisions on plain values (no I/O), so each limit is tested at the limit and ± 1.
The hub's built-in ceilings match the server's hard limits (DESIGN.md flow 3): an area
of at most 2 sq mi, a window of at most 24 hours that has already happened, footage
at most 30 days older than the filing, an expiry at most 30 days after it. A server
that sends anything beyond them is not trusted on it. The owner can set each tighter
(`requests:` in the hub's configuration) and name the incident types answered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from frontporch.geo import SQ_KM_PER_SQ_MILE, area_sq_mi
from frontporch.hub.config import RequestsConfig

HARD_MAX_AREA_SQ_MI = 2.0
HARD_MAX_WINDOW_S = 24 * 3600.0
HARD_MAX_AGE_S = 30 * 86400.0
HARD_MAX_EXPIRY_S = 30 * 86400.0
CLOCK_SLACK_S = 300.0  # the server's and the hub's clocks may disagree a little
MAX_POLYGON_POINTS = 1000


@dataclass(frozen=True, slots=True)
class RequestPolicy:
    """The limits in force: the owner's, never looser than the built-in ones."""

    max_area_sq_mi: float = HARD_MAX_AREA_SQ_MI
    max_window_s: float = HARD_MAX_WINDOW_S
    max_age_s: float = HARD_MAX_AGE_S
    incidents: frozenset[str] | None = None


def policy_of(config: RequestsConfig) -> RequestPolicy:
    """The policy from the owner's configuration, capped by the built-in ceilings."""
    return RequestPolicy(
        max_area_sq_mi=min(config.max_area_sq_mi, HARD_MAX_AREA_SQ_MI),
        max_window_s=min(config.max_window_hours * 3600.0, HARD_MAX_WINDOW_S),
        max_age_s=min(config.max_age_days * 86400.0, HARD_MAX_AGE_S),
        incidents=frozenset(config.incidents) if config.incidents is not None else None,
    )


def area_of(area: dict[str, object]) -> float:
    """The area's size in square miles; ValueError when it is not a valid area."""
    kind = area.get("type")
    if kind == "circle":
        radius = area.get("radius_m")
        center = area.get("center")
        if not isinstance(radius, int | float) or isinstance(radius, bool) or radius <= 0:
            raise ValueError("a circle area needs a positive radius_m")
        _point(center)
        return math.pi * (float(radius) / 1000.0) ** 2 / SQ_KM_PER_SQ_MILE
    if kind == "polygon":
        points = area.get("points")
        if not isinstance(points, list) or not 3 <= len(points) <= MAX_POLYGON_POINTS:
            raise ValueError(f"a polygon area needs 3 to {MAX_POLYGON_POINTS} points")
        return area_sq_mi([_point(p) for p in points])
    raise ValueError("the area's type must be polygon or circle")


def _point(value: object) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError("a point is [latitude, longitude]")
    lat, lng = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValueError("a point's latitude or longitude is out of range")
    return lat, lng


def policy_problem(
    policy: RequestPolicy,
    *,
    area: dict[str, object],
    incident: str,
    window_start: float,
    window_end: float,
    filed_at: float,
    expires_at: float,
    now: float,
) -> str | None:
    """Why a request is outside the policy, in words; None when within it."""
    try:
        size = area_of(area)
    except ValueError as exc:
        return f"the request's area is not valid: {exc}"
    if size > policy.max_area_sq_mi:
        return (
            f"the area is {size:.2f} sq mi; this hub answers requests of at most "
            f"{policy.max_area_sq_mi:g} sq mi"
        )
    if policy.incidents is not None and incident not in policy.incidents:
        return f"this hub's owner does not answer requests about {incident!r}"
    if window_end <= window_start:
        return "the request's window ends before it starts"
    length = window_end - window_start
    if length > policy.max_window_s:
        return (
            f"the window is {length / 3600:.2f} hours; this hub answers windows of at most "
            f"{policy.max_window_s / 3600:g} hours"
        )
    if window_end > filed_at + CLOCK_SLACK_S:
        return "the window ends after the request was filed: footage that does not exist yet"
    age = filed_at - window_start
    if age > policy.max_age_s:
        return (
            f"the window starts {age / 86400:.1f} days before the filing; this hub answers "
            f"requests for footage at most {policy.max_age_s / 86400:g} days old"
        )
    if expires_at <= filed_at:
        return "the request expires before it was filed"
    if expires_at - filed_at > HARD_MAX_EXPIRY_S:
        return f"the request stays open more than {HARD_MAX_EXPIRY_S / 86400:g} days"
    if filed_at > now + CLOCK_SLACK_S:
        return "the request was filed in the future by this hub's clock"
    if now >= expires_at:
        return "the request had already expired when it arrived"
    return None
