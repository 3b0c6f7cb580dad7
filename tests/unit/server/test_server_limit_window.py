"""The sliding-window limit on homes added and invitations sent per account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from frontporch.server.homes.service import wait_for_limit

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_under_the_limit_nothing_waits() -> None:
    assert wait_for_limit([], 2, DAY, NOW) is None
    assert wait_for_limit([NOW - timedelta(hours=3)], 2, DAY, NOW) is None


def test_at_the_limit_the_wait_ends_when_the_oldest_counted_one_leaves_the_window() -> None:
    done = [NOW - timedelta(hours=20), NOW - timedelta(hours=5), NOW - timedelta(hours=1)]
    # Two allowed per day: the second-newest (5 h ago) leaves the window in 19 h.
    assert wait_for_limit(done, 2, DAY, NOW) == 19 * 3600
    # Three allowed: the oldest (20 h ago) leaves in 4 h.
    assert wait_for_limit(done, 3, DAY, NOW) == 4 * 3600


def test_the_wait_is_rounded_up_and_never_zero() -> None:
    just_leaving = [NOW - DAY + timedelta(milliseconds=10)]
    assert wait_for_limit(just_leaving, 1, DAY, NOW) == 1
