"""In-memory fakes of the hub's ports (`frontporch.hub.ports`), for tests of any layer.

They implement the same interfaces as `HubStore` and the running hub, using the store's
own record types, so code under test cannot tell them apart; they are not mocks and
record nothing about how they were called. At the end: a harness that puts the hub's
web app over them, and a helper that signs a test client in through the real form.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from alert_tools import FakeAlertTables
from backup_tools import FakeBackupTables
from export_tools import FakeExportTables
from frontporch.hub.alerts.webpush_records import PushSubscription
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.live.feed import LiveFeed
from frontporch.hub.notices.records import LegalNoticeRecord
from frontporch.hub.ports import CameraStatus, ClipUnavailable, LiveCursor, LiveUpdate
from frontporch.hub.process.messages import CameraState
from frontporch.hub.requests.records import FootageRequestRecord, ReleaseRecord, RequestState
from frontporch.hub.store.index import (
    ApiToken,
    Event,
    EventPage,
    InvalidCursorError,
    Outage,
    Publication,
    Segment,
    Session,
    UnknownEventError,
)
from frontporch.hub.web import passwords
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from member_tools import FakeMemberTables
from review_tools import FakeReviewTables


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: float = 1_717_400_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_event(
    event_id: str,
    camera: str = "front",
    start: float = 1_717_400_000.0,
    length: float | None = 12.0,
    labels: tuple[str, ...] = ("person",),
    score: float = 0.87,
    snapshot: str | None = None,
) -> Event:
    """An event record as the store would return it."""
    return Event(
        id=event_id,
        camera=camera,
        labels=labels,
        top_score=score,
        start=start,
        end=None if length is None else start + length,
        zones=("porch",),
        snapshot=snapshot,
        clip=None,
        created=start,
        updated=start,
    )


@dataclass
class FakeStore(
    FakeAlertTables, FakeBackupTables, FakeMemberTables, FakeReviewTables, FakeExportTables
):
    """The StorePort in memory: events, segments, outages, publications, settings,
    sessions, API tokens, footage requests and releases, legal notices, the owner's
    switches, push subscriptions, alerts (FakeAlertTables), backups (FakeBackupTables)."""

    events: dict[str, Event] = field(default_factory=dict)
    segment_list: list[Segment] = field(default_factory=list)
    outage_list: list[Outage] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    publications: dict[str, Publication] = field(default_factory=dict)
    api_tokens: dict[str, ApiToken] = field(default_factory=dict)
    footage_requests: dict[str, FootageRequestRecord] = field(default_factory=dict)
    releases: dict[str, ReleaseRecord] = field(default_factory=dict)
    legal_notices: dict[str, LegalNoticeRecord] = field(default_factory=dict)
    switches: dict[tuple[str, str], bool] = field(default_factory=dict)

    push_subscriptions: dict[str, PushSubscription] = field(default_factory=dict)
    vapid_pem: bytes | None = None

    def save_push_subscription(self, subscription: PushSubscription) -> PushSubscription:
        for existing in self.push_subscriptions.values():
            if existing.endpoint == subscription.endpoint:
                subscription = replace(subscription, id=existing.id, created=existing.created)
        self.push_subscriptions[subscription.id] = subscription
        return subscription

    def list_push_subscriptions(self) -> list[PushSubscription]:
        return sorted(self.push_subscriptions.values(), key=lambda s: s.created)

    def get_push_subscription(self, subscription_id: str) -> PushSubscription | None:
        return self.push_subscriptions.get(subscription_id)

    def delete_push_subscription(self, subscription_id: str) -> bool:
        return self.push_subscriptions.pop(subscription_id, None) is not None

    def note_push_result(self, subscription_id: str, status: str, at: float) -> None:
        if subscription_id in self.push_subscriptions:
            self.push_subscriptions[subscription_id] = replace(
                self.push_subscriptions[subscription_id], last_sent=at, last_status=status
            )

    def push_key_pem(self, new_pem: bytes) -> bytes:
        if self.vapid_pem is None:
            self.vapid_pem = new_pem
        return self.vapid_pem

    def switch_values(self) -> dict[tuple[str, str], bool]:
        return dict(self.switches)

    def set_switch(self, scope: str, name: str, value: bool, by: str, at: float) -> None:
        self.switches[(scope, name)] = value

    def add_event(self, event: Event) -> None:
        self.events[event.id] = event

    def list_events(
        self,
        camera: str | None = None,
        label: str | None = None,
        after: float | None = None,
        before: float | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> EventPage:
        ordered = sorted(self.events.values(), key=lambda e: (e.start, e.id), reverse=True)
        if cursor is not None:
            anchor = next((e for e in ordered if e.id == cursor), None)
            if anchor is None:
                raise InvalidCursorError(f"not a valid events cursor: {cursor!r}")
            ordered = [e for e in ordered if (e.start, e.id) < (anchor.start, anchor.id)]
        matching = [
            e
            for e in ordered
            if (camera is None or e.camera == camera)
            and (label is None or label in e.labels)
            and (after is None or e.start >= after)
            and (before is None or e.start < before)
        ]
        page = tuple(matching[:limit])
        return EventPage(page, page[-1].id if len(matching) > limit else None)

    def get_event(self, event_id: str) -> Event | None:
        return self.events.get(event_id)

    def delete_event(self, event_id: str) -> bool:
        self.publications.pop(event_id, None)
        return self.events.pop(event_id, None) is not None

    def set_event_media(
        self, event_id: str, snapshot: str | None = None, clip: str | None = None
    ) -> Event:
        event = self.events.get(event_id)
        if event is None:
            raise UnknownEventError(f"no event with id {event_id!r}")
        self.events[event_id] = replace(
            event,
            snapshot=event.snapshot if snapshot is None else snapshot,
            clip=event.clip if clip is None else clip,
        )
        return self.events[event_id]

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
    ) -> Publication:
        if event_id not in self.events:
            raise UnknownEventError(f"no event with id {event_id!r}")
        stamp = time.time() if now is None else now
        record = Publication(event_id, post_id, url, media, category, title, stamp)
        self.publications[event_id] = record
        return record

    def get_publication(self, event_id: str) -> Publication | None:
        return self.publications.get(event_id)

    def segments(self, camera: str, start: float, end: float) -> list[Segment]:
        return [
            s for s in self.segment_list if s.camera == camera and s.end > start and s.start < end
        ]

    def outages(self, camera: str, start: float, end: float) -> list[Outage]:
        return [
            o
            for o in self.outage_list
            if o.camera == camera and (o.end is None or o.end > start) and o.start < end
        ]

    def get_setting(self, key: str) -> str | None:
        return self.settings.get(key)

    def set_setting(self, key: str, value: str) -> None:
        self.settings[key] = value

    def create_session(
        self, token_hash: str, created: float, expires: float, user_agent: str
    ) -> Session:
        if token_hash in self.sessions:
            raise ValueError("session exists")  # the real store's primary key refuses it too
        self.sessions[token_hash] = Session(token_hash, created, expires, user_agent)
        return self.sessions[token_hash]

    def get_session(self, token_hash: str, now: float | None = None) -> Session | None:
        session = self.sessions.get(token_hash)
        moment = time.time() if now is None else now
        return session if session is not None and session.expires > moment else None

    def delete_session(self, token_hash: str) -> bool:
        return self.sessions.pop(token_hash, None) is not None

    def delete_expired_sessions(self, now: float) -> int:
        expired = [h for h, s in self.sessions.items() if s.expires <= now]
        for token_hash in expired:
            del self.sessions[token_hash]
        return len(expired)

    def create_api_token(
        self, token_id: str, token_hash: str, name: str, scope: str, created: float
    ) -> ApiToken:
        if token_id in self.api_tokens or self.get_api_token(token_hash) is not None:
            raise ValueError("token exists")  # the real store's keys refuse it too
        self.api_tokens[token_id] = ApiToken(token_id, token_hash, name, scope, created, None)
        return self.api_tokens[token_id]

    def get_api_token(self, token_hash: str) -> ApiToken | None:
        return next((t for t in self.api_tokens.values() if t.token_hash == token_hash), None)

    def list_api_tokens(self) -> list[ApiToken]:
        return sorted(self.api_tokens.values(), key=lambda t: (-t.created, t.id))

    def touch_api_token(self, token_id: str, now: float) -> None:
        if token_id in self.api_tokens:
            self.api_tokens[token_id] = replace(self.api_tokens[token_id], last_used=now)

    def delete_api_token(self, token_id: str) -> bool:
        return self.api_tokens.pop(token_id, None) is not None

    # Footage requests and releases (`RequestStorePort`).

    def save_footage_request(self, record: FootageRequestRecord) -> None:
        self.footage_requests[record.id] = record

    def get_footage_request(self, request_id: str) -> FootageRequestRecord | None:
        return self.footage_requests.get(request_id)

    def list_footage_requests(self) -> list[FootageRequestRecord]:
        return sorted(self.footage_requests.values(), key=lambda r: r.received_at, reverse=True)

    def set_footage_request_state(
        self,
        request_id: str,
        state: RequestState,
        *,
        refusal: str | None = None,
        closed_reason: str | None = None,
    ) -> bool:
        record = self.footage_requests.get(request_id)
        if record is None:
            return False
        self.footage_requests[request_id] = replace(
            record,
            state=state,
            refusal=refusal or record.refusal,
            closed_reason=closed_reason or record.closed_reason,
        )
        return True

    def save_release(self, record: ReleaseRecord) -> None:
        self.releases[record.id] = record

    def get_release(self, release_id: str) -> ReleaseRecord | None:
        return self.releases.get(release_id)

    def list_releases(self, request_id: str | None = None) -> list[ReleaseRecord]:
        chosen = [r for r in self.releases.values() if request_id in (None, r.request_id)]
        return sorted(chosen, key=lambda r: r.created_at, reverse=True)

    # Legal notices (`NoticeStorePort`).

    def save_legal_notice(self, record: LegalNoticeRecord) -> None:
        self.legal_notices[record.demand] = record

    def get_legal_notice(self, demand: str) -> LegalNoticeRecord | None:
        return self.legal_notices.get(demand)

    def list_legal_notices(self) -> list[LegalNoticeRecord]:
        return sorted(self.legal_notices.values(), key=lambda n: n.received_at, reverse=True)

    def mark_legal_notice_read(self, demand: str, now: float) -> bool:
        record = self.legal_notices.get(demand)
        if record is None:
            return False
        if record.read_at is None:
            self.legal_notices[demand] = replace(record, read_at=now)
        return True

    def count_unread_legal_notices(self) -> int:
        return sum(1 for n in self.legal_notices.values() if n.read_at is None)


@dataclass
class FakeRuntime:
    """The HubRuntime in memory: fixed statuses, a live frame, clip and snapshot files.

    Every `latest_jpeg` call returns the camera's frame with a new sequence number, as
    a camera producing frames faster than anyone polls would. The H.264 live stream of
    a camera whose status has a `live_codec` is the hub's own `LiveFeed`, which a test
    fills as a camera worker would; `viewers` counts who is inside `watch`.
    """

    statuses: dict[str, CameraStatus]
    frame: bytes | None = None
    clips: dict[str, Path] = field(default_factory=dict)
    snapshots: dict[str, Path] = field(default_factory=dict)
    sequence: int = 0
    feeds: dict[str, LiveFeed] = field(default_factory=dict)
    viewers: dict[str, int] = field(default_factory=dict)

    def camera_names(self) -> list[str]:
        return list(self.statuses)

    def camera_status(self, name: str) -> CameraStatus:
        return self.statuses[name]

    def latest_jpeg(self, name: str) -> tuple[int, bytes] | None:
        if name not in self.statuses or self.frame is None:
            return None
        self.sequence += 1
        return self.sequence, self.frame

    def live_codec(self, name: str) -> str | None:
        return self.statuses[name].live_codec

    @contextmanager
    def watch(self, name: str) -> Iterator[None]:
        self.viewers[name] = self.viewers.get(name, 0) + 1
        try:
            yield
        finally:
            self.viewers[name] -= 1

    def live_since(self, name: str, cursor: LiveCursor | None) -> LiveUpdate | None:
        return self.feeds.setdefault(name, LiveFeed()).since(cursor)

    def clip_path(self, event_id: str) -> Path:
        path = self.clips.get(event_id)
        if path is None or not path.exists():
            raise ClipUnavailable("no recording covers this event (deleted by retention)")
        return path

    def snapshot_path(self, event_id: str) -> Path | None:
        return self.snapshots.get(event_id)


def camera_status(name: str, *, online: bool = True, **changes: object) -> CameraStatus:
    """A plausible status for a healthy camera; keyword arguments override fields."""
    status = CameraStatus(
        name=name,
        online=online,
        state=CameraState.online if online else CameraState.reconnecting,
        input_fps=15.0,
        analyzed_fps=5.0,
        skipped_frames=3,
        reconnects=0 if online else 2,
        last_error=None if online else "connection refused by rtsp://***@camera",
        detect_width=640,
        detect_height=360,
        recording=online,
        events=4,
        recorded_bytes=123_456_789,
    )
    return replace(status, **changes)  # type: ignore[arg-type]


def hub_config(*cameras: str) -> HubConfig:
    """A valid hub configuration with file-backed cameras of these names."""
    return parse_config(
        {
            "cameras": {
                name: {
                    "inputs": [{"url": f"/videos/{name}.mp4"}],
                    "objects": {"track": ["person", "car"] if i == 0 else ["person"]},
                    "zones": {"porch": {"polygon": [[0, 0], [1, 0], [1, 1]]}},
                }
                for i, name in enumerate(cameras)
            }
        }
    )


OWNER_PASSWORD = "correct horse battery staple"


def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make argon2id cheap for one test (same algorithm, minimal cost parameters)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", cheap)


def sign_in(client: TestClient, password: str = OWNER_PASSWORD) -> str:
    """Sign a TestClient in through the real /login form; returns the page CSRF token."""
    form = client.get("/login")
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert login_csrf is not None, "the sign-in form has no CSRF field"
    response = client.post(
        "/login",
        data={"password": password, "csrf_token": login_csrf.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get("/account")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert token is not None
    return token.group(1)


@dataclass
class WebHarness:
    """A hub web app over fakes, with its clock, store and runtime at hand."""

    store: FakeStore
    runtime: FakeRuntime
    clock: FakeClock
    app: FastAPI

    def client(self, **kwargs: Any) -> TestClient:
        return TestClient(self.app, **kwargs)


def web_harness(*, secure_cookies: bool = False) -> WebHarness:
    """Two cameras (front online, back reconnecting), an owner password, no events."""
    clock = FakeClock()
    store = FakeStore()
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    runtime = FakeRuntime(
        {"front": camera_status("front"), "back": camera_status("back", online=False)},
        frame=b"\xff\xd8fake-jpeg\xff\xd9",
    )
    app = create_hub_app(
        hub_config("front", "back"), store, runtime, secure_cookies=secure_cookies, clock=clock
    )
    return WebHarness(store, runtime, clock, app)
