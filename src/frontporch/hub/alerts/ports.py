"""What the alerts area (the alert desk, the webhook channel, the alert pages) needs
from the hub's store: `store/alert_tables.py` provides it on the real SQLite index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from frontporch.hub.alerts.model import Alert, Delivery
from frontporch.hub.alerts.records import (
    AlertRecord,
    DeliveryRecord,
    WebhookRecord,
    WebhookRetry,
)


class WebhookStorePort(Protocol):
    """The webhook targets and their pending retries."""

    def add_webhook(self, webhook_id: str, url: str, secret: str, created: float) -> bool:
        """Keep a new webhook; False (nothing kept) if its URL is already there."""
        ...

    def list_webhooks(self) -> Sequence[WebhookRecord]:
        """Every webhook, oldest first."""
        ...

    def get_webhook(self, webhook_id: str) -> WebhookRecord | None:
        """One webhook, or None."""
        ...

    def delete_webhook(self, webhook_id: str) -> bool:
        """Remove a webhook and its pending retries; whether it existed."""
        ...

    def save_webhook_retry(self, retry: WebhookRetry) -> None:
        """Schedule (or reschedule) a delivery's next try."""
        ...

    def due_webhook_retries(self, now: float) -> Sequence[WebhookRetry]:
        """Deliveries whose next try is due."""
        ...

    def delete_webhook_retry(self, delivery_id: str) -> None:
        """A delivery is done (delivered or given up on)."""
        ...


class AlertStorePort(WebhookStorePort, Protocol):
    """Rules, alerts and their deliveries, webhooks."""

    def alert_rules(self) -> dict[str, str]:
        """Every stored rule (JSON text) by camera."""
        ...

    def set_alert_rule(self, camera: str, rule_json: str, at: float) -> None:
        """Keep a camera's rule."""
        ...

    def save_alert(self, alert: Alert, at: float) -> None:
        """Record an alert sent (an update refreshes its row)."""
        ...

    def get_alert(self, alert_id: str) -> AlertRecord | None:
        """One alert, or None."""
        ...

    def list_alerts(
        self, limit: int = 50, before: tuple[float, str] | None = None
    ) -> Sequence[AlertRecord]:
        """Alerts newest first; `before` = (sent, id) of the last one seen."""
        ...

    def last_alert_time(self, camera: str) -> float | None:
        """When `camera` last had a new alert, or None."""
        ...

    def record_delivery(self, alert_id: str, update: bool, delivery: Delivery, at: float) -> None:
        """Record one attempt of one channel at one target."""
        ...

    def deliveries_of(self, alert_ids: list[str]) -> dict[str, list[DeliveryRecord]]:
        """Each alert's attempts, oldest first."""
        ...

    def clear_delivery_retry(self, alert_id: str, channel: str, target: str) -> None:
        """Earlier attempts at this target no longer promise a retry."""
        ...
