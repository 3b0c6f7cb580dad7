"""Exports over real recordings in a real store: the desk's background job, its file
(checked with ffprobe and packet by packet), the API's answers, a restart mid-way."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from fastapi.testclient import TestClient

from frontporch.hub.exports.model import ExportError, ExportRecord, ExportState
from frontporch.hub.exports.service import ExportDesk
from timeline_tools import (
    BEFORE_S,
    CAMERA,
    OUTAGE_S,
    PASSWORD,
    T0,
    Recording,
    hub_app,
    make_recording,
)

pytestmark = pytest.mark.ffprobe


@pytest.fixture
def recording(tmp_path: Path) -> Iterator[Recording]:
    made = make_recording(tmp_path)
    yield made
    made.store.close()


def _desk(recording: Recording) -> ExportDesk:
    return ExportDesk(recording.store, recording.storage, lambda: [CAMERA])


def _ffprobe(path: Path) -> dict[str, object]:
    probe = subprocess.run(
        [
            "ffprobe", "-v", "error", "-count_packets",
            "-show_entries", "format=duration:stream=codec_name,nb_read_packets",
            "-of", "json", str(path),
        ],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(probe.stdout)
    return result


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def test_an_export_across_the_outage_is_one_mp4_of_the_recorded_packets(
    recording: Recording,
) -> None:
    desk = _desk(recording)
    job = desk.request_export(CAMERA, T0, T0 + 19.0)
    assert job.state is ExportState.queued
    assert desk.wait_idle(30)
    done = desk.get(job.id)
    desk.stop()
    assert done.state is ExportState.done, done.error
    assert done.progress == 1.0
    path = desk.file_of(done)
    assert path == recording.storage / "exports" / f"{job.id}.mp4"
    probe = _ffprobe(path)
    stream = probe["streams"][0]  # type: ignore[index]
    assert stream["codec_name"] == "h264"
    # The outage is closed up: 8 s + 6 s of video.
    duration = float(probe["format"]["duration"])  # type: ignore[index]
    assert duration == pytest.approx(19.0 - OUTAGE_S, abs=0.1)
    assert done.duration == pytest.approx(duration, abs=0.1)
    # No re-encode: the export holds exactly the segments' packets, in order.
    recorded = [p for s in recording.segments for p in _packets(recording.recordings / s.path)]
    assert _packets(path) == recorded
    assert int(stream["nb_read_packets"]) == len(recorded)


def test_a_range_with_no_recording_is_refused_with_a_clear_message(recording: Recording) -> None:
    desk = _desk(recording)
    with pytest.raises(ExportError, match="Nothing of porch was recorded") as refused:
        desk.request_export(CAMERA, T0 + BEFORE_S + 1, T0 + BEFORE_S + OUTAGE_S - 1)
    assert refused.value.status == 422
    assert desk.list() == []
    with pytest.raises(ExportError, match="No camera named 'attic'"):
        desk.request_export("attic", T0, T0 + 5)


def test_an_export_cut_short_by_a_restart_is_made_at_the_next_start(
    recording: Recording,
) -> None:
    # A stopped hub left this job running: its row says so, and a partial file lies there.
    job = ExportRecord("cafe0001", CAMERA, T0 + 1, T0 + 5, ExportState.running, 0.4, T0)
    recording.store.add_export(job)
    (recording.storage / "exports").mkdir()
    (recording.storage / "exports" / "cafe0001.mp4.part").write_bytes(b"half")
    desk = _desk(recording)
    assert desk.resume() == 1
    assert desk.wait_idle(30)
    desk.stop()
    done = desk.get("cafe0001")
    assert done.state is ExportState.done
    assert _ffprobe(desk.file_of(done))["format"]["duration"]  # type: ignore[index]
    assert not (recording.storage / "exports" / "cafe0001.mp4.part").exists()


def test_deleting_an_export_removes_its_file_then_its_row(recording: Recording) -> None:
    desk = _desk(recording)
    job = desk.request_export(CAMERA, T0, T0 + 3)
    assert desk.wait_idle(30)
    path = desk.file_of(desk.get(job.id))
    desk.delete(job.id)
    desk.stop()
    assert not path.exists()
    assert recording.store.get_export(job.id) is None
    with pytest.raises(ExportError) as gone:
        desk.get(job.id)
    assert gone.value.status == 404


@pytest.fixture
def client(recording: Recording) -> Iterator[TestClient]:
    client = TestClient(hub_app(recording))
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    client.post(
        "/login",
        data={"password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    page = client.get("/exports")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf is not None
    client.headers["X-CSRF-Token"] = csrf.group(1)
    yield client
    client.app.state.exports.stop()  # type: ignore[attr-defined]


def test_the_api_queues_reports_progress_and_serves_the_download(client: TestClient) -> None:
    created = client.post("/api/exports", json={"camera": CAMERA, "start": T0, "end": T0 + 6})
    assert created.status_code == 202, created.text
    job = created.json()
    assert job["state"] in ("queued", "running", "done")
    assert job["download"] is None
    assert client.app.state.exports.wait_idle(30)  # type: ignore[attr-defined]
    done = client.get(f"/api/exports/{job['id']}").json()
    assert done["state"] == "done"
    assert done["progress"] == 1.0
    download = client.get(done["download"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "video/mp4"
    assert 'filename="porch-' in download.headers["content-disposition"]
    assert len(download.content) == done["size"]
    page = client.get("/exports")
    assert done["download"] in page.text
    listed = client.get("/api/exports").json()
    assert [e["id"] for e in listed] == [job["id"]]
    deleted = client.delete(f"/api/exports/{job['id']}")
    assert deleted.json() == {"deleted": job["id"]}
    assert client.get(done["download"]).status_code == 404


def test_the_api_refuses_an_empty_range_with_words_a_person_can_act_on(
    client: TestClient,
) -> None:
    gap = {"camera": CAMERA, "start": T0 + BEFORE_S + 1, "end": T0 + BEFORE_S + 2}
    refused = client.post("/api/exports", json=gap)
    assert refused.status_code == 422
    assert "recorded" in refused.json()["detail"]
    backwards = client.post("/api/exports", json={"camera": CAMERA, "start": T0 + 5, "end": T0})
    assert backwards.status_code == 400
    assert "end after it starts" in backwards.json()["detail"]
    assert client.get("/api/exports").json() == []
