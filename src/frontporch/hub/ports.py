"""What the hub's web layer and owner actions need from the rest of the hub, as typed
interfaces.

The web package (`frontporch.hub.web`) and the services (`frontporch.hub.services`)
depend only on these Protocols, never on the SQLite store or the capture pipeline
directly, so they can be tested against small in-memory fakes (`tests/fakes.py`) as
well as the real store, and the real objects can change underneath them.

Records returned by the store are described with read-only Protocols (`EventRecord`,
`EventPageRecord`, `PublicationRecord`, `SessionRecord` here; the recording rows'
shapes in `frontporch.hub.recording.records`) so the frozen dataclasses of
`frontporch.hub.store.index` satisfy them structurally; methods whose results
the web layer ignores are typed `-> object`. The runtime's status and the live
stream's updates are plain dataclasses defined here, because the runtime builds them
for the web layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from frontporch.hub.alerts.ports import AlertStorePort
from frontporch.hub.alerts.push_ports import PushStorePort
from frontporch.hub.backup.ports import BackupStorePort
from frontporch.hub.controls import SwitchStore
from frontporch.hub.people.ports import MemberStorePort
from frontporch.hub.process.messages import CameraState
from frontporch.hub.recording.records import OutageRecord, SegmentRecord
from frontporch.hub.review.ports import ReviewStorePort
from frontporch.hub.timeline.ports import ExportStorePort

if TYPE_CHECKING:  # plain values; imported for types only (they import this module)
    from frontporch.hub.notices.records import LegalNoticeRecord
    from frontporch.hub.requests.records import (
        FootageRequestRecord,
        ReleaseRecord,
        RequestState,
    )


class ClipUnavailable(Exception):
    """A clip cannot be built because its footage is gone; the message says why."""


class EventRecord(Protocol):
    """One detected event, as the store keeps it. Paths are relative to the storage root."""

    @property
    def id(self) -> str: ...
    @property
    def camera(self) -> str: ...
    @property
    def labels(self) -> tuple[str, ...]: ...
    @property
    def top_score(self) -> float: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float | None: ...
    @property
    def zones(self) -> tuple[str, ...]: ...
    @property
    def snapshot(self) -> str | None: ...
    @property
    def clip(self) -> str | None: ...


class EventPageRecord(Protocol):
    """One page of events, newest first, and the opaque cursor of the next page."""

    @property
    def events(self) -> Sequence[EventRecord]: ...
    @property
    def next_cursor(self) -> str | None: ...


class PublicationRecord(Protocol):
    """An event published to the Neighbors feed: the post's id and absolute URL."""

    @property
    def event_id(self) -> str: ...
    @property
    def post_id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def media(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def published(self) -> float: ...


class SessionRecord(Protocol):
    """A signed-in browser session; only the SHA-256 of its token is stored."""

    @property
    def token_hash(self) -> str: ...
    @property
    def created(self) -> float: ...
    @property
    def expires(self) -> float: ...
    @property
    def user_agent(self) -> str: ...


class ApiTokenRecord(Protocol):
    """A token for scripts; only the SHA-256 of its secret is stored."""

    @property
    def id(self) -> str: ...
    @property
    def token_hash(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def created(self) -> float: ...
    @property
    def last_used(self) -> float | None: ...


class StorePort(MemberStorePort, Protocol):
    """The part of the hub's database the web layer reads and writes."""

    def list_events(
        self,
        camera: str | None = None,
        label: str | None = None,
        after: float | None = None,
        before: float | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> EventPageRecord:
        """Events newest first with `after <= start < before`; `cursor` is a page's
        `next_cursor`. An unknown cursor raises `frontporch.hub.store.index.InvalidCursorError`."""
        ...

    def get_event(self, event_id: str) -> EventRecord | None:
        """One event, or None if there is no such event."""
        ...

    def delete_event(self, event_id: str) -> bool:
        """Forget an event, not its files (`services/event_media.py` deletes those first);
        whether it existed."""
        ...

    def set_event_media(
        self, event_id: str, snapshot: str | None = None, clip: str | None = None
    ) -> object:
        """Name an event's snapshot and/or cached clip (None leaves that one unchanged)."""
        ...

    def segments(self, camera: str, start: float, end: float) -> Sequence[SegmentRecord]:
        """Recorded segments of `camera` overlapping [start, end], oldest first."""
        ...

    def outages(self, camera: str, start: float, end: float) -> Sequence[OutageRecord]:
        """Periods `camera` was unreachable overlapping [start, end], oldest first."""
        ...

    def record_publication(
        self,
        event_id: str,
        *,
        post_id: str,
        url: str,
        media: str,
        category: str,
        title: str,
        now: float | None = None,
    ) -> PublicationRecord:
        """Remember that an event was published as a post (replacing an earlier record)."""
        ...

    def get_publication(self, event_id: str) -> PublicationRecord | None:
        """The post this event was published as, or None if it was not."""
        ...

    def get_setting(self, key: str) -> str | None:
        """A stored hub setting, or None if unset."""
        ...

    def set_setting(self, key: str, value: str) -> None:
        """Store a hub setting, replacing any previous value."""
        ...

    def create_session(
        self, token_hash: str, created: float, expires: float, user_agent: str
    ) -> object:
        """Record a new session."""
        ...

    def get_session(self, token_hash: str, now: float | None = None) -> SessionRecord | None:
        """The session with this token hash, or None if there is none or it expired by `now`."""
        ...

    def delete_session(self, token_hash: str) -> object:
        """Forget one session (sign-out)."""
        ...

    def delete_expired_sessions(self, now: float) -> object:
        """Forget every session whose expiry is before `now`."""
        ...

    def create_api_token(
        self, token_id: str, token_hash: str, name: str, scope: str, created: float
    ) -> ApiTokenRecord:
        """Record a new API token."""
        ...

    def get_api_token(self, token_hash: str) -> ApiTokenRecord | None:
        """The API token whose secret has this hash, or None."""
        ...

    def list_api_tokens(self) -> Sequence[ApiTokenRecord]:
        """Every API token, newest first."""
        ...

    def touch_api_token(self, token_id: str, now: float) -> object:
        """Record that a token was used at `now`."""
        ...

    def delete_api_token(self, token_id: str) -> bool:
        """Revoke one API token; whether it existed."""
        ...


class RequestStorePort(StorePort, Protocol):
    """The store with the footage-request and release tables (`hub/requests/`)."""

    def save_footage_request(self, record: FootageRequestRecord) -> None:
        """Insert a request, or replace the stored one with the same id."""
        ...

    def get_footage_request(self, request_id: str) -> FootageRequestRecord | None:
        """One request, or None."""
        ...

    def list_footage_requests(self) -> Sequence[FootageRequestRecord]:
        """Every request, newest received first."""
        ...

    def set_footage_request_state(
        self,
        request_id: str,
        state: RequestState,
        *,
        refusal: str | None = None,
        closed_reason: str | None = None,
    ) -> bool:
        """Change a request's state (and why); whether it existed."""
        ...

    def save_release(self, record: ReleaseRecord) -> None:
        """Insert a release, or replace the stored one with the same id."""
        ...

    def get_release(self, release_id: str) -> ReleaseRecord | None:
        """One release, or None."""
        ...

    def list_releases(self, request_id: str | None = None) -> Sequence[ReleaseRecord]:
        """Every release (of one request if given), newest first."""
        ...


class NoticeStorePort(StorePort, Protocol):
    """The store with the legal-notice table (`hub/notices/`)."""

    def save_legal_notice(self, record: LegalNoticeRecord) -> None:
        """Insert a notice, or replace the stored one of the same demand."""
        ...

    def get_legal_notice(self, demand: str) -> LegalNoticeRecord | None:
        """The notice of one demand, or None."""
        ...

    def list_legal_notices(self) -> Sequence[LegalNoticeRecord]:
        """Every notice, newest received first."""
        ...

    def mark_legal_notice_read(self, demand: str, now: float) -> bool:
        """Mark a notice read (kept if already read); whether it exists."""
        ...

    def count_unread_legal_notices(self) -> int:
        """How many notices the owner has not marked read."""
        ...


class HubStorePort(
    ExportStorePort,  # first: its `segments` rows carry their ids
    RequestStorePort,
    NoticeStorePort,
    SwitchStore,
    AlertStorePort,
    PushStorePort,
    BackupStorePort,
    ReviewStorePort,
    Protocol,
):
    """The whole store the web app works with."""


@dataclass(frozen=True)
class CameraStatus:
    """A camera's live state, as the running hub reports it.

    `last_error` must already be redacted (no credentials from input URLs).
    `events` counts events opened since the hub started; `recorded_bytes` is the size
    of this camera's recordings on disk.
    """

    name: str
    online: bool
    state: CameraState
    input_fps: float
    analyzed_fps: float
    skipped_frames: int
    reconnects: int
    last_error: str | None
    detect_width: int
    detect_height: int
    recording: bool
    events: int = 0
    recorded_bytes: int = 0
    live_codec: str | None = None  # RFC 6381 codecs value when H.264 live view is offered


LiveCursor = tuple[int, int]
"""Where a live viewer stands: (generation of the init segment, last fragment sent)."""


@dataclass(frozen=True)
class LiveUpdate:
    """Fragmented MP4 bytes a live viewer has not had yet, and where it then stands.

    On a viewer's first update, or when the stream restarted (a new generation), `data`
    is the init segment followed by the fragments since the latest keyframe; after
    that, the fragments that arrived since `cursor` was handed out.
    """

    cursor: LiveCursor
    data: bytes


class HubRuntime(Protocol):
    """The running hub: cameras, their live frames and streams, and clips on demand."""

    def camera_names(self) -> list[str]:
        """Names of the configured cameras, in display order."""
        ...

    def camera_status(self, name: str) -> CameraStatus:
        """Live status of one camera; raises KeyError for an unknown name."""
        ...

    def latest_jpeg(self, name: str) -> tuple[int, bytes] | None:
        """(sequence number, JPEG) of the newest analysed frame with boxes, or None yet.

        Called from the event loop by the live stream, so it must not block."""
        ...

    def live_codec(self, name: str) -> str | None:
        """The RFC 6381 codecs value (`avc1.64001f`) of the camera's H.264 live stream, or
        None if it offers none (not connected yet, not H.264). Never blocks."""
        ...

    def watch(self, name: str) -> AbstractContextManager[object]:
        """Count a viewer of the camera's live stream while inside; the camera remuxes
        its stream for live view only while someone watches."""
        ...

    def live_since(self, name: str, cursor: LiveCursor | None) -> LiveUpdate | None:
        """What a viewer at `cursor` (None: just arrived) should receive next, or None if
        nothing new is there yet. Called from the event loop: never blocks."""
        ...

    def clip_path(self, event_id: str) -> Path:
        """Absolute path of the event's MP4, remuxed on demand; raises ClipUnavailable."""
        ...

    def snapshot_path(self, event_id: str) -> Path | None:
        """Absolute path of the event's best snapshot JPEG, or None if it has none."""
        ...
