"""Review items as the store keeps them, the filters they are listed by, and the errors.

Plain values, so the store, the desk, the web layer and the tests share them.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontporch.hub.review.grouping import Severity


class ReviewError(Exception):
    """A review request the hub cannot serve; the message says why."""


class UnknownReviewItem(ReviewError):
    """No review item has the given id (it may have gone with its events)."""


class InvalidReviewCursor(ReviewError):
    """A paging cursor this hub did not hand out."""


@dataclass(frozen=True, slots=True)
class ReviewItemRecord:
    """One review item: a camera's events that belong together.

    `id` is its first event's id when it was made (stable for its life). `event_count`
    is how many events it had when saved: when events are deleted (by the owner or by
    expiry) their membership rows go with them, and a count that no longer matches
    tells the desk to recompute the item. `thumbnail_event` is the member event with a
    snapshot and the highest score, read with the item (None: no snapshot yet).
    """

    id: str
    camera: str
    start: float
    end: float | None
    labels: tuple[str, ...]
    zones: tuple[str, ...]
    severity: Severity
    reviewed_at: float | None
    event_ids: tuple[str, ...]
    event_count: int
    thumbnail_event: str | None = None

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    """Which items to list or mark; None: any. `after`/`before` select items whose span
    overlaps [after, before) (an ongoing item reaches to now), so a timeline window shows
    an item that began before it."""

    camera: str | None = None
    label: str | None = None
    zone: str | None = None
    after: float | None = None
    before: float | None = None
    severity: Severity | None = None
    reviewed: bool | None = None


@dataclass(frozen=True, slots=True)
class ReviewPage:
    """One page of items, newest first; pass `next_cursor` back for the next page."""

    items: tuple[ReviewItemRecord, ...]
    next_cursor: str | None
