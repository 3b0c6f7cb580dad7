"""Review items and the alert desk: events that overlap or follow closely are one alert,
a better snapshot re-sends it (at most every 15 s), the rules and switches hold alerts
back, and every delivery (a channel raising included) is recorded. The desk runs on the
real SQLite store with a recording channel (a fake of our `Channel` protocol); no
network is opened."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from alert_tools import T0, FakeAlertTables, RecordingChannel, end, event, new, update
from fakes import FakeClock
from frontporch.hub.alerts.grouping import Grouper, ReviewItem, Step
from frontporch.hub.alerts.model import Delivery
from frontporch.hub.alerts.records import WebhookRetry
from frontporch.hub.alerts.service import AlertDesk, build_alert, describe_labels
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.controls import Controls, Switch
from frontporch.hub.store.index import HubStore

JPEG_A = b"\xff\xd8first\xff\xd9"
JPEG_B = b"\xff\xd8better\xff\xd9"


# --- the pure grouper -------------------------------------------------------------------


def test_overlapping_events_of_one_camera_are_one_item_with_the_union() -> None:
    grouper = Grouper(join_gap_s=10)
    person = event("p1", labels=("person",), zones=("porch",))
    first = grouper.add(person, before_score=None, snapshot_jpeg=None)
    dog = event("d1", start=T0 + 2, labels=("dog",), zones=("drive",))
    second = grouper.add(dog, before_score=None, snapshot_jpeg=None)
    assert first.step is Step.new
    assert second.step is Step.joined
    assert second.item is first.item
    assert second.item.id == "p1"
    assert second.item.labels == ["person", "dog"]
    assert second.item.zones == ["porch", "drive"]
    assert second.item.event_ids == ["p1", "d1"]


def test_an_event_within_the_gap_after_the_end_joins_later_ones_do_not() -> None:
    grouper = Grouper(join_gap_s=10)
    grouper.add(event("a", end=T0 + 5), before_score=None, snapshot_jpeg=None)
    joined = grouper.add(event("b", start=T0 + 15), before_score=None, snapshot_jpeg=None)
    assert joined.item.id == "a"
    grouper.add(
        replace(event("b", start=T0 + 15), end=T0 + 20), before_score=0.7, snapshot_jpeg=None
    )
    apart = grouper.add(event("c", start=T0 + 31), before_score=None, snapshot_jpeg=None)
    assert apart.step is Step.new
    assert apart.item.id == "c"


def test_other_cameras_never_join() -> None:
    grouper = Grouper()
    grouper.add(event("a"), before_score=None, snapshot_jpeg=None)
    other = grouper.add(event("b", camera="back"), before_score=None, snapshot_jpeg=None)
    assert other.step is Step.new
    assert other.item.camera == "back"


def test_a_better_snapshot_marks_an_alerted_item_for_update_within_the_interval() -> None:
    grouper = Grouper(update_interval_s=15)
    e = event("a", score=0.6)
    item = grouper.add(e, before_score=None, snapshot_jpeg=JPEG_A).item
    grouper.mark_sent(item, T0)
    worse = grouper.add(replace(e, top_score=0.6), before_score=0.6, snapshot_jpeg=JPEG_B)
    assert worse.step is Step.changed
    assert not item.pending_update
    better = grouper.add(replace(e, top_score=0.9), before_score=0.6, snapshot_jpeg=JPEG_B)
    assert better.step is Step.better_snapshot
    assert item.snapshot_jpeg == JPEG_B
    assert grouper.due_updates(T0 + 5) == []  # waits for the interval
    assert grouper.due_updates(T0 + 15) == [item]
    grouper.mark_sent(item, T0 + 15)
    assert grouper.due_updates(T0 + 40) == []


def test_ended_items_are_forgotten_after_an_hour() -> None:
    grouper = Grouper()
    grouper.add(event("a", end=T0 + 5), before_score=None, snapshot_jpeg=None)
    grouper.forget_old(T0 + 60)
    assert len(grouper) == 1
    grouper.forget_old(T0 + 3700)
    assert len(grouper) == 0


def test_alert_words() -> None:
    assert describe_labels(["person"]) == "Person"
    assert describe_labels(["person", "dog"]) == "Person and dog"
    assert describe_labels(["person", "dog", "car"]) == "Person, dog and car"
    grouper = Grouper()
    item = grouper.add(event("e1", camera="front-door"), before_score=None, snapshot_jpeg=None).item
    alert = build_alert(item, update=False, local_clock="14:32")
    assert (alert.title, alert.body, alert.url) == (
        "Person at front-door",
        "Person · 14:32",
        "/events/e1",
    )


# --- the desk on the real store ---------------------------------------------------------


def config_at(root: Path, **alerts: object) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(root)},
            "alerts": alerts,
            "cameras": {
                name: {
                    "inputs": [{"url": f"/videos/{name}.mp4"}],
                    "objects": {"track": ["person", "dog", "car"]},
                    "zones": {"porch": {"polygon": [[0, 0], [1, 0], [1, 1]]}},
                }
                for name in ("front", "back")
            },
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as store:
        yield store


class Desk:
    def __init__(self, store: HubStore, root: Path) -> None:
        self.clock = FakeClock(T0)
        self.config = config_at(root)
        self.controls = Controls(store, self.config.cameras, clock=self.clock)
        self.desk = AlertDesk(self.config, store, root, self.controls, clock=self.clock)
        self.channel = RecordingChannel()
        self.desk.add_channel(self.channel)
        self.store = store


@pytest.fixture
def d(store: HubStore, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path)


def test_a_person_and_a_dog_together_are_one_alert(d: Desk) -> None:
    person = event("p1", zones=("porch",))
    d.desk.handle(new(person))
    d.clock.advance(2)
    d.desk.handle(new(event("d1", start=T0 + 2, labels=("dog",))))
    assert [a.id for a in d.channel.alerts] == ["p1"]
    alert = d.channel.alerts[0]
    assert alert.title == "Person at front"
    assert alert.url == "/events/p1"
    assert not alert.update
    page = d.desk.page()
    assert [s.alert.id for s in page.alerts] == ["p1"]
    (delivery,) = page.alerts[0].deliveries
    assert (delivery.channel, delivery.ok, delivery.status) == ("test", True, "kept")


def test_a_dog_item_is_alerted_when_a_person_joins_it(d: Desk) -> None:
    d.desk.handle(new(event("d1", labels=("dog",))))
    assert d.channel.alerts == []
    assert d.desk.last_decision is not None
    assert "person" in d.desk.last_decision.reason
    d.desk.handle(new(event("p1", start=T0 + 3)))
    assert [a.labels for a in d.channel.alerts] == [("dog", "person")]
    assert d.channel.alerts[0].id == "d1"


def test_better_snapshot_resends_as_update_at_most_every_15_s(d: Desk) -> None:
    e = event("p1", score=0.6)
    d.desk.handle(new(e))
    d.clock.advance(1)
    d.desk.handle(update(e, JPEG_A, top_score=0.7))  # within 15 s: waits
    assert len(d.channel.alerts) == 1
    d.clock.advance(14)
    d.desk.tick()
    assert [(a.update, a.snapshot_jpeg) for a in d.channel.alerts] == [
        (False, None),
        (True, JPEG_A),
    ]
    d.clock.advance(20)
    d.desk.handle(update(replace(e, top_score=0.7), JPEG_B, top_score=0.95))
    assert [a.snapshot_jpeg for a in d.channel.alerts][-1] == JPEG_B
    assert {a.id for a in d.channel.alerts} == {"p1"}
    d.desk.handle(end(replace(e, top_score=0.95), T0 + 40))
    assert len(d.channel.alerts) == 3
    record = d.store.get_alert("p1")
    assert record is not None
    assert record.sends == 3


def test_cooldown_per_camera_and_it_survives_a_restart(d: Desk, tmp_path: Path) -> None:
    d.desk.handle(new(event("a", end=T0 + 5)))
    d.clock.advance(30)
    d.desk.handle(new(event("b", start=T0 + 30)))  # a new item, inside the 60 s cooldown
    d.desk.handle(new(event("c", camera="back", start=T0 + 30)))  # another camera
    assert [a.id for a in d.channel.alerts] == ["a", "c"]
    assert d.desk.last_decision is not None
    later = Desk(d.store, tmp_path)  # a restarted hub: the last alert comes from the store
    later.clock.now = T0 + 40
    later.desk.handle(new(event("x", start=T0 + 40, end=T0 + 45)))
    assert later.channel.alerts == []
    later.clock.now = T0 + 70
    later.desk.handle(new(event("y", start=T0 + 70)))
    assert [a.id for a in later.channel.alerts] == ["y"]


def test_switches_and_stored_rules_are_obeyed(d: Desk) -> None:
    d.controls.set("front", Switch.alerts, False, by="owner")
    d.desk.handle(new(event("a", end=T0 + 5)))
    assert d.channel.alerts == []
    d.controls.set("front", Switch.alerts, True, by="owner")
    d.desk.set_rule("front", {"labels": ["person"], "only_when_away": True})
    d.desk.handle(new(event("b", start=T0 + 100, end=T0 + 105)))
    assert d.channel.alerts == []
    d.controls.set_away(True, by="owner")
    d.desk.handle(new(event("c", start=T0 + 200)))
    assert [a.id for a in d.channel.alerts] == ["c"]


def test_a_channel_that_raises_is_a_failed_delivery_and_others_still_get_it(
    d: Desk, store: HubStore, tmp_path: Path
) -> None:
    broken = RecordingChannel("broken", fail=RuntimeError("boom"))
    desk = AlertDesk(d.config, store, tmp_path, d.controls, clock=d.clock)
    after = RecordingChannel("after")
    desk.add_channel(broken)
    desk.add_channel(after)
    desk.handle(new(event("a")))
    assert [a.id for a in after.alerts] == ["a"]
    deliveries = {x.channel: x for x in desk.page().alerts[0].deliveries}
    assert not deliveries["broken"].ok
    assert deliveries["broken"].status == "error: boom"
    assert deliveries["after"].ok


def test_the_worker_thread_alerts_and_stops_promptly(d: Desk) -> None:
    d.desk.start()
    try:
        import threading

        assert any(t.name.startswith("hub-alerts") for t in threading.enumerate())
        d.desk.on_change(new(event("a")))
        deadline = time.monotonic() + 5
        while not d.channel.alerts and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [a.id for a in d.channel.alerts] == ["a"]
    finally:
        started = time.monotonic()
        d.desk.stop()
        assert time.monotonic() - started < 3
    assert not any(t.name.startswith("hub-alerts") for t in __import__("threading").enumerate())


def test_snapshot_from_disk_when_the_change_carries_none(d: Desk, tmp_path: Path) -> None:
    (tmp_path / "snaps").mkdir()
    (tmp_path / "snaps" / "a.jpg").write_bytes(JPEG_A)
    d.desk.handle(new(replace(event("a"), snapshot="snaps/a.jpg")))
    assert d.channel.alerts[0].snapshot_jpeg == JPEG_A


def test_the_log_pages_newest_first(d: Desk) -> None:
    for i in range(5):
        d.clock.now = T0 + i * 100
        d.desk.handle(new(event(f"e{i}", start=T0 + i * 100, end=T0 + i * 100 + 1)))
    first = d.desk.page(limit=2)
    assert [s.alert.id for s in first.alerts] == ["e4", "e3"]
    second = d.desk.page(limit=2, cursor=first.next_cursor)
    assert [s.alert.id for s in second.alerts] == ["e2", "e1"]
    last = d.desk.page(limit=2, cursor=second.next_cursor)
    assert [s.alert.id for s in last.alerts] == ["e0"]
    assert last.next_cursor is None


def test_the_in_memory_alert_tables_agree_with_the_real_store(store: HubStore) -> None:
    """tests/alert_tools.py:FakeAlertTables (for FakeStore) answers as the SQLite store."""

    def exercise(tables: Any) -> list[object]:
        seen: list[object] = []
        tables.set_alert_rule("front", '{"labels": ["dog"]}', T0)
        seen.append(tables.alert_rules())
        for i in range(3):
            tables.save_alert(
                build_alert(_item(f"e{i}", T0 + i), update=False, local_clock="x"), T0 + i
            )
        tables.save_alert(build_alert(_item("e1", T0 + 1), update=True, local_clock="x"), T0 + 9)
        tables.record_delivery("e1", False, Delivery("webhook", "u", False, "500", 1, T0 + 10), T0)
        tables.record_delivery("e1", True, Delivery("email", "m", True, "250"), T0)
        tables.clear_delivery_retry("e1", "webhook", "u")
        seen += [
            tables.list_alerts(2),
            tables.list_alerts(5, (T0 + 1, "e1")),
            tables.get_alert("e1"),
        ]
        seen += [tables.last_alert_time("front"), tables.last_alert_time("back")]
        seen.append(
            {
                k: [(d.channel, d.ok, d.retry_at, d.update) for d in v]
                for k, v in tables.deliveries_of(["e1", "e0"]).items()
            }
        )
        seen += [
            tables.add_webhook("w1", "http://a/", "s", T0),
            tables.add_webhook("w2", "http://a/", "t", T0),
        ]
        tables.save_webhook_retry(WebhookRetry("d1", "e1", "w1", False, b"{}", 1, T0 + 10))
        seen += [
            tables.list_webhooks(),
            tables.get_webhook("w1"),
            tables.due_webhook_retries(T0 + 10),
        ]
        seen.append(tables.due_webhook_retries(T0 + 9))
        seen += [
            tables.delete_webhook("w1"),
            tables.delete_webhook("w1"),
            tables.due_webhook_retries(T0 + 99),
        ]
        return seen

    assert exercise(FakeAlertTables()) == exercise(store)


def _item(event_id: str, start: float) -> ReviewItem:
    return Grouper().add(event(event_id, start=start), before_score=None, snapshot_jpeg=None).item


def test_an_update_is_held_back_by_the_switch_but_not_by_the_cooldown(d: Desk) -> None:
    e = event("p1", score=0.5)
    d.desk.handle(new(e))
    d.clock.advance(20)  # inside the 60 s cooldown: an update still goes
    d.desk.handle(update(e, JPEG_A, top_score=0.8))
    assert [a.update for a in d.channel.alerts] == [False, True]
    d.controls.set("front", Switch.alerts, False, by="owner")
    d.clock.advance(20)
    d.desk.handle(update(replace(e, top_score=0.8), JPEG_B, top_score=0.9))
    d.desk.tick()
    assert [a.update for a in d.channel.alerts] == [False, True]
