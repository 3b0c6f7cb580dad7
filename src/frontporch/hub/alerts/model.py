"""What an alert is and what a channel does with it: the values every channel shares.

An alert is one per review item (the events of one camera that overlap or follow each
other closely: a person and a dog arriving together are one alert). When a better
snapshot arrives for the item, the alert is sent again with `update=True` and the same
`id`, so a channel that can replace what it showed (a push notification's tag) does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Alert:
    id: str  # stable per review item; an update re-uses it
    camera: str
    labels: tuple[str, ...]
    zones: tuple[str, ...]
    event_ids: tuple[str, ...]
    start: float  # Unix time the item began
    title: str  # "Person at front-door"
    body: str  # "Person and dog · 14:32"
    url: str  # the hub page that shows it, a path: /events/<event id>
    snapshot_jpeg: bytes | None  # the best frame so far (boxes drawn), if any
    update: bool = False  # a re-send with a better snapshot


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened when one channel tried one target (a browser, an address, a URL)."""

    channel: str  # "push" | "email" | "webhook" | "mqtt"
    target: str  # a name the owner recognises: "Firefox on a phone", an address, a URL
    ok: bool
    status: str  # "201 Created", "410 Gone: subscription removed", "timed out after 10 s"
    attempts: int = 1
    retry_at: float | None = None  # set while a retry is scheduled


class Channel(Protocol):
    """A way of telling the owner. `deliver` may block (network); the alert desk calls it
    on its own worker thread, never on the index writer's."""

    kind: str

    def deliver(self, alert: Alert) -> list[Delivery]:
        """Send `alert` to every target of this channel; one Delivery per target."""
        ...
