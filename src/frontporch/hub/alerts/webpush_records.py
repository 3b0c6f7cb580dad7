"""A browser that asked for the hub's alerts: the values the push store keeps.

A subscription is what the browser's `PushManager.subscribe()` returned (RFC 8030 §4:
the push service's endpoint URL for this browser, and RFC 8291's `p256dh` and `auth`
keys to encrypt to), plus a name the owner recognises and how the last message went.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PushSubscription:
    id: str
    endpoint: str  # the push service's URL for this browser (a capability: never logged)
    p256dh: str  # base64url, the browser's P-256 public key
    auth: str  # base64url, the 16-byte authentication secret
    name: str  # "Chromium on Linux"
    created: float
    last_sent: float | None = None
    last_status: str | None = None  # "201 Created", "500 Internal Server Error", ...


__all__ = ["PushSubscription"]
