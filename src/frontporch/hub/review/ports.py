"""What the review desk needs of the store (`store/review_tables.py` provides it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from frontporch.hub.review.records import ReviewFilter, ReviewItemRecord, ReviewPage
from frontporch.hub.store.records import Event

if TYPE_CHECKING:  # hub/ports.py imports this module for its HubStorePort
    from frontporch.hub.ports import EventRecord


class ReviewStorePort(Protocol):
    """Review items, their member events and reviewed state."""

    def get_event(self, event_id: str) -> EventRecord | None:
        """The event with this id as stored now, or None."""
        ...

    def save_review_item(self, item: ReviewItemRecord) -> None:
        """Create or replace an item and its membership (events that no longer exist
        are left out)."""
        ...

    def delete_review_item(self, item_id: str) -> bool:
        """Remove an item (not its events)."""
        ...

    def get_review_item(self, item_id: str) -> ReviewItemRecord | None:
        """The item with this id, with its event ids, or None."""
        ...

    def review_item_of_event(self, event_id: str) -> ReviewItemRecord | None:
        """The item an event belongs to, or None."""
        ...

    def review_items_near(
        self, camera: str, start: float, end: float | None, gap_s: float
    ) -> Sequence[ReviewItemRecord]:
        """The camera's items whose span touches [start, end] widened by `gap_s`."""
        ...

    def review_item_events(self, item_id: str) -> Sequence[Event]:
        """The item's events that still exist, by start."""
        ...

    def events_without_review_item(self, limit: int) -> Sequence[Event]:
        """Events no item holds yet, oldest first (the backfill's work)."""
        ...

    def stale_review_items(self, limit: int) -> Sequence[str]:
        """Ids of items to recompute: they lost events since they were saved, or are
        open while none of their events is."""
        ...

    def list_review_items(self, where: ReviewFilter, limit: int, cursor: str | None) -> ReviewPage:
        """Items matching `where`, newest first (raises InvalidReviewCursor)."""
        ...

    def set_review_item_reviewed(self, item_id: str, reviewed_at: float | None) -> bool:
        """Mark one item reviewed at `reviewed_at` (None: unreviewed); whether it exists."""
        ...

    def mark_review_items(self, where: ReviewFilter, reviewed_at: float | None) -> int:
        """Mark every item matching `where`; how many changed."""
        ...
