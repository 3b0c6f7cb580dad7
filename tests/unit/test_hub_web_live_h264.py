"""The H.264 live stream endpoint over the fake runtime: what a viewer receives, when."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from fakes import WebHarness, cheap_password_hashing, sign_in, web_harness
from frontporch.hub.live.feed import LiveFeed

CODEC = "avc1.64001F"
INIT = b"<ftyp+moov>"
KEY, P1, P2 = b"<key>", b"<p1>", b"<p2>"


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def harness() -> WebHarness:
    web = web_harness()
    web.runtime.statuses["front"] = replace(web.runtime.statuses["front"], live_codec=CODEC)
    feed = web.runtime.feeds["front"] = LiveFeed()
    feed.start(1, CODEC, INIT)
    for seq, (keyframe, data) in enumerate([(False, b"<stale>"), (True, KEY), (False, P1)]):
        feed.add(1, seq, keyframe, data)
    return web


@pytest.fixture
def client(harness: WebHarness) -> TestClient:
    client = harness.client()
    sign_in(client)
    return client


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_stream_starts_with_init_and_the_keyframe_then_follows_new_frames(
    client: TestClient, harness: WebHarness
) -> None:
    received = b""
    with client.stream("GET", "/api/cameras/front/live.mp4") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "video/mp4"
        assert response.headers["cache-control"] == "no-store"
        chunks = response.iter_bytes()
        while len(received) < len(INIT + KEY + P1):
            received += next(chunks)
        assert received == INIT + KEY + P1  # not the fragment before the keyframe
        assert harness.runtime.viewers["front"] == 1
        harness.runtime.feeds["front"].add(1, 3, False, P2)
        assert next(chunks) == P2
    _wait_for(lambda: harness.runtime.viewers["front"] == 0, "the viewer to be let go")


def test_a_new_init_segment_reaches_a_viewer_mid_stream(
    client: TestClient, harness: WebHarness
) -> None:
    feed = harness.runtime.feeds["front"]
    with client.stream("GET", "/api/cameras/front/live.mp4") as response:
        chunks = response.iter_bytes()
        received = b""
        while len(received) < len(INIT + KEY + P1):
            received += next(chunks)
        feed.stop()  # the camera reconnects: a new stream, a new init segment
        feed.start(1, CODEC, b"<new init>")
        feed.add(1, 0, True, b"<new key>")
        assert next(chunks) == b"<new init><new key>"


def test_camera_api_tells_the_codec_and_the_stream(client: TestClient) -> None:
    front = client.get("/api/cameras/front").json()
    assert front["live_codec"] == CODEC
    assert front["live_mp4_url"] == "/api/cameras/front/live.mp4"
    back = client.get("/api/cameras/back").json()
    assert back["live_codec"] is None
    assert back["live_mp4_url"] is None


def test_a_camera_without_h264_live_is_a_409_pointing_to_mjpeg(client: TestClient) -> None:
    response = client.get("/api/cameras/back/live.mp4")
    assert response.status_code == 409
    assert response.json()["error"] == "no H.264 live stream"
    assert "/api/cameras/back/live.mjpeg" in response.json()["detail"]


def test_unknown_camera_is_a_404(client: TestClient) -> None:
    response = client.get("/api/cameras/garage/live.mp4")
    assert response.status_code == 404
    assert "front, back" in response.json()["detail"]


def test_signed_out_is_a_401_and_nobody_is_counted(harness: WebHarness) -> None:
    response = harness.client().get("/api/cameras/front/live.mp4")
    assert response.status_code == 401
    assert harness.runtime.viewers.get("front", 0) == 0


def test_camera_page_has_the_h264_player_and_the_mjpeg_fallback(client: TestClient) -> None:
    front = client.get("/cameras/front").text
    assert 'data-live-mp4="/api/cameras/front/live.mp4"' in front
    assert f'data-codec="{CODEC}"' in front
    assert 'src="/api/cameras/front/live.mjpeg"' in front  # the fallback, and without JS
    assert '<script src="/static/live.js" defer></script>' in front
    # A camera still connecting has no codec yet: the player asks the API again later.
    back = client.get("/cameras/back").text
    assert 'data-codec=""' in back
    assert 'src="/api/cameras/back/live.mjpeg"' in back
    assert "live.js" not in client.get("/").text  # the grid stays MJPEG
