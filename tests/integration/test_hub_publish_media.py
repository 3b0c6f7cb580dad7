"""The hub's one re-encode path, on real video: an event clip recorded and remuxed the way
the hub does it, then rendered for the Neighbors feed. Decoded back with PyAV, every frame
is black inside the privacy mask and unchanged outside; timing, faststart and the absence
of any metadata are checked on the file itself."""

from __future__ import annotations

import itertools
import struct
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from frontporch.hub.community.publish import (
    RenderError,
    RenderLimits,
    render_public_clip,
    render_public_snapshot,
)
from frontporch.hub.recording.clips import build_clip
from videotools import decode_counters, make_h264, record_segments

T0 = 1_700_000_000.0
FPS = 15
SIZE = (640, 360)
# The bottom-left quarter: a neighbor's window, say.
MASK = [(0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (0.0, 1.0)]
CAMERA_NAME = b"front-door-cam"
HUB_PATH = b"/home/alice/frontporch-data"


def with_metadata_and_audio(source: Path, target: Path) -> Path:
    """Copy the video of `source` into `target` with telling tags and an AAC track."""
    with av.open(str(source)) as src, av.open(str(target), "w") as out:
        out.metadata.update(
            {
                "title": CAMERA_NAME.decode(),
                "comment": HUB_PATH.decode(),
                "creation_time": "2024-05-01T10:00:00Z",
                "location": "+52.5200+013.4050/",
            }
        )
        video_in = src.streams.video[0]
        video = out.add_stream_from_template(video_in)
        video.metadata["handler_name"] = CAMERA_NAME.decode()
        audio = out.add_stream("aac", rate=16000)
        samples = np.zeros((1, 1024), np.float32)
        for index in range(round(4 * 16000 / 1024)):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 16000, index * 1024, Fraction(1, 16000)
            out.mux(audio.encode(frame))
        out.mux(audio.encode(None))
        for packet in src.demux(video_in):
            if packet.dts is not None:
                packet.stream = video
                out.mux(packet)
    return target


@pytest.fixture(scope="module")
def event_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6 s event clip (H.264 with B-frames), recorded into segments and remuxed."""
    base = tmp_path_factory.mktemp("publish")
    source = make_h264(base / "camera.mp4", seconds=8, fps=FPS, size=SIZE, bframes=2)
    closed = record_segments(source, "front", base / "rec", 3.0, T0)
    clip = build_clip([(s.path, s.start) for s in closed], T0 + 1.0, T0 + 7.0, base / "ev.mp4")
    return with_metadata_and_audio(clip.path, base / "event.mp4")


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


def frames_bgr(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]


def duration_s(path: Path) -> float:
    with av.open(str(path)) as container:
        assert container.duration is not None
        return container.duration / av.time_base


def masked_and_open(frame: np.ndarray, margin: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The masked quarter and the unmasked right half, each clear of the mask's edge."""
    height, width = frame.shape[:2]
    inside = frame[height // 2 + margin :, : width // 2 - margin]
    outside = frame[height // 6 :, width // 2 + margin :]
    return inside, outside


def test_the_public_clip_is_black_inside_the_mask_in_every_frame(
    event_clip: Path, tmp_path: Path
) -> None:
    out = render_public_clip(event_clip, [MASK], tmp_path / "public.mp4")
    frames = frames_bgr(out.path)
    assert len(frames) == out.frames == len(frames_bgr(event_clip))
    for index, frame in enumerate(frames):
        inside, outside = masked_and_open(frame)
        assert inside.mean() < 8, f"frame {index}: the masked area shows something"
        assert outside.mean() > 60, f"frame {index}: the open area went dark"
    # The source's picture, not just its grey, survives outside the mask: the frame
    # numbers drawn along the top read back in the same order.
    assert decode_counters(out.path) == decode_counters(event_clip)
    # The source is untouched: its bottom-left quarter is not black.
    source_inside, _ = masked_and_open(frames_bgr(event_clip)[0])
    assert source_inside.mean() > 60


def test_the_public_clip_keeps_the_timing_and_plays_while_downloading(
    event_clip: Path, tmp_path: Path
) -> None:
    out = render_public_clip(event_clip, [MASK], tmp_path / "public.mp4")
    assert abs(duration_s(out.path) - duration_s(event_clip)) <= 1 / FPS
    assert abs(out.duration - duration_s(event_clip)) <= 1 / FPS
    assert not out.truncated
    boxes = top_level_boxes(out.path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes
    with av.open(str(out.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        times = [float(f.pts * f.time_base) for f in container.decode(stream) if f.key_frame]
    assert times[0] == 0.0
    assert all(0 < later - earlier <= 2.0 + 1e-6 for earlier, later in itertools.pairwise(times))


def test_the_public_clip_carries_no_metadata_and_no_audio(event_clip: Path, tmp_path: Path) -> None:
    with av.open(str(event_clip)) as source:
        assert source.streams.audio, "the test input must have an audio track"
        assert source.metadata.get("title") == CAMERA_NAME.decode()
    out = render_public_clip(event_clip, [], tmp_path / "public.mp4")
    with av.open(str(out.path)) as container:
        assert not container.streams.audio
        assert len(container.streams) == 1
        # The brand fields describe the file format; anything else would be a tag.
        assert set(container.metadata) <= {"major_brand", "minor_version", "compatible_brands"}
        stream_tags = container.streams.video[0].metadata
        assert set(stream_tags) <= {"language", "handler_name", "vendor_id"}
        assert stream_tags.get("handler_name", "VideoHandler") == "VideoHandler"
    data = out.path.read_bytes()
    for telling in (CAMERA_NAME, HUB_PATH, b"2024-05-01", b"+52.5200", b"Lavf", b"x264"):
        assert telling not in data, telling


def test_long_clips_are_cut_and_large_ones_downscaled(event_clip: Path, tmp_path: Path) -> None:
    limits = RenderLimits(max_seconds=2.0, max_side=500)
    out = render_public_clip(event_clip, [MASK], tmp_path / "public.mp4", limits=limits)
    assert out.truncated
    assert abs(duration_s(out.path) - 2.0) <= 1 / FPS
    frames = frames_bgr(out.path)
    assert len(frames) == 2 * FPS
    height, width = frames[0].shape[:2]
    assert (width, height) == (out.width, out.height) == (500, 282)  # even sides
    for frame in frames:
        inside, outside = masked_and_open(frame)
        assert inside.mean() < 8
        assert outside.mean() > 60


def test_an_unreadable_clip_is_an_error_that_leaves_no_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    target = tmp_path / "out" / "public.mp4"
    with pytest.raises(RenderError, match=r"cannot read the event's clip broken\.mp4.*snapshot"):
        render_public_clip(broken, [MASK], target)
    assert not target.exists()
    assert not list(tmp_path.rglob("*.part"))


DISK_FULL = """
import resource, signal, sys
from pathlib import Path
from frontporch.hub.community.publish import RenderError, render_public_clip

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    render_public_clip(Path(sys.argv[1]), [], Path(sys.argv[2]))
except RenderError as exc:
    print(exc)
    sys.exit(3)
"""


def test_a_full_disk_is_an_error_that_leaves_no_partial_file(
    event_clip: Path, tmp_path: Path
) -> None:
    target = tmp_path / "public.mp4"
    result = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(event_clip), str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert "cannot write the public copy" in result.stdout
    assert "free some disk space" in result.stdout
    assert list(tmp_path.iterdir()) == []


def jpeg_with_exif(image: np.ndarray, secret: bytes) -> bytes:
    """A JPEG with an APP1 Exif segment whose ImageDescription holds `secret`."""
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    text = secret + b"\x00"
    # TIFF header (little endian), one IFD entry: ImageDescription (0x010E), ASCII.
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x010E, 2, len(text), 26) + b"\0\0\0\0"
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd + text
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    data = bytes(encoded)
    return data[:2] + app1 + data[2:]


def test_the_public_snapshot_is_masked_and_has_no_exif(tmp_path: Path) -> None:
    picture = np.full((360, 640, 3), 140, np.uint8)
    picture[200:300, 40:200] = (30, 200, 240)  # something inside the mask
    snapshot = tmp_path / "snap.jpg"
    snapshot.write_bytes(jpeg_with_exif(picture, CAMERA_NAME))
    assert CAMERA_NAME in snapshot.read_bytes()
    data = render_public_snapshot(snapshot, [MASK])
    assert data[:2] == b"\xff\xd8"
    assert b"Exif" not in data
    assert CAMERA_NAME not in data
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == picture.shape
    inside, outside = masked_and_open(decoded)
    assert inside.mean() < 8
    assert abs(outside.mean() - 140) < 4


def test_a_snapshot_without_masks_is_still_re_encoded(tmp_path: Path) -> None:
    picture = np.full((90, 160, 3), 140, np.uint8)
    snapshot = tmp_path / "snap.jpg"
    snapshot.write_bytes(jpeg_with_exif(picture, CAMERA_NAME))
    data = render_public_snapshot(snapshot, [])
    assert CAMERA_NAME not in data
    assert b"Exif" not in data


def test_a_frame_can_be_shared_as_a_snapshot_and_large_ones_shrink() -> None:
    frame = np.full((1440, 2560, 3), 140, np.uint8)
    data = render_public_snapshot(frame, [MASK])
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (720, 1280, 3)
    inside, outside = masked_and_open(decoded)
    assert inside.mean() < 8
    assert outside.mean() > 130


def test_an_unreadable_snapshot_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "snap.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(RenderError, match="not a readable image"):
        render_public_snapshot(bad, [MASK])
    with pytest.raises(RenderError, match="cannot read the snapshot"):
        render_public_snapshot(tmp_path / "gone.jpg", [MASK])
