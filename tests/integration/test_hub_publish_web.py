"""Sharing from the hub's UI and API: the event page offers the form only when the hub is
paired (and says how to pair otherwise), the preview is the masked snapshot, publishing
needs the owner, the CSRF token and the owner's password (or a passkey made to confirm a
share; nothing is uploaded otherwise), uploads once to a real HTTP server, and the
server's refusals reach the page in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    FakeStore,
    WebHarness,
    camera_status,
    cheap_password_hashing,
    make_event,
    sign_in,
)
from feed_stand_in import CREDENTIAL, FeedStandIn
from frontporch.hub.community.link import ServerLink
from frontporch.hub.config import parse_config
from frontporch.hub.people.records import Passkey
from frontporch.hub.store.index import Segment
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from server_live import serving
from videotools import make_h264

MASK = [[0.0, 0.5], [0.5, 0.5], [0.5, 1.0], [0.0, 1.0]]
HOUR = 3600.0
PAIR_COMMAND = "frontporch hub pair --server URL --code CODE"


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


BOX_GREEN = (60, 200, 60)  # BGR: the colour the camera worker outlines objects in


def jpeg(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return bytes(encoded)


def green_pixels(image: np.ndarray) -> int:
    """Pixels of the detector's box colour (what a clean picture must not have)."""
    b, g, r = (image[..., i].astype(int) for i in range(3))
    return int(((g > 150) & (g - b > 80) & (g - r > 80)).sum())


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A real H.264 clip and a snapshot of the same 320×180 picture size, as the hub
    keeps it: the owner's copy with the detector's box and score drawn in the unmasked
    half, and the clean copy beside it."""
    base = tmp_path_factory.mktemp("web-media")
    clip = make_h264(base / "e1.mp4", seconds=2, fps=15, size=(320, 180))
    clean = np.full((180, 320, 3), 150, np.uint8)
    annotated = clean.copy()
    cv2.rectangle(annotated, (200, 40), (290, 170), BOX_GREEN, 2)
    cv2.putText(annotated, "person 91%", (200, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.45, BOX_GREEN)
    assert green_pixels(annotated) > 300
    snapshot = base / "e1.jpg"
    snapshot.write_bytes(jpeg(annotated))
    (base / "e1.clean.jpg").write_bytes(jpeg(clean))
    return clip, snapshot


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def harness(storage: Path, media: tuple[Path, Path]) -> WebHarness:
    """A hub whose 'front' camera has one privacy mask, with a finished event e1 (clip,
    snapshot, recording), an ongoing event e2, and e3 from a camera no longer configured."""
    clip, snapshot = media
    clock = FakeClock()
    store = FakeStore()
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    start = clock.now - HOUR
    store.add_event(make_event("e1", start=start, snapshot="snapshots/e1.jpg"))
    store.add_event(make_event("e2", start=clock.now - 60, length=None))
    store.add_event(make_event("e3", camera="garage", start=start - HOUR))
    store.segment_list.append(Segment(1, "front", "front/a.mp4", start - 10, start + 30, 9000))
    runtime = FakeRuntime(
        {"front": camera_status("front")},
        clips={"e1": clip},
        snapshots={"e1": snapshot, "e3": snapshot},
    )
    config = parse_config(
        {
            "storage": {"path": str(storage)},
            "cameras": {
                "front": {"inputs": [{"url": "/videos/front.mp4"}], "privacy_masks": [MASK]}
            },
        }
    )
    return WebHarness(store, runtime, clock, create_hub_app(config, store, runtime, clock=clock))


@pytest.fixture
def feed() -> FeedStandIn:
    return FeedStandIn()


@pytest.fixture
def server_url(feed: FeedStandIn) -> Iterator[str]:
    with serving(feed.app()) as url:
        yield url


@pytest.fixture
def paired(storage: Path, server_url: str) -> ServerLink:
    link = ServerLink(server_url, "hub-1", "home-1", "Maple Street 12", CREDENTIAL)
    link.save(storage)
    return link


@pytest.fixture
def owner(harness: WebHarness) -> tuple[TestClient, str]:
    client = harness.client()
    return client, sign_in(client)


def form(csrf: str, **changes: str) -> dict[str, str]:
    values = {
        "csrf_token": csrf,
        "password": OWNER_PASSWORD,
        "category": "suspicious_activity",
        "title": "Someone tried the car doors",
        "body": "Around 3 am. Lock your cars.",
        "media": "clip",
    }
    values.update(changes)
    return values


class _Controls(HTMLParser):
    """Form controls and the labels pointing at them."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.styled = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a.get("id") or "")
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"] or "")
        self.styled = self.styled or "style" in a


def test_the_event_page_says_how_to_pair_when_the_hub_is_not(
    owner: tuple[TestClient, str],
) -> None:
    client, _ = owner
    page = client.get("/events/e1")
    assert page.status_code == 200
    assert "Share with neighbors" in page.text
    assert PAIR_COMMAND in page.text
    assert 'action="/events/e1/publish' not in page.text


def test_the_event_page_offers_the_form_when_paired(
    owner: tuple[TestClient, str], paired: ServerLink
) -> None:
    client, _ = owner
    page = client.get("/events/e1")
    assert page.status_code == 200
    assert 'action="/events/e1/publish#share"' in page.text
    assert PAIR_COMMAND not in page.text
    assert "Privacy masks are blacked out" in page.text
    assert "Maple Street 12" in page.text
    assert 'src="/api/events/e1/public-snapshot.jpg"' in page.text
    categories = re.findall(r'<option value="([a-z_]+)"', page.text)
    assert categories == [
        "crime",
        "safety",
        "suspicious_activity",
        "lost_and_found_pets",
        "unexpected_activity",
        "community",
    ]
    controls = _Controls()
    controls.feed(page.text)
    assert set(controls.controls) >= {"post-category", "post-title", "post-body", "media-clip"}
    assert all(c and c in controls.labelled for c in controls.controls), controls.controls
    assert not controls.styled
    assert re.search(r'id="media-clip"[^>]*checked', page.text)


def test_events_that_cannot_be_shared_say_why(
    owner: tuple[TestClient, str], paired: ServerLink
) -> None:
    client, csrf = owner
    ongoing = client.get("/events/e2")
    assert "still going on" in ongoing.text
    assert 'action="/events/e2/publish' not in ongoing.text
    unknown = client.get("/events/e3")
    assert "privacy masks are unknown" in unknown.text
    response = client.post(
        "/api/events/e3/publish",
        json={"password": OWNER_PASSWORD, "category": "crime", "title": "x"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 409
    assert client.get("/api/events/e3/public-snapshot.jpg").status_code == 409


def test_the_preview_is_the_masked_snapshot_for_the_owner_only(
    harness: WebHarness, owner: tuple[TestClient, str]
) -> None:
    client, _ = owner
    response = client.get("/api/events/e1/public-snapshot.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert "no-store" in response.headers["cache-control"]
    image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert image[94:, :156].mean() < 8
    assert image[30:, 164:].mean() > 140
    assert green_pixels(image) == 0, "neighbors never see the detector's box and score"
    assert harness.client().get("/api/events/e1/public-snapshot.jpg").status_code == 401


def test_publishing_needs_the_owner_and_the_csrf_token(
    harness: WebHarness, owner: tuple[TestClient, str], paired: ServerLink, feed: FeedStandIn
) -> None:
    anonymous = harness.client()
    post = {"password": OWNER_PASSWORD, "category": "crime", "title": "x"}
    assert anonymous.post("/api/events/e1/publish", json=post).status_code == 401
    to_login = anonymous.post("/events/e1/publish", data=form("x"), follow_redirects=False)
    assert to_login.status_code == 303
    assert to_login.headers["location"].startswith("/login")
    client, _ = owner
    assert client.post("/api/events/e1/publish", json=post).status_code == 403
    wrong = client.post("/events/e1/publish", data=form("not-the-token"))
    assert wrong.status_code == 403
    assert feed.uploads == []
    assert harness.store.get_publication("e1") is None


def test_sharing_without_or_with_a_wrong_password_shares_nothing(
    harness: WebHarness, owner: tuple[TestClient, str], paired: ServerLink, feed: FeedStandIn
) -> None:
    client, csrf = owner
    missing = client.post("/events/e1/publish", data=form(csrf, password=""))
    assert missing.status_code == 400
    assert "nothing was shared" in missing.text
    assert re.search(r'id="share-password"[^>]*aria-invalid="true"', missing.text)
    assert 'value="Someone tried the car doors"' in missing.text, "the post is kept"
    wrong = client.post("/events/e1/publish", data=form(csrf, password="not the password"))
    assert wrong.status_code == 401
    assert "Wrong password; nothing was shared." in wrong.text
    assert "not the password" not in wrong.text, "a typed password is never shown again"
    headers = {"X-CSRF-Token": csrf}
    post = {"category": "crime", "title": "Parcel taken", "media": "snapshot"}
    api_missing = client.post("/api/events/e1/publish", json=post, headers=headers)
    assert api_missing.status_code == 400
    assert "nothing was shared" in api_missing.json()["detail"]
    api_wrong = client.post(
        "/api/events/e1/publish", json={**post, "password": "guess"}, headers=headers
    )
    assert api_wrong.status_code == 401
    assert "nothing was shared" in api_wrong.json()["detail"]
    assert feed.uploads == [], "nothing reached the server"
    assert harness.store.get_publication("e1") is None
    done = client.post("/events/e1/publish", data=form(csrf), follow_redirects=False)
    assert done.status_code == 303, done.text
    assert len(feed.uploads) == 1, "with the password it is shared"


def test_a_passkey_challenge_made_for_a_release_does_not_confirm_a_share(
    harness: WebHarness, owner: tuple[TestClient, str], paired: ServerLink, feed: FeedStandIn
) -> None:
    harness.store.add_passkey(
        Passkey("a2V5LTE", "owner", "Phone", b"not-a-key", 0, "internal", harness.clock.now)
    )
    client, csrf = owner
    headers = {"X-CSRF-Token": csrf}
    made = client.post(
        "/api/passkeys/confirm/options", json={"purpose": "release"}, headers=headers
    )
    assert made.status_code == 200, made.text
    answer = client.post(
        "/api/events/e1/publish",
        json={
            "category": "crime",
            "title": "Parcel taken",
            "media": "snapshot",
            "passkey_challenge": made.json()["challenge_id"],
            "passkey_credential": {"id": "a2V5LTE", "response": {}},
        },
        headers=headers,
    )
    assert answer.status_code == 401
    assert "made for something else" in answer.json()["detail"]
    assert "nothing was shared" in answer.json()["detail"]
    unknown = client.post(
        "/api/passkeys/confirm/options", json={"purpose": "sign-in"}, headers=headers
    )
    assert unknown.status_code == 422
    assert feed.uploads == []


def test_wrong_passwords_lock_sharing_like_the_sign_in(
    owner: tuple[TestClient, str], paired: ServerLink, feed: FeedStandIn
) -> None:
    client, csrf = owner
    for _ in range(5):
        guess = client.post("/events/e1/publish", data=form(csrf, password="guess"))
        assert guess.status_code == 401
    locked = client.post("/events/e1/publish", data=form(csrf))
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.text
    assert "nothing was shared" in locked.text.lower()
    assert feed.uploads == []


def test_publishing_from_the_page_uploads_once_and_shows_the_post(
    harness: WebHarness,
    owner: tuple[TestClient, str],
    paired: ServerLink,
    feed: FeedStandIn,
    server_url: str,
) -> None:
    client, csrf = owner
    done = client.post("/events/e1/publish", data=form(csrf), follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/events/e1?published=1#share"
    [received] = feed.uploads
    assert received.client_ref == "e1"
    assert received.title == "Someone tried the car doors"
    assert received.media_type == "video/mp4"
    assert received.poster is not None, "a shared clip goes with its poster frame"
    poster = cv2.imdecode(np.frombuffer(received.poster, np.uint8), cv2.IMREAD_COLOR)
    assert poster[94:, :156].mean() < 8, "privacy masks are burned into the poster"
    assert poster[30:, 164:].mean() > 140
    assert green_pixels(poster) == 0, "the poster is the clean frame"
    record = harness.store.get_publication("e1")
    assert record is not None
    assert record.url == f"{server_url}/posts/{received.post_id}"
    page = client.get("/events/e1?published=1")
    assert "Published" in page.text
    assert f'href="{server_url}/posts/{received.post_id}"' in page.text
    assert 'action="/events/e1/publish' not in page.text
    again = client.post("/events/e1/publish", data=form(csrf), follow_redirects=False)
    assert again.status_code == 303
    assert len(feed.uploads) == 1, "a second click must not upload again"


def test_the_api_publishes_and_then_answers_with_the_same_post(
    owner: tuple[TestClient, str], paired: ServerLink, feed: FeedStandIn, server_url: str
) -> None:
    client, csrf = owner
    post = {
        "password": OWNER_PASSWORD,
        "category": "crime",
        "title": "Parcel taken",
        "body": "",
        "media": "snapshot",
    }
    headers = {"X-CSRF-Token": csrf}
    first = client.post("/api/events/e1/publish", json=post, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["media"] == "snapshot"
    assert body["url"] == f"{server_url}/posts/{body['post_id']}"
    assert body["already_published"] is False
    again = client.post("/api/events/e1/publish", json=post, headers=headers)
    assert again.status_code == 200
    assert again.json()["post_id"] == body["post_id"]
    assert again.json()["already_published"] is True
    assert len(feed.uploads) == 1
    assert feed.uploads[0].media_type == "image/jpeg"
    assert feed.uploads[0].poster is None
    shared = cv2.imdecode(np.frombuffer(feed.uploads[0].media, np.uint8), cv2.IMREAD_COLOR)
    assert green_pixels(shared) == 0, "the shared snapshot is the clean frame"


def test_the_servers_refusal_reaches_the_page_and_the_api(
    owner: tuple[TestClient, str], paired: ServerLink, feed: FeedStandIn
) -> None:
    client, csrf = owner
    feed.refuse_with = (
        422,
        {"error": "invalid post", "detail": "titles may not shout", "field": "title"},
    )
    page = client.post("/events/e1/publish", data=form(csrf, title="LOOK OUT", media="snapshot"))
    assert page.status_code == 400
    assert "titles may not shout" in page.text
    assert 'value="LOOK OUT"' in page.text, "the owner's input is kept"
    assert re.search(r'id="media-snapshot"[^>]*checked', page.text)
    api = client.post(
        "/api/events/e1/publish",
        json={
            "password": OWNER_PASSWORD,
            "category": "crime",
            "title": "LOOK OUT",
            "media": "snapshot",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 422
    assert api.json()["detail"] == [
        {
            "field": "title",
            "message": "the server refused the post: invalid post: titles may not shout",
        }
    ]


def test_a_revoked_pairing_tells_the_owner_to_pair_again(
    owner: tuple[TestClient, str], storage: Path, server_url: str, feed: FeedStandIn
) -> None:
    ServerLink(server_url, "hub-1", "home-1", "Maple Street 12", "revoked").save(storage)
    client, csrf = owner
    page = client.post("/events/e1/publish", data=form(csrf, media="snapshot"))
    assert page.status_code == 409
    assert "pair it again" in page.text
    assert PAIR_COMMAND in page.text
    assert feed.uploads == []


class _Text(HTMLParser):
    """The text a reader sees (no attributes, no scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def field_error(html: str, control: str) -> str:
    """The message shown next to a form control (its aria-describedby error)."""
    found = re.search(rf'id="{control}-error"[^>]*>(.*?)</', html, re.S)
    assert found is not None, f"no error shown for {control}"
    return " ".join(found.group(1).split())


def test_every_mistake_on_the_form_is_named_at_once_in_words(
    owner: tuple[TestClient, str], paired: ServerLink, feed: FeedStandIn
) -> None:
    client, csrf = owner
    page = client.post("/events/e1/publish", data=form(csrf, category="", title=""))
    assert page.status_code == 400
    assert field_error(page.text, "post-category") == "Choose a category."
    assert field_error(page.text, "post-title") == "Give the post a title."
    for control in ("post-category", "post-title"):
        assert re.search(rf'id="{control}"[^>]*aria-invalid="true"', page.text), control
        assert re.search(rf'id="{control}"[^>]*aria-describedby="[^"]*{control}-error', page.text)
    assert not re.search(r'id="post-body"[^>]*aria-invalid', page.text)
    summary = re.search(r'<div class="alert"[^>]*id="share-errors".*?</div>', page.text, re.S)
    assert summary is not None, "an error summary leads the form"
    assert 'href="#post-category"' in summary.group(0)
    assert 'href="#post-title"' in summary.group(0)
    assert "novalidate" in page.text, "the browser must not stop at its first complaint"
    gossip = client.post("/events/e1/publish", data=form(csrf, category="gossip"))
    assert gossip.status_code == 400
    assert field_error(gossip.text, "post-category") == "Choose a category."
    for text in (visible_text(page.text), visible_text(gossip.text)):
        assert "Suspicious activity" in text
        assert "Lost & found pets" in text
        assert "suspicious_activity" not in text
        assert "lost_and_found" not in text
    api = client.post(
        "/api/events/e1/publish",
        json={"password": OWNER_PASSWORD, "category": "gossip", "title": " "},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 422
    assert {problem["field"] for problem in api.json()["detail"]} == {"category", "title"}
    assert feed.uploads == []


def test_a_blank_title_gets_one_message_however_it_is_blank(
    owner: tuple[TestClient, str], paired: ServerLink, feed: FeedStandIn
) -> None:
    client, csrf = owner
    on_page = set()
    in_api = set()
    for title in ("", "   ", "\t\r\n "):
        page = client.post("/events/e1/publish", data=form(csrf, title=title))
        assert page.status_code == 400
        on_page.add(field_error(page.text, "post-title"))
        api = client.post(
            "/api/events/e1/publish",
            json={"password": OWNER_PASSWORD, "category": "crime", "title": title},
            headers={"X-CSRF-Token": csrf},
        )
        assert api.status_code == 422
        [problem] = api.json()["detail"]
        in_api.add((problem["field"], problem["message"]))
    assert on_page == {"Give the post a title."}
    assert in_api == {("title", "give the post a title")}
    assert feed.uploads == []


def test_publishing_without_a_pairing_says_how_to_pair(owner: tuple[TestClient, str]) -> None:
    client, csrf = owner
    response = client.post(
        "/api/events/e1/publish",
        json={"password": OWNER_PASSWORD, "category": "crime", "title": "x"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 409
    assert PAIR_COMMAND in response.json()["detail"]
    assert (
        client.post(
            "/api/events/nope/publish",
            json={"password": OWNER_PASSWORD, "category": "crime", "title": "x"},
            headers={"X-CSRF-Token": csrf},
        ).status_code
        == 404
    )
