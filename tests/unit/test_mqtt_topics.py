"""MQTT topics, payloads, occupancy counts and the `mqtt:` config section, without a broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from frontporch.hub.alerts.model import Alert
from frontporch.hub.changes import ChangeType, EventChange
from frontporch.hub.config import parse_config
from frontporch.hub.controls import Switch
from frontporch.hub.mqtt.client import refusal_reason
from frontporch.hub.mqtt.config import MqttConfig, MqttPasswordError
from frontporch.hub.mqtt.occupancy import Occupancy
from frontporch.hub.mqtt.topics import (
    Command,
    Topics,
    alert_payload,
    event_payload,
    parse_on_off,
    stats_payload,
    topic_word,
)
from frontporch.hub.process.messages import CameraState, WorkerStats
from frontporch.hub.store.records import Event

TOPICS = Topics("frontporch")
CAMERAS = {"front-door": object(), "yard": object()}


def event(
    event_id: str = "ev1",
    camera: str = "front-door",
    labels: tuple[str, ...] = ("person",),
    end: float | None = None,
    snapshot: str | None = None,
) -> Event:
    return Event(
        id=event_id,
        camera=camera,
        labels=labels,
        top_score=0.91,
        start=1000.0,
        end=end,
        zones=("porch",),
        snapshot=snapshot,
        clip=None,
        created=1000.0,
        updated=1001.0,
    )


def test_topics_follow_frigates_layout() -> None:
    assert TOPICS.available == "frontporch/available"
    assert TOPICS.events == "frontporch/events"
    assert TOPICS.count("front-door", "person") == "frontporch/front-door/person"
    assert TOPICS.snapshot("front-door", "all") == "frontporch/front-door/all/snapshot"
    assert TOPICS.state("yard", Switch.record) == "frontporch/yard/recording/state"
    assert TOPICS.command("yard", Switch.detect) == "frontporch/yard/detect/set"
    assert TOPICS.away_command == "frontporch/away/set"


def test_a_label_with_wildcards_or_slashes_stays_one_topic_level() -> None:
    assert topic_word("traffic light") == "traffic_light"
    assert TOPICS.count("yard", "a/b+#") == "frontporch/yard/a_b__"


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("frontporch/front-door/detect/set", Command("front-door", Switch.detect)),
        ("frontporch/yard/recording/set", Command("yard", Switch.record)),
        ("frontporch/yard/alerts/set", Command("yard", Switch.alerts)),
        ("frontporch/away/set", Command(None, None)),
    ],
)
def test_command_topics_parse(topic: str, expected: Command) -> None:
    assert TOPICS.parse_command(topic, CAMERAS) == expected


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("frontporch/garage/detect/set", "no camera named 'garage'"),
        ("frontporch/yard/snapshots/set", "no switch named 'snapshots'"),
        ("frontporch/yard/detect/state", "is not a command topic"),
        ("other/yard/detect/set", "is not a command topic"),
    ],
)
def test_unknown_command_topics_say_why(topic: str, reason: str) -> None:
    result = TOPICS.parse_command(topic, CAMERAS)
    assert isinstance(result, str)
    assert reason in result


def test_on_off_payloads() -> None:
    assert parse_on_off(b"ON") is True
    assert parse_on_off(b" off\n") is False
    assert parse_on_off(b"maybe") == "the payload must be ON or OFF, not 'MAYBE'"
    assert parse_on_off(b"\xff\xfe") == "the payload is not text"


def test_event_payload_has_type_before_and_after() -> None:
    before = event()
    after = event(labels=("person", "dog"), end=1010.0, snapshot="snap/ev1.jpg")
    message = json.loads(event_payload(EventChange(ChangeType.end, before, after)))
    assert message["type"] == "end"
    assert message["before"]["end_time"] is None
    assert message["after"] == {
        "id": "ev1",
        "camera": "front-door",
        "label": "person",
        "labels": ["person", "dog"],
        "zones": ["porch"],
        "top_score": 0.91,
        "start_time": 1000.0,
        "end_time": 1010.0,
        "has_snapshot": True,
        "has_clip": False,
    }
    new = json.loads(event_payload(EventChange(ChangeType.new, None, before)))
    assert new["before"] is None


def test_stats_payload_per_camera() -> None:
    stats = WorkerStats("yard", CameraState.online, 14.987, 5.0, 42, 1, None, True)
    message = json.loads(stats_payload({"yard": stats}, now=123.0))
    assert message == {
        "cameras": {
            "yard": {
                "fps": 14.99,
                "analyzed_fps": 5.0,
                "skipped_frames": 42,
                "state": "online",
                "recording": True,
                "reconnects": 1,
            }
        },
        "time": 123.0,
    }


def test_alert_payload_carries_no_image() -> None:
    alert = Alert(
        id="al1",
        camera="yard",
        labels=("person",),
        zones=(),
        event_ids=("ev1",),
        start=1000.0,
        title="Person at yard",
        body="Person · 14:32",
        url="/events/ev1",
        snapshot_jpeg=b"\xff\xd8jpeg",
    )
    message = json.loads(alert_payload(alert))
    assert message["event_ids"] == ["ev1"]
    assert message["update"] is False
    assert all("jpeg" not in str(value) for value in message.values())


def test_occupancy_counts_ongoing_events_per_label() -> None:
    occupancy = Occupancy()
    changed = occupancy.apply(EventChange(ChangeType.new, None, event("a")))
    assert changed == {("front-door", "person"): 1, ("front-door", "all"): 1}
    changed = occupancy.apply(EventChange(ChangeType.new, None, event("b", labels=("dog",))))
    assert changed == {("front-door", "dog"): 1, ("front-door", "all"): 2}
    # An update adding a label counts it from then on; an unchanged update changes nothing.
    assert occupancy.apply(EventChange(ChangeType.update, event("a"), event("a"))) == {}
    changed = occupancy.apply(
        EventChange(ChangeType.update, event("a"), event("a", labels=("person", "dog")))
    )
    assert changed == {("front-door", "dog"): 2}
    changed = occupancy.apply(EventChange(ChangeType.end, event("a"), event("a", end=5.0)))
    assert changed == {
        ("front-door", "person"): 0,
        ("front-door", "dog"): 1,
        ("front-door", "all"): 1,
    }
    assert occupancy.counts("front-door", ["person", "dog"]) == {"person": 0, "dog": 1, "all": 1}
    assert occupancy.counts("yard", ["person"]) == {"person": 0, "all": 0}


def test_mqtt_is_off_by_default_and_an_empty_section_is_valid() -> None:
    config = parse_config({"cameras": {"c": {"inputs": [{"url": "a"}]}}, "mqtt": {}})
    assert config.mqtt.enabled is False
    assert config.mqtt.effective_port == 1883
    assert MqttConfig(tls={"enabled": True}).effective_port == 8883


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"topic_prefix": "front/#"}, "without wildcards"),
        ({"topic_prefix": "front/"}, "trailing"),
        ({"discovery_prefix": ""}, "without wildcards"),
        ({"username": "hub", "password_file": "a", "password_env": "B"}, "not both"),
        ({"password_env": "MQTT_PASSWORD"}, "a password needs a username"),
        ({"password_env": "not a name"}, "environment variable name"),
        ({"password": "secret"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_mqtt_settings_are_refused_with_a_reason(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        MqttConfig(**fields)


def test_password_comes_from_a_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "mqtt-password"
    secret.write_text("s3cret-value\n")
    assert MqttConfig(username="hub", password_file=secret).read_password() == "s3cret-value"
    monkeypatch.setenv("FP_MQTT_PASSWORD", "from-env")
    assert MqttConfig(username="hub", password_env="FP_MQTT_PASSWORD").read_password() == (
        "from-env"
    )
    assert MqttConfig().read_password() is None


def test_an_unreadable_password_says_where_not_what(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(MqttPasswordError, match=r"cannot read the MQTT password file .*nope"):
        MqttConfig(username="hub", password_file=missing).read_password()
    monkeypatch.delenv("FP_MQTT_UNSET", raising=False)
    with pytest.raises(MqttPasswordError, match=r"FP_MQTT_UNSET .* is not set"):
        MqttConfig(username="hub", password_env="FP_MQTT_UNSET").read_password()


def test_refusals_are_said_in_words() -> None:
    assert refusal_reason(134) == "the broker refused the user name or password"
    assert refusal_reason(135).startswith("the broker refused the user name or password")
    assert refusal_reason(136) == "the broker is unavailable"
    assert "reason code 250" in refusal_reason(250)
