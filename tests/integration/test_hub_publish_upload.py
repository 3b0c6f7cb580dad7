"""`publish_event` against a real HTTP server implementing the posts contract: the fields
and the media arrive intact (parsed as multipart by FastAPI), the media are the masked
public copies, and every refusal becomes a `PublishError` that says what to do."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from feed_stand_in import CREDENTIAL, FeedStandIn
from frontporch.hub.community.link import ServerLink
from frontporch.hub.community.publish import (
    Category,
    CredentialRevoked,
    EventFootage,
    FootageUnavailable,
    InvalidPost,
    MediaChoice,
    MediaTooLarge,
    PostDraft,
    ServerRefused,
    publish_event,
)
from frontporch.hub.ports import ClipUnavailable
from server_fixtures import free_port
from server_live import serving
from videotools import make_h264

MASK = [(0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (0.0, 1.0)]
EVENT_ID = "1717400000.123456-front"
# A title and text that could confuse a careless multipart writer.
TITLE = "Paket gestohlen – “Vorsicht” --frontporch-boundary"
BODY = 'Line one\r\n--\r\nContent-Disposition: form-data; name="category"\r\n\r\ncrime\r\n'


@pytest.fixture
def feed() -> FeedStandIn:
    return FeedStandIn()


@pytest.fixture
def server_url(feed: FeedStandIn) -> Iterator[str]:
    with serving(feed.app()) as url:
        yield url


@pytest.fixture
def link(server_url: str) -> ServerLink:
    return ServerLink(
        server_url=server_url,
        hub_id="hub-1",
        home_id="home-1",
        home_name="Maple Street 12",
        credential=CREDENTIAL,
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("upload")
    return make_h264(base / "event.mp4", seconds=3, fps=15, size=(320, 180))


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snap") / "snap.jpg"
    ok, encoded = cv2.imencode(".jpg", np.full((180, 320, 3), 150, np.uint8))
    assert ok
    path.write_bytes(bytes(encoded))
    return path


def footage(clip: Path | None, snapshot: Path | None) -> EventFootage:
    def build() -> Path:
        if clip is None:
            raise ClipUnavailable("no recording covers this event (deleted by retention)")
        return clip

    return EventFootage(EVENT_ID, [MASK], build, snapshot)


def masked_mean(bgr: np.ndarray) -> float:
    height, width = bgr.shape[:2]
    return float(bgr[height // 2 + 4 :, : width // 2 - 4].mean())


def open_mean(bgr: np.ndarray) -> float:
    height, width = bgr.shape[:2]
    return float(bgr[height // 6 :, width // 2 + 4 :].mean())


def test_a_clip_is_posted_with_its_fields_and_masked_video(
    feed: FeedStandIn, link: ServerLink, server_url: str, clip: Path, tmp_path: Path
) -> None:
    draft = PostDraft.of("suspicious_activity", TITLE, BODY)
    published = publish_event(link, footage(clip, None), draft, workdir=tmp_path)
    assert published.created
    assert published.media == "clip"
    assert published.url == f"{server_url}/posts/{published.post_id}"
    [received] = feed.uploads
    assert received.request_type.startswith("multipart/form-data; boundary=")
    assert received.category == "suspicious_activity"
    assert received.title == TITLE
    assert received.body == BODY.replace("\r\n", "\n").strip()
    assert received.client_ref == EVENT_ID
    assert (received.media_type, received.filename) == ("video/mp4", "clip.mp4")
    with av.open(io.BytesIO(received.media)) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert len(frames) == 45
    assert all(masked_mean(f) < 8 and open_mean(f) > 60 for f in frames)
    assert list(tmp_path.iterdir()) == [], "the rendered copy is cleaned up"


def test_a_clip_goes_with_its_poster_frame_masked_like_a_shared_snapshot(
    feed: FeedStandIn, link: ServerLink, clip: Path, snapshot: Path, tmp_path: Path
) -> None:
    draft = PostDraft.of("crime", "Car broken into")
    publish_event(link, footage(clip, snapshot), draft, choice=MediaChoice.clip, workdir=tmp_path)
    [received] = feed.uploads
    assert received.media_type == "video/mp4"
    assert received.poster_type == "image/jpeg"
    assert received.poster is not None
    assert received.poster[:3] == b"\xff\xd8\xff"
    poster = cv2.imdecode(np.frombuffer(received.poster, np.uint8), cv2.IMREAD_COLOR)
    assert poster.shape[:2] == (180, 320)
    assert masked_mean(poster) < 8
    assert open_mean(poster) > 140
    assert b"Exif" not in received.poster[:64]


def test_no_poster_without_a_snapshot_nor_with_a_shared_snapshot(
    feed: FeedStandIn, link: ServerLink, clip: Path, snapshot: Path, tmp_path: Path
) -> None:
    draft = PostDraft.of("crime", "Car broken into")
    publish_event(link, footage(clip, None), draft, workdir=tmp_path)
    publish_event(
        link,
        replace(footage(clip, snapshot), event_id="another-event"),
        draft,
        choice=MediaChoice.snapshot,
        workdir=tmp_path,
    )
    assert [(u.media_type, u.poster) for u in feed.uploads] == [
        ("video/mp4", None),
        ("image/jpeg", None),
    ]


def test_publishing_again_returns_the_same_post(
    feed: FeedStandIn, link: ServerLink, clip: Path, tmp_path: Path
) -> None:
    draft = PostDraft.of("crime", "Car broken into", "")
    first = publish_event(link, footage(clip, None), draft, workdir=tmp_path)
    again = publish_event(link, footage(clip, None), draft, workdir=tmp_path)
    assert first.created
    assert not again.created
    assert again.post_id == first.post_id
    assert again.url == first.url


def test_a_snapshot_is_posted_masked_when_chosen(
    feed: FeedStandIn, link: ServerLink, clip: Path, snapshot: Path, tmp_path: Path
) -> None:
    draft = PostDraft.of(Category.LOST_AND_FOUND_PETS.value, "Grey cat", "Answers to Mochi")
    published = publish_event(
        link, footage(clip, snapshot), draft, choice=MediaChoice.snapshot, workdir=tmp_path
    )
    assert published.media == "snapshot"
    [received] = feed.uploads
    assert (received.media_type, received.filename) == ("image/jpeg", "snapshot.jpg")
    image = cv2.imdecode(np.frombuffer(received.media, np.uint8), cv2.IMREAD_COLOR)
    assert masked_mean(image) < 8
    assert open_mean(image) > 140


def test_auto_shares_the_snapshot_when_the_recording_is_gone(
    feed: FeedStandIn, link: ServerLink, snapshot: Path, tmp_path: Path
) -> None:
    draft = PostDraft.of("safety", "Fallen tree on the path")
    published = publish_event(link, footage(None, snapshot), draft, workdir=tmp_path)
    assert published.media == "snapshot"
    assert feed.uploads[0].media_type == "image/jpeg"


def test_asking_for_a_clip_that_is_gone_says_so(
    feed: FeedStandIn, link: ServerLink, snapshot: Path, tmp_path: Path
) -> None:
    draft = PostDraft.of("safety", "Fallen tree")
    with pytest.raises(FootageUnavailable, match=r"deleted by retention\); share the snapshot"):
        publish_event(
            link, footage(None, snapshot), draft, choice=MediaChoice.clip, workdir=tmp_path
        )
    with pytest.raises(FootageUnavailable, match="nothing of this event is left to share"):
        publish_event(link, footage(None, None), draft, workdir=tmp_path)
    assert feed.uploads == []


def test_a_revoked_credential_tells_the_owner_to_pair_again(
    link: ServerLink, clip: Path, tmp_path: Path
) -> None:
    revoked = ServerLink(link.server_url, link.hub_id, link.home_id, link.home_name, "revoked")
    with pytest.raises(CredentialRevoked) as caught:
        publish_event(revoked, footage(clip, None), PostDraft.of("crime", "x"), workdir=tmp_path)
    assert "pair it again" in str(caught.value)
    assert "frontporch hub pair --server URL --code CODE" in str(caught.value)


def test_media_over_the_server_limit_is_refused_as_too_large(
    feed: FeedStandIn, link: ServerLink, clip: Path, tmp_path: Path
) -> None:
    feed.max_media = 1000
    with pytest.raises(MediaTooLarge, match=r"too large.*share the snapshot"):
        publish_event(link, footage(clip, None), PostDraft.of("crime", "x"), workdir=tmp_path)


def test_a_field_the_server_refuses_is_named(
    feed: FeedStandIn, link: ServerLink, clip: Path, tmp_path: Path
) -> None:
    feed.refuse_with = (
        422,
        {"error": "invalid post", "detail": "titles may not shout", "field": "title"},
    )
    with pytest.raises(InvalidPost, match="titles may not shout") as caught:
        publish_event(link, footage(clip, None), PostDraft.of("crime", "HEY"), workdir=tmp_path)
    assert caught.value.field == "title"


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (500, {"error": "internal error"}, r"refused the post \(HTTP 500\): internal error"),
        (403, {"error": "forbidden", "detail": "home suspended"}, "forbidden: home suspended"),
        (201, {"id": "p1", "url": "javascript:alert(1)"}, "did not name the new post"),
        (201, {"url": "/posts/p1"}, "did not name the new post"),
    ],
)
def test_other_answers_are_refusals_with_the_servers_words(
    feed: FeedStandIn,
    link: ServerLink,
    snapshot: Path,
    tmp_path: Path,
    status: int,
    body: dict[str, str],
    message: str,
) -> None:
    feed.refuse_with = (status, body)
    with pytest.raises(ServerRefused, match=message):
        publish_event(link, footage(None, snapshot), PostDraft.of("crime", "x"), workdir=tmp_path)


def test_an_unreachable_server_is_a_refusal_naming_it(snapshot: Path, tmp_path: Path) -> None:
    nowhere = ServerLink(f"http://127.0.0.1:{free_port()}", "h", "m", "Home", CREDENTIAL)
    with pytest.raises(ServerRefused, match=r"cannot reach the server at http://127\.0\.0\.1"):
        publish_event(
            nowhere, footage(None, snapshot), PostDraft.of("crime", "x"), workdir=tmp_path
        )


@pytest.mark.parametrize(
    ("category", "title", "body", "field"),
    [
        ("burglary", "Title", "", "category"),
        ("crime", "   ", "", "title"),
        ("crime", "x" * 121, "", "title"),
        ("crime", "Title", "y" * 5001, "body"),
    ],
)
def test_drafts_are_checked_before_anything_is_rendered(
    category: str, title: str, body: str, field: str
) -> None:
    with pytest.raises(InvalidPost) as caught:
        PostDraft.of(category, title, body)
    assert caught.value.field == field


def test_drafts_are_tidied_to_what_the_server_counts() -> None:
    draft = PostDraft.of("community", "  Street\n party   on Saturday ", "a\r\nb\r\n" + "c" * 4996)
    assert draft.title == "Street party on Saturday"
    assert draft.body.startswith("a\nb\n")
    assert len(draft.body) == 5000
