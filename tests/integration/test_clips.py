"""build_clip: recorded segments joined by remux into one browser-playable MP4."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from frontporch.hub.recording.clips import ClipError, build_clip, covering
from videotools import decode_counters, make_h264, record_segments

T0 = 1_700_000_000.0
FPS = 15
GOP_S = 1.0


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, float]]:
    """Three 4 s segments of a 12 s source with B-frames, recorded from T0."""
    base = tmp_path_factory.mktemp("clips")
    source = make_h264(base / "source.mp4", seconds=12, fps=FPS, gop_s=GOP_S, bframes=2)
    return [(s.path, s.start) for s in record_segments(source, "cam", base / "rec", 4.0, T0)]


def top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("ascii"))
        offset += size if size else len(data)
    return boxes


def ffprobe_duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def test_covering_picks_the_segment_holding_the_start_and_those_inside() -> None:
    segs = [(Path(f"{i}.mp4"), float(i * 10)) for i in range(5)]

    assert covering(segs, 15.0, 31.0) == [1, 2, 3]
    assert covering(segs, 100.0, 120.0) == [4]
    assert covering(segs, -20.0, -10.0) == []


@pytest.mark.ffprobe
def test_clip_across_three_segments(segments: list[tuple[Path, float]], tmp_path: Path) -> None:
    start, end = T0 + 1.5, T0 + 10.2

    info = build_clip(segments, start, end, tmp_path / "clip.mp4")

    assert start - GOP_S <= info.start <= start
    assert info.end >= end
    assert info.duration == pytest.approx(end - start, abs=GOP_S)
    assert info.size == info.path.stat().st_size
    assert info.warnings == ()
    frames = decode_counters(info.path)  # decodes every frame; raises on a broken one
    assert frames == list(range(frames[0], frames[-1] + 1))
    assert frames[0] <= 1.5 * FPS
    assert frames[-1] >= 10.2 * FPS - 1
    boxes = top_level_boxes(info.path)
    assert boxes.index("moov") < boxes.index("mdat")  # faststart: playable while loading
    assert ffprobe_duration(info.path) == pytest.approx(info.duration, abs=0.05)
    assert not (tmp_path / "clip.mp4.part").exists()


def test_clip_on_segment_boundaries_has_no_hole(
    segments: list[tuple[Path, float]], tmp_path: Path
) -> None:
    info = build_clip(segments, T0 + 4.0, T0 + 8.0, tmp_path / "clip.mp4")

    frames = decode_counters(info.path)
    assert frames == list(range(4 * FPS, 8 * FPS + 1))


@pytest.mark.ffprobe
def test_a_gap_in_the_recording_makes_a_shorter_clip(
    segments: list[tuple[Path, float]], tmp_path: Path
) -> None:
    with_gap = [segments[0], segments[2]]  # the middle 4 s were never recorded

    info = build_clip(with_gap, T0 + 1.0, T0 + 11.0, tmp_path / "clip.mp4")

    assert any("4.0 s missing" in w for w in info.warnings)
    frames = decode_counters(info.path)
    assert frames == list(range(15, 60)) + list(range(120, 11 * FPS + 1))
    assert info.duration == pytest.approx(len(frames) / FPS, abs=0.01)
    assert ffprobe_duration(info.path) == pytest.approx(info.duration, abs=0.05)


def test_a_corrupt_segment_in_the_middle_is_skipped_with_a_warning(
    segments: list[tuple[Path, float]], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00garbage" * 500)
    with_broken = [segments[0], (broken, segments[1][1]), segments[2]]

    info = build_clip(with_broken, T0, T0 + 12.0, tmp_path / "clip.mp4")

    assert any("broken.mp4" in w for w in info.warnings)
    assert decode_counters(info.path) == list(range(60)) + list(range(120, 180))


def test_no_segments_in_the_window_is_an_error(
    segments: list[tuple[Path, float]], tmp_path: Path
) -> None:
    with pytest.raises(ClipError, match="no recording between"):
        build_clip(segments, T0 - 100, T0 - 50, tmp_path / "clip.mp4")
    with pytest.raises(ClipError, match="no recording between"):
        build_clip([], T0, T0 + 5, tmp_path / "clip.mp4")
    with pytest.raises(ClipError, match="empty"):
        build_clip(segments, T0 + 5, T0 + 5, tmp_path / "clip.mp4")
    assert not list(tmp_path.iterdir())


def test_only_unreadable_segments_is_an_error(
    segments: list[tuple[Path, float]], tmp_path: Path
) -> None:
    missing = tmp_path / "gone.mp4"
    copied = tmp_path / "copy.mp4"
    shutil.copy(segments[0][0], copied)
    copied.write_bytes(copied.read_bytes()[:100])

    with pytest.raises(ClipError, match="no usable video") as raised:
        build_clip([(missing, T0), (copied, T0 + 4)], T0, T0 + 6, tmp_path / "clip.mp4")

    assert "gone.mp4" in str(raised.value)
    assert not (tmp_path / "clip.mp4").exists()
    assert not (tmp_path / "clip.mp4.part").exists()
