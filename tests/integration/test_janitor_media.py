"""The janitor on real encoded segments: crash leftovers reconciled and probed with PyAV."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from frontporch.hub.capture.filesource import probe_duration
from frontporch.hub.recording.janitor import (
    ReconcileReport,
    reconcile,
)
from frontporch.hub.store.index import HubStore
from recordings_tools import add_fake, rel_path, write_fake

NOW = 1_714_600_000.0


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "recordings"
    path.mkdir()
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as hub_store:
        yield hub_store


def write_h264(path: Path, seconds: int = 2, fps: int = 10) -> None:
    """A real, small H.264 MP4: what the recorder leaves behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        for i in range(seconds * fps):
            image = np.full((120, 160, 3), (i * 7) % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def test_crash_leftovers_are_reconciled(store: HubStore, root: Path) -> None:
    start = NOW - 3600
    kept = add_fake(store, root, "front", start)
    part = write_fake(root, rel_path("front", start + 10) + ".part")
    orphan_rel = rel_path("back", start + 20)
    write_h264(root / orphan_rel)
    junk_rel = rel_path("back", start + 30)
    write_fake(root, junk_rel)  # complete name, not a video: deleted
    stale = store.add_segment("side", rel_path("side", start), start, start + 10, 5)
    empty_dir = root / "old" / "2024-01-01" / "00"
    empty_dir.mkdir(parents=True)
    (root / "lost+found").mkdir()  # a filesystem's own directory: not ours to remove

    report = reconcile(store, root)

    assert report == ReconcileReport(
        parts_removed=1,
        orphans_indexed=1,
        unreadable_removed=1,
        stale_rows_removed=1,
        dirs_removed=3,
    )
    assert not part.exists()
    assert not (root / junk_rel).exists()
    assert not (root / "old").exists()
    rows = {s.path: s for s in store.all_segments()}
    assert set(rows) == {kept.path, orphan_rel}
    assert stale.path not in rows
    orphan = rows[orphan_rel]
    assert orphan.camera == "back"
    assert orphan.start == int(start + 20)
    assert orphan.end - orphan.start == pytest.approx(2.0, abs=0.11)
    assert orphan.size_bytes == (root / orphan_rel).stat().st_size
    # Consistent now: every row has its file, every segment file has its row.
    assert (root / "lost+found").is_dir()
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert on_disk == set(rows)
    assert reconcile(store, root) == ReconcileReport()


def test_probe_reads_a_real_segment_and_rejects_junk(root: Path) -> None:
    write_h264(root / "a.mp4", seconds=3)
    (root / "b.mp4").write_bytes(b"not a video at all")
    assert probe_duration(root / "a.mp4") == pytest.approx(3.0, abs=0.11)
    assert probe_duration(root / "b.mp4") is None
