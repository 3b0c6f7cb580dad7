"""`auth_throttles` does not grow for ever: rows that no longer change any answer are
pruned by a job the app runs, and rows that still matter are kept."""

from __future__ import annotations

import threading

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from frontporch.server.accounts.lockout import HOUR_S, SECOND_FACTOR_WINDOW_S, prune_throttles
from frontporch.server.kit.models import AuthThrottle
from frontporch.server.kit.throttles import LockoutPolicy, ThrottleStore
from server_fixtures import FakeClock

POLICY = LockoutPolicy(threshold=1, base_s=60, max_s=HOUR_S, window_s=900)


def _keys(app: FastAPI) -> set[str]:
    with app.state.server.sessions() as db:
        return set(db.scalars(select(AuthThrottle.key)))


def test_only_rows_past_every_window_are_pruned(app: FastAPI, clock: FakeClock) -> None:
    store = ThrottleStore(app.state.server.sessions, clock)
    store.record_failure("old", POLICY)
    store.use("old-quota", 5, HOUR_S)
    clock.advance(SECOND_FACTOR_WINDOW_S + HOUR_S)  # past the longest window any key uses
    store.record_failure("recent", POLICY)
    store.use("recent-quota", 5, HOUR_S)

    assert prune_throttles(app.state.server) == 2
    assert _keys(app) == {"recent", "recent-quota"}
    assert prune_throttles(app.state.server) == 0


def test_a_lock_that_still_holds_is_kept(app: FastAPI, clock: FakeClock) -> None:
    store = ThrottleStore(app.state.server.sessions, clock)
    long_lock = LockoutPolicy(
        threshold=1, base_s=3 * SECOND_FACTOR_WINDOW_S, max_s=10**7, window_s=900
    )
    store.record_failure("locked", long_lock)
    clock.advance(SECOND_FACTOR_WINDOW_S + HOUR_S)
    assert prune_throttles(app.state.server) == 0
    assert _keys(app) == {"locked"}


def test_the_running_app_prunes_in_its_own_thread(app: FastAPI) -> None:
    with TestClient(app):
        names = {thread.name for thread in threading.enumerate()}
        assert {"throttle-pruner", "log-checkpointer"} <= names
    assert "throttle-pruner" not in {thread.name for thread in threading.enumerate()}
