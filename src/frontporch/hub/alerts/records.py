"""The alert area's stored records: plain values the store hands out and the pages show.

Kept apart from the store (`store/alert_tables.py`) so the alert desk, the web layer
and the tests use them without a database.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert as kept: what was sent, when first and last."""

    id: str
    camera: str
    labels: tuple[str, ...]
    zones: tuple[str, ...]
    event_ids: tuple[str, ...]
    start: float
    title: str
    body: str
    url: str
    sent: float
    updated: float
    sends: int


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One attempt of one channel at one target."""

    id: int
    alert_id: str
    update: bool
    channel: str
    target: str
    ok: bool
    status: str
    attempts: int
    retry_at: float | None
    at: float


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """A webhook the owner added; `secret` signs its deliveries (never shown again)."""

    id: str
    url: str
    secret: str
    created: float


@dataclass(frozen=True, slots=True)
class WebhookRetry:
    """A webhook delivery waiting for its next try."""

    delivery_id: str
    alert_id: str
    webhook_id: str
    update: bool
    body: bytes
    attempts: int  # attempts made so far
    retry_at: float
