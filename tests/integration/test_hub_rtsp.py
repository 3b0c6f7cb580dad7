"""A real hub recording a real RTSP camera (GStreamer's RTSP server) next to a file camera.

The RTSP camera serves a generated porch scene with people walking by, so the hub's
detector has something to find; the second camera is a small file looping in real time.
Segments are 2 s and timeouts short, so a whole run takes seconds, not minutes.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from frontporch.hub.process.runtime import Hub
from frontporch.hub.store.index import Event, Outage, Segment
from frontporch.scenes import SceneTruth, write_scene
from hubtools import RtspServer, camera, decode, hub_config, running_hub, wait_until
from videotools import make_h264

pytestmark = pytest.mark.rtsp

SEGMENT_S = 2.0
PORCH_GOP_S = 2.0  # write_scene's keyframe interval: segments split on these
YARD_GOP_S = 1.0


@pytest.fixture(scope="module")
def porch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SceneTruth]:
    path = tmp_path_factory.mktemp("rtsp") / "porch.mp4"
    truth = write_scene("porch", path, width=640, height=360, duration_s=40, seed=1)
    return path, truth


@pytest.fixture(scope="module")
def yard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rtsp") / "yard.mp4"
    return make_h264(path, seconds=6, fps=15, size=(320, 240), gop_s=YARD_GOP_S)


def two_cameras(storage: Path, rtsp_url: str, yard: Path) -> dict[str, object]:
    return hub_config(storage, {"porch": camera(rtsp_url), "yard": camera(yard, loop=True)})


def check_segment(hub: Hub, segment: Segment, size: tuple[int, int], gop_s: float) -> None:
    """A segment plays on its own, holds the camera's own frames and is about as long
    as the index says (a short last one is allowed: the camera stopped mid-segment)."""
    decoded = decode(hub.recordings / segment.path)
    indexed = segment.end - segment.start
    assert decoded.starts_with_keyframe, segment.path
    assert decoded.size == size, "recording is a stream copy, not the detect size"
    assert decoded.frames > 0
    assert abs(decoded.duration_s - indexed) < 1.0, (segment.path, decoded, indexed)
    assert indexed < SEGMENT_S + 2 * gop_s + 0.5, (segment.path, indexed)


def person_events(hub: Hub, camera_name: str) -> list[Event]:
    return list(hub.store.list_events(camera=camera_name, label="person").events)


@pytest.mark.timeout(150)
def test_rtsp_camera_is_recorded_and_analysed_next_to_a_file_camera(
    tmp_path: Path, porch: tuple[Path, SceneTruth], yard: Path
) -> None:
    video, truth = porch
    with (
        RtspServer(video).start() as server,
        running_hub(two_cameras(tmp_path / "hub", server.url, yard)) as hub,
    ):
        wait_until(lambda: hub.camera_status("porch").online, 30, "the RTSP camera online")
        events = wait_until(lambda: person_events(hub, "porch"), 60, "a person event")
        wait_until(
            lambda: all(len(hub.store.all_segments(c)) >= 3 for c in ("porch", "yard")),
            40,
            "three segments from each camera",
        )
        status = hub.camera_status("porch")
        porch_segments = hub.store.all_segments("porch")
        yard_segments = hub.store.all_segments("yard")

        assert status.state == "online"
        assert status.recording
        assert status.last_error is None
        assert status.input_fps > 5
        for segment in porch_segments:
            check_segment(hub, segment, (640, 360), PORCH_GOP_S)
        for segment in yard_segments:
            check_segment(hub, segment, (320, 240), YARD_GOP_S)

        # Scene time 0 is the stream's first keyframe, where the first segment starts;
        # every person event starts while a person is in view.
        origin = porch_segments[0].start
        visits = truth.visits_of("person")
        for event in events:
            at = event.start - origin
            assert any(v.start - 1.5 <= at <= v.end + 1.5 for v in visits), (at, visits)
        assert not hub.store.outages("porch", 0, time.time() + 1)


def open_outage(hub: Hub, camera_name: str) -> Outage | None:
    return next((o for o in hub.store.outages(camera_name, 0, 2e9) if o.end is None), None)


def gaps_between(segments: list[Segment]) -> list[float]:
    return [b.start - a.end for a, b in itertools.pairwise(segments)]


@pytest.mark.timeout(150)
def test_rtsp_camera_that_drops_and_returns_resumes_and_leaves_a_visible_gap(
    tmp_path: Path, porch: tuple[Path, SceneTruth], yard: Path
) -> None:
    video, _ = porch
    with (
        RtspServer(video).start() as server,
        running_hub(two_cameras(tmp_path / "hub", server.url, yard)) as hub,
    ):
        wait_until(
            lambda: len(hub.store.all_segments("porch")) >= 2, 40, "the RTSP camera recording"
        )
        worker = hub.slots["porch"].process

        killed_at = time.time()
        server.kill()
        outage = wait_until(lambda: open_outage(hub, "porch"), 20, "the outage to be indexed")
        lost = hub.camera_status("porch")
        assert not lost.online
        assert lost.last_error is not None
        assert "127.0.0.1" in lost.last_error, lost.last_error

        back_at = time.time()
        server.start()
        wait_until(lambda: hub.camera_status("porch").online, 30, "the camera online again")
        wait_until(
            lambda: len([s for s in hub.store.all_segments("porch") if s.start > back_at]) >= 2,
            30,
            "new segments after the camera came back",
        )
        porch_segments = hub.store.all_segments("porch")
        yard_segments = hub.store.all_segments("yard")
        outages = hub.store.outages("porch", 0, 2e9)

        # No crash: the same worker process went through the outage and reconnected.
        assert worker.is_alive()
        assert hub.slots["porch"].process is worker
        assert hub.camera_status("porch").reconnects >= 1
        for segment in porch_segments:
            check_segment(hub, segment, (640, 360), PORCH_GOP_S)

        # The gap is in the index: one outage, closed, covering the downtime, and no
        # segment recorded across it.
        assert [o.id for o in outages] == [outage.id]
        (closed,) = outages
        assert closed.end is not None
        before = [s for s in porch_segments if s.end <= killed_at + 0.5]
        after = [s for s in porch_segments if s.start >= back_at]
        assert len(before) + len(after) == len(porch_segments), "a segment spans the outage"
        assert before
        assert after
        assert before[-1].end <= closed.start + 0.5
        assert closed.end <= after[0].start + 0.5
        assert closed.start <= killed_at + 1.0
        assert closed.end >= back_at

        # The other camera recorded straight through: consecutive segments, no holes.
        during = [s for s in yard_segments if s.end >= killed_at - 2 and s.start <= back_at + 2]
        assert during[0].start <= killed_at
        assert during[-1].end >= back_at
        assert max(gaps_between(during)) < 0.5, gaps_between(during)
        assert hub.camera_status("yard").online
        assert not hub.store.outages("yard", 0, 2e9)


@pytest.mark.timeout(150)
def test_outage_open_when_the_hub_stops_ends_when_the_camera_is_back_after_restart(
    tmp_path: Path, porch: tuple[Path, SceneTruth]
) -> None:
    video, _ = porch
    server = RtspServer(video)
    with server.start():
        raw = hub_config(tmp_path / "hub", {"porch": camera(server.url)})
        with running_hub(raw) as hub:
            wait_until(lambda: hub.camera_status("porch").online, 30, "the camera online")
            server.kill()
            lost = wait_until(lambda: open_outage(hub, "porch"), 20, "the outage indexed")

        restarted_at = time.time()
        server.start()
        with running_hub(raw) as hub:
            wait_until(lambda: hub.camera_status("porch").online, 30, "the camera back")
            closed = wait_until(
                lambda: [o for o in hub.store.outages("porch", 0, 2e9) if o.end is not None],
                10,
                "the outage to end",
            )

    assert [o.id for o in closed] == [lost.id]
    assert closed[0].end is not None
    assert closed[0].end >= restarted_at
