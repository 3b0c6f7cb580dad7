"""The hub's MQTT topics and payloads: pure builders and parsers, no client.

Laid out like Frigate's (https://docs.frigate.video/integrations/mqtt), so automations
written for it read naturally here; `<prefix>` is `mqtt.topic_prefix`:

- `<prefix>/available`: "online" / "offline" (retained; "offline" is also the will);
- `<prefix>/events`: JSON `{type: new|update|end, before, after}` per event change;
- `<prefix>/<camera>/<label>`: how many events with that label are going on (retained),
  and `<prefix>/<camera>/all` for any label;
- `<prefix>/<camera>/<label>/snapshot`, `<prefix>/<camera>/all/snapshot`: the latest
  snapshot, JPEG bytes (retained);
- `<prefix>/stats`: JSON per camera, every `mqtt.stats_interval_s`;
- `<prefix>/<camera>/{detect,recording,alerts}/state` and `<prefix>/away/state`: "ON" /
  "OFF" (retained), changed with "ON" / "OFF" on the matching `.../set` topic;
- `<prefix>/alerts`: JSON per alert sent (the alert channel; no image).

What two parts say to each other is one module (STYLE 17): the bridge publishes with
these builders, the discovery payloads point Home Assistant at the same topics, and the
tests read messages back with the same parsers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontporch.hub.alerts.model import Alert
from frontporch.hub.changes import EventChange
from frontporch.hub.controls import Switch
from frontporch.hub.process.messages import WorkerStats
from frontporch.hub.store.records import Event

ONLINE = "online"
OFFLINE = "offline"
ON = "ON"
OFF = "OFF"
ALL_LABELS = "all"  # Frigate's name for "any label" in count and snapshot topics
AWAY = "away"

# The topic word for each switch: the owner reads "recording" where the code says record.
SWITCH_TOPIC: dict[Switch, str] = {
    Switch.detect: "detect",
    Switch.record: "recording",
    Switch.alerts: "alerts",
}
_TOPIC_SWITCH = {word: switch for switch, word in SWITCH_TOPIC.items()}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def topic_word(name: str) -> str:
    """`name` as one topic level and discovery id: MQTT's wildcards and '/' would split
    or widen a topic, and Home Assistant allows only [A-Za-z0-9_-] in ids."""
    return _UNSAFE.sub("_", name) or "_"


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed `.../set` topic: a camera's switch, or the household's away (camera None)."""

    camera: str | None
    switch: Switch | None


@dataclass(frozen=True, slots=True)
class Topics:
    """Every topic under one prefix."""

    prefix: str

    @property
    def available(self) -> str:
        return f"{self.prefix}/available"

    @property
    def events(self) -> str:
        return f"{self.prefix}/events"

    @property
    def stats(self) -> str:
        return f"{self.prefix}/stats"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}/alerts"

    def count(self, camera: str, label: str) -> str:
        return f"{self.prefix}/{topic_word(camera)}/{topic_word(label)}"

    def snapshot(self, camera: str, label: str) -> str:
        return f"{self.count(camera, label)}/snapshot"

    def state(self, camera: str, switch: Switch) -> str:
        return f"{self.prefix}/{topic_word(camera)}/{SWITCH_TOPIC[switch]}/state"

    def command(self, camera: str, switch: Switch) -> str:
        return f"{self.prefix}/{topic_word(camera)}/{SWITCH_TOPIC[switch]}/set"

    @property
    def away_state(self) -> str:
        return f"{self.prefix}/{AWAY}/state"

    @property
    def away_command(self) -> str:
        return f"{self.prefix}/{AWAY}/set"

    def command_subscriptions(self) -> list[str]:
        """What the hub subscribes to for commands."""
        return [f"{self.prefix}/+/+/set", self.away_command]

    def parse_command(self, topic: str, cameras: Mapping[str, object]) -> Command | str:
        """The command `topic` names, or why it names none (a reason for the log)."""
        if topic == self.away_command:
            return Command(None, None)
        head = f"{self.prefix}/"
        parts = topic[len(head) :].split("/") if topic.startswith(head) else []
        if len(parts) != 3 or parts[2] != "set":
            return f"{topic!r} is not a command topic"
        by_word = {topic_word(name): name for name in cameras}
        camera = by_word.get(parts[0])
        if camera is None:
            return f"no camera named {parts[0]!r}"
        switch = _TOPIC_SWITCH.get(parts[1])
        if switch is None:
            known = ", ".join(SWITCH_TOPIC.values())
            return f"no switch named {parts[1]!r} (known: {known})"
        return Command(camera, switch)


def on_off(value: bool) -> str:
    return ON if value else OFF


def parse_on_off(payload: bytes) -> bool | str:
    """True for "ON", False for "OFF" (any case, surrounding spaces allowed); otherwise
    the reason it is neither, for the log."""
    try:
        text = payload.decode("utf-8").strip().upper()
    except UnicodeDecodeError:
        return "the payload is not text"
    if text == ON:
        return True
    if text == OFF:
        return False
    shown = text if len(text) <= 20 else text[:20] + "…"
    return f"the payload must be ON or OFF, not {shown!r}"


def event_json(event: Event) -> dict[str, Any]:
    """One event as the events topic shows it (Frigate's field names where they exist)."""
    return {
        "id": event.id,
        "camera": event.camera,
        "label": event.labels[0] if event.labels else None,
        "labels": list(event.labels),
        "zones": list(event.zones),
        "top_score": event.top_score,
        "start_time": event.start,
        "end_time": event.end,
        "has_snapshot": event.snapshot is not None,
        "has_clip": event.clip is not None,
    }


def event_payload(change: EventChange) -> bytes:
    """The events topic's message for one change: its type, and the event before/after."""
    return _json(
        {
            "type": change.type.value,
            "before": event_json(change.before) if change.before is not None else None,
            "after": event_json(change.after),
        }
    )


def stats_payload(stats: Mapping[str, WorkerStats], now: float) -> bytes:
    """The stats topic's message: per camera, frame rates, skipped frames and state."""
    return _json(
        {
            "cameras": {
                camera: {
                    "fps": round(s.input_fps, 2),
                    "analyzed_fps": round(s.analyzed_fps, 2),
                    "skipped_frames": s.skipped_frames,
                    "state": s.state.value,
                    "recording": s.recording,
                    "reconnects": s.reconnects,
                }
                for camera, s in sorted(stats.items())
            },
            "time": now,
        }
    )


def alert_payload(alert: Alert) -> bytes:
    """The alerts topic's message: the alert without its image (a snapshot topic has it)."""
    return _json(
        {
            "id": alert.id,
            "camera": alert.camera,
            "labels": list(alert.labels),
            "zones": list(alert.zones),
            "event_ids": list(alert.event_ids),
            "start_time": alert.start,
            "title": alert.title,
            "body": alert.body,
            "url": alert.url,
            "update": alert.update,
        }
    )


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
