"""Optional audio (`cameras.<name>.record.audio`), on a real H.264 + AAC file made with
PyAV and played as a live camera by a real camera worker:

- on: the segments carry the camera's AAC track by stream copy (ffprobe), in step with
  the video, and a clip cut from them carries it too;
- off (the default): no audio stream in the segments, though the camera sends one;
- what leaves the hub (the shared and released clips: the masked re-encode) has no
  audio unless the owner keeps it (`keep_audio`), and then the same AAC, in step.
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import threading
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from audio_tools import make_av
from frontporch.hub.community.publish import render_public_clip
from frontporch.hub.community.reencode import CONTAINER_OPTIONS, RenderLimits, reencode
from frontporch.hub.config import DetectorConfig, parse_config
from frontporch.hub.process.messages import (
    LiveAvailable,
    LiveChunk,
    LiveInit,
    SegmentClosed,
    WorkerMessage,
)
from frontporch.hub.process.worker import CameraWorker, Live
from frontporch.hub.recording.clips import build_clip
from frontporch.hub.requests.records import ClipPick
from frontporch.hub.requests.release import cut_masked_clip
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import RECORDINGS_DIR
from hubtools import camera, hub_config, wait_until

pytestmark = pytest.mark.ffprobe


def probe(path: Path) -> list[dict[str, Any]]:
    """ffprobe's streams of `path` (codec_type, codec_name, duration)."""
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,duration",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    streams: list[dict[str, Any]] = json.loads(result.stdout)["streams"]
    return streams


def kinds(path: Path) -> list[tuple[str, str]]:
    return [(s["codec_type"], s["codec_name"]) for s in probe(path)]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_av(tmp_path_factory.mktemp("audio") / "porch.mp4")


def record(
    tmp_path: Path, source: Path, *, audio: bool | None, segments: int = 3
) -> list[SegmentClosed]:
    """Run a camera worker on `source` (a looping live file) until it closed `segments`
    segments (under `tmp_path/recordings`). `audio` None leaves `record.audio` unset
    (the default)."""
    cam = camera(source, loop=True, segment_s=2.0)
    if audio is not None:
        cam["record"]["audio"] = audio
    config = parse_config(hub_config(tmp_path / "hub", {"porch": cam}))
    sent: list[WorkerMessage] = []
    worker = CameraWorker(
        "porch", config.cameras["porch"], DetectorConfig(), tmp_path / "recordings", sent.append
    )
    stop = threading.Event()
    runner = threading.Thread(target=worker.run, args=(stop,), name="hub-test-runner")
    runner.start()
    try:
        closed = wait_until(
            lambda: [m for m in list(sent) if isinstance(m, SegmentClosed)][segments - 1 :],
            90,
            f"{segments} segments",
        )
    finally:
        stop.set()
        runner.join(timeout=30)
    done = [m for m in sent if isinstance(m, SegmentClosed)]
    assert len(done) >= len(closed)
    return done


def test_the_source_has_both_tracks(source: Path) -> None:
    assert kinds(source) == [("video", "h264"), ("audio", "aac")]


def test_segments_carry_the_audio_when_on_and_a_clip_too(tmp_path: Path, source: Path) -> None:
    paths = [Path(m.path) for m in record(tmp_path, source, audio=True)]
    for path in paths:
        streams = probe(path)
        assert [(s["codec_type"], s["codec_name"]) for s in streams] == [
            ("video", "h264"),
            ("audio", "aac"),
        ], path
        video, sound = (float(s["duration"]) for s in streams)
        assert abs(video - sound) < 0.3, f"{path.name}: audio {sound} s, video {video} s"
    # The tone is there, not silence: decode the second segment's audio.
    with av.open(str(paths[1])) as container:
        samples = np.concatenate([f.to_ndarray().ravel() for f in container.decode(audio=0)])
    assert np.abs(samples).max() > 0.1

    with av.open(str(paths[0])) as first:
        start = float(first.start_time or 0) / 1e6
    starts = [(p, float(p.stem.split("-")[0])) for p in paths]
    origin = starts[0][1]
    clip = build_clip(starts, origin + 1.0, origin + 4.0, tmp_path / "clip.mp4")
    assert start >= 0
    assert kinds(clip.path) == [("video", "h264"), ("audio", "aac")]
    video, sound = (float(s["duration"]) for s in probe(clip.path))
    assert abs(video - sound) < 0.3


@pytest.mark.parametrize("audio", [None, False])
def test_no_audio_in_segments_when_off(tmp_path: Path, source: Path, audio: bool | None) -> None:
    for closed in record(tmp_path, source, audio=audio, segments=2):
        assert kinds(Path(closed.path)) == [("video", "h264")], closed.path


def test_what_leaves_the_hub_has_no_audio(tmp_path: Path, source: Path) -> None:
    """Shared and released clips are the masked re-encode (`community/reencode.py`):
    video only, whatever the source carries."""
    out = tmp_path / "public.mp4"
    with (
        av.open(str(source)) as src,
        av.open(str(out), "w", format="mp4", options=CONTAINER_OPTIONS) as sink,
    ):
        encoded = reencode(src, sink, [], RenderLimits(max_seconds=3))
    assert encoded.frames > 0
    assert kinds(out) == [("video", "h264")]


def test_the_owner_may_keep_the_sound_of_what_leaves(tmp_path: Path, source: Path) -> None:
    out = tmp_path / "public.mp4"
    with (
        av.open(str(source)) as src,
        av.open(str(out), "w", format="mp4", options=CONTAINER_OPTIONS) as sink,
    ):
        encoded = reencode(
            src, sink, [], RenderLimits(max_seconds=3), skip_seconds=1.0, keep_audio=True
        )
    assert kinds(out) == [("video", "h264"), ("audio", "aac")]
    video, sound = (float(s["duration"]) for s in probe(out))
    assert abs(video - encoded.duration) < 0.1
    assert abs(video - sound) < 0.2


@pytest.mark.parametrize("keep", [False, True])
def test_a_released_clip_has_sound_only_if_the_owner_keeps_it(
    tmp_path: Path, source: Path, keep: bool
) -> None:
    segments = record(tmp_path, source, audio=True)
    config = parse_config(hub_config(tmp_path / "hub", {"porch": camera(source)}))
    with HubStore(tmp_path / "index.db") as store:
        for seg in segments:
            relative = Path(seg.path).relative_to(tmp_path / RECORDINGS_DIR)
            store.add_segment("porch", relative, seg.start, seg.end, seg.size_bytes)
        pick = ClipPick("porch", segments[0].start + 0.5, segments[1].end - 0.5, keep_audio=keep)
        masked = cut_masked_clip(config, store, tmp_path, pick, tmp_path / "released.mp4")
    assert masked.duration_s > 2
    expected = [("video", "h264"), ("audio", "aac")] if keep else [("video", "h264")]
    assert kinds(masked.path) == expected


@pytest.mark.parametrize("keep", [False, True])
def test_a_shared_clip_has_sound_only_if_the_owner_keeps_it(
    tmp_path: Path, source: Path, keep: bool
) -> None:
    public = render_public_clip(source, [], tmp_path / "shared.mp4", keep_audio=keep)
    expected = [("video", "h264"), ("audio", "aac")] if keep else [("video", "h264")]
    assert kinds(public.path) == expected


@pytest.mark.parametrize("audio", [False, True])
def test_live_view_carries_the_sound_when_recorded(
    tmp_path: Path, source: Path, audio: bool
) -> None:
    sent: list[WorkerMessage] = []
    live = Live("porch", ctypes.c_int(1), sent.append, audio=audio)
    with av.open(str(source)) as container:
        video = container.streams.video[0]
        for packet in container.demux(video, container.streams.audio[0]):
            if not packet.size:
                continue
            if packet.stream.type == "audio":
                live.audio_packet(packet)
            else:
                live.packet(packet)
        live.close()
    codec = next(m.codec for m in sent if isinstance(m, LiveAvailable))
    assert codec is not None
    assert codec.endswith(",mp4a.40.2") is audio
    init = next(m for m in sent if isinstance(m, LiveInit))
    chunks = [m for m in sent if isinstance(m, LiveChunk)]
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    assert chunks[0].keyframe
    assert sum(c.keyframe for c in chunks) == 6  # the 6 s source has a keyframe a second
    joined = tmp_path / "live.mp4"
    joined.write_bytes(init.data + b"".join(c.data for c in chunks))
    expected = [("video", "h264"), ("audio", "aac")] if audio else [("video", "h264")]
    assert kinds(joined) == expected
    if audio:
        video_s, sound_s = (float(s["duration"]) for s in probe(joined))
        assert abs(video_s - sound_s) < 0.3
