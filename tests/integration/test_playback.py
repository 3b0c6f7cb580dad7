"""The timeline API and segment playback over real recordings in a real store.

The segments were written by the hub's `SegmentWriter` from real H.264 around an
outage (`timeline_tools.py`); the app is the hub's own, served by a TestClient.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from fastapi.testclient import TestClient

from frontporch.hub.timeline.fragments import stream_segment
from frontporch.hub.web.scopes import TokenScope
from timeline_tools import (
    BEFORE_S,
    CAMERA,
    MOTION,
    OUTAGE_REASON,
    OUTAGE_S,
    PASSWORD,
    T0,
    Recording,
    hub_app,
    make_recording,
)
from videotools import read_counter


@pytest.fixture
def recording(tmp_path: Path) -> Iterator[Recording]:
    made = make_recording(tmp_path)
    yield made
    made.store.close()


@pytest.fixture
def client(recording: Recording) -> TestClient:
    client = TestClient(hub_app(recording))
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def _boxes(data: bytes) -> list[str]:
    kinds, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        kinds.append(kind.decode("latin-1"))
        offset += size
    assert offset == len(data)
    return kinds


def _packets(source: Path | bytes) -> list[bytes]:
    """The video packets' bytes, in file order."""
    opened = av.open(str(source)) if isinstance(source, Path) else av.open(io.BytesIO(source))
    with opened as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def test_timeline_shows_recorded_spans_the_outage_and_motion(client: TestClient) -> None:
    start, end = T0 - 10, T0 + 30
    body = client.get(f"/api/timeline/{CAMERA}", params={"start": start, "end": end}).json()
    assert [(s["start"] - T0, s["end"] - T0) for s in body["recorded"]] == [
        (0.0, BEFORE_S),
        (BEFORE_S + OUTAGE_S, pytest.approx(19.0)),
    ]
    reasons = [(g["start"] - T0, g["reason"]) for g in body["gaps"]]
    assert reasons[0] == (-10.0, "not recorded")
    assert reasons[1] == (BEFORE_S, f"camera unreachable: {OUTAGE_REASON}")
    assert reasons[2][1] == "not recorded"  # after the last segment, until the window's end
    assert [(m["start"], m["end"]) for m in body["motion"]] == [MOTION]
    assert body["segments"] == []  # only on request


def test_the_playlist_lists_every_segment_in_order_with_its_url(client: TestClient) -> None:
    body = client.get(
        f"/api/timeline/{CAMERA}", params={"start": T0, "end": T0 + 30, "segments": "true"}
    ).json()
    starts = [s["start"] - T0 for s in body["segments"]]
    assert starts == [0.0, 2.0, 4.0, 6.0, 13.0, 15.0, 17.0]
    assert all(
        s["url"] == f"/api/playback/{CAMERA}/segments/{s['id']}.mp4" for s in body["segments"]
    )


def test_a_segment_plays_as_fragmented_mp4_with_the_same_packets(
    client: TestClient, recording: Recording
) -> None:
    segment = recording.segments[1]
    response = client.get(f"/api/playback/{CAMERA}/segments/{segment.id}.mp4")
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert re.fullmatch(r"avc1\.[0-9A-F]{6}", response.headers["x-codec"])
    kinds = _boxes(response.content)
    assert kinds[:2] == ["ftyp", "moov"]
    assert "moof" in kinds
    assert "mdat" in kinds
    # Stream copy: the very packets of the recorded file, none re-encoded.
    assert _packets(response.content) == _packets(recording.recordings / segment.path)


def test_remuxing_streams_fragments_and_keeps_every_frame(recording: Recording) -> None:
    remux = stream_segment(recording.recordings / recording.segments[0].path)
    chunks = list(remux.chunks)
    assert len(chunks) > 2  # init, then fragment by fragment
    assert _boxes(chunks[0])[:2] == ["ftyp", "moov"]
    with av.open(io.BytesIO(b"".join(chunks))) as container:
        frames = [read_counter(f.to_ndarray(format="gray")) for f in container.decode(video=0)]
    assert frames == list(range(30))  # 2 s at 15 fps, in order


def test_unknown_gone_and_foreign_segments_get_clear_answers(
    client: TestClient, recording: Recording
) -> None:
    missing = client.get(f"/api/playback/{CAMERA}/segments/9999.mp4")
    assert missing.status_code == 404
    assert "reload the timeline" in missing.json()["detail"]
    unknown_camera = client.get("/api/playback/attic/segments/1.mp4")
    assert unknown_camera.status_code == 404
    gone = recording.segments[0]
    (recording.recordings / gone.path).unlink()
    answer = client.get(f"/api/playback/{CAMERA}/segments/{gone.id}.mp4")
    assert answer.status_code == 410
    assert "retention" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [(T0 + 10, T0, "end after it starts"), (T0, T0 + 3 * 86400, "at most 24 hours")],
)
def test_bad_windows_are_refused_with_a_reason(
    client: TestClient, start: float, end: float, words: str
) -> None:
    response = client.get(f"/api/timeline/{CAMERA}", params={"start": start, "end": end})
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_timeline_pages_render_for_one_camera_and_for_all(client: TestClient) -> None:
    one = client.get(f"/timeline/{CAMERA}", params={"t": T0 + 1, "span": 120})
    assert one.status_code == 200
    assert 'data-cameras="porch"' in one.text
    assert f'data-start-at="{T0 + 1}"' in one.text
    assert "Export a range" in one.text
    every = client.get("/timeline")
    assert every.status_code == 200
    assert "data-player" in every.text
    assert "Export a range" not in every.text


def test_signed_out_visitors_get_nothing(recording: Recording) -> None:
    anonymous = TestClient(hub_app(recording))
    response = anonymous.get(f"/api/playback/{CAMERA}/segments/{recording.segments[0].id}.mp4")
    assert response.status_code == 401


def test_an_owner_token_reads_the_timeline_and_a_metrics_token_does_not(
    recording: Recording,
) -> None:
    app = hub_app(recording)
    tokens = app.state.hub.tokens
    owner_secret, _ = tokens.create("backup script", TokenScope.owner)
    metrics_secret, _ = tokens.create("prometheus", TokenScope.metrics)
    client = TestClient(app)
    segment_url = f"/api/playback/{CAMERA}/segments/{recording.segments[0].id}.mp4"
    timeline_url = f"/api/timeline/{CAMERA}?start={T0}&end={T0 + 60}"
    for url in (timeline_url, segment_url, "/api/exports"):
        allowed = client.get(url, headers={"Authorization": f"Bearer {owner_secret}"})
        assert allowed.status_code == 200, url
        refused = client.get(url, headers={"Authorization": f"Bearer {metrics_secret}"})
        assert refused.status_code == 403, url
    creating = client.post(
        "/api/exports",
        json={"camera": CAMERA, "start": T0, "end": T0 + 5},
        headers={"Authorization": f"Bearer {owner_secret}"},
    )
    assert creating.status_code == 403  # no token makes files on the hub
