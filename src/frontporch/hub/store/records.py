"""What the hub's index hands out: frozen records and the errors it raises.

Plain values, so the web layer, retention and the tests can use them without a database.
"""

from __future__ import annotations

from dataclasses import dataclass


class StoreError(Exception):
    """The hub's index cannot do what was asked; the message says why and what to do."""


class UnknownEventError(StoreError):
    """No event has the given id."""


class InvalidCursorError(StoreError):
    """A pagination cursor was not one this store handed out (the caller's mistake)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A recorded file: `path` is relative to the recordings root."""

    id: int
    camera: str
    path: str
    start: float
    end: float
    size_bytes: int


@dataclass(frozen=True, slots=True)
class MotionSpan:
    camera: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Outage:
    """A gap in a camera's recording (input lost, reconnecting); end None while it lasts."""

    id: int
    camera: str
    start: float
    end: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class Event:
    """A detected event; media paths are relative to the storage directory."""

    id: str
    camera: str
    labels: tuple[str, ...]
    top_score: float
    start: float
    end: float | None
    zones: tuple[str, ...]
    snapshot: str | None
    clip: str | None
    created: float
    updated: float


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of events, newest first; pass `next_cursor` back for the next page."""

    events: tuple[Event, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class EventWindow:
    """An event's bare time span (end None while open), as retention needs it."""

    camera: str
    start: float
    end: float | None


@dataclass(frozen=True, slots=True)
class Publication:
    """An event the owner published to the Neighbors feed: the post's id and absolute URL
    on the community server, what was shared ('clip' or 'snapshot'), and when."""

    event_id: str
    post_id: str
    url: str
    media: str
    category: str
    title: str
    published: float


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token for scripts (Prometheus, backups): only its hash is stored. `id` is the
    public handle the owner sees in the list and revokes by; `scope` is what it may
    reach (`frontporch.hub.web.scopes`); `last_used` is None until first use."""

    id: str
    token_hash: str
    name: str
    scope: str
    created: float
    last_used: float | None


@dataclass(frozen=True, slots=True)
class Session:
    """An owner's login session; the token itself is never stored, only its hash."""

    token_hash: str
    created: float
    expires: float
    user_agent: str
