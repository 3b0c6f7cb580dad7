"""Response models of the hub's JSON API; FastAPI turns them into the OpenAPI schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from frontporch.hub.community.publish import (
    MAX_BODY,
    MAX_TITLE,
    Category,
    MediaChoice,
    title_problem_of,
)
from frontporch.hub.config import CameraConfig
from frontporch.hub.ports import (
    ApiTokenRecord,
    CameraStatus,
    EventRecord,
    PublicationRecord,
)
from frontporch.hub.process.messages import CameraState
from frontporch.hub.recording.records import OutageRecord, SegmentRecord
from frontporch.hub.web.scopes import TokenScope


def iso(ts: float) -> str:
    """A unix time as an ISO 8601 UTC string (what the pages' JS formats locally)."""
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


class ErrorBody(BaseModel):
    """Every error the API answers with."""

    error: str = Field(description="What went wrong, in a few words.")
    detail: Any = Field(default=None, description="What to do about it, or which fields.")


class StatusOut(BaseModel):
    """A camera's live state."""

    online: bool
    state: CameraState = Field(description="What the camera is doing now.")
    input_fps: float
    analyzed_fps: float
    skipped_frames: int
    reconnects: int
    last_error: str | None = Field(description="Last input error, credentials redacted.")
    recording: bool

    @classmethod
    def of(cls, status: CameraStatus) -> StatusOut:
        """Build from the runtime's status."""
        return cls(
            online=status.online,
            state=status.state,
            input_fps=round(status.input_fps, 2),
            analyzed_fps=round(status.analyzed_fps, 2),
            skipped_frames=status.skipped_frames,
            reconnects=status.reconnects,
            last_error=status.last_error,
            recording=status.recording,
        )


class CameraOut(BaseModel):
    """A camera's configuration summary and live status."""

    name: str
    enabled: bool
    detect_enabled: bool
    detect_width: int
    detect_height: int
    detect_fps: float
    record_enabled: bool
    tracked_labels: list[str]
    zones: list[str]
    status: StatusOut
    live_url: str
    latest_url: str
    live_codec: str | None = Field(
        description="RFC 6381 codecs value of the full-quality H.264 live stream; "
        "null when the camera offers none (not H.264, or not connected yet)."
    )
    live_mp4_url: str | None = Field(
        description="The H.264 live stream (fragmented MP4, for Media Source Extensions)."
    )

    @classmethod
    def of(cls, name: str, config: CameraConfig, status: CameraStatus) -> CameraOut:
        """Combine a camera's config and live status."""
        return cls(
            name=name,
            enabled=config.enabled,
            detect_enabled=config.detect.enabled,
            detect_width=status.detect_width,
            detect_height=status.detect_height,
            detect_fps=config.detect.fps,
            record_enabled=config.record.enabled,
            tracked_labels=list(config.objects.track),
            zones=sorted(config.zones),
            status=StatusOut.of(status),
            live_url=f"/api/cameras/{name}/live.mjpeg",
            latest_url=f"/api/cameras/{name}/latest.jpg",
            live_codec=status.live_codec,
            live_mp4_url=f"/api/cameras/{name}/live.mp4" if status.live_codec else None,
        )


class CameraStatsOut(StatusOut):
    """A camera's counters, as also exported to Prometheus."""

    name: str
    events: int = Field(description="Events opened since the hub started.")
    recorded_bytes: int = Field(description="Size of this camera's recordings on disk.")

    @classmethod
    def of_camera(cls, status: CameraStatus) -> CameraStatsOut:
        """Build from the runtime's status."""
        base = StatusOut.of(status).model_dump()
        return cls(
            **base, name=status.name, events=status.events, recorded_bytes=status.recorded_bytes
        )


class EventOut(BaseModel):
    """One event."""

    id: str
    camera: str
    labels: list[str]
    top_score: float
    start: float = Field(description="Unix time the event started.")
    end: float | None = Field(description="Unix time it ended; null while it is going on.")
    start_iso: str
    duration_s: float | None
    zones: list[str]
    snapshot_url: str | None
    clip_url: str | None

    @classmethod
    def of(cls, event: EventRecord) -> EventOut:
        """Build from a stored event."""
        return cls(
            id=event.id,
            camera=event.camera,
            labels=list(event.labels),
            top_score=round(event.top_score, 3),
            start=event.start,
            end=event.end,
            start_iso=iso(event.start),
            duration_s=None if event.end is None else round(event.end - event.start, 1),
            zones=list(event.zones),
            snapshot_url=f"/api/events/{event.id}/snapshot.jpg" if event.snapshot else None,
            clip_url=f"/api/events/{event.id}/clip.mp4",
        )


class EventPageOut(BaseModel):
    """A page of events, newest first."""

    events: list[EventOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next (older) page; null on the last page."
    )


class DeletedOut(BaseModel):
    """Confirmation of a deletion."""

    deleted: str


class SegmentOut(BaseModel):
    """A recorded segment (unix seconds)."""

    start: float
    end: float
    size_bytes: int

    @classmethod
    def of(cls, segment: SegmentRecord) -> SegmentOut:
        """Build from a stored segment."""
        return cls(start=segment.start, end=segment.end, size_bytes=segment.size_bytes)


class OutageOut(BaseModel):
    """A period the camera was unreachable; `end` is null while it lasts."""

    start: float
    end: float | None
    reason: str

    @classmethod
    def of(cls, outage: OutageRecord) -> OutageOut:
        """Build from a stored outage."""
        return cls(start=outage.start, end=outage.end, reason=outage.reason)


class GapOut(BaseModel):
    """A part of the requested window with no recording (unix seconds)."""

    start: float
    end: float


class RecordingsOut(BaseModel):
    """What footage exists for a camera in a time window."""

    camera: str
    start: float
    end: float
    segments: list[SegmentOut]
    outages: list[OutageOut]
    gaps: list[GapOut] = Field(description="Parts of the window no segment covers.")


class HealthOut(BaseModel):
    """Liveness of the hub; camera names and states only for the owner or a token."""

    status: str
    cameras: dict[str, bool] | None = Field(
        default=None,
        description="Whether each camera is online; left out unless signed in or sent "
        "with an API token.",
    )


class TokenIn(BaseModel):
    """A new API token: what it is for, and what it may reach."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200, description="What the token is for, e.g. 'Prometheus'.")
    scope: TokenScope = Field(
        description="'metrics': metrics and camera status, no footage; "
        "'owner': the read API, footage included. No scope can share or delete."
    )


class TokenOut(BaseModel):
    """An API token as listed; its secret is never shown again."""

    id: str = Field(description="The token's handle, to revoke it by.")
    name: str
    scope: TokenScope
    created: str = Field(description="ISO 8601 UTC.")
    last_used: str | None = Field(description="ISO 8601 UTC, to the minute; null if never.")

    @classmethod
    def of(cls, record: ApiTokenRecord) -> TokenOut:
        """Build from a stored token."""
        return cls(
            id=record.id,
            name=record.name,
            scope=TokenScope(record.scope),
            created=iso(record.created),
            last_used=None if record.last_used is None else iso(record.last_used),
        )


class TokenCreatedOut(TokenOut):
    """A token just made, with its secret: shown this once, store it now."""

    token: str = Field(description="Send as 'Authorization: Bearer <token>'.")


class RevokedOut(BaseModel):
    """A token was revoked."""

    revoked: str


class PublishIn(BaseModel):
    """A post to the Neighbors feed about one event."""

    model_config = ConfigDict(extra="forbid")

    category: Category = Field(description="The feed's category for the post.")
    title: str = Field(
        max_length=MAX_TITLE,
        description="The post's title; not blank (spaces only count as blank).",
    )
    body: str = Field(default="", max_length=MAX_BODY, description="The post's text.")
    media: MediaChoice = Field(
        default=MediaChoice.auto,
        description="What to share: 'clip', 'snapshot', or 'auto' (the clip while the "
        "recording is kept, else the snapshot). Privacy masks are burned in either way.",
    )
    keep_audio: bool = Field(
        default=False,
        description="Keep the clip's recorded sound (cameras with record.audio on); "
        "left out by default.",
    )
    password: str = Field(
        default="",
        max_length=1024,
        description="The signed-in person's password, to confirm the share (or send the "
        "passkey fields instead). Checked before anything is rendered or uploaded.",
    )
    passkey_challenge: str = Field(
        default="",
        max_length=64,
        description="The `challenge_id` from `POST /api/passkeys/confirm/options` with "
        '`{"purpose": "share"}`, when a passkey confirms instead of the password.',
    )
    passkey_credential: dict[str, Any] | None = Field(
        default=None,
        description="The passkey's answer to that challenge (the WebAuthn assertion as "
        "JSON, binary fields base64url).",
    )

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, title: str) -> str:
        # The page's form says the same, word for word, for "" and "   " alike.
        problem = title_problem_of(title)
        if problem is not None:
            raise PydanticCustomError("title", problem)
        return title


class PublicationOut(BaseModel):
    """An event published to the Neighbors feed."""

    event_id: str
    post_id: str = Field(description="The post's id on the community server.")
    url: str = Field(description="The post's address on the community server.")
    media: str = Field(description="What was shared: clip or snapshot.")
    category: str
    title: str
    published: float = Field(description="Unix time it was published.")
    published_iso: str
    already_published: bool = Field(
        description="True when the event had been published before: nothing was uploaded."
    )

    @classmethod
    def of(cls, record: PublicationRecord, *, already_published: bool) -> PublicationOut:
        """Build from the store's record."""
        return cls(
            event_id=record.event_id,
            post_id=record.post_id,
            url=record.url,
            media=record.media,
            category=record.category,
            title=record.title,
            published=record.published,
            published_iso=iso(record.published),
            already_published=already_published,
        )
