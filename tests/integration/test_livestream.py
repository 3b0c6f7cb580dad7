"""Live remux to fragmented MP4 on real H.264 files: boxes, frames, timestamps, codecs."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import av
import pytest

from frontporch.hub.live.muxer import (
    DEFAULT_CODEC,
    Box,
    BoxSplitter,
    Fragment,
    LiveMuxer,
    codec_string,
)
from videotools import make_h264, read_counter

FPS = 15


def iter_boxes(data: bytes, start: int = 0, end: int | None = None) -> list[Box]:
    """The boxes in data[start:end], by an independent reading of ISO/IEC 14496-12 §4.2
    (32-bit sizes only: the muxer writes nothing larger here)."""
    end = len(data) if end is None else end
    boxes = []
    while start < end:
        size, kind = struct.unpack_from(">I4s", data, start)
        assert 8 <= size <= end - start, (kind, size)
        boxes.append(Box(kind.decode(), start, start + size))
        start += size
    return boxes


def _children(data: bytes, parent: Box) -> list[Box]:
    return iter_boxes(data, parent.start + 8, parent.end)


def _find(data: bytes, path: list[str]) -> Box:
    """The box at `path` (e.g. moov/trak/mdia, containers all but the last) in `data`."""
    boxes = list(iter_boxes(data))
    for depth, kind in enumerate(path):
        found = next((b for b in boxes if b.type == kind), None)
        assert found is not None, f"no {kind} in {[b.type for b in boxes]}"
        if depth == len(path) - 1:
            return found
        boxes = _children(data, found)
    raise AssertionError("empty path")


def _remux(source: Path, keyframes_only_from: int = 0) -> tuple[bytes, list[Fragment]]:
    """Remux `source` from its first keyframe at or after packet `keyframes_only_from`."""
    fragments: list[Fragment] = []
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        muxer = LiveMuxer(stream)
        started = False
        for index, packet in enumerate(container.demux(stream)):
            if not packet.size or index < keyframes_only_from:
                continue
            started = started or packet.is_keyframe
            if started:
                fragments += muxer.add(packet)
        fragments += muxer.close()
    assert muxer.init is not None
    return muxer.init, fragments


def _decode(data: bytes, tmp_path: Path) -> list[tuple[int, float]]:
    """(counter, pts seconds) of every frame of an MP4 byte string."""
    path = tmp_path / "joined.mp4"
    path.write_bytes(data)
    with av.open(str(path)) as container:
        return [
            (read_counter(frame.to_ndarray(format="gray")), float(frame.time))
            for frame in container.decode(video=0)
        ]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264(tmp_path_factory.mktemp("live") / "clip.mp4", seconds=3, fps=FPS)


def test_init_segment_is_ftyp_and_an_empty_moov(clip: Path) -> None:
    init, _ = _remux(clip)
    assert [b.type for b in iter_boxes(init)] == ["ftyp", "moov"]
    assert _find(init, ["moov", "mvex", "trex"])  # fragments follow (§8.8.1)
    stbl = _find(init, ["moov", "trak", "mdia", "minf", "stbl"])
    stsz = next(b for b in _children(init, stbl) if b.type == "stsz")
    sample_count = struct.unpack_from(">I", init, stsz.start + 16)[0]
    assert sample_count == 0  # the samples are all in fragments


def test_each_fragment_is_one_frame_in_moof_and_mdat(clip: Path) -> None:
    _, fragments = _remux(clip)
    assert len(fragments) == 3 * FPS
    for fragment in fragments:
        boxes = list(iter_boxes(fragment.data))
        assert [b.type for b in boxes] == ["moof", "mdat"]
        trun = _find(fragment.data, ["moof", "traf", "trun"])
        assert struct.unpack_from(">I", fragment.data, trun.start + 12)[0] == 1
    # make_h264 puts a keyframe every second.
    assert [i for i, f in enumerate(fragments) if f.keyframe] == [0, FPS, 2 * FPS]


def test_init_plus_fragments_decode_to_every_frame_in_order(clip: Path, tmp_path: Path) -> None:
    init, fragments = _remux(clip)
    frames = _decode(init + b"".join(f.data for f in fragments), tmp_path)
    assert [counter for counter, _ in frames] == list(range(3 * FPS))
    assert [t for _, t in frames] == pytest.approx([i / FPS for i in range(3 * FPS)], abs=1e-3)


def test_a_viewer_joining_later_starts_at_a_keyframe_at_time_zero(
    clip: Path, tmp_path: Path
) -> None:
    init, fragments = _remux(clip, keyframes_only_from=20)
    frames = _decode(init + b"".join(f.data for f in fragments), tmp_path)
    assert [counter for counter, _ in frames] == list(range(2 * FPS, 3 * FPS))
    assert frames[0][1] == pytest.approx(0.0)


def test_b_frames_keep_their_order_and_times(tmp_path: Path) -> None:
    source = make_h264(tmp_path / "b.mp4", seconds=2, fps=FPS, bframes=2)
    init, fragments = _remux(source)
    frames = sorted(
        _decode(init + b"".join(f.data for f in fragments), tmp_path), key=lambda f: f[1]
    )
    assert [counter for counter, _ in frames] == list(range(2 * FPS))
    steps = {round((b - a) * FPS, 3) for (_, a), (_, b) in itertools.pairwise(frames)}
    assert steps == {1.0}


def test_repeated_and_missing_timestamps_still_increase(clip: Path, tmp_path: Path) -> None:
    fragments: list[Fragment] = []
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        muxer = LiveMuxer(stream)
        for index, packet in enumerate(container.demux(stream)):
            if not packet.size:
                continue
            if index == 5:
                packet.pts = packet.dts = None
            elif index in (6, 7):
                packet.pts = packet.dts = 6 * 1024  # a camera repeating a timestamp
            fragments += muxer.add(packet)
        fragments += muxer.close()
    assert muxer.init is not None
    frames = _decode(muxer.init + b"".join(f.data for f in fragments), tmp_path)
    assert [counter for counter, _ in frames] == list(range(3 * FPS))
    times = [t for _, t in frames]
    assert all(b > a for a, b in itertools.pairwise(times))


def test_the_callers_packet_is_left_alone(clip: Path) -> None:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        packet = next(p for p in container.demux(stream) if p.size)
        before = (packet.pts, packet.dts, packet.time_base, packet.stream, bytes(packet))
        LiveMuxer(stream).add(packet)
        assert (packet.pts, packet.dts, packet.time_base, packet.stream, bytes(packet)) == before


def test_a_stream_must_start_at_a_keyframe(clip: Path) -> None:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.size]
        with pytest.raises(ValueError, match="keyframe"):
            LiveMuxer(stream).add(packets[1])


def test_box_splitter_joins_pieces_and_waits_for_whole_boxes() -> None:
    ftyp = struct.pack(">I4s", 12, b"ftyp") + b"isom"
    large = struct.pack(">I4sQ", 1, b"mdat", 20) + b"abcd"
    splitter = BoxSplitter()
    stream = ftyp + large
    got: list[tuple[str, bytes]] = []
    for i in range(0, len(stream), 5):
        got += splitter.feed(stream[i : i + 5])
    assert got == [("ftyp", ftyp), ("mdat", large)]
    with pytest.raises(ValueError, match="bad box size"):
        BoxSplitter().feed(struct.pack(">I4s", 4, b"oops"))


def test_codec_string_of_the_test_files_avcc(clip: Path) -> None:
    with av.open(str(clip)) as container:
        extradata = container.streams.video[0].codec_context.extradata
    # x264's ultrafast preset at 320x240: Constrained Baseline (42 C0), level 1.2 (0C).
    assert codec_string(extradata) == "avc1.42C00C"


def test_codec_string_of_known_profiles_and_levels() -> None:
    high_31 = bytes([1, 0x64, 0x00, 0x1F, 0xFF, 0xE1])  # avcC, High, level 3.1
    assert codec_string(high_31) == "avc1.64001F"
    main_40 = bytes([1, 0x4D, 0x40, 0x28])
    assert codec_string(main_40) == "avc1.4D4028"


def test_codec_string_of_annexb_parameter_sets() -> None:
    # An RTSP camera's extradata: SPS and PPS after 4- and 3-byte start codes. The SPS
    # (High, constraint 0x00, level 4.0) is preceded by an AUD-like unit to skip.
    sps = bytes([0x67, 0x64, 0x00, 0x28, 0xAC, 0xD9, 0x40, 0x78])
    pps = bytes([0x68, 0xEE, 0x3C, 0x80])
    data = b"\x00\x00\x00\x01\x09\xf0" + b"\x00\x00\x00\x01" + sps + b"\x00\x00\x01" + pps
    assert codec_string(data) == "avc1.640028"


def test_codec_string_falls_back_when_unreadable() -> None:
    assert codec_string(None) == DEFAULT_CODEC
    assert codec_string(b"") == DEFAULT_CODEC
    assert codec_string(b"\x00\x00\x01\x68\xee") == DEFAULT_CODEC  # a PPS, no SPS
    assert codec_string(b"\x00\x00\x01\x67\x64") == DEFAULT_CODEC  # a truncated SPS
