"""What Web Push needs from the hub's store: the browsers subscribed to alerts and the
hub's VAPID key. `hub/store/push_tables.py` implements it on SQLite; the web layer and
`WebPushChannel` see only this."""

from __future__ import annotations

from typing import Protocol

from frontporch.hub.alerts.webpush_records import PushSubscription


class PushStorePort(Protocol):
    """Push subscriptions and the VAPID key (schema v8)."""

    def save_push_subscription(self, subscription: PushSubscription) -> PushSubscription:
        """Store a subscription; one with the same endpoint is replaced (a browser that
        subscribes again gets fresh keys) and keeps its id. Returns what was stored."""
        ...

    def list_push_subscriptions(self) -> list[PushSubscription]:
        """Every subscription, oldest first."""
        ...

    def get_push_subscription(self, subscription_id: str) -> PushSubscription | None:
        """One subscription, or None."""
        ...

    def delete_push_subscription(self, subscription_id: str) -> bool:
        """Remove a subscription; whether it existed."""
        ...

    def note_push_result(self, subscription_id: str, status: str, at: float) -> None:
        """Remember how the last message to a subscription went."""
        ...

    def push_key_pem(self, new_pem: bytes) -> bytes:
        """The hub's VAPID private key (PEM); `new_pem` is stored first if there is none,
        so the first caller's key wins and every later call returns the same one."""
        ...


__all__ = ["PushStorePort", "PushSubscription"]
