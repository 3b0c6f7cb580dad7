"""The hub's web app over the real SQLite store: sessions, cursors and recordings."""

from __future__ import annotations

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
    hub_config,
    sign_in,
)
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from frontporch.hub.web.sessions import SESSION_TTL_S

DAY = 24 * 3600.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as store:
        yield store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(
    store: HubStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    cheap_password_hashing(monkeypatch)
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    runtime = FakeRuntime({"front": camera_status("front")})
    app = create_hub_app(hub_config("front"), store, runtime, clock=clock)
    with TestClient(app) as client:
        yield client


def test_sessions_live_slide_and_end_in_the_store(client: TestClient, clock: FakeClock) -> None:
    csrf = sign_in(client)
    clock.advance(2 * DAY)
    assert client.get("/api/cameras").status_code == 200
    clock.advance(SESSION_TTL_S - DAY)
    assert client.get("/api/cameras").status_code == 200, "the session slid forward"
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 200
    assert client.get("/api/cameras").status_code == 401


def test_events_page_through_the_stores_cursor(client: TestClient, store: HubStore) -> None:
    for i in range(5):
        store.upsert_event(
            f"e{i}", camera="front", labels=["person"], top_score=0.8, start=1000.0 - i, end=1001.0
        )
    sign_in(client)
    first = client.get("/api/events", params={"limit": 2}).json()
    assert [e["id"] for e in first["events"]] == ["e0", "e1"]
    second = client.get("/api/events", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [e["id"] for e in second["events"]] == ["e2", "e3"]
    bad = client.get("/api/events", params={"cursor": "garbage"})
    assert bad.status_code == 400
    assert bad.json()["detail"][0]["field"] == "cursor"


def test_recordings_from_the_store(client: TestClient, store: HubStore) -> None:
    store.add_segment("front", "front/a.mp4", 100.0, 110.0, 5000)
    store.add_outage("front", 110.0, 130.0, "input lost")
    store.add_segment("front", "front/b.mp4", 130.0, 140.0, 5000)
    sign_in(client)
    body = client.get("/api/recordings/front", params={"start": 100, "end": 140}).json()
    assert [s["size_bytes"] for s in body["segments"]] == [5000, 5000]
    assert body["outages"][0]["reason"] == "input lost"
    assert body["gaps"] == [{"start": 110.0, "end": 130.0}]
