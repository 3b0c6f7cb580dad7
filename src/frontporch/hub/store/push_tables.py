"""The hub index's Web Push tables (schema v8), as a `HubStore` part.

`push_subscriptions`: one row per browser that subscribed to alerts, unique by its push
endpoint. `push_key`: the hub's one VAPID key pair (RFC 8292), made on first use; the
private key sits in the index next to the session and token hashes, on the owner's disk,
and is never logged or served (only its public half is).
"""

from __future__ import annotations

import sqlite3

from frontporch.hub.alerts.webpush_records import PushSubscription
from frontporch.hub.store.tables import StoreConnections

SCHEMA = """
CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    last_sent REAL,
    last_status TEXT
) WITHOUT ROWID;

CREATE TABLE push_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    private_pem BLOB NOT NULL,
    created REAL NOT NULL
);
"""

_COLUMNS = "id, endpoint, p256dh, auth, name, created, last_sent, last_status"


def _subscription(row: sqlite3.Row) -> PushSubscription:
    return PushSubscription(
        id=row["id"],
        endpoint=row["endpoint"],
        p256dh=row["p256dh"],
        auth=row["auth"],
        name=row["name"],
        created=row["created"],
        last_sent=row["last_sent"],
        last_status=row["last_status"],
    )


class PushTables(StoreConnections):
    """Push subscriptions and the VAPID key; mixed into `HubStore`."""

    def save_push_subscription(self, subscription: PushSubscription) -> PushSubscription:
        """Insert, or replace the keys and name of the row with the same endpoint (which
        keeps its id and created time). Returns the stored row."""
        s = subscription
        with self._tx() as conn:
            conn.execute(
                f"INSERT INTO push_subscriptions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
                "ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, "
                "auth = excluded.auth, name = excluded.name",
                (s.id, s.endpoint, s.p256dh, s.auth, s.name, s.created, s.last_sent,
                 s.last_status),
            )  # fmt: skip
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM push_subscriptions WHERE endpoint = ?",  # noqa: S608
                (s.endpoint,),
            ).fetchone()
        return _subscription(row)

    def list_push_subscriptions(self) -> list[PushSubscription]:
        """Every subscription, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM push_subscriptions ORDER BY created, id"  # noqa: S608
            ).fetchall()
        return [_subscription(row) for row in rows]

    def get_push_subscription(self, subscription_id: str) -> PushSubscription | None:
        """One subscription, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM push_subscriptions WHERE id = ?",  # noqa: S608
                (subscription_id,),
            ).fetchone()
        return None if row is None else _subscription(row)

    def delete_push_subscription(self, subscription_id: str) -> bool:
        """Remove a subscription; whether it existed."""
        with self._tx() as conn:
            cursor = conn.execute("DELETE FROM push_subscriptions WHERE id = ?", (subscription_id,))
        return cursor.rowcount > 0

    def note_push_result(self, subscription_id: str, status: str, at: float) -> None:
        """Remember how the last message to a subscription went (no-op if it is gone)."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE push_subscriptions SET last_sent = ?, last_status = ? WHERE id = ?",
                (at, status, subscription_id),
            )

    def push_key_pem(self, new_pem: bytes) -> bytes:
        """The stored VAPID private key; `new_pem` becomes it if none is stored yet (in
        one transaction, so two first callers agree on one key)."""
        with self._tx() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO push_key (id, private_pem, created) "
                "VALUES (1, ?, strftime('%s', 'now'))",
                (new_pem,),
            )
            row = conn.execute("SELECT private_pem FROM push_key WHERE id = 1").fetchone()
        return bytes(row["private_pem"])


__all__ = ["PushTables"]
