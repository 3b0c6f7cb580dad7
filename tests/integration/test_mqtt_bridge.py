"""The MQTT bridge against a real Mosquitto broker (tests/mqtt_broker.py).

Events arrive in order with their before/after states, discovery configs are retained
and valid, commands change the switches and their retained state, the bridge survives
the broker restarting (and forgetting everything), and wrong credentials or bad
command payloads are logged with a reason and never raised.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from frontporch.hub.alerts.model import Alert
from frontporch.hub.changes import ChangeType, EventChange, StatsChange
from frontporch.hub.config import CameraConfig, parse_config
from frontporch.hub.controls import Controls, Switch
from frontporch.hub.mqtt.bridge import MqttBridge
from frontporch.hub.mqtt.channel import MqttAlertChannel
from frontporch.hub.mqtt.config import MqttConfig
from frontporch.hub.mqtt.discovery import HubDevice, discovery_messages
from frontporch.hub.mqtt.topics import Topics
from frontporch.hub.process.messages import CameraState, WorkerStats
from frontporch.hub.store.records import Event
from frontporch.scenes import write_scene
from ha_discovery_schema import validate
from hubtools import camera, hub_config, running_hub
from mqtt_broker import Broker, Subscriber, retained, running_broker, subscriber, wait_for

pytestmark = pytest.mark.mqtt

HUB_ID = "0123456789ab"
TOPICS = Topics("frontporch")
JPEG = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"


class MemorySwitches:
    """The switch store `Controls` keeps values in (a fake of the hub index's table)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], bool] = {}

    def switch_values(self) -> dict[tuple[str, str], bool]:
        return dict(self.values)

    def set_switch(self, scope: str, name: str, value: bool, by: str, at: float) -> None:
        self.values[(scope, name)] = value


def cameras() -> dict[str, CameraConfig]:
    config = parse_config(
        {
            "cameras": {
                "front-door": {
                    "inputs": [{"url": "front.mp4"}],
                    "objects": {"track": ["person", "car"]},
                },
                "yard": {"inputs": [{"url": "yard.mp4"}]},
            }
        }
    )
    return dict(config.cameras)


@contextmanager
def running_bridge(port: int, **settings: object) -> Iterator[tuple[MqttBridge, Controls]]:
    config = MqttConfig(enabled=True, host="127.0.0.1", port=port, **settings)
    cams = cameras()
    controls = Controls(MemorySwitches(), cams)
    bridge = MqttBridge(config, cams, controls, hub_id=HUB_ID, version="0.9.0")
    bridge.start()
    try:
        yield bridge, controls
    finally:
        bridge.stop()


def event(
    labels: tuple[str, ...] = ("person",), end: float | None = None, event_id: str = "ev1"
) -> Event:
    return Event(
        id=event_id,
        camera="front-door",
        labels=labels,
        top_score=0.9,
        start=1000.0,
        end=end,
        zones=(),
        snapshot="snapshots/ev1.jpg",
        clip=None,
        created=1000.0,
        updated=1000.0,
    )


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with running_broker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
def watch(broker: Broker) -> Iterator[Subscriber]:
    with subscriber(broker.port, ["frontporch/#"]) as sub:
        yield sub


def test_events_arrive_in_order_with_before_and_after(broker: Broker, watch: Subscriber) -> None:
    with running_bridge(broker.port) as (bridge, _):
        watch.wait_last(TOPICS.available, "online")
        first, second = event(), event(labels=("person", "car"))
        bridge.on_change(EventChange(ChangeType.new, None, first, snapshot_jpeg=JPEG))
        bridge.on_change(EventChange(ChangeType.update, first, second))
        bridge.on_change(EventChange(ChangeType.end, second, event(("person", "car"), 1010.0)))
        wait_for(lambda: len(watch.on(TOPICS.events)) == 3, 10, "three event messages")
        events = [json.loads(m.payload) for m in watch.on(TOPICS.events)]
        assert [e["type"] for e in events] == ["new", "update", "end"]
        assert events[0]["before"] is None
        assert events[1]["before"]["labels"] == ["person"]
        assert events[1]["after"]["labels"] == ["person", "car"]
        assert events[2]["after"]["end_time"] == 1010.0
        assert all(e["after"]["id"] == "ev1" for e in events)
        watch.wait_last(TOPICS.count("front-door", "person"), "0")
        counts = [m.text for m in watch.on(TOPICS.count("front-door", "person"))]
        assert counts[-2:] == ["1", "0"]
        snapshot = watch.last(TOPICS.snapshot("front-door", "person"))
        assert snapshot is not None
        assert snapshot.payload == JPEG
    held = {m.topic: m.payload for m in retained(broker.port, ["frontporch/#"])}
    assert held[TOPICS.snapshot("front-door", "all")] == JPEG
    assert held[TOPICS.available] == b"offline"  # stop() said goodbye


def test_discovery_payloads_are_retained_and_valid(broker: Broker) -> None:
    with running_bridge(broker.port) as (bridge, _):
        assert bridge.wait_connected(10)
        expected = discovery_messages(
            TOPICS, "homeassistant", HubDevice(HUB_ID, "0.9.0"), {"front-door": [], "yard": []}
        )
        wanted = {m.topic for m in expected}
        wait_for(
            lambda: wanted <= {m.topic for m in retained(broker.port, ["homeassistant/#"], 0.2)},
            10,
            "retained discovery configs",
        )
        held = retained(broker.port, ["homeassistant/#"])
        problems = []
        for message in held:
            component = message.topic.split("/")[1]
            problems += validate(component, json.loads(message.payload))
        assert problems == []
        # Every switch state is retained too, so Home Assistant shows it at once.
        states = {m.topic: m.text for m in retained(broker.port, ["frontporch/+/+/state"])}
        assert states[TOPICS.state("yard", Switch.detect)] == "ON"
        # Home Assistant's birth message (it restarted) brings the configs again.
        with subscriber(broker.port, ["homeassistant/+/+/+/config"]) as sub:
            wait_for(lambda: len(sub.on(expected[0].topic)) == 1, 10, "the retained copy")
            sub.publish("homeassistant/status", "online")
            wait_for(lambda: len(sub.on(expected[0].topic)) == 2, 10, "discovery sent again")


def test_commands_change_the_switches_and_their_retained_state(
    broker: Broker, watch: Subscriber
) -> None:
    with running_bridge(broker.port) as (_, controls):
        watch.wait_last(TOPICS.available, "online")
        watch.publish(TOPICS.command("front-door", Switch.detect), "OFF")
        watch.wait_last(TOPICS.state("front-door", Switch.detect), "OFF")
        assert controls.switches("front-door").detect is False
        watch.publish(TOPICS.away_command, "on")
        watch.wait_last(TOPICS.away_state, "ON")
        assert controls.away is True
        # A switch changed elsewhere (the hub's UI) is published back as well.
        controls.set("yard", Switch.record, False, by="owner")
        watch.wait_last(TOPICS.state("yard", Switch.record), "OFF")
    held = {m.topic: m.text for m in retained(broker.port, ["frontporch/#"])}
    assert held[TOPICS.state("front-door", Switch.detect)] == "OFF"
    assert held[TOPICS.state("yard", Switch.record)] == "OFF"


def test_bad_command_payloads_are_ignored_with_a_logged_reason(
    broker: Broker, watch: Subscriber, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="frontporch.hub.mqtt")
    with running_bridge(broker.port) as (_, controls):
        watch.wait_last(TOPICS.available, "online")
        watch.publish(TOPICS.command("front-door", Switch.alerts), "maybe")
        watch.publish("frontporch/garage/detect/set", "OFF")
        watch.publish(TOPICS.command("yard", Switch.alerts), "OFF")  # a good one, after
        watch.wait_last(TOPICS.state("yard", Switch.alerts), "OFF")
        assert controls.switches("front-door").alerts is True
    text = caplog.text
    assert (
        "ignored an MQTT command on frontporch/front-door/alerts/set: "
        "the payload must be ON or OFF, not 'MAYBE'" in text
    )
    assert "ignored an MQTT command on frontporch/garage/detect/set: no camera named" in text


def test_the_bridge_reconnects_after_the_broker_restarts(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="frontporch.hub.mqtt")
    with running_bridge(broker.port) as (bridge, controls):
        assert bridge.wait_connected(10)
        controls.set("yard", Switch.alerts, False, by="owner")
        broker.restart()  # no persistence: every retained message is gone
        wait_for(lambda: "lost the connection" in caplog.text, 10, "the disconnect logged")
        assert bridge.wait_connected(20)

        # The bridge republishes availability, discovery, then every switch
        # state; wait for the last of them, not just the first.
        states = {TOPICS.state(camera, switch) for camera in cameras() for switch in Switch}
        states.add(TOPICS.away_state)

        def republished() -> dict[str, str] | None:
            held = {m.topic: m.text for m in retained(broker.port, ["#"], 0.3)}
            configs = [t for t in held if t.startswith("homeassistant/")]
            complete = held.get(TOPICS.available) == "online" and configs and states <= held.keys()
            return held if complete else None

        held = wait_for(republished, 20, "availability, discovery and switch states republished")
        assert held[TOPICS.state("yard", Switch.alerts)] == "OFF"
        # Events flow again over the new connection.
        with subscriber(broker.port, [TOPICS.events]) as sub:
            bridge.on_change(EventChange(ChangeType.new, None, event(event_id="after")))
            wait_for(lambda: sub.on(TOPICS.events), 10, "an event after the restart")


def test_wrong_credentials_are_logged_in_words_and_nothing_is_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="frontporch.hub.mqtt")
    password_file = tmp_path / "mqtt-password"
    password_file.write_text("wrong-password\n")
    with (
        running_broker(tmp_path / "broker", users={"hub": "right-password"}) as broker,
        running_bridge(broker.port, username="hub", password_file=password_file) as (bridge, _),
    ):
        wait_for(
            lambda: "the broker refused the user name or password" in caplog.text,
            10,
            "the refusal logged",
        )
        assert not bridge.connected
        delivery = MqttAlertChannel(bridge).deliver(alert())
        assert [(d.ok, d.status) for d in delivery] == [(False, "not connected to the broker")]
    assert "wrong-password" not in caplog.text
    # The right password connects.
    password_file.write_text("right-password\n")
    with (
        running_broker(tmp_path / "broker2", users={"hub": "right-password"}) as broker,
        running_bridge(broker.port, username="hub", password_file=password_file) as (bridge, _),
    ):
        assert bridge.wait_connected(10)


def test_an_unreachable_broker_is_logged_and_the_bridge_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="frontporch.hub.mqtt")
    broker = Broker(tmp_path / "later")  # its port, nobody listening yet
    with running_bridge(broker.port) as (bridge, _):
        wait_for(lambda: "cannot reach the MQTT broker" in caplog.text, 10, "the failure logged")
        bridge.on_change(EventChange(ChangeType.new, None, event(event_id="early")))
        broker.start()
        try:
            assert bridge.wait_connected(20)  # the backoff retries found it
            with subscriber(broker.port, [TOPICS.available]) as sub:
                sub.wait_last(TOPICS.available, "online")
        finally:
            broker.stop()


def alert() -> Alert:
    return Alert(
        id="al1",
        camera="front-door",
        labels=("person",),
        zones=(),
        event_ids=("ev1",),
        start=1000.0,
        title="Person at front-door",
        body="Person · 14:32",
        url="/events/ev1",
        snapshot_jpeg=JPEG,
    )


def test_alerts_and_stats_are_published(broker: Broker, watch: Subscriber) -> None:
    with running_bridge(broker.port) as (bridge, _):
        assert bridge.wait_connected(10)
        deliveries = MqttAlertChannel(bridge).deliver(alert())
        assert [(d.channel, d.ok) for d in deliveries] == [("mqtt", True)]
        wait_for(lambda: watch.on(TOPICS.alerts), 10, "the alert message")
        message = json.loads(watch.on(TOPICS.alerts)[0].payload)
        assert message["title"] == "Person at front-door"
        stats = WorkerStats("yard", CameraState.online, 15.0, 5.0, 3, 0, None, True)
        bridge.on_change(StatsChange("yard", stats))
        wait_for(lambda: watch.on(TOPICS.stats), 10, "a stats message")
        cameras = json.loads(watch.on(TOPICS.stats)[0].payload)["cameras"]
        assert cameras["yard"]["skipped_frames"] == 3


def test_tls_with_the_brokers_authority_and_a_name_mismatch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="frontporch.hub.mqtt")
    with running_broker(tmp_path / "broker", tls=True) as broker:
        tls = {"enabled": True, "ca_file": broker.ca_file}
        config = MqttConfig(enabled=True, host="localhost", port=broker.port, tls=tls)
        cams = cameras()
        bridge = MqttBridge(config, cams, Controls(MemorySwitches(), cams), HUB_ID, "0.9.0")
        bridge.start()
        try:
            assert bridge.wait_connected(10)
        finally:
            bridge.stop()
        # The certificate names "localhost", not 127.0.0.1: refused unless told otherwise.
        with running_bridge(broker.port, tls=tls) as (bridge, _):
            wait_for(lambda: "TLS certificate was not accepted" in caplog.text, 10, "the refusal")
            assert not bridge.connected
        with running_bridge(broker.port, tls={**tls, "insecure": True}) as (bridge, _):
            assert bridge.wait_connected(10)


@pytest.mark.slow
def test_a_real_hub_publishes_a_person_event_from_a_camera(
    tmp_path: Path, broker: Broker, watch: Subscriber
) -> None:
    """The whole way: camera worker -> index writer -> Changes -> bridge -> broker."""
    scene = tmp_path / "porch.mp4"
    write_scene("porch", scene, width=640, height=360, duration_s=20, seed=1)
    raw = hub_config(tmp_path / "hub", {"porch": camera(scene, loop=True)})
    raw["mqtt"] = {"enabled": True, "host": "127.0.0.1", "port": broker.port}
    with running_hub(raw) as hub:
        watch.wait_last(TOPICS.available, "online", timeout=30)

        def ended() -> list[dict[str, object]] | None:
            events = [json.loads(m.payload) for m in watch.on(TOPICS.events)]
            return events if any(e["type"] == "end" for e in events) else None

        events = wait_for(ended, 120, "an event's end on the events topic")
        first = events[0]
        assert first["type"] == "new"
        assert first["after"]["camera"] == "porch"
        assert first["after"]["label"] == "person"
        ends = [
            e for e in events if e["type"] == "end" and e["after"]["id"] == first["after"]["id"]
        ]
        assert ends, "the first event's own end arrived"
        assert watch.last(TOPICS.count("porch", "person")) is not None
        assert watch.last(TOPICS.snapshot("porch", "all")) is not None
        assert hub.store.get_event(str(first["after"]["id"])) is not None


def test_an_unreadable_password_file_turns_mqtt_off_with_a_reason(
    tmp_path: Path, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "no-such-password"
    with running_bridge(broker.port, username="hub", password_file=missing) as (bridge, _):
        reason = "MQTT is off: cannot read the MQTT password file"
        wait_for(lambda: reason in caplog.text, 5, "the reason logged")
        bridge.on_change(EventChange(ChangeType.new, None, event()))  # still harmless
        assert not bridge.connected
