"""Home Assistant MQTT discovery payloads for the hub: pure, no client.

Follows Home Assistant's published schema (https://www.home-assistant.io/integrations/mqtt/
"Discovery messages", and the `camera.mqtt`, `binary_sensor.mqtt`, `switch.mqtt` and
`sensor.mqtt` pages): one retained JSON config per entity on
`<discovery_prefix>/<component>/<node_id>/<object_id>/config`, where node_id and
object_id use only [A-Za-z0-9_-]. The hub is one device (identifiers = its hub id) and
every entity carries that device, a `unique_id`, the hub's availability topic and the
origin (who published the config). Per camera:

- `camera`: the latest snapshot of any label (`<prefix>/<camera>/all/snapshot`);
- `binary_sensor` per tracked label, device class occupancy, ON while the label's count
  topic is above zero;
- `switch` for detection, recording and alerts (state confirmed by the hub: not
  optimistic);
- `sensor` for the input and analysed frame rates (fps, measurement) and the skipped
  frames (a running total);

and for the household, an "away" switch ("nobody home", which alert rules can require).
Only keys Home Assistant documents are used; tests/ha_discovery_schema.py checks that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from frontporch.hub.controls import Switch
from frontporch.hub.mqtt.topics import (
    ALL_LABELS,
    OFF,
    ON,
    SWITCH_TOPIC,
    Topics,
    topic_word,
)

MANUFACTURER = "Frontporch"
MODEL = "Frontporch hub"

_SWITCH_NAMES = {Switch.detect: "detection", Switch.record: "recording", Switch.alerts: "alerts"}
_SWITCH_ICONS = {
    Switch.detect: "mdi:motion-sensor",
    Switch.record: "mdi:record-rec",
    Switch.alerts: "mdi:bell-ring",
}


@dataclass(frozen=True, slots=True)
class DiscoveryMessage:
    """One entity's config: publish `payload` as JSON on `topic`, retained."""

    component: str
    topic: str
    payload: dict[str, Any]

    def encoded(self) -> bytes:
        return json.dumps(self.payload, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class HubDevice:
    """What Home Assistant's device registry shows for the hub."""

    hub_id: str
    version: str

    @property
    def node_id(self) -> str:
        return topic_word(f"frontporch_{self.hub_id}")

    def device(self) -> dict[str, Any]:
        return {
            "identifiers": [self.node_id],
            "name": "Frontporch hub",
            "manufacturer": MANUFACTURER,
            "model": MODEL,
            "sw_version": self.version,
        }

    def origin(self) -> dict[str, Any]:
        return {"name": "Frontporch", "sw_version": self.version}


def discovery_messages(
    topics: Topics,
    discovery_prefix: str,
    hub: HubDevice,
    cameras: Mapping[str, Sequence[str]],
) -> list[DiscoveryMessage]:
    """Every entity's config, for `cameras` (name -> tracked labels)."""
    builder = _Builder(topics, discovery_prefix, hub)
    messages: list[DiscoveryMessage] = []
    for camera, labels in cameras.items():
        messages.append(builder.camera(camera))
        messages.extend(builder.occupancy(camera, label) for label in labels)
        messages.extend(builder.switch(camera, switch) for switch in Switch)
        messages.extend(builder.stats_sensors(camera))
    messages.append(builder.away())
    return messages


class _Builder:
    def __init__(self, topics: Topics, discovery_prefix: str, hub: HubDevice) -> None:
        self.topics = topics
        self.prefix = discovery_prefix
        self.hub = hub

    def _entity(
        self, component: str, object_id: str, name: str, fields: dict[str, Any]
    ) -> DiscoveryMessage:
        object_id = topic_word(object_id)
        unique_id = f"{self.hub.node_id}_{object_id}"
        payload: dict[str, Any] = {
            "name": name,
            "unique_id": unique_id,
            # HA's default payloads are the hub's ("online" / "offline"), so none are set:
            # the camera component documents no top-level payload_available.
            "availability_topic": self.topics.available,
            "device": self.hub.device(),
            "origin": self.hub.origin(),
            **fields,
        }
        topic = f"{self.prefix}/{component}/{self.hub.node_id}/{object_id}/config"
        return DiscoveryMessage(component, topic, payload)

    def camera(self, camera: str) -> DiscoveryMessage:
        return self._entity(
            "camera",
            f"{camera}_snapshot",
            f"{camera} snapshot",
            {"topic": self.topics.snapshot(camera, ALL_LABELS)},
        )

    def occupancy(self, camera: str, label: str) -> DiscoveryMessage:
        return self._entity(
            "binary_sensor",
            f"{camera}_{label}_occupancy",
            f"{camera} {label} occupancy",
            {
                "state_topic": self.topics.count(camera, label),
                "device_class": "occupancy",
                "value_template": "{{ 'ON' if value | int(0) > 0 else 'OFF' }}",
                "payload_on": ON,
                "payload_off": OFF,
            },
        )

    def switch(self, camera: str, switch: Switch) -> DiscoveryMessage:
        return self._entity(
            "switch",
            f"{camera}_{SWITCH_TOPIC[switch]}",
            f"{camera} {_SWITCH_NAMES[switch]}",
            {
                "command_topic": self.topics.command(camera, switch),
                "state_topic": self.topics.state(camera, switch),
                "payload_on": ON,
                "payload_off": OFF,
                "optimistic": False,
                "icon": _SWITCH_ICONS[switch],
                "entity_category": "config",
            },
        )

    def stats_sensors(self, camera: str) -> list[DiscoveryMessage]:
        # Camera names may hold '-', which Jinja reads as minus in `a.b-c`: index instead.
        path = f"value_json.cameras[{json.dumps(camera)}]"
        stat = f"{{{{ {path}.%s if {json.dumps(camera)} in value_json.cameras else none }}}}"
        common = {"state_topic": self.topics.stats, "entity_category": "diagnostic"}
        return [
            self._entity(
                "sensor",
                f"{camera}_fps",
                f"{camera} camera fps",
                {
                    **common,
                    "value_template": stat % "fps",
                    "unit_of_measurement": "fps",
                    "state_class": "measurement",
                    "suggested_display_precision": 1,
                },
            ),
            self._entity(
                "sensor",
                f"{camera}_analyzed_fps",
                f"{camera} analysed fps",
                {
                    **common,
                    "value_template": stat % "analyzed_fps",
                    "unit_of_measurement": "fps",
                    "state_class": "measurement",
                    "suggested_display_precision": 1,
                },
            ),
            self._entity(
                "sensor",
                f"{camera}_skipped_frames",
                f"{camera} skipped frames",
                {
                    **common,
                    "value_template": stat % "skipped_frames",
                    "unit_of_measurement": "frames",
                    # a count since the camera's worker started; a restart resets it
                    "state_class": "total_increasing",
                    "icon": "mdi:debug-step-over",
                },
            ),
        ]

    def away(self) -> DiscoveryMessage:
        return self._entity(
            "switch",
            "away",
            "Away (nobody home)",
            {
                "command_topic": self.topics.away_command,
                "state_topic": self.topics.away_state,
                "payload_on": ON,
                "payload_off": OFF,
                "optimistic": False,
                "icon": "mdi:home-export-outline",
            },
        )
