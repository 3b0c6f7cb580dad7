"""SegmentWriter: stream copy into keyframe-aligned MP4 segments, and what happens when
the disk fails under it."""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import av
import pytest

from frontporch.hub.recording.segments import RecordError, SegmentInfo, SegmentWriter
from videotools import decode_counters, make_h264

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
FPS = 15


@pytest.fixture(scope="module", params=[0, 2], ids=["no-bframes", "bframes"])
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("src") / "source.mp4"
    return make_h264(path, seconds=12, fps=FPS, size=(320, 240), gop_s=1.0, bframes=request.param)


def record(
    source: Path, root: Path, segment_s: float, skip: int = 0
) -> tuple[list[SegmentInfo], list[str], SegmentWriter]:
    """Feed `source`'s packets (after the first `skip`) through a writer, wall clock
    T0 + pts; return the closed segments and any RecordError messages."""
    segments: list[SegmentInfo] = []
    errors: list[str] = []
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        writer = SegmentWriter("cam", root, stream, segment_s, segments.append)
        for index, packet in enumerate(container.demux(stream)):
            if index < skip or packet.pts is None:
                continue
            try:
                writer.write(packet, T0 + float(packet.pts * packet.time_base))
            except RecordError as exc:
                errors.append(str(exc))
        writer.close()
    return segments, errors, writer


def first_packet_is_keyframe(path: Path) -> bool:
    with av.open(str(path)) as container:
        return next(container.demux(video=0)).is_keyframe


def ffprobe_duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


@pytest.mark.ffprobe
def test_segments_start_with_keyframes_and_keep_every_frame(source: Path, tmp_path: Path) -> None:
    segments, errors, _ = record(source, tmp_path, segment_s=4.0)

    assert errors == []
    assert [round(s.start - T0, 3) for s in segments] == [0.0, 4.0, 8.0]
    frames: list[int] = []
    for segment in segments:
        assert segment.path.suffix == ".mp4"
        assert segment.path.exists()
        assert first_packet_is_keyframe(segment.path)
        assert segment.duration == pytest.approx(4.0, abs=1e-3)
        assert ffprobe_duration(segment.path) == pytest.approx(4.0, abs=0.01)
        assert segment.frames == 60
        assert segment.size_bytes == segment.path.stat().st_size
        frames += decode_counters(segment.path)
    assert frames == list(range(12 * FPS))
    assert not list(tmp_path.rglob("*.part"))


def test_layout_is_camera_date_hour_unix_start(source: Path, tmp_path: Path) -> None:
    segments, _, _ = record(source, tmp_path, segment_s=4.0)

    assert segments[0].path.relative_to(tmp_path) == Path("cam/2023-11-14/22/1700000000.mp4")


def test_segments_split_at_first_keyframe_after_target(source: Path, tmp_path: Path) -> None:
    segments, _, _ = record(source, tmp_path, segment_s=2.5)

    # Keyframes every second: 2.5 s of video ends at the keyframe at 3 s.
    assert [round(s.start - T0, 3) for s in segments] == [0.0, 3.0, 6.0, 9.0]


def test_packets_before_the_first_keyframe_are_dropped(source: Path, tmp_path: Path) -> None:
    segments, _, writer = record(source, tmp_path, segment_s=4.0, skip=1)

    assert writer.dropped == FPS - 1
    assert round(segments[0].start - T0, 3) == 1.0
    assert decode_counters(segments[0].path)[0] == FPS


def test_missing_and_repeated_camera_timestamps_are_repaired(tmp_path: Path) -> None:
    source = make_h264(tmp_path / "src.mp4", seconds=3, fps=FPS, gop_s=1.0)
    segments: list[SegmentInfo] = []
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        writer = SegmentWriter("cam", tmp_path / "rec", stream, 10.0, segments.append)
        packets = [p for p in container.demux(stream) if p.size]
        for index, packet in enumerate(packets):
            wall = T0 + index / FPS
            if index % 7 == 3:
                packet.pts = packet.dts = None  # a camera that sent no timestamp
            elif index % 5 == 2:
                packet.dts = packet.pts = (packet.dts or 0) - 1024  # repeats the previous
            writer.write(packet, wall)
        writer.close()

    with av.open(str(segments[0].path)) as container:
        dts = [p.dts for p in container.demux(video=0) if p.dts is not None]
    assert all(b > a for a, b in itertools.pairwise(dts))
    assert decode_counters(segments[0].path) == list(range(3 * FPS))


def test_disk_full_mid_segment_loses_only_that_segment(source: Path, tmp_path: Path) -> None:
    hour = tmp_path / "cam/2023-11-14/22"
    hour.mkdir(parents=True)
    # The second segment's file is /dev/full: every write fails with ENOSPC.
    os.symlink("/dev/full", hour / "1700000004.mp4.part")

    segments, errors, _ = record(source, tmp_path, segment_s=4.0)

    assert len(errors) == 1
    assert "No space left on device" in errors[0]
    assert "that segment is lost" in errors[0]
    assert segments[0].path.name == "1700000000.mp4"
    assert decode_counters(segments[0].path) == list(range(60))
    # Recording resumed at the next keyframe after the failure.
    assert [round(s.start - T0) for s in segments[1:]] == [5, 9]
    assert not list(tmp_path.rglob("*.part"))


def test_a_folder_that_cannot_be_created_is_reported_and_skipped(
    source: Path, tmp_path: Path
) -> None:
    (tmp_path / "cam").mkdir()
    (tmp_path / "cam" / "2023-11-14").write_text("a file where a folder should be")

    segments, errors, writer = record(source, tmp_path, segment_s=4.0)

    assert segments == []
    assert errors
    assert "cannot start a segment" in errors[0]
    assert writer.dropped > 0


def test_camera_names_that_are_not_safe_folder_names_are_refused(
    source: Path, tmp_path: Path
) -> None:
    with av.open(str(source)) as container, pytest.raises(ValueError, match="folder name"):
        SegmentWriter("../etc", tmp_path, container.streams.video[0], 4.0, print)
