"""Home Assistant discovery payloads, checked against HA's documented schema
(tests/ha_discovery_schema.py), and the entities a Home Assistant user gets."""

from __future__ import annotations

import json
from collections import Counter

import jinja2

from frontporch.hub.controls import Switch
from frontporch.hub.mqtt.discovery import DiscoveryMessage, HubDevice, discovery_messages
from frontporch.hub.mqtt.topics import Topics
from ha_discovery_schema import validate, validate_topic

TOPICS = Topics("frontporch")
HUB = HubDevice("a1b2c3d4e5f6", "0.9.0")
CAMERAS = {"front-door": ["person", "car"], "yard": ["person"]}


def messages() -> list[DiscoveryMessage]:
    return discovery_messages(TOPICS, "homeassistant", HUB, CAMERAS)


def by_component(component: str) -> list[DiscoveryMessage]:
    return [m for m in messages() if m.component == component]


def test_every_payload_and_topic_follows_home_assistants_schema() -> None:
    problems = []
    for message in messages():
        problems += validate(message.component, message.payload)
        problems += validate_topic(message.topic, "homeassistant")
        assert message.topic.split("/")[1] == message.component
    assert problems == []


def test_the_schema_check_catches_a_key_home_assistant_does_not_know() -> None:
    payload = dict(by_component("switch")[0].payload, state_topik="x")
    assert validate("switch", payload) == ["switch.state_topik: not a key Home Assistant knows"]
    payload = dict(by_component("binary_sensor")[0].payload, device_class="person")
    assert validate("binary_sensor", payload) == [
        "binary_sensor.device_class: 'person' is not one Home Assistant has"
    ]
    camera = dict(by_component("camera")[0].payload)
    del camera["topic"]
    assert validate("camera", camera) == ["camera.topic: required"]
    assert validate_topic("homeassistant/switch/hub/front door/config", "homeassistant")


def test_one_device_shared_by_all_entities_each_with_a_unique_id_and_availability() -> None:
    payloads = [m.payload for m in messages()]
    devices = {repr(p["device"]) for p in payloads}
    assert len(devices) == 1
    assert payloads[0]["device"] == {
        "identifiers": ["frontporch_a1b2c3d4e5f6"],
        "name": "Frontporch hub",
        "manufacturer": "Frontporch",
        "model": "Frontporch hub",
        "sw_version": "0.9.0",
    }
    unique_ids = Counter(p["unique_id"] for p in payloads)
    assert max(unique_ids.values()) == 1
    assert {p["availability_topic"] for p in payloads} == {"frontporch/available"}
    topics = Counter(m.topic for m in messages())
    assert max(topics.values()) == 1


def test_per_camera_entities() -> None:
    cameras = by_component("camera")
    assert [c.payload["topic"] for c in cameras] == [
        "frontporch/front-door/all/snapshot",
        "frontporch/yard/all/snapshot",
    ]
    occupancy = {m.payload["state_topic"]: m.payload for m in by_component("binary_sensor")}
    assert set(occupancy) == {
        "frontporch/front-door/person",
        "frontporch/front-door/car",
        "frontporch/yard/person",
    }
    assert all(p["device_class"] == "occupancy" for p in occupancy.values())
    switches = {m.payload["command_topic"]: m.payload for m in by_component("switch")}
    for camera in CAMERAS:
        for switch in Switch:
            payload = switches[TOPICS.command(camera, switch)]
            assert payload["state_topic"] == TOPICS.state(camera, switch)
            assert payload["optimistic"] is False
            assert (payload["payload_on"], payload["payload_off"]) == ("ON", "OFF")
    assert switches["frontporch/away/set"]["state_topic"] == "frontporch/away/state"
    sensors = {m.payload["unique_id"]: m.payload for m in by_component("sensor")}
    fps = sensors["frontporch_a1b2c3d4e5f6_front-door_fps"]
    assert (fps["state_class"], fps["unit_of_measurement"]) == ("measurement", "fps")
    assert fps["state_topic"] == "frontporch/stats"
    skipped = sensors["frontporch_a1b2c3d4e5f6_yard_skipped_frames"]
    assert skipped["state_class"] == "total_increasing"


def _render(template: str, value: str) -> str:
    """Render a value_template the way Home Assistant does (Jinja2, `value` and
    `value_json` bound), with Home Assistant's `int` filter default."""
    env = jinja2.Environment(autoescape=False)  # not HTML
    try:
        value_json = json.loads(value)
    except ValueError:
        value_json = None
    return str(env.from_string(template).render(value=value, value_json=value_json))


def test_occupancy_template_turns_counts_into_on_and_off() -> None:
    template = by_component("binary_sensor")[0].payload["value_template"]
    assert _render(template, "0") == "OFF"
    assert _render(template, "2") == "ON"


def test_stats_templates_read_a_camera_with_a_dash_in_its_name() -> None:
    sensors = {m.payload["unique_id"]: m.payload for m in by_component("sensor")}
    template = sensors["frontporch_a1b2c3d4e5f6_front-door_fps"]["value_template"]
    stats = '{"cameras": {"front-door": {"fps": 14.5, "skipped_frames": 3}}, "time": 1}'
    assert _render(template, stats) == "14.5"
    assert _render(template, '{"cameras": {}, "time": 1}') == "None"
