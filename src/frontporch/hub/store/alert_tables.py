"""The hub index's alert tables (schema v7), as a `HubStore` part.

- `alert_rules`: the owner's rule per camera, as JSON (`hub/alerts/rules.py`).
- `alerts`: every alert the hub sent, one row per review item (an update re-uses the
  row and counts `sends`); no snapshot bytes (those stay with the event).
- `alert_deliveries`: one row per attempt of one channel at one target, so the owner
  sees every try (a webhook retried three times has three rows).
- `webhooks`: the owner's webhook URLs and their signing secrets. The secret must be
  kept readable to sign with (HMAC); it is shown to the owner once and never logged.
- `webhook_retries`: a webhook delivery waiting for its next try, with the exact body
  signed the first time, so a retry survives a restart and is byte-identical.
"""

from __future__ import annotations

import json
import sqlite3

from frontporch.hub.alerts.model import Alert, Delivery
from frontporch.hub.alerts.records import AlertRecord, DeliveryRecord, WebhookRecord, WebhookRetry
from frontporch.hub.store.tables import StoreConnections

SCHEMA = """
CREATE TABLE alert_rules (
    camera TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    updated REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    camera TEXT NOT NULL,
    labels TEXT NOT NULL,
    zones TEXT NOT NULL,
    event_ids TEXT NOT NULL,
    start REAL NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    url TEXT NOT NULL,
    sent REAL NOT NULL,
    updated REAL NOT NULL,
    sends INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
CREATE INDEX alerts_sent ON alerts (sent, id);
CREATE INDEX alerts_camera_sent ON alerts (camera, sent);

CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    is_update INTEGER NOT NULL CHECK (is_update IN (0, 1)),
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    retry_at REAL,
    at REAL NOT NULL
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id, id);

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    created REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE webhook_retries (
    delivery_id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    is_update INTEGER NOT NULL CHECK (is_update IN (0, 1)),
    body BLOB NOT NULL,
    attempts INTEGER NOT NULL,
    retry_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhook_retries_due ON webhook_retries (retry_at);
"""


_ALERT_COLUMNS = (
    "id, camera, labels, zones, event_ids, start, title, body, url, sent, updated, sends"
)
_DELIVERY_COLUMNS = "id, alert_id, is_update, channel, target, ok, status, attempts, retry_at, at"


def _alert(row: sqlite3.Row) -> AlertRecord:
    return AlertRecord(
        id=row["id"],
        camera=row["camera"],
        labels=tuple(json.loads(row["labels"])),
        zones=tuple(json.loads(row["zones"])),
        event_ids=tuple(json.loads(row["event_ids"])),
        start=row["start"],
        title=row["title"],
        body=row["body"],
        url=row["url"],
        sent=row["sent"],
        updated=row["updated"],
        sends=row["sends"],
    )


def _delivery(row: sqlite3.Row) -> DeliveryRecord:
    return DeliveryRecord(
        id=row["id"],
        alert_id=row["alert_id"],
        update=bool(row["is_update"]),
        channel=row["channel"],
        target=row["target"],
        ok=bool(row["ok"]),
        status=row["status"],
        attempts=row["attempts"],
        retry_at=row["retry_at"],
        at=row["at"],
    )


class AlertTables(StoreConnections):
    """Alert rules, alerts, deliveries and webhooks; mixed into `HubStore`."""

    # --- rules ----------------------------------------------------------------------

    def alert_rules(self) -> dict[str, str]:
        """Every stored rule as its JSON text, by camera."""
        with self._read() as conn:
            rows = conn.execute("SELECT camera, rule FROM alert_rules").fetchall()
        return {row["camera"]: row["rule"] for row in rows}

    def set_alert_rule(self, camera: str, rule_json: str, at: float) -> None:
        """Keep a camera's rule (JSON text), replacing the one before."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO alert_rules (camera, rule, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (camera) DO UPDATE SET rule = excluded.rule, "
                "updated = excluded.updated",
                (camera, rule_json, at),
            )

    # --- alerts and deliveries ----------------------------------------------------------

    def save_alert(self, alert: Alert, at: float) -> None:
        """Record an alert sent at `at`; an update of a known alert refreshes its row."""
        with self._tx() as conn:
            conn.execute(
                f"INSERT INTO alerts ({_ALERT_COLUMNS}) "  # noqa: S608
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (id) DO UPDATE SET "
                "labels = excluded.labels, zones = excluded.zones, "
                "event_ids = excluded.event_ids, title = excluded.title, "
                "body = excluded.body, updated = excluded.updated, sends = sends + 1",
                (
                    alert.id,
                    alert.camera,
                    json.dumps(list(alert.labels)),
                    json.dumps(list(alert.zones)),
                    json.dumps(list(alert.event_ids)),
                    alert.start,
                    alert.title,
                    alert.body,
                    alert.url,
                    at,
                    at,
                ),
            )

    def get_alert(self, alert_id: str) -> AlertRecord | None:
        """One alert, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE id = ?",  # noqa: S608
                (alert_id,),
            ).fetchone()
        return None if row is None else _alert(row)

    def list_alerts(
        self, limit: int = 50, before: tuple[float, str] | None = None
    ) -> list[AlertRecord]:
        """Alerts newest first (by first send); `before` = (sent, id) of the last one seen."""
        with self._read() as conn:
            if before is None:
                rows = conn.execute(
                    f"SELECT {_ALERT_COLUMNS} FROM alerts "  # noqa: S608
                    "ORDER BY sent DESC, id DESC LIMIT ?",
                    (limit,),
                ).fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {_ALERT_COLUMNS} FROM alerts "  # noqa: S608
                    "WHERE (sent, id) < (?, ?) ORDER BY sent DESC, id DESC LIMIT ?",
                    (before[0], before[1], limit),
                ).fetchall()
        return [_alert(row) for row in rows]

    def last_alert_time(self, camera: str) -> float | None:
        """When `camera` last had a new alert (its first send), or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT max(sent) AS sent FROM alerts WHERE camera = ?", (camera,)
            ).fetchone()
        return None if row is None or row["sent"] is None else float(row["sent"])

    def record_delivery(self, alert_id: str, update: bool, delivery: Delivery, at: float) -> None:
        """Record one attempt of one channel at one target."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO alert_deliveries (alert_id, is_update, channel, target, ok, "
                "status, attempts, retry_at, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    alert_id,
                    int(update),
                    delivery.channel,
                    delivery.target,
                    int(delivery.ok),
                    delivery.status,
                    delivery.attempts,
                    delivery.retry_at,
                    at,
                ),
            )

    def deliveries_of(self, alert_ids: list[str]) -> dict[str, list[DeliveryRecord]]:
        """Each alert's delivery attempts, oldest first."""
        found: dict[str, list[DeliveryRecord]] = {alert_id: [] for alert_id in alert_ids}
        if not alert_ids:
            return found
        marks = ", ".join("?" for _ in alert_ids)
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM alert_deliveries "  # noqa: S608
                f"WHERE alert_id IN ({marks}) ORDER BY id",
                alert_ids,
            ).fetchall()
        for row in rows:
            found[row["alert_id"]].append(_delivery(row))
        return found

    def clear_delivery_retry(self, alert_id: str, channel: str, target: str) -> None:
        """The attempts of this channel/target that promised a retry no longer do."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE alert_deliveries SET retry_at = NULL WHERE alert_id = ? AND "
                "channel = ? AND target = ? AND retry_at IS NOT NULL",
                (alert_id, channel, target),
            )

    # --- webhooks ------------------------------------------------------------------

    def add_webhook(self, webhook_id: str, url: str, secret: str, created: float) -> bool:
        """Keep a new webhook; False (nothing kept) if the URL is already there."""
        with self._tx() as conn:
            cursor = conn.execute(
                "INSERT INTO webhooks (id, url, secret, created) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (url) DO NOTHING",
                (webhook_id, url, secret, created),
            )
        return cursor.rowcount > 0

    def list_webhooks(self) -> list[WebhookRecord]:
        """Every webhook, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, url, secret, created FROM webhooks ORDER BY created, id"
            ).fetchall()
        return [WebhookRecord(r["id"], r["url"], r["secret"], r["created"]) for r in rows]

    def get_webhook(self, webhook_id: str) -> WebhookRecord | None:
        """One webhook, or None."""
        with self._read() as conn:
            r = conn.execute(
                "SELECT id, url, secret, created FROM webhooks WHERE id = ?", (webhook_id,)
            ).fetchone()
        return None if r is None else WebhookRecord(r["id"], r["url"], r["secret"], r["created"])

    def delete_webhook(self, webhook_id: str) -> bool:
        """Remove a webhook (and its pending retries); whether it existed."""
        with self._tx() as conn:
            conn.execute("DELETE FROM webhook_retries WHERE webhook_id = ?", (webhook_id,))
            cursor = conn.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,))
        return cursor.rowcount > 0

    def save_webhook_retry(self, retry: WebhookRetry) -> None:
        """Schedule (or reschedule) a webhook delivery's next try."""
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO webhook_retries (delivery_id, alert_id, webhook_id, is_update, "
                "body, attempts, retry_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (delivery_id) DO UPDATE SET attempts = excluded.attempts, "
                "retry_at = excluded.retry_at",
                (
                    retry.delivery_id,
                    retry.alert_id,
                    retry.webhook_id,
                    int(retry.update),
                    retry.body,
                    retry.attempts,
                    retry.retry_at,
                ),
            )

    def due_webhook_retries(self, now: float) -> list[WebhookRetry]:
        """Webhook deliveries whose next try is due, soonest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT delivery_id, alert_id, webhook_id, is_update, body, attempts, retry_at "
                "FROM webhook_retries WHERE retry_at <= ? ORDER BY retry_at",
                (now,),
            ).fetchall()
        return [
            WebhookRetry(
                r["delivery_id"],
                r["alert_id"],
                r["webhook_id"],
                bool(r["is_update"]),
                bytes(r["body"]),
                r["attempts"],
                r["retry_at"],
            )
            for r in rows
        ]

    def delete_webhook_retry(self, delivery_id: str) -> None:
        """A delivery is done (delivered, or given up on)."""
        with self._tx() as conn:
            conn.execute("DELETE FROM webhook_retries WHERE delivery_id = ?", (delivery_id,))


__all__ = ["SCHEMA", "AlertTables"]
