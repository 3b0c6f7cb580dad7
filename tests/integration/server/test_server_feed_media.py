"""Hub uploads and media: a real H.264 MP4 (PyAV) and a JPEG (OpenCV) published by a
paired hub, `client_ref` idempotency, size and type refusals, Range requests over real
HTTP, and blobs that never outlive their post (deleted with it, with the account, and
never left behind when storing the row fails)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import av
import cv2
import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from feed_tools import (
    feed,
    hub_client,
    jpeg_bytes,
    miles_from,
    mp4_bytes,
    post,
    resident_at,
    upload,
)
from frontporch.protocol import MAX_POSTER_BYTES, MEDIA_FIELD, POSTER_FIELD, UPLOAD_PATH
from frontporch.server.app import create_app
from frontporch.server.blobs import BlobError, FilesystemBlobStore
from frontporch.server.feed.models import Post
from frontporch.server.feed.posts.repository import PostRepository
from frontporch.server.feed.posts.sweep import sweep_media
from frontporch.server.homes.models import Home
from frontporch.server.hubs.models import Hub
from frontporch.server.settings import ServerSettings
from homes_tools import CHICAGO
from server_fixtures import PASSWORD, FakeClock, SmtpServer, make_settings
from server_harness import ServerHarness
from server_live import serving

MAX_MEDIA = 16 * 1024


class HookedStore(FilesystemBlobStore):
    """The real filesystem store, running `on_put` right after each write (to make the
    things that can happen meanwhile happen) or failing writes when `broken`."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.on_put: Callable[[], None] | None = None
        self.broken = False
        self.put_keys: list[str] = []

    def put_file(self, key: str, source: BinaryIO) -> int:
        if self.broken:
            raise BlobError("disk full")
        written = super().put_file(key, source)
        self.put_keys.append(key)
        if self.on_put is not None:
            self.on_put()
        return written


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: SmtpServer) -> ServerSettings:
    return make_settings(database_url, tmp_path, smtp, feed_max_media_bytes=MAX_MEDIA)


@pytest.fixture
def store(settings: ServerSettings) -> HookedStore:
    return HookedStore(settings.data_dir / "blobs")


@pytest.fixture
def app(settings: ServerSettings, clock: FakeClock, store: HookedStore) -> Iterator[FastAPI]:
    application = create_app(settings, clock=clock, blobs=store)
    yield application
    application.state.server.engine.dispose()


def _posts(server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Post)) or 0)


def _blob_files(store: HookedStore) -> list[Path]:
    root = store.root / "posts"
    return sorted(root.iterdir()) if root.exists() else []


def test_a_hub_publishes_a_clip_and_a_snapshot(
    server: ServerHarness, store: HookedStore, tmp_path: Path
) -> None:
    owner, home = resident_at(server)
    neighbour, neighbour_home = resident_at(server)
    hub = hub_client(server, owner, home)
    clip = mp4_bytes(tmp_path)

    made = upload(hub, clip, "video/mp4", client_ref="event-0001")
    assert made.status_code == 201, made.text
    post_id = made.json()["id"]
    assert made.json()["url"] == f"/posts/{post_id}"
    shown = owner.client.get(f"/api/posts/{post_id}").json()
    assert shown["mine"] is True  # written by the home's owner
    assert shown["media"] == {
        "url": f"/api/posts/{post_id}/media",
        "content_type": "video/mp4",
        "size": len(clip),
    }
    assert shown["category"] == "suspicious_activity"
    feed = neighbour.client.get("/api/feed", params={"home_id": neighbour_home}).json()
    assert feed["posts"][0]["id"] == post_id

    media = neighbour.client.get(f"/api/posts/{post_id}/media")
    assert media.status_code == 200
    assert media.headers["content-type"] == "video/mp4"
    assert media.headers["cache-control"] == "private, no-store"
    assert media.headers["accept-ranges"] == "bytes"
    assert media.content == clip
    with av.open(io.BytesIO(media.content)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 15

    snapshot = upload(hub, jpeg_bytes(), "image/jpeg", title="Delivery left at the door")
    assert snapshot.status_code == 201, snapshot.text
    image = owner.client.get(f"/api/posts/{snapshot.json()['id']}/media")
    assert image.headers["content-type"] == "image/jpeg"
    decoded = cv2.imdecode(np.frombuffer(image.content, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (120, 160, 3)
    assert len(_blob_files(store)) == 2


def test_the_same_client_ref_returns_the_same_post(
    server: ServerHarness, store: HookedStore
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    other_hub = hub_client(server, owner, home)
    first = upload(hub, jpeg_bytes(), "image/jpeg", client_ref="evt-42")
    again = upload(hub, jpeg_bytes(), "image/jpeg", client_ref="evt-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    elsewhere = upload(other_hub, jpeg_bytes(), "image/jpeg", client_ref="evt-42")
    assert elsewhere.status_code == 201  # references are per hub
    assert _posts(server) == 2
    assert len(_blob_files(store)) == 2
    too_long = upload(hub, jpeg_bytes(), "image/jpeg", client_ref="x" * 65)
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "client_ref"


def test_too_large_and_wrong_media_are_refused(
    server: ServerHarness, store: HookedStore, tmp_path: Path
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    just_over = b"\x00\x00\x00\x18ftypisom" + b"\x00" * (MAX_MEDIA - 11)
    refused = upload(hub, just_over)
    assert refused.status_code == 413
    assert refused.json()["error"] == "media too large"
    assert str(MAX_MEDIA) in refused.json()["detail"]
    huge = upload(hub, b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024), "image/jpeg")
    assert huge.status_code == 413

    cases = [
        (jpeg_bytes(), "image/png", 415),
        (jpeg_bytes(), "video/mp4", 422),  # declared MP4, bytes are JPEG
        (mp4_bytes(tmp_path), "image/jpeg", 422),
        (b"plain text, not media", "video/mp4", 422),
        (b"", "image/jpeg", 422),
    ]
    for data, declared, status in cases:
        answer = upload(hub, data, declared)
        assert answer.status_code == status, (declared, answer.text)
        assert answer.json()["field"] == "media"
        assert answer.json()["detail"]
    as_json = hub.post("/api/hub/posts", json={"category": "crime", "title": "x"})
    assert as_json.status_code == 415
    form_only = hub.post("/api/hub/posts", data={"category": "crime", "title": "x"})
    assert form_only.status_code == 415  # urlencoded: no file can be in it
    no_file = hub.post("/api/hub/posts", files={"category": (None, "crime"), "title": (None, "x")})
    assert no_file.status_code == 422
    assert no_file.json()["field"] == "media"
    garbage = hub.post(
        "/api/hub/posts",
        content=b"not multipart at all",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert garbage.status_code == 400
    assert garbage.json()["error"] == "unreadable upload"
    twice = hub.post(
        "/api/hub/posts",
        data={"category": ["crime", "safety"], "title": "x"},
        files={"media": ("a.jpg", jpeg_bytes(), "image/jpeg")},
    )
    assert twice.status_code == 422
    assert twice.json()["field"] == "category"
    bad_category = upload(hub, jpeg_bytes(), "image/jpeg", category="gossip")
    assert bad_category.status_code == 422
    assert bad_category.json()["field"] == "category"
    long_body = upload(hub, jpeg_bytes(), "image/jpeg", body="x" * 5001)
    assert long_body.json()["field"] == "body"
    assert _posts(server) == 0
    assert _blob_files(store) == []


def test_an_upload_streamed_without_a_length_is_cut_off_at_the_limit(
    server: ServerHarness,
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    boundary = "fp-test-boundary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="media"; '
            'filename="x.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode()
        for _ in range(64):  # 4 MiB, far past the limit, sent chunked
            yield b"\x00" * 65536
        yield f"\r\n--{boundary}--\r\n".encode()

    answer = hub.post(
        "/api/hub/posts",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == "media too large"


def test_range_requests_over_http(server: ServerHarness, tmp_path: Path) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    clip = mp4_bytes(tmp_path)
    post_id = upload(hub, clip).json()["id"]
    size = len(clip)
    with (
        serving(server.app) as base,
        httpx.Client(base_url=base, cookies=dict(owner.client.cookies.items())) as http,
    ):
        url = f"/api/posts/{post_id}/media"
        head = http.get(url, headers={"range": "bytes=0-99"})
        assert head.status_code == 206
        assert head.headers["content-range"] == f"bytes 0-99/{size}"
        assert head.headers["content-length"] == "100"
        assert head.content == clip[:100]
        tail = http.get(url, headers={"range": "bytes=-50"})
        assert tail.status_code == 206
        assert tail.content == clip[-50:]
        rest = http.get(url, headers={"range": f"bytes={size - 10}-"})
        assert rest.headers["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"
        assert rest.content == clip[-10:]
        clamped = http.get(url, headers={"range": f"bytes=100-{size + 1000}"})
        assert clamped.content == clip[100:]
        beyond = http.get(url, headers={"range": f"bytes={size}-"})
        assert beyond.status_code == 416
        assert beyond.headers["content-range"] == f"bytes */{size}"
        assert beyond.json()["error"] == "range not satisfiable"
        several = http.get(url, headers={"range": "bytes=0-1,5-9"})
        assert several.status_code == 200  # a server may ignore a Range it does not serve
        assert several.content == clip
        assert httpx.get(base + url).status_code == 401  # no sign-in, no media


def test_deleting_a_post_deletes_its_blob(server: ServerHarness, store: HookedStore) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    post_id = upload(hub, jpeg_bytes(), "image/jpeg").json()["id"]
    key = f"posts/{uuid.UUID(post_id).hex}"
    assert store.exists(key)
    assert owner.client.delete(f"/api/posts/{post_id}").status_code == 204
    assert not store.exists(key)
    assert owner.client.get(f"/api/posts/{post_id}/media").status_code == 404
    text_only = post(owner, home)
    missing = owner.client.get(f"/api/posts/{text_only['id']}/media")
    assert missing.status_code == 404
    assert missing.json()["error"] == "no media"


def test_deleting_an_account_deletes_its_posts_and_blobs(
    server: ServerHarness, store: HookedStore
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    upload(hub, jpeg_bytes(), "image/jpeg")
    upload(hub, jpeg_bytes(), "image/jpeg", title="Second")
    bystander, bystander_home = resident_at(server)
    kept = upload(hub_client(server, bystander, bystander_home), jpeg_bytes(), "image/jpeg")
    assert len(_blob_files(store)) == 3
    deleted = owner.client.post("/api/account/delete", json={"password": PASSWORD})
    assert deleted.status_code == 200, deleted.text
    assert _posts(server) == 1
    assert [path.name for path in _blob_files(store)] == [uuid.UUID(kept.json()["id"]).hex]


def test_no_blob_is_left_when_the_row_cannot_be_stored(
    server: ServerHarness, store: HookedStore
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)

    def home_deleted_meanwhile() -> None:
        with server.app.state.server.sessions.begin() as db:
            db.execute(delete(Home).where(Home.id == uuid.UUID(home)))

    store.on_put = home_deleted_meanwhile
    answer = upload(hub, jpeg_bytes(), "image/jpeg")
    assert answer.status_code == 409
    assert answer.json()["error"] == "upload not stored"
    assert len(store.put_keys) == 1
    assert not store.exists(store.put_keys[0])
    assert _posts(server) == 0


def test_no_row_is_left_when_the_blob_cannot_be_stored(
    server: ServerHarness, store: HookedStore
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    store.broken = True
    answer = upload(hub, jpeg_bytes(), "image/jpeg")
    assert answer.status_code == 503
    assert answer.json()["error"] == "storage unavailable"
    assert _posts(server) == 0
    store.broken = False
    assert upload(hub, jpeg_bytes(), "image/jpeg").status_code == 201


def test_two_copies_of_one_upload_racing_make_one_post(
    server: ServerHarness, store: HookedStore, clock: FakeClock
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    racer: list[uuid.UUID] = []

    def other_copy_lands_first() -> None:
        store.on_put = None
        with server.app.state.server.sessions.begin() as db:
            found = db.scalars(select(Hub)).one()
            owner_home = db.get(Home, found.home_id)
            assert owner_home is not None
            posts = PostRepository(db)
            made = posts.add(
                Post(
                    seq=posts.next_seq(),
                    author_id=owner_home.owner_id,
                    home_id=owner_home.id,
                    cell=owner_home.cell,
                    category="crime",
                    title="the other copy",
                    body="",
                    created_at=clock(),
                    hub_id=found.id,
                    client_ref="evt-race",
                    comment_count=0,
                )
            )
            racer.append(made.id)

    store.on_put = other_copy_lands_first
    answer = upload(hub, jpeg_bytes(), "image/jpeg", client_ref="evt-race")
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == str(racer[0])
    assert not store.exists(store.put_keys[0])
    assert _posts(server) == 1


def _upload_with_poster(
    hub: TestClient,
    media: bytes,
    poster: bytes,
    media_type: str = "video/mp4",
    poster_type: str = "image/jpeg",
) -> httpx.Response:
    files = {
        MEDIA_FIELD: ("clip.mp4", media, media_type),
        POSTER_FIELD: ("poster.jpg", poster, poster_type),
    }
    data = {"category": "suspicious_activity", "title": "Someone at the gate"}
    return hub.post(UPLOAD_PATH, data=data, files=files)


def test_a_clip_is_shared_with_its_poster_frame(
    server: ServerHarness, store: HookedStore, tmp_path: Path
) -> None:
    owner, home = resident_at(server)
    neighbour, neighbour_home = resident_at(server)
    stranger, _ = resident_at(server, miles_from(CHICAGO, 30.0, 90))
    hub = hub_client(server, owner, home)
    poster = jpeg_bytes()

    made = _upload_with_poster(hub, mp4_bytes(tmp_path), poster)
    assert made.status_code == 201, made.text
    post_id = made.json()["id"]
    poster_url = f"/api/posts/{post_id}/poster"
    shown = feed(neighbour, neighbour_home)["posts"][0]
    assert shown["media"]["poster"] == poster_url
    for reader in (owner, neighbour):
        still = reader.client.get(poster_url)
        assert still.status_code == 200
        assert still.headers["content-type"] == "image/jpeg"
        assert still.headers["cache-control"] == "private, no-store"
        assert still.content == poster
    assert stranger.client.get(poster_url).status_code == 404  # the media's own rule
    assert server.new_client().get(poster_url).status_code == 401
    page = neighbour.client.get("/feed").text
    assert f'poster="{poster_url}"' in page
    assert f'poster="{poster_url}"' in neighbour.client.get(f"/posts/{post_id}").text

    without = upload(hub, mp4_bytes(tmp_path))  # a hub that sends none: as before
    assert "poster" not in feed(neighbour, neighbour_home)["posts"][0]["media"]
    missing = neighbour.client.get(f"/api/posts/{without.json()['id']}/poster")
    assert (missing.status_code, missing.json()["error"]) == (404, "no poster")

    key = f"posts/{uuid.UUID(post_id).hex}.poster"
    assert store.exists(key)
    assert owner.client.delete(f"/api/posts/{post_id}").status_code == 204
    assert not store.exists(key)
    assert not store.exists(f"posts/{uuid.UUID(post_id).hex}")


def test_a_poster_must_be_a_small_jpeg_with_a_clip(
    server: ServerHarness, store: HookedStore, tmp_path: Path
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    clip, still = mp4_bytes(tmp_path), jpeg_bytes()
    big = b"\xff\xd8\xff" + bytes(MAX_POSTER_BYTES)
    cases = [
        (jpeg_bytes(), still, "image/jpeg", "image/jpeg", "with a clip only"),
        (clip, still, "video/mp4", "image/png", "must be image/jpeg"),
        (clip, b"GIF89a not a jpeg", "video/mp4", "image/jpeg", "not a JPEG"),
        (clip, big, "video/mp4", "image/jpeg", "at most"),
    ]
    for media, poster, media_type, poster_type, says in cases:
        refused = _upload_with_poster(hub, media, poster, media_type, poster_type)
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "poster"
        assert says in refused.json()["detail"]
    as_text = hub.post(
        UPLOAD_PATH,
        data={"category": "crime", "title": "x", POSTER_FIELD: "not a file"},
        files={MEDIA_FIELD: ("clip.mp4", clip, "video/mp4")},
    )
    assert (as_text.status_code, as_text.json()["field"]) == (422, "poster")
    assert _posts(server) == 0
    assert _blob_files(store) == []


def test_an_account_deletion_and_the_sweep_treat_posters_as_the_posts_own(
    server: ServerHarness, store: HookedStore, clock: FakeClock, tmp_path: Path
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    kept_owner, kept_home = resident_at(server)
    kept = _upload_with_poster(
        hub_client(server, kept_owner, kept_home), mp4_bytes(tmp_path), jpeg_bytes()
    )
    assert _upload_with_poster(hub, mp4_bytes(tmp_path), jpeg_bytes()).status_code == 201
    assert len(_blob_files(store)) == 4
    context = server.app.state.server
    later = datetime.now(UTC) + timedelta(days=1)  # every blob is past the grace period
    report = sweep_media(context.sessions, context.blobs, later)
    assert (report.referenced, report.orphans) == (4, [])
    deleted = owner.client.post("/api/account/delete", json={"password": PASSWORD})
    assert deleted.status_code == 200, deleted.text
    kept_hex = uuid.UUID(kept.json()["id"]).hex
    assert [p.name for p in _blob_files(store)] == [kept_hex, f"{kept_hex}.poster"]


def test_media_is_never_kept_by_a_browser(server: ServerHarness) -> None:
    owner, home = resident_at(server)
    post_id = upload(hub_client(server, owner, home), jpeg_bytes(), "image/jpeg").json()["id"]
    media = owner.client.get(f"/api/posts/{post_id}/media")
    assert media.headers["cache-control"] == "private, no-store"
    ranged = owner.client.get(f"/api/posts/{post_id}/media", headers={"range": "bytes=0-9"})
    assert (ranged.status_code, ranged.headers["cache-control"]) == (206, "private, no-store")


def test_the_post_quota_is_checked_before_the_body_is_read(
    server: ServerHarness, store: HookedStore
) -> None:
    owner, home = resident_at(server)
    hub = hub_client(server, owner, home)
    quota = server.app.state.server.settings.feed_posts_per_hour
    for number in range(quota):
        assert upload(hub, jpeg_bytes(), "image/jpeg", title=f"n{number}").status_code == 201
    # Refused for the quota, not for the body: a body it would refuse is not even read.
    too_large = upload(hub, b"\xff\xd8\xff" + bytes(MAX_MEDIA), "image/jpeg")
    assert too_large.status_code == 429, too_large.text
    assert "retry-after" in too_large.headers
    not_media = upload(hub, b"not media at all", "image/jpeg")
    assert not_media.status_code == 429
    assert len(store.put_keys) == quota
