"""The hub's request policy at each limit and just past it (issue 11: limits ± 1)."""

from __future__ import annotations

import math

import pytest

from frontporch.geo import SQ_KM_PER_SQ_MILE, square_around
from frontporch.hub.config import RequestsConfig
from frontporch.hub.requests.policy import (
    HARD_MAX_EXPIRY_S,
    RequestPolicy,
    area_of,
    policy_of,
    policy_problem,
)

FILED = 1_780_000_000.0
HOUR = 3600.0
DAY = 86400.0


def problem(policy: RequestPolicy, **changes: object) -> str | None:
    values: dict[str, object] = {
        "area": {"type": "circle", "center": [37.77, -122.41], "radius_m": 200},
        "incident": "burglary",
        "window_start": FILED - 3 * HOUR,
        "window_end": FILED - HOUR,
        "filed_at": FILED,
        "expires_at": FILED + 7 * DAY,
        "now": FILED + 60,
    }
    values.update(changes)
    return policy_problem(policy, **values)  # type: ignore[arg-type]


def radius_for(sq_mi: float) -> float:
    return math.sqrt(sq_mi * SQ_KM_PER_SQ_MILE / math.pi) * 1000


def test_the_owner_cannot_loosen_the_built_in_ceilings() -> None:
    with pytest.raises(ValueError, match="less than or equal to 24"):
        RequestsConfig(max_window_hours=25)
    policy = policy_of(RequestsConfig(max_area_sq_mi=0.5, max_window_hours=12, max_age_days=7))
    assert policy == RequestPolicy(0.5, 12 * HOUR, 7 * DAY, None)


def test_area_at_the_limit_and_past_it() -> None:
    policy = RequestPolicy(max_area_sq_mi=0.5)
    at = {"type": "circle", "center": [37.77, -122.41], "radius_m": math.floor(radius_for(0.5))}
    past = {**at, "radius_m": math.ceil(radius_for(0.5)) + 1}
    assert problem(policy, area=at) is None
    assert "sq mi" in (problem(policy, area=past) or "")
    square = [list(p) for p in square_around((37.77, -122.41), 0.49)]
    assert area_of({"type": "polygon", "points": square}) == pytest.approx(0.49, rel=1e-3)
    assert problem(policy, area={"type": "polygon", "points": square}) is None
    assert "not valid" in (problem(policy, area={"type": "polygon", "points": []}) or "")


def test_window_at_the_limit_and_one_second_past_it() -> None:
    policy = RequestPolicy(max_window_s=12 * HOUR)
    end = FILED - HOUR
    assert problem(policy, window_start=end - 12 * HOUR, window_end=end) is None
    assert "window is 12.00" in (
        problem(policy, window_start=end - 12 * HOUR - 1, window_end=end) or ""
    )
    assert "ends before it starts" in (problem(policy, window_start=end, window_end=end) or "")


def test_age_at_the_limit_and_one_second_past_it() -> None:
    policy = RequestPolicy(max_age_s=7 * DAY)
    start = FILED - 7 * DAY
    assert problem(policy, window_start=start, window_end=start + HOUR) is None
    assert "days old" in (problem(policy, window_start=start - 1, window_end=start + HOUR) or "")


def test_future_footage_and_expiry_limits() -> None:
    policy = RequestPolicy()
    assert "does not exist yet" in (problem(policy, window_end=FILED + 3600) or "")
    assert problem(policy, expires_at=FILED + HARD_MAX_EXPIRY_S) is None
    assert "more than 30 days" in (problem(policy, expires_at=FILED + HARD_MAX_EXPIRY_S + 1) or "")
    assert "already expired" in (problem(policy, expires_at=FILED + 30, now=FILED + 30) or "")


def test_incident_types_the_owner_answers() -> None:
    policy = RequestPolicy(incidents=frozenset({"hit_and_run"}))
    assert "does not answer" in (problem(policy) or "")
    assert problem(policy, incident="hit_and_run") is None
