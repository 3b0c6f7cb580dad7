"""Home Assistant's documented MQTT discovery schema, for checking the hub's payloads.

Transcribed from Home Assistant's documentation (home-assistant.io, source/_integrations:
`mqtt.markdown` "Discovery messages" and "origin"; `camera.mqtt`, `binary_sensor.mqtt`,
`switch.mqtt`, `sensor.mqtt` "Configuration Variables"), and the device and state
classes from the developer docs (developers.home-assistant.io/docs/core/entity/...).
It encodes, per component, the required keys, every key Home Assistant knows with its
type, and the allowed values of the enumerated ones. A key outside these lists is an
error: Home Assistant would drop it (or, for a misspelt required key, the entity).

Single-component discovery only: `platform` belongs to device-based discovery payloads,
so it is not allowed here.
"""

from __future__ import annotations

import re
from typing import Any

DISCOVERY_TOPIC = re.compile(
    r"^(?P<prefix>[^/+#]+)/(?P<component>[a-z_]+)/(?:(?P<node_id>[A-Za-z0-9_-]+)/)?"
    r"(?P<object_id>[A-Za-z0-9_-]+)/config$"
)
ICON = re.compile(r"^[a-z0-9-]+:[a-z0-9-]+$")

# Type names: "string", "boolean", "integer", "list", "map", "template", "icon",
# "topic" (no wildcards, non-empty), "string|list".
ENTITY_KEYS: dict[str, str] = {
    "availability": "list",
    "availability_mode": "string",
    "availability_template": "template",
    "availability_topic": "topic",
    "device": "map",
    "enabled_by_default": "boolean",
    "encoding": "string",
    "entity_category": "string",
    "entity_picture": "string",
    "icon": "icon",
    "json_attributes_template": "template",
    "json_attributes_topic": "topic",
    "name": "string",
    "object_id": "string",
    "origin": "map",
    "qos": "integer",
    "unique_id": "string",
}
# Documented as top-level keys on the state-bearing components (not on camera).
AVAILABILITY_PAYLOADS: dict[str, str] = {
    "payload_available": "string",
    "payload_not_available": "string",
}

COMPONENT_KEYS: dict[str, dict[str, str]] = {
    "camera": {"topic": "topic", "image_encoding": "string"},
    "binary_sensor": {
        **AVAILABILITY_PAYLOADS,
        "device_class": "string",
        "expire_after": "integer",
        "force_update": "boolean",
        "off_delay": "integer",
        "payload_off": "string",
        "payload_on": "string",
        "state_topic": "topic",
        "value_template": "template",
    },
    "switch": {
        **AVAILABILITY_PAYLOADS,
        "command_template": "template",
        "command_topic": "topic",
        "device_class": "string",
        "optimistic": "boolean",
        "payload_off": "string",
        "payload_on": "string",
        "retain": "boolean",
        "state_off": "string",
        "state_on": "string",
        "state_topic": "topic",
        "value_template": "template",
    },
    "sensor": {
        **AVAILABILITY_PAYLOADS,
        "device_class": "string",
        "expire_after": "integer",
        "force_update": "boolean",
        "last_reset_value_template": "template",
        "options": "list",
        "state_class": "string",
        "state_topic": "topic",
        "suggested_display_precision": "integer",
        "unit_of_measurement": "string",
        "value_template": "template",
    },
}

REQUIRED: dict[str, set[str]] = {
    "camera": {"topic"},
    "binary_sensor": {"state_topic"},
    "switch": {"command_topic"},
    "sensor": {"state_topic"},
}

DEVICE_KEYS: dict[str, str] = {
    "configuration_url": "string",
    "connections": "list",
    "hw_version": "string",
    "identifiers": "string|list",
    "manufacturer": "string",
    "model": "string",
    "model_id": "string",
    "name": "string",
    "serial_number": "string",
    "suggested_area": "string",
    "sw_version": "string",
    "via_device": "string",
}
ORIGIN_KEYS: dict[str, str] = {"name": "string", "sw_version": "string", "support_url": "string"}
AVAILABILITY_ITEM_KEYS: dict[str, str] = {
    "topic": "topic",
    "payload_available": "string",
    "payload_not_available": "string",
    "value_template": "template",
}

ENTITY_CATEGORIES = {"config", "diagnostic"}
AVAILABILITY_MODES = {"all", "any", "latest"}
BINARY_SENSOR_DEVICE_CLASSES = {
    "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door",
    "garage_door", "gas", "heat", "light", "lock", "moisture", "motion", "moving",
    "occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety",
    "smoke", "sound", "tamper", "update", "vibration", "window",
}  # fmt: skip
SWITCH_DEVICE_CLASSES = {"outlet", "switch"}
SENSOR_DEVICE_CLASSES = {
    "apparent_power", "aqi", "area", "atmospheric_pressure", "battery",
    "blood_glucose_concentration", "carbon_dioxide", "carbon_monoxide", "current",
    "data_rate", "data_size", "date", "distance", "duration", "energy", "energy_distance",
    "energy_storage", "enum", "frequency", "gas", "humidity", "illuminance", "irradiance",
    "moisture", "monetary", "nitrogen_dioxide", "nitrogen_monoxide", "nitrous_oxide",
    "ozone", "ph", "pm1", "pm10", "pm25", "power", "power_factor", "precipitation",
    "precipitation_intensity", "pressure", "reactive_power", "signal_strength",
    "sound_pressure", "speed", "sulphur_dioxide", "temperature", "timestamp",
    "volatile_organic_compounds", "volatile_organic_compounds_parts", "voltage", "volume",
    "volume_flow_rate", "volume_storage", "water", "weight", "wind_direction", "wind_speed",
}  # fmt: skip
SENSOR_STATE_CLASSES = {"measurement", "measurement_angle", "total", "total_increasing"}
DEVICE_CLASSES = {
    "binary_sensor": BINARY_SENSOR_DEVICE_CLASSES,
    "switch": SWITCH_DEVICE_CLASSES,
    "sensor": SENSOR_DEVICE_CLASSES,
}


def _type_problem(where: str, kind: str, value: Any) -> str | None:
    ok: bool
    if kind in ("string", "template"):
        ok = isinstance(value, str)
    elif kind == "topic":
        ok = isinstance(value, str) and bool(value) and not set(value) & {"+", "#"}
    elif kind == "icon":
        ok = isinstance(value, str) and bool(ICON.match(value))
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "list":
        ok = isinstance(value, list)
    elif kind == "map":
        ok = isinstance(value, dict)
    elif kind == "string|list":
        ok = isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
    else:  # pragma: no cover - a typo in this file
        raise ValueError(kind)
    return None if ok else f"{where}: expected {kind}, got {value!r}"


def _check_map(where: str, value: dict[str, Any], keys: dict[str, str]) -> list[str]:
    problems = []
    for key, item in value.items():
        if key not in keys:
            problems.append(f"{where}.{key}: not a key Home Assistant knows")
            continue
        problem = _type_problem(f"{where}.{key}", keys[key], item)
        if problem:
            problems.append(problem)
    return problems


def validate(component: str, payload: dict[str, Any]) -> list[str]:
    """Everything about `payload` that Home Assistant's schema for `component` refuses
    or would ignore; empty when it is valid."""
    if component not in COMPONENT_KEYS:
        return [f"{component}: not a component this schema covers"]
    keys = {**ENTITY_KEYS, **COMPONENT_KEYS[component]}
    problems = _check_map(component, payload, keys)
    problems += [
        f"{component}.{key}: required" for key in sorted(REQUIRED[component] - payload.keys())
    ]
    device = payload.get("device")
    if isinstance(device, dict):
        problems += _check_map(f"{component}.device", device, DEVICE_KEYS)
        if not device.get("identifiers") and not device.get("connections"):
            problems.append(f"{component}.device: needs identifiers or connections")
        if "unique_id" not in payload:
            problems.append(f"{component}.device: only works when unique_id is set")
    origin = payload.get("origin")
    if isinstance(origin, dict):
        problems += _check_map(f"{component}.origin", origin, ORIGIN_KEYS)
        if "name" not in origin:
            problems.append(f"{component}.origin.name: required")
    availability = payload.get("availability")
    if isinstance(availability, list):
        if "availability_topic" in payload:
            problems.append(f"{component}: availability and availability_topic together")
        for i, item in enumerate(availability):
            if not isinstance(item, dict) or "topic" not in item:
                problems.append(f"{component}.availability[{i}]: needs a topic")
            else:
                problems += _check_map(
                    f"{component}.availability[{i}]", item, AVAILABILITY_ITEM_KEYS
                )
    if payload.get("availability_mode", "latest") not in AVAILABILITY_MODES:
        problems.append(f"{component}.availability_mode: one of {sorted(AVAILABILITY_MODES)}")
    if payload.get("qos", 0) not in (0, 1, 2):
        problems.append(f"{component}.qos: 0, 1 or 2")
    category = payload.get("entity_category")
    if category is not None and category not in ENTITY_CATEGORIES:
        problems.append(f"{component}.entity_category: one of {sorted(ENTITY_CATEGORIES)}")
    if component in ("sensor", "binary_sensor") and category not in (None, "diagnostic"):
        problems.append(f"{component}.entity_category: must be diagnostic for sensors")
    device_class = payload.get("device_class")
    if device_class is not None and device_class not in DEVICE_CLASSES.get(component, set()):
        problems.append(f"{component}.device_class: {device_class!r} is not one Home Assistant has")
    if component == "sensor":
        state_class = payload.get("state_class")
        if state_class is not None and state_class not in SENSOR_STATE_CLASSES:
            problems.append(
                f"sensor.state_class: {state_class!r} is not one of {SENSOR_STATE_CLASSES}"
            )
        if "options" in payload and ("state_class" in payload or "unit_of_measurement" in payload):
            problems.append("sensor.options: not with state_class or unit_of_measurement")
        if "last_reset_value_template" in payload and state_class != "total":
            problems.append("sensor.last_reset_value_template: needs state_class total")
    return problems


def validate_topic(topic: str, discovery_prefix: str) -> list[str]:
    """Problems with a discovery config topic (format, prefix, id characters)."""
    match = DISCOVERY_TOPIC.match(topic)
    if match is None:
        return [
            f"{topic}: not <discovery_prefix>/<component>/[<node_id>/]<object_id>/config "
            "with ids of [A-Za-z0-9_-]"
        ]
    if match["prefix"] != discovery_prefix:
        return [f"{topic}: does not start with the discovery prefix {discovery_prefix!r}"]
    return []
