"""MQTT as an alert channel: each alert as JSON on `<prefix>/alerts`, without its image.

The image is already on the snapshot topics (retained); an alert message stays small so
that automations (a phone notification from Home Assistant, a light that blinks) can act
on it at once. Delivered means the broker acknowledged it (QoS 1); whether anyone was
subscribed is the broker's business.
"""

from __future__ import annotations

from frontporch.hub.alerts.model import Alert, Delivery
from frontporch.hub.mqtt.bridge import MqttBridge
from frontporch.hub.mqtt.topics import alert_payload

KIND = "mqtt"


class MqttAlertChannel:
    """The `Channel` (hub/alerts/model.py) that publishes alerts through the bridge."""

    kind = KIND

    def __init__(self, bridge: MqttBridge) -> None:
        self.bridge = bridge

    def deliver(self, alert: Alert) -> list[Delivery]:
        """Publish `alert`; one Delivery for the broker (may block up to a few seconds)."""
        target = f"{self.bridge.topics.alerts} at {self.bridge.where}"
        problem = self.bridge.publish_alert(alert_payload(alert))
        if problem is None:
            return [Delivery(KIND, target, ok=True, status="published (broker acknowledged)")]
        return [Delivery(KIND, target, ok=False, status=problem)]
