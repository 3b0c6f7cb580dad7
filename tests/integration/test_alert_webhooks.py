"""Webhooks against a real local HTTP receiver: the signature verifies over the exact
body, the headers and payload are as documented, a receiver that answers 500 or hangs
is retried with backoff (each attempt in the delivery log) until it answers, a 4xx is
not retried, five failures give up, and a pending retry survives a restart of the
desk (it is kept in the store)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from alert_tools import T0, event, new, webhook_receiver
from fakes import FakeClock
from frontporch.hub.alerts.service import AlertDesk
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.controls import Controls
from frontporch.hub.store.index import HubStore


def config_at(root: Path, timeout_s: float = 2.0) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(root)},
            "alerts": {"hub_url": "https://hub.example.lan/", "webhooks": {"timeout_s": timeout_s}},
            "cameras": {"front": {"inputs": [{"url": "/videos/front.mp4"}]}},
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as store:
        yield store


def make_desk(store: HubStore, root: Path, clock: FakeClock, timeout_s: float = 2.0) -> AlertDesk:
    config = config_at(root, timeout_s)
    return AlertDesk(config, store, root, Controls(store, config.cameras, clock=clock), clock=clock)


def webhook_attempts(desk: AlertDesk, alert_id: str) -> list[tuple[int, bool, str]]:
    page = desk.page()
    (sent,) = [s for s in page.alerts if s.alert.id == alert_id]
    return [(d.attempts, d.ok, d.status) for d in sent.deliveries if d.channel == "webhook"]


def test_signed_alert_with_the_documented_payload(store: HubStore, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    desk = make_desk(store, tmp_path, clock)
    with webhook_receiver() as receiver:
        hook, secret = desk.add_webhook(receiver.url)
        desk.handle(new(event("ev1", zones=("porch",), labels=("person",))))
        (got,) = receiver.wait_for(1)
    assert receiver.verify(got, secret)
    assert not receiver.verify(got, "another-secret")
    assert got.path == "/hook?token=not-shown"
    assert got.headers["x-frontporch-event"] == "alert"
    assert got.headers["content-type"] == "application/json"
    assert len(got.headers["x-frontporch-delivery"]) == 36  # a UUID
    body = json.loads(got.body)
    assert body == {
        "type": "alert",
        "id": "ev1",
        "update": False,
        "camera": "front",
        "labels": ["person"],
        "zones": ["porch"],
        "events": ["ev1"],
        "start": "2024-06-03T07:33:20Z",
        "title": "Person at front",
        "body": body["body"],
        "url": "https://hub.example.lan/events/ev1",
    }
    assert body["body"].startswith("Person · ")
    attempts = webhook_attempts(desk, "ev1")
    assert attempts == [(1, True, "200 OK")]
    (delivery,) = [d for s in desk.page().alerts for d in s.deliveries]
    assert delivery.target == f"http://127.0.0.1:{receiver.port}/hook"  # no query shown
    assert hook.secret == secret


def test_500_then_200_is_retried_after_the_backoff(store: HubStore, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    desk = make_desk(store, tmp_path, clock)
    with webhook_receiver([500, 503]) as receiver:
        _, secret = desk.add_webhook(receiver.url)
        desk.handle(new(event("ev1")))
        receiver.wait_for(1)
        clock.advance(9)
        desk.tick()
        assert len(receiver.received) == 1  # not due yet (10 s)
        clock.advance(1)
        desk.tick()
        receiver.wait_for(2)
        clock.advance(29)
        desk.tick()
        assert len(receiver.received) == 2  # the second wait is 30 s
        clock.advance(1)
        desk.tick()
        got = receiver.wait_for(3)
    assert [g.answered for g in got] == [500, 503, 200]
    assert all(receiver.verify(g, secret) for g in got)
    assert len({g.headers["x-frontporch-delivery"] for g in got}) == 1  # one delivery id
    assert len({g.body for g in got}) == 1  # byte-identical body
    assert webhook_attempts(desk, "ev1") == [
        (1, False, "500 Internal Server Error"),
        (2, False, "503 Service Unavailable"),
        (3, True, "200 OK"),
    ]
    assert store.due_webhook_retries(clock.now + 10_000) == []
    records = [d for s in desk.page().alerts for d in s.deliveries]
    assert all(d.retry_at is None for d in records)  # nothing promised any more


def test_a_receiver_that_hangs_times_out_and_is_retried(store: HubStore, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    desk = make_desk(store, tmp_path, clock, timeout_s=0.5)
    with webhook_receiver(["hang"], hang_s=2.0) as receiver:
        desk.add_webhook(receiver.url)
        desk.handle(new(event("ev1")))
        clock.advance(10)
        desk.tick()
        receiver.wait_for(2)
    assert webhook_attempts(desk, "ev1") == [
        (1, False, "timed out after 0.5 s"),
        (2, True, "200 OK"),
    ]


def test_a_4xx_is_not_retried(store: HubStore, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    desk = make_desk(store, tmp_path, clock)
    with webhook_receiver([404]) as receiver:
        desk.add_webhook(receiver.url)
        desk.handle(new(event("ev1")))
        clock.advance(1000)
        desk.tick()
        assert len(receiver.received) == 1
    ((attempt, ok, status),) = webhook_attempts(desk, "ev1")
    assert (attempt, ok) == (1, False)
    assert "not retried" in status
    assert store.due_webhook_retries(clock.now) == []


def test_five_failures_give_up(store: HubStore, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    desk = make_desk(store, tmp_path, clock)
    with webhook_receiver([500] * 6) as receiver:
        desk.add_webhook(receiver.url)
        desk.handle(new(event("ev1")))
        for wait in (10, 30, 90, 270, 270):
            clock.advance(wait)
            desk.tick()
        assert len(receiver.received) == 5
    attempts = webhook_attempts(desk, "ev1")
    assert [a for a, _, _ in attempts] == [1, 2, 3, 4, 5]
    assert "gave up after 5 attempts" in attempts[-1][2]


def test_a_pending_retry_survives_a_restart(store: HubStore, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    with webhook_receiver([500]) as receiver:
        first = make_desk(store, tmp_path, clock)
        first.add_webhook(receiver.url)
        first.handle(new(event("ev1")))
        receiver.wait_for(1)
        restarted = make_desk(store, tmp_path, clock)  # same store, a new desk
        clock.advance(10)
        restarted.tick()
        got = receiver.wait_for(2)
    assert got[0].body == got[1].body
    assert [(a, ok) for a, ok, _ in webhook_attempts(restarted, "ev1")] == [(1, False), (2, True)]


def test_an_unreachable_url_is_retried_and_the_test_button_pings(
    store: HubStore, tmp_path: Path
) -> None:
    clock = FakeClock(T0)
    desk = make_desk(store, tmp_path, clock)
    with webhook_receiver() as receiver:
        port = receiver.port
    hook, _ = desk.add_webhook(f"http://127.0.0.1:{port}/gone")  # nobody listens now
    desk.handle(new(event("ev1")))
    ((attempt, ok, status),) = webhook_attempts(desk, "ev1")
    assert (attempt, ok) == (1, False)
    assert status.startswith("could not connect")
    assert len(store.due_webhook_retries(clock.now + 10)) == 1
    with webhook_receiver() as receiver:
        ping_hook, secret = desk.add_webhook(receiver.url)
        result = desk.test_webhook(ping_hook.id)
        (got,) = receiver.wait_for(1)
    assert result.ok
    assert got.headers["x-frontporch-event"] == "ping"
    assert json.loads(got.body)["type"] == "ping"
    assert receiver.verify(got, secret)
    desk.remove_webhook(hook.id)
    assert store.due_webhook_retries(clock.now + 10) == []  # removed with its webhook


def test_the_worker_thread_runs_retries(store: HubStore, tmp_path: Path) -> None:
    clock = FakeClock(T0)
    desk = make_desk(store, tmp_path, clock)
    with webhook_receiver([500]) as receiver:
        desk.add_webhook(receiver.url)
        desk.start()
        try:
            desk.on_change(new(event("ev1")))
            receiver.wait_for(1)
            clock.advance(10)
            got = receiver.wait_for(2)
        finally:
            desk.stop()
    assert [g.answered for g in got] == [500, 200]
