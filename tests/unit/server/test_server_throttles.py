"""The lockout and quota rules, as pure functions of state and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from frontporch.server.kit.throttles import (
    LockoutPolicy,
    after_failure,
    after_use,
    retry_after,
)

POLICY = LockoutPolicy(threshold=5, base_s=60, max_s=3600, window_s=900)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_lock_seconds_double_up_to_the_cap() -> None:
    assert [POLICY.lock_seconds(n) for n in range(1, 13)] == [
        0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]  # fmt: skip
    assert POLICY.lock_seconds(10_000) == 3600


def test_failures_lock_then_decay_after_a_quiet_window() -> None:
    state = None
    for n in range(5):
        state = after_failure(state, POLICY, T0 + timedelta(seconds=n))
    assert state is not None
    assert state.count == 5
    assert retry_after(state, T0 + timedelta(seconds=5)) == 59
    assert retry_after(state, T0 + timedelta(seconds=64)) is None
    later = T0 + timedelta(seconds=64 + 901)
    fresh = after_failure(state, POLICY, later)
    assert fresh.count == 1
    assert fresh.locked_until is None


def test_quota_counts_uses_per_window() -> None:
    state = None
    waits = []
    for n in range(4):
        state, wait = after_use(state, 3, 3600, T0 + timedelta(seconds=n))
        waits.append(wait)
    assert waits[:3] == [None, None, None]
    assert waits[3] == 3597
    _, wait = after_use(state, 3, 3600, T0 + timedelta(seconds=3600))
    assert wait is None
