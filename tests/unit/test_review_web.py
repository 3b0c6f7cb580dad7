"""The review page and API over the real SQLite store: the contract's JSON shape, the
filters, paging, marking one or all (JSON with the CSRF header; forms without
JavaScript), bad input answered with a clear 4xx, and the events API unchanged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    sign_in,
)
from frontporch.hub.changes import Changes
from frontporch.hub.review.service import ReviewDesk
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from review_tools import T0, EventFeed, review_config

ITEM_KEYS = {
    "id",
    "camera",
    "start",
    "end",
    "labels",
    "zones",
    "severity",
    "reviewed",
    "event_ids",
    "thumbnail",
}


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


class Hub:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = FakeClock(T0 + 7200)
        self.store = HubStore(tmp_path / "hub.db")
        set_owner_password(self.store, OWNER_PASSWORD, now=self.clock.now - 60)
        config = review_config(tmp_path)
        self.desk = ReviewDesk(config, self.store, clock=self.clock)
        changes = Changes()
        changes.subscribe(self.desk.on_change)
        self.feed = EventFeed(self.store, changes)
        runtime = FakeRuntime({"front": camera_status("front"), "back": camera_status("back")})
        self.app = create_hub_app(
            config, self.store, runtime, clock=self.clock, review_desk=self.desk
        )
        self.client = TestClient(self.app)
        self.csrf = sign_in(self.client)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    hub = Hub(tmp_path)
    hub.desk.start()
    # A person and a dog together on the porch; a person stepping out of view for 4 s;
    # a car on the back camera much later.
    hub.feed.happen("person-1", T0, T0 + 20, labels=("person",), zones=("porch",))
    hub.feed.happen("dog-1", T0 + 2, T0 + 15, labels=("dog",), zones=("drive",))
    hub.feed.happen("person-2", T0 + 600, T0 + 610)
    hub.feed.happen("person-3", T0 + 614, T0 + 630)
    hub.feed.happen("car-1", T0 + 1200, T0 + 1210, camera="back", labels=("car",))
    hub.store.set_event_media("dog-1", snapshot="snapshots/dog-1.jpg")
    assert hub.desk.wait_idle()
    yield hub
    hub.desk.stop()
    hub.store.close()


def ids(body: dict[str, object]) -> list[list[str]]:
    items = body["items"]
    assert isinstance(items, list)
    return [item["event_ids"] for item in items]


def test_the_api_lists_items_newest_first_in_the_contract_shape(hub: Hub) -> None:
    body = hub.client.get("/api/review").json()
    assert ids(body) == [["car-1"], ["person-2", "person-3"], ["person-1", "dog-1"]]
    assert body["next_cursor"] is None
    together = body["items"][2]
    assert set(together) >= ITEM_KEYS
    assert together["id"] == "person-1"
    assert together["labels"] == ["person", "dog"]
    assert together["zones"] == ["porch", "drive"]
    assert together["severity"] == "alert"
    assert together["reviewed"] is False
    assert together["camera_name"] == "Front door"
    assert (together["start"], together["end"]) == (T0, T0 + 20)
    assert together["thumbnail"] == "/api/events/dog-1/snapshot.jpg"
    assert together["timeline_url"] == f"/timeline/front?t={int(T0)}"
    assert body["items"][0]["severity"] == "detection"
    assert body["items"][0]["thumbnail"] is None


def test_the_api_filters_and_pages(hub: Hub) -> None:
    get = hub.client.get
    assert ids(get("/api/review?camera=back").json()) == [["car-1"]]
    assert ids(get("/api/review?label=dog").json()) == [["person-1", "dog-1"]]
    assert ids(get("/api/review?zone=drive").json()) == [["person-1", "dog-1"]]
    assert ids(get("/api/review?severity=detection").json()) == [["car-1"]]
    window = get("/api/review", params={"camera": "front", "after": T0 + 10, "before": T0 + 700})
    assert ids(window.json()) == [["person-2", "person-3"], ["person-1", "dog-1"]]
    first = get("/api/review?limit=2").json()
    assert len(first["items"]) == 2
    rest = get("/api/review", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert ids(rest) == [["person-1", "dog-1"]]
    assert rest["next_cursor"] is None
    assert get("/api/review/person-2").json()["event_ids"] == ["person-2", "person-3"]


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("camera=garage", 404, "known cameras: front, back"),
        ("label=unicorn", 400, "known labels"),
        ("zone=moat", 400, "known zones: drive, porch"),
        ("cursor=not-ours", 400, "not a cursor this hub handed out"),
        ("after=200&before=100", 400, "must be before"),
        ("severity=urgent", 422, "severity"),
        ("limit=0", 422, "limit"),
        ("reviewed=maybe", 422, "reviewed"),
    ],
)
def test_bad_filters_get_a_clear_4xx(hub: Hub, query: str, status: int, text: str) -> None:
    response = hub.client.get(f"/api/review?{query}")
    assert response.status_code == status, response.text
    assert text in response.text


def test_marking_through_the_api(hub: Hub) -> None:
    post = hub.client.post
    headers = {"X-CSRF-Token": hub.csrf}
    assert post("/api/review/person-1/reviewed", json={"reviewed": True}).status_code == 403
    done = post("/api/review/person-1/reviewed", json={"reviewed": True}, headers=headers)
    assert done.status_code == 200
    assert done.json()["reviewed"] is True
    assert ids(hub.client.get("/api/review?reviewed=true").json()) == [["person-1", "dog-1"]]
    again = post("/api/review/person-1/reviewed", json={"reviewed": False}, headers=headers)
    assert again.json()["reviewed"] is False
    missing = post("/api/review/nope/reviewed", json={"reviewed": True}, headers=headers)
    assert missing.status_code == 404
    assert "No review item 'nope'" in missing.text
    marked = post("/api/review/reviewed?camera=front", json={"reviewed": True}, headers=headers)
    assert marked.json() == {"marked": 2, "reviewed": True}
    assert ids(hub.client.get("/api/review?reviewed=false").json()) == [["car-1"]]
    bad = post("/api/review/reviewed?camera=garage", json={"reviewed": True}, headers=headers)
    assert bad.status_code == 404


def test_the_page_lists_items_with_their_events_and_links(hub: Hub) -> None:
    page = hub.client.get("/review?state=all")
    assert page.status_code == 200
    html = page.text
    assert html.count('data-item="') == 3
    card = html[html.index('id="item-person-1"') :]
    card = card[: card.index("</li>\n  \n")] if "</li>\n  \n" in card else card
    for text in (
        "Front door",
        f'href="/timeline/front?t={int(T0)}"',
        'href="/events/person-1"',
        'href="/events/dog-1"',
        '<span class="chip">person</span>',
        '<span class="chip">dog</span>',
        "severity-alert",
        'src="/api/events/dog-1/snapshot.jpg"',
    ):
        assert text in card, text
    alerts = hub.client.get("/review?state=all&severity=alert").text
    assert alerts.count('data-item="') == 2  # people on the front camera
    detections = hub.client.get("/review?state=all&severity=detection").text
    assert detections.count('data-item="') == 1  # the car
    assert hub.client.get("/review?state=all&camera=back").text.count('data-item="') == 1


def test_marking_works_without_javascript(hub: Hub) -> None:
    client = hub.client
    one = client.post(
        "/review/person-2/reviewed",
        data={"csrf_token": hub.csrf, "reviewed": "true", "back": "/review?camera=front"},
        follow_redirects=False,
    )
    assert one.status_code == 303
    assert one.headers["location"] == "/review?camera=front#item-person-2"
    unreviewed = client.get("/review").text  # the page shows unreviewed items by default
    assert 'id="item-person-2"' not in unreviewed
    assert 'id="item-person-1"' in unreviewed
    everything = client.post(
        "/review/reviewed",
        data={"csrf_token": hub.csrf, "camera": "front", "reviewed": "true", "back": "/review"},
        follow_redirects=False,
    )
    assert everything.headers["location"] == "/review?marked=1"
    page = client.get(everything.headers["location"]).text
    assert "Marked 1 item reviewed." in page
    assert 'id="item-car-1"' in page
    assert 'id="item-person-1"' not in page
    off_site = client.post(
        "/review/car-1/reviewed",
        data={"csrf_token": hub.csrf, "back": "//elsewhere.example/"},
        follow_redirects=False,
    )
    assert off_site.headers["location"] == "/review#item-car-1"
    no_csrf = client.post("/review/car-1/reviewed", data={"reviewed": "true"})
    assert no_csrf.status_code == 403


@pytest.mark.parametrize(
    ("query", "status"),
    [("date=yesterday", 400), ("camera=garage", 404), ("state=later", 400), ("cursor=zz", 400)],
)
def test_the_page_answers_bad_filters_with_a_page(hub: Hub, query: str, status: int) -> None:
    response = hub.client.get(f"/review?{query}")
    assert response.status_code == status
    assert "text/html" in response.headers["content-type"]


def test_the_date_filter_takes_a_local_day(hub: Hub) -> None:
    import datetime

    day = datetime.datetime.fromtimestamp(T0).astimezone().date()
    page = hub.client.get(f"/review?state=all&date={day.isoformat()}").text
    assert 'id="item-person-1"' in page
    next_week = (day + datetime.timedelta(days=7)).isoformat()
    assert "Nothing to review" in hub.client.get(f"/review?state=all&date={next_week}").text


def test_the_events_api_is_unchanged(hub: Hub) -> None:
    events = hub.client.get("/api/events?camera=front").json()
    assert [e["id"] for e in events["events"]] == ["person-3", "person-2", "dog-1", "person-1"]
    assert set(events) == {"events", "next_cursor"}
    assert hub.client.get("/api/events/dog-1").json()["labels"] == ["dog"]


def test_the_review_api_is_in_the_openapi_document(hub: Hub) -> None:
    paths = hub.client.get("/api/openapi.json").json()["paths"]
    assert {"/api/review", "/api/review/{item_id}", "/api/review/reviewed"} <= set(paths)
    assert "/api/review/{item_id}/reviewed" in paths
    assert "/review" not in paths
    assert re.search(r"ReviewPageOut", str(paths["/api/review"]))
