"""Broken inputs and broken settings: the hub says what is wrong and keeps working.

One hub runs a good camera next to four broken ones (half a file, random bytes, a port
nobody listens on — with a password in its URL — and a host name that does not exist).
The good camera must record and analyse as if the others were not there, and each
broken one must say, in its status, what to fix, without a traceback or the password.
The command line gets the same treatment: bad settings and bad files end with status 2
and one clear message.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes import OWNER_PASSWORD, cheap_password_hashing, sign_in
from frontporch.hub.ports import CameraStatus
from frontporch.hub.process.runtime import Hub
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from frontporch.scenes import write_scene
from hubtools import (
    camera,
    cut_in_half,
    free_port,
    hub_config,
    run_cli,
    running_hub,
    wait_until,
    write_config,
)
from videotools import make_h264

SECRET = "secret-pa55"
RUN_FOR_S = 12.0


@pytest.fixture(scope="module")
def porch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("failures") / "porch.mp4"
    write_scene("porch", path, width=640, height=360, duration_s=20, seed=1)
    return path


def looks_like_a_traceback(text: str) -> bool:
    return "Traceback" in text or 'File "' in text


@pytest.mark.timeout(150)
def test_broken_cameras_say_what_is_wrong_and_the_good_one_keeps_working(
    tmp_path: Path,
    porch: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cheap_password_hashing(monkeypatch)
    caplog.set_level("INFO")
    # The moov box of a plain MP4 is at its end: half the file has no index at all.
    truncated = cut_in_half(porch, tmp_path / "truncated.mp4")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(os.urandom(200_000))
    cameras = {
        "good": camera(porch, loop=True),
        "truncated": camera(truncated),
        "garbage": camera(garbage),
        "refused": camera(f"rtsp://admin:{SECRET}@127.0.0.1:{free_port()}/stream"),
        "unknown-host": camera("rtsp://no-such-camera.invalid/stream"),
    }
    expected_errors = {
        "truncated": "not a video stream FFmpeg can read (or a recording whose index is missing)",
        "garbage": "not a video stream FFmpeg can read",
        "refused": "connection refused (is the camera on, and are the host and port right?)",
        "unknown-host": "'no-such-camera.invalid' cannot be resolved",
    }

    with running_hub(hub_config(tmp_path / "hub", cameras)) as hub:
        wait_until(lambda: hub.camera_status("good").online, 40, "the good camera online")
        online_from = time.time()
        statuses = watch_good_camera(hub, RUN_FOR_S)
        wait_until(
            lambda: all(hub.camera_status(name).last_error for name in expected_errors),
            30,
            "every broken camera to report an error",
        )
        bad = {name: hub.camera_status(name) for name in expected_errors}
        good = hub.camera_status("good")
        segments = hub.store.all_segments("good")
        events = hub.store.list_events(camera="good").events
        bad_segments = {name: hub.store.all_segments(name) for name in expected_errors}
        workers_alive = {name: slot.process.is_alive() for name, slot in hub.slots.items()}
        restarts = {name: slot.restarts for name, slot in hub.slots.items()}
        web = web_answers(hub)

    # The good camera was online, recording and analysing for the whole run.
    assert all(s.online and s.recording for s in statuses), [s.state for s in statuses]
    assert good.analyzed_fps > 0
    assert good.last_error is None
    assert segments[0].start <= online_from + 3
    assert segments[-1].end >= online_from + RUN_FOR_S - 3
    gaps = [b.start - a.end for a, b in itertools.pairwise(segments)]
    assert max(gaps) < 0.5, gaps
    assert any("person" in e.labels for e in events)

    # Each broken camera says what is wrong, in words, and nobody crashed.
    for name, expected in expected_errors.items():
        status = bad[name]
        assert not status.online
        assert status.last_error is not None
        assert expected in status.last_error, (name, status.last_error)
        assert not looks_like_a_traceback(status.last_error)
        assert not bad_segments[name]
    assert all(workers_alive.values()), workers_alive
    assert set(restarts.values()) == {0}, restarts
    assert "rtsp://***@127.0.0.1" in str(bad["refused"].last_error)

    # The password in the URL shows nowhere: status, logs of hub and workers, web answers.
    logs = caplog.text + "".join(capfd.readouterr())
    assert "no-such-camera.invalid" in logs  # the workers' logs were captured
    for text in (*(repr(s) for s in bad.values()), logs, *web.values()):
        assert SECRET not in text
    assert not looks_like_a_traceback(logs)
    assert '"good":true' in web["/healthz"].replace(" ", "")
    assert "connection refused" in web["/api/cameras"]


def watch_good_camera(hub: Hub, seconds: float) -> list[CameraStatus]:
    """The good camera's status, sampled every half second for `seconds`."""
    samples = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        samples.append(hub.camera_status("good"))
        time.sleep(0.5)
    return samples


def web_answers(hub: Hub) -> dict[str, str]:
    """What the hub's web API says about the cameras, as JSON text."""
    set_owner_password(hub.store, OWNER_PASSWORD)
    with TestClient(create_hub_app(hub.config, hub.store, hub)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}, "no camera names to strangers"
        sign_in(client)
        answers = {"/healthz": client.get("/healthz").text}
        for path in ("/api/cameras", *(f"/api/cameras/{n}/stats" for n in hub.slots)):
            response = client.get(path)
            assert response.status_code == 200, response.text
            answers[path] = response.text
    return answers


def test_invalid_config_exits_2_naming_each_bad_field(tmp_path: Path) -> None:
    raw = hub_config(tmp_path / "hub", {"front": camera(tmp_path / "front.mp4")})
    raw["cameras"]["front"]["record"]["segment_s"] = 1
    raw["cameras"]["front"]["detect"]["fsp"] = 3
    bad = write_config(tmp_path / "bad.yaml", raw)

    result = run_cli("hub", "--config", str(bad))

    assert result.returncode == 2
    assert "cameras.front.record.segment_s: Input should be greater than or equal to 2" in (
        result.stderr
    )
    assert "cameras.front.detect.fsp: Extra inputs are not permitted" in result.stderr
    assert not looks_like_a_traceback(result.stdout + result.stderr)
    assert not (tmp_path / "hub").exists(), "nothing may start with a bad configuration"


def test_analyze_refuses_garbage_and_missing_files_with_a_clear_message(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(os.urandom(100_000))

    unreadable = run_cli("analyze", str(garbage))
    missing = run_cli("analyze", str(tmp_path / "missing.mp4"))

    assert unreadable.returncode == 2
    assert "not a video stream FFmpeg can read" in unreadable.stderr
    assert missing.returncode == 2
    assert "missing.mp4 does not exist or is not a file" in missing.stderr
    for result in (unreadable, missing):
        assert not looks_like_a_traceback(result.stdout + result.stderr)


def test_analyze_reports_what_a_truncated_file_holds_and_warns(tmp_path: Path) -> None:
    # With its index (moov) up front, the first half of a file still decodes.
    whole = make_h264(tmp_path / "whole.mp4", seconds=8, fps=15, gop_s=1.0, faststart=True)
    truncated = cut_in_half(whole, tmp_path / "truncated.mp4")

    result = run_cli("analyze", str(truncated))

    assert result.returncode == 0, result.stderr
    decoded = int(result.stdout.split(" frames decoded")[0].split()[-1])
    assert 0 < decoded < 8 * 15
    stages = result.stdout.split("time per stage: ")[1].splitlines()[0]
    assert [part.split()[0] for part in stages.split(", ")] == [
        "decode",
        "scale",
        "motion",
        "detector",
        "tracker",
        "events",
    ]
    assert "warning: truncated.mp4 ends early" in result.stdout
    assert "looks truncated or damaged" in result.stdout
    assert not looks_like_a_traceback(result.stdout + result.stderr)
