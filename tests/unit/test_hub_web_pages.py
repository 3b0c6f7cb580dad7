"""The hub's server-rendered pages over fakes: content, accessibility hooks, errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from fakes import WebHarness, cheap_password_hashing, make_event, sign_in, web_harness

HOUR = 3600.0


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def harness() -> WebHarness:
    web = web_harness()
    now = web.clock.now
    web.store.add_event(make_event("e1", start=now - HOUR, snapshot="snap.jpg"))
    web.store.add_event(make_event("e2", camera="back", start=now - 30 * HOUR, labels=("car",)))
    return web


@pytest.fixture
def client(harness: WebHarness) -> TestClient:
    client = harness.client()
    sign_in(client)
    return client


class _Audit(HTMLParser):
    """Collects what the accessibility checks need from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images_without_alt: list[str] = []
        self.landmarks: set[str] = set()
        self.inputs: list[str] = []
        self.labels: set[str] = set()
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img" and "alt" not in a:
            self.images_without_alt.append(a.get("src") or "?")
        if tag in ("main", "nav", "header"):
            self.landmarks.add(tag)
        if tag in ("input", "select") and a.get("type") != "hidden":
            self.inputs.append(a.get("id") or "")
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag == "script" and "src" not in a:
            self.inline_scripts += 1


def _audit(html: str) -> _Audit:
    audit = _Audit()
    audit.feed(html)
    return audit


@pytest.mark.parametrize("path", ["/", "/cameras/front", "/events", "/events/e1", "/account"])
def test_pages_are_accessible_and_csp_friendly(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    audit = _audit(response.text)
    assert audit.images_without_alt == []
    assert {"main", "nav", "header"} <= audit.landmarks
    assert all(i and i in audit.labels for i in audit.inputs), (audit.inputs, audit.labels)
    assert audit.inline_scripts == 0
    assert "style=" not in response.text, "inline styles are blocked by the CSP"
    assert 'name="viewport"' in response.text


def test_login_page_is_accessible(harness: WebHarness) -> None:
    audit = _audit(harness.client().get("/login").text)
    assert audit.inputs == ["user-name", "password"]
    assert "password" in audit.labels
    assert "user-name" in audit.labels


def test_camera_grid_shows_live_tiles(client: TestClient) -> None:
    html = client.get("/").text
    assert 'src="/api/cameras/front/live.mjpeg"' in html
    assert 'alt="Live view of back"' in html
    assert "reconnecting" in html
    assert "5.0 fps" in html


def test_camera_page_has_stats_and_recent_events(client: TestClient) -> None:
    html = client.get("/cameras/front").text
    assert 'data-stat="skipped_frames">3<' in html
    assert 'href="/events/e1"' in html
    assert 'href="/events/e2"' not in html, "events of other cameras are not listed"


def test_events_page_groups_by_day_and_filters(client: TestClient) -> None:
    html = client.get("/events").text
    assert len(re.findall(r'<section class="day"', html)) == 2
    assert 'src="/api/events/e1/snapshot.jpg"' in html
    assert "no snapshot" in html
    assert "<time datetime=" in html
    filtered = client.get("/events", params={"camera": "back", "label": "car"}).text
    assert 'href="/events/e2"' in filtered
    assert 'href="/events/e1"' not in filtered
    assert '<option value="back" selected>' in filtered


def test_event_page_has_player_details_and_delete_form(client: TestClient) -> None:
    html = client.get("/events/e1").text
    assert '<video controls preload="metadata" playsinline src="/api/events/e1/clip.mp4"' in html
    assert 'poster="/api/events/e1/snapshot.jpg"' in html
    assert 'action="/events/e1/delete"' in html
    assert 'name="csrf_token"' in html


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/events/nope", 404, "Event not found"),
        ("/cameras/garage", 404, "known cameras: front, back"),
        ("/events?cursor=bogus", 400, "cursor"),
        ("/events?camera=garage", 404, "Camera not found"),
        ("/no/such/page", 404, "No such page"),
    ],
)
def test_page_errors_are_friendly(client: TestClient, path: str, status: int, text: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text


def test_signed_in_owner_skips_the_login_form(client: TestClient) -> None:
    response = client.get("/login?next=/events", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/events"


def test_pages_redirect_to_login_and_back(harness: WebHarness) -> None:
    response = harness.client().get("/events?camera=front", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fevents%3Fcamera%3Dfront"
