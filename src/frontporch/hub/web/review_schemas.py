"""The review API's request and response models (the OpenAPI schema comes from them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from frontporch.hub.config import HubConfig
from frontporch.hub.review.grouping import Severity
from frontporch.hub.review.records import ReviewItemRecord
from frontporch.hub.web.schemas import iso


def camera_title(config: HubConfig, camera: str) -> str:
    """The camera's friendly name when the owner gave one, else its id."""
    camera_config = config.cameras.get(camera)
    return (camera_config.name if camera_config else None) or camera


def timeline_url(item: ReviewItemRecord) -> str:
    """The camera's timeline at the item's start (the timeline page takes whole seconds)."""
    return f"/timeline/{item.camera}?t={int(item.start)}"


class ReviewItemOut(BaseModel):
    """One review item: a camera's events that overlap or follow closely."""

    id: str = Field(description="Stable id (its first event's id).")
    camera: str
    camera_name: str = Field(description="The camera's friendly name, or its id.")
    start: float = Field(description="Unix time its first event started.")
    end: float | None = Field(description="Unix time its last event ended; null while ongoing.")
    start_iso: str
    duration_s: float | None
    labels: list[str] = Field(description="Every label of its events.")
    zones: list[str] = Field(description="Every zone its events entered.")
    severity: Severity = Field(
        description="'alert' (the camera's alert labels/zones) or 'detection'."
    )
    reviewed: bool
    reviewed_at: float | None
    event_ids: list[str] = Field(description="Its events, by start (see /api/events/{id}).")
    thumbnail: str | None = Field(description="Snapshot URL of its best event; null if none.")
    timeline_url: str = Field(description="The camera's timeline at the item's start.")

    @classmethod
    def of(cls, item: ReviewItemRecord, config: HubConfig) -> ReviewItemOut:
        return cls(
            id=item.id,
            camera=item.camera,
            camera_name=camera_title(config, item.camera),
            start=item.start,
            end=item.end,
            start_iso=iso(item.start),
            duration_s=None if item.end is None else round(item.end - item.start, 1),
            labels=list(item.labels),
            zones=list(item.zones),
            severity=item.severity,
            reviewed=item.reviewed,
            reviewed_at=item.reviewed_at,
            event_ids=list(item.event_ids),
            thumbnail=(
                f"/api/events/{item.thumbnail_event}/snapshot.jpg" if item.thumbnail_event else None
            ),
            timeline_url=timeline_url(item),
        )


class ReviewPageOut(BaseModel):
    """A page of review items, newest first."""

    items: list[ReviewItemOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next (older) page; null on the last page."
    )


class ReviewedIn(BaseModel):
    """Whether to mark reviewed (true) or unreviewed (false)."""

    model_config = ConfigDict(extra="forbid")

    reviewed: bool = True


class MarkedOut(BaseModel):
    """How many items a "mark all" changed."""

    marked: int
    reviewed: bool
