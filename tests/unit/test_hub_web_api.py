"""The hub's JSON API over fakes: cameras, events, files, recordings, metrics, schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from fakes import (
    WebHarness,
    camera_status,
    cheap_password_hashing,
    make_event,
    sign_in,
    web_harness,
)
from frontporch.hub.capture.camera import ReaderState, ReaderStats
from frontporch.hub.process.messages import CameraState
from frontporch.hub.process.worker import camera_state
from frontporch.hub.store.index import Outage, Segment
from frontporch.hub.web.live import BOUNDARY

HOUR = 3600.0


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def harness(tmp_path: Path) -> WebHarness:
    web = web_harness()
    now = web.clock.now
    for i in range(7):
        camera = "front" if i % 2 == 0 else "back"
        labels = ("person", "car") if i == 3 else ("person",)
        web.store.add_event(
            make_event(f"e{i}", camera=camera, start=now - i * HOUR, labels=labels, snapshot="s")
        )
    clip = tmp_path / "e0.mp4"
    clip.write_bytes(bytes(range(256)) * 40)
    snapshot = tmp_path / "e0.jpg"
    snapshot.write_bytes(b"\xff\xd8snapshot\xff\xd9")
    web.runtime.clips["e0"] = clip
    web.runtime.snapshots["e0"] = snapshot
    return web


@pytest.fixture
def client(harness: WebHarness) -> TestClient:
    client = harness.client()
    sign_in(client)
    return client


def test_cameras_list_config_and_status(client: TestClient) -> None:
    cameras = client.get("/api/cameras").json()
    assert [c["name"] for c in cameras] == ["front", "back"]
    front, back = cameras
    assert front["tracked_labels"] == ["person", "car"]
    assert front["status"]["online"] is True
    assert back["status"]["state"] == "reconnecting"
    assert back["status"]["last_error"] == "connection refused by rtsp://***@camera"
    assert client.get("/api/cameras/back").json() == back


def test_camera_stats(client: TestClient) -> None:
    stats = client.get("/api/cameras/front/stats").json()
    assert stats["name"] == "front"
    assert stats["events"] == 4
    assert stats["recorded_bytes"] == 123_456_789


@pytest.mark.parametrize(
    "path",
    [
        "/api/cameras/garage",
        "/api/cameras/garage/stats",
        "/api/cameras/garage/latest.jpg",
        "/api/cameras/garage/live.mjpeg",
        "/api/recordings/garage",
        "/api/events?camera=garage",
    ],
)
def test_unknown_camera_is_a_404_naming_the_known_ones(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "camera not found"
    assert "front, back" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/events/nope",
        "/api/events/nope/snapshot.jpg",
        "/api/events/nope/clip.mp4",
    ],
)
def test_unknown_event_is_a_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {
        "error": "event not found",
        "detail": "No event 'nope'; it may have been deleted. See /api/events.",
    }


def test_unknown_path_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "no such page"


def test_events_are_newest_first_and_filter(client: TestClient, harness: WebHarness) -> None:
    ids = [e["id"] for e in client.get("/api/events").json()["events"]]
    assert ids == [f"e{i}" for i in range(7)]
    front = client.get("/api/events", params={"camera": "front"}).json()["events"]
    assert [e["id"] for e in front] == ["e0", "e2", "e4", "e6"]
    cars = client.get("/api/events", params={"label": "car"}).json()["events"]
    assert [e["id"] for e in cars] == ["e3"]
    now = harness.clock.now
    window = client.get("/api/events", params={"after": now - 2.5 * HOUR, "before": now}).json()
    assert [e["id"] for e in window["events"]] == ["e1", "e2"]
    event = client.get("/api/events/e3").json()
    assert event["labels"] == ["person", "car"]
    assert event["duration_s"] == 12.0
    assert event["start_iso"].endswith("Z")


def test_events_paginate_with_the_cursor(client: TestClient) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/events", params=params).json()
        seen += [e["id"] for e in page["events"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"e{i}" for i in range(7)]
    assert pages == 3


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"limit": 0}, 422, "limit"),
        ({"limit": 100000}, 422, "limit"),
        ({"limit": "many"}, 422, "limit"),
        ({"after": "yesterday"}, 422, "after"),
        ({"before": -5}, 422, "before"),
        ({"after": 20, "before": 10}, 400, "after"),
        ({"cursor": "not-a-cursor"}, 400, "cursor"),
        ({"camera": "x" * 500}, 422, "camera"),
    ],
)
def test_bad_event_queries_name_the_field(
    client: TestClient, params: dict[str, object], status: int, field: str
) -> None:
    response = client.get("/api/events", params=params)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == "invalid request"
    assert [p["field"] for p in body["detail"]] == [field]


def test_delete_event(client: TestClient, harness: WebHarness) -> None:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/account").text)
    assert match is not None
    token = match.group(1)
    assert client.delete("/api/events/e1", headers={"X-CSRF-Token": token}).json() == {
        "deleted": "e1"
    }
    assert "e1" not in harness.store.events
    again = client.delete("/api/events/e1", headers={"X-CSRF-Token": token})
    assert again.status_code == 404


def test_snapshot(client: TestClient) -> None:
    response = client.get("/api/events/e0/snapshot.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content == b"\xff\xd8snapshot\xff\xd9"
    missing = client.get("/api/events/e1/snapshot.jpg")
    assert missing.status_code == 404
    assert missing.json()["error"] == "snapshot not found"


def test_clip_supports_range_requests(client: TestClient, harness: WebHarness) -> None:
    size = harness.runtime.clips["e0"].stat().st_size
    full = client.get("/api/events/e0/clip.mp4")
    assert full.status_code == 200
    assert full.headers["content-type"] == "video/mp4"
    assert full.headers["accept-ranges"] == "bytes"
    assert len(full.content) == size
    part = client.get("/api/events/e0/clip.mp4", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    assert part.content == full.content[100:200]
    tail = client.get("/api/events/e0/clip.mp4", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206
    assert tail.content == full.content[-10:]
    beyond = client.get("/api/events/e0/clip.mp4", headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416


def test_clip_of_deleted_footage_is_410(client: TestClient) -> None:
    response = client.get("/api/events/e2/clip.mp4")
    assert response.status_code == 410
    assert response.json()["error"] == "clip unavailable"
    assert "retention" in response.json()["detail"]


def test_recordings_with_outages_and_gaps(client: TestClient, harness: WebHarness) -> None:
    t = harness.clock.now - HOUR
    harness.store.segment_list += [
        Segment(1, "front", "front/a.mp4", t, t + 10, 1000),
        Segment(2, "front", "front/b.mp4", t + 10, t + 20, 1100),
        Segment(3, "front", "front/c.mp4", t + 50, t + 60, 900),
        Segment(4, "back", "back/a.mp4", t, t + 10, 1000),
    ]
    harness.store.outage_list.append(Outage(1, "front", t + 20, t + 50, "input lost"))
    body = client.get("/api/recordings/front", params={"start": t, "end": t + 70}).json()
    assert [(s["start"] - t, s["end"] - t) for s in body["segments"]] == [
        (0, 10),
        (10, 20),
        (50, 60),
    ]
    assert body["outages"] == [{"start": t + 20, "end": t + 50, "reason": "input lost"}]
    assert [(g["start"] - t, g["end"] - t) for g in body["gaps"]] == [(20, 50), (60, 70)]
    default = client.get("/api/recordings/front").json()
    assert default["end"] - default["start"] == 24 * HOUR


@pytest.mark.parametrize(
    "params", [{"start": 10, "end": 5}, {"start": 0, "end": 30 * 24 * HOUR}, {"start": "soon"}]
)
def test_bad_recording_windows_are_4xx(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/api/recordings/front", params=params)
    assert response.status_code in (400, 422)
    assert response.json()["detail"][0]["field"] == "start"


def test_latest_frame(client: TestClient, harness: WebHarness) -> None:
    response = client.get("/api/cameras/front/latest.jpg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"
    harness.runtime.frame = None
    assert client.get("/api/cameras/front/latest.jpg").status_code == 404


def test_mjpeg_stream_yields_frames_until_closed(client: TestClient) -> None:
    marker = f"--{BOUNDARY}".encode()
    received = b""
    with client.stream("GET", "/api/cameras/front/live.mjpeg") as response:
        assert response.status_code == 200
        content_type = response.headers["content-type"]
        assert content_type == f"multipart/x-mixed-replace; boundary={BOUNDARY}"
        for chunk in response.iter_bytes():
            received += chunk
            if received.count(marker) >= 3:
                break
    parts = [p for p in received.split(marker) if p]
    assert len(parts) >= 2
    for part in parts[:2]:
        assert b"Content-Type: image/jpeg" in part
        assert b"\xff\xd8fake-jpeg\xff\xd9" in part


def test_metrics_have_per_camera_series(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for line in (
        'frontporch_camera_online{camera="front"} 1.0',
        'frontporch_camera_online{camera="back"} 0.0',
        'frontporch_camera_input_fps{camera="front"} 15.0',
        'frontporch_camera_analyzed_fps{camera="back"} 5.0',
        'frontporch_camera_skipped_frames_total{camera="front"} 3.0',
        'frontporch_camera_reconnects_total{camera="back"} 2.0',
        'frontporch_camera_events_total{camera="front"} 4.0',
        'frontporch_camera_recorded_bytes{camera="front"} 1.23456789e+08',
    ):
        assert line in text


def test_healthz_reveals_nothing_sensitive(harness: WebHarness) -> None:
    body = harness.client().get("/healthz").text
    assert "rtsp" not in body
    assert "error" not in body


def test_openapi_documents_every_json_endpoint_with_a_model(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    json_routes = [
        r
        for r in iter_route_contexts(client.app.routes)
        if isinstance(r.original_route, APIRoute)
        and r.include_in_schema
        and getattr(r.response_class, "value", r.response_class) is JSONResponse
    ]
    assert len(json_routes) >= 8
    for route in json_routes:
        method = next(iter(route.methods - {"HEAD"})).lower()
        assert route.response_model is not None, route.path
        operation = schema["paths"][route.path][method]
        success = str(route.status_code or 200)
        content = operation["responses"][success]["content"]["application/json"]
        assert content["schema"], route.path
    for path in ("/api/events/{event_id}/clip.mp4", "/api/cameras/{name}/live.mjpeg", "/metrics"):
        assert path in schema["paths"]


def test_unexpected_errors_are_a_generic_500(harness: WebHarness) -> None:
    def broken(name: str):
        raise RuntimeError("disk on fire: /secret/path")

    client = harness.client(raise_server_exceptions=False)
    sign_in(client)
    harness.runtime.camera_status = broken  # type: ignore[method-assign]
    response = client.get("/api/cameras")
    assert response.status_code == 500
    assert response.json()["error"] == "internal error"
    assert "secret" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/events/%00",
        "/api/events/" + "a" * 5000,
        "/api/events/..%2F..%2Fetc%2Fpasswd/clip.mp4",
        "/api/cameras/%E2%98%83",
        "/api/recordings/front?start=nan",
        "/api/recordings/front?start=1e400",
        "/api/events?after=inf",
        "/events?cursor=%FF",
        "/cameras/%2e%2e",
        "/events/" + "b" * 5000,
    ],
)
def test_odd_input_is_never_a_500(client: TestClient, path: str) -> None:
    assert 400 <= client.get(path).status_code < 500


def test_status_changes_show_up_live(client: TestClient, harness: WebHarness) -> None:
    harness.runtime.statuses["back"] = camera_status("back")
    assert client.get("/api/cameras/back").json()["status"]["online"] is True


def test_the_schema_lists_every_camera_state_the_hub_sends(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    state = schema["components"]["schemas"]["CameraState"]
    assert set(state["enum"]) == {s.value for s in CameraState}
    # Each state the worker can derive from its readers is one the schema lists.
    sent = {camera_state([ReaderStats(state=s)]) for s in ReaderState}
    sent |= {camera_state([ReaderStats(state=ReaderState.streaming, connected=True)])}
    assert sent <= set(CameraState)
