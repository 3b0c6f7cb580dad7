"""The footage-request policy: each limit at the limit and one unit either side, the hard
limits the operator cannot pass, the policy's hash, and a request's area."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from frontporch import geo
from frontporch.server.requests import area as areas
from frontporch.server.requests.policy import (
    DEFAULT_POLICY,
    PolicyError,
    RequestPolicy,
    Scope,
    canonical_bytes,
    check_scope,
    homes_notified_shown,
    policy_sha256,
    validate_policy,
)

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
CHICAGO = (41.878113, -87.629799)


def scope(**changes: object) -> Scope:
    base = Scope(
        area_sq_mi=0.25,
        window_start=NOW - 3 * HOUR,
        window_end=NOW - HOUR,
        expires_at=NOW + 7 * DAY,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def refused(s: Scope, open_requests: int = 0, policy: RequestPolicy = DEFAULT_POLICY) -> str:
    with pytest.raises(PolicyError) as caught:
        check_scope(policy, s, NOW, open_requests)
    return str(caught.value.field)


def test_a_request_well_inside_the_policy_passes() -> None:
    check_scope(DEFAULT_POLICY, scope(), NOW, 0)


@pytest.mark.parametrize(("delta", "ok"), [(-0.001, True), (0.0, True), (0.001, False)])
def test_area_at_the_limit_and_either_side(delta: float, ok: bool) -> None:
    s = scope(area_sq_mi=0.5 + delta)
    if ok:
        check_scope(DEFAULT_POLICY, s, NOW, 0)
    else:
        assert refused(s) == "area"


@pytest.mark.parametrize(("delta", "ok"), [(-SECOND, True), (timedelta(0), True), (SECOND, False)])
def test_window_length_at_the_limit_and_either_side(delta: timedelta, ok: bool) -> None:
    s = scope(window_start=NOW - 12 * HOUR - delta, window_end=NOW)
    if ok:
        check_scope(DEFAULT_POLICY, s, NOW, 0)
    else:
        assert refused(s) == "window_end"


@pytest.mark.parametrize(("delta", "ok"), [(-SECOND, True), (timedelta(0), True), (SECOND, False)])
def test_window_end_at_now_and_either_side(delta: timedelta, ok: bool) -> None:
    s = scope(window_start=NOW - HOUR, window_end=NOW + delta)
    if ok:
        check_scope(DEFAULT_POLICY, s, NOW, 0)
    else:
        assert refused(s) == "window_end"


@pytest.mark.parametrize(("delta", "ok"), [(-SECOND, True), (timedelta(0), True), (SECOND, False)])
def test_retention_horizon_at_the_limit_and_either_side(delta: timedelta, ok: bool) -> None:
    start = NOW - 30 * DAY - delta
    s = scope(window_start=start, window_end=start + HOUR)
    if ok:
        check_scope(DEFAULT_POLICY, s, NOW, 0)
    else:
        assert refused(s) == "window_start"


@pytest.mark.parametrize(("delta", "ok"), [(-SECOND, True), (timedelta(0), True), (SECOND, False)])
def test_expiry_at_the_limit_and_either_side(delta: timedelta, ok: bool) -> None:
    s = scope(expires_at=NOW + 30 * DAY + delta)
    if ok:
        check_scope(DEFAULT_POLICY, s, NOW, 0)
    else:
        assert refused(s) == "expires_at"


@pytest.mark.parametrize("expires_at", [NOW, NOW - SECOND])
def test_expiry_must_be_in_the_future(expires_at: datetime) -> None:
    assert refused(scope(expires_at=expires_at)) == "expires_at"
    check_scope(DEFAULT_POLICY, scope(expires_at=NOW + SECOND), NOW, 0)


def test_a_window_must_end_after_it_starts() -> None:
    assert refused(scope(window_start=NOW - HOUR, window_end=NOW - HOUR)) == "window_end"


@pytest.mark.parametrize(("open_requests", "ok"), [(3, True), (4, True), (5, False)])
def test_open_requests_at_the_limit_and_either_side(open_requests: int, ok: bool) -> None:
    if ok:
        check_scope(DEFAULT_POLICY, scope(), NOW, open_requests)
    else:
        with pytest.raises(PolicyError, match="at most 5 may be open"):
            check_scope(DEFAULT_POLICY, scope(), NOW, open_requests)


def test_the_operator_s_tighter_values_apply() -> None:
    tight = validate_policy(RequestPolicy(max_area_sq_mi=0.1, max_window_hours=2))
    assert refused(scope(area_sq_mi=0.101), policy=tight) == "area"
    assert refused(scope(window_start=NOW - 3 * HOUR, window_end=NOW), policy=tight) == (
        "window_end"
    )


@pytest.mark.parametrize(("count", "shown"), [(9, None), (10, 10), (11, 11)])
def test_homes_notified_at_k_and_either_side(count: int, shown: int | None) -> None:
    assert homes_notified_shown(count, DEFAULT_POLICY) == shown


HARD = [
    # (field, at the hard limit, one unit past it)
    ("max_area_sq_mi", 2.0, 2.001),
    ("max_area_sq_mi", 0.01, 0.009),
    ("max_window_hours", 24, 25),
    ("max_window_hours", 1, 0),
    ("retention_days", 90, 91),
    ("max_expiry_days", 30, 31),
    ("max_open_requests", 50, 51),
    ("max_open_requests", 1, 0),
    ("k_threshold", 5, 4),
    ("k_threshold", 1000, 1001),
    ("download_window_days", 90, 91),
    ("download_window_days", 1, 0),
]


@pytest.mark.parametrize(("field", "at_limit", "past"), HARD)
def test_operator_values_at_the_hard_limits_and_past_them(
    field: str, at_limit: float, past: float
) -> None:
    at: dict[str, Any] = {field: at_limit}
    beyond: dict[str, Any] = {field: past}
    assert getattr(validate_policy(replace(DEFAULT_POLICY, **at)), field) == at_limit
    with pytest.raises(PolicyError) as caught:
        validate_policy(replace(DEFAULT_POLICY, **beyond))
    assert caught.value.field == field
    assert "hard limits" in caught.value.message


def test_whole_numbers_only_where_the_unit_is_whole() -> None:
    with pytest.raises(PolicyError, match="whole number") as caught:
        validate_policy(replace(DEFAULT_POLICY, k_threshold=10.5))  # type: ignore[arg-type]
    assert caught.value.field == "k_threshold"


def test_the_policy_hash_is_of_its_canonical_json_without_floats() -> None:
    data = canonical_bytes(DEFAULT_POLICY)
    document = json.loads(data)
    assert document["max_area_sq_mi"] == "0.500"
    assert document["k_threshold"] == 10
    assert data == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert policy_sha256(DEFAULT_POLICY) == hashlib.sha256(data).hexdigest()
    assert policy_sha256(replace(DEFAULT_POLICY, k_threshold=11)) != policy_sha256(DEFAULT_POLICY)


# -- the area ----------------------------------------------------------------------------


@pytest.mark.parametrize(("radius_m", "ok"), [(641, True), (642, True), (643, False)])
def test_a_circle_at_the_area_limit_and_either_side(radius_m: int, ok: bool) -> None:
    # π r² = 0.5 sq mi at r ≈ 642.04 m.
    size = areas.size_sq_mi(areas.circle(CHICAGO, radius_m))
    if ok:
        check_scope(DEFAULT_POLICY, scope(area_sq_mi=size), NOW, 0)
    else:
        assert refused(scope(area_sq_mi=size)) == "area"


def test_a_circle_s_cells_cover_every_point_of_it() -> None:
    circle = areas.circle(CHICAGO, 600)
    cells = set(areas.covering_cells(circle))
    for bearing in range(0, 360, 10):
        edge = areas._destination(CHICAGO, 0.599, bearing)
        assert geo.home_cell(*edge) in cells
    assert geo.home_cell(*CHICAGO) in cells
    assert areas.covering_cells(circle) == sorted(cells)


def test_a_polygon_s_area_and_cells() -> None:
    square = geo.square_around(CHICAGO, 0.4)
    polygon = areas.polygon([list(p) for p in square])
    assert areas.size_sq_mi(polygon) == pytest.approx(0.4, rel=1e-3)
    assert geo.home_cell(*CHICAGO) in areas.covering_cells(polygon)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"type": "square"}, "area.type"),
        ({"type": "polygon", "points": [[41.0, -87.0], [41.1, -87.0]]}, "area.points"),
        (
            {"type": "polygon", "points": [[91.0, -87.0], [41.1, -87.0], [41.0, -87.1]]},
            "area.points",
        ),
        ({"type": "circle", "center": [41.0, -87.0], "radius_m": 0}, "area.radius_m"),
        ({"type": "circle", "center": [41.0, -87.0], "radius_m": 1.5}, "area.radius_m"),
        ({"type": "circle", "center": [41.0], "radius_m": 100}, "area.center"),
    ],
)
def test_unusable_areas_name_their_field(value: dict[str, object], field: str) -> None:
    with pytest.raises(areas.AreaError) as caught:
        areas.from_json(value)
    assert caught.value.field == field


def test_an_area_round_trips_through_its_json() -> None:
    for area in (areas.circle(CHICAGO, 300), areas.polygon(geo.square_around(CHICAGO, 0.1))):
        assert areas.from_json(json.loads(json.dumps(areas.to_json(area)))) == area
