"""Off-site backup cost: CPU and throughput per hour of 1080p footage, against a plain upload.

The cached 1080p scene (at the camera-like bitrate) is recorded by stream copy into
10 s segments in a scratch hub storage and indexed in a real hub index. A backup
pass in `continuous` mode (`BackupDesk.run_pass`: hash, pad, age-encrypt, PUT, write
the index, list and sweep) sends every segment to moto's S3 server on a local port;
the baseline, in the same run and process, reads each segment file and sends its
bytes with a plain boto3 `put_object` to another bucket on the same server.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.isolate import in_child, timed
from bench.result import Result, best, median, ratio
from bench.videos import CAMERA_LIKE_CRF, RESULTS, bitrate_mbit_s, ensure, scene_1080p

NAME = "backup"
TITLE = "Off-site backup (encrypted, padded) vs a plain upload"
SEGMENT_S = 10.0
WALL_START = 1_767_225_600.0
TARGET_PERCENT = 1.0  # of one core per camera, as recording itself
ACCESS_KEY_ID = "AKIAFRONTPORCHBENCH1"
SECRET = "frontporch-bench-secret-key-not-real-000"  # moto accepts any key
METHOD = f"""\
- Input: the 1080p15 `porch` scene at CRF {CAMERA_LIKE_CRF} (about 5 Mbit/s, like a
  camera's main stream), recorded by stream copy into {SEGMENT_S:g} s segments in a
  scratch hub storage and indexed in a real hub index (SQLite).
- Figure: one backup pass in `continuous` mode (`BackupDesk.run_pass`): every segment
  hashed (sha256), padded to its size bucket, age-encrypted to a recovery recipient
  and PUT under a random key; then the encrypted index is written and the bucket
  listed for the sweep. Baseline, same run: each segment file read and sent with a
  plain boto3 `put_object` to another bucket.
- Target: moto's S3 server on 127.0.0.1, in the parent process, so its CPU is not in
  the figures (both sides pay the same server). The measuring process is pinned to one
  core; CPU is `time.process_time()` (all its threads), median of interleaved repeats,
  given as CPU seconds per hour of footage. Throughput is footage bytes ÷ wall time.
  Target: backing a camera up costs ≤ {TARGET_PERCENT:g}% of one core (≤ {TARGET_PERCENT * 36:g}
  CPU s per hour of footage), like recording it; the ratio to the plain upload is
  what encryption, padding, hashing and the index add."""


def _record(source: str, root: Path) -> int:
    import av

    from frontporch.hub.recording.segments import SegmentInfo, SegmentWriter
    from frontporch.hub.store.index import HubStore

    closed: list[SegmentInfo] = []
    recordings = root / "recordings"
    with av.open(source) as container:
        stream = container.streams.video[0]
        writer = SegmentWriter("front", recordings, stream, SEGMENT_S, closed.append)
        for packet in container.demux(stream):
            if packet.size and packet.dts is not None and stream.time_base is not None:
                writer.write(packet, WALL_START + float(packet.dts * stream.time_base))
        writer.close()
    with HubStore(root / "hub.db") as store:
        for info in closed:
            rel = Path(info.path).relative_to(recordings).as_posix()
            store.add_segment("front", rel, info.start, info.end, info.size_bytes)
    return sum(info.size_bytes for info in closed)


def _client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET,
        config=Config(s3={"addressing_style": "path"}),
    )


def _backup_pass(root: Path, endpoint: str, bucket: str) -> dict[str, Any]:
    import os

    from frontporch.hub.backup.service import BackupDesk
    from frontporch.hub.config import parse_config
    from frontporch.hub.store.index import HubStore

    os.environ["FRONTPORCH_BACKUP_S3_SECRET"] = SECRET
    config = parse_config(
        {
            "storage": {"path": str(root)},
            "cameras": {"front": {"inputs": [{"url": "/dev/null"}]}},
            "backup": {
                "enabled": True,
                "mode": "continuous",
                "days": 30,
                "target": {
                    "type": "s3",
                    "endpoint_url": endpoint,
                    "bucket": bucket,
                    "path_style": True,
                    "access_key_id": ACCESS_KEY_ID,
                },
            },
        }
    )
    with HubStore(root / "hub.db") as store:
        desk = BackupDesk(config, store, root, clock=lambda: WALL_START + 3600)
        key = desk.new_key()
        desk.confirm_key(key.recipient)  # a fresh key: everything is uploaded again
        desk.target()  # the running hub makes its client once, not per pass
        with timed() as span:
            run = desk.run_pass()
        assert run is not None
        assert run.error is None, run.error
    return {"cpu": span.cpu, "wall": span.wall, "sent": run.uploaded_bytes, "items": run.uploaded}


def _plain_upload(root: Path, endpoint: str, bucket: str) -> dict[str, Any]:
    client = _client(endpoint)
    files = sorted((root / "recordings").rglob("*.mp4"))
    sent = 0
    with timed() as span:
        for path in files:
            data = path.read_bytes()
            client.put_object(Bucket=bucket, Key=path.name, Body=data)
            sent += len(data)
    return {"cpu": span.cpu, "wall": span.wall, "sent": sent, "items": len(files)}


def _series(source: str, endpoint: str, repeats: int) -> dict[str, Any]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="backup-", dir=RESULTS))
    try:
        footage = _record(source, scratch)
        client = _client(endpoint)
        runs: dict[str, list[dict[str, Any]]] = {"backup": [], "plain": []}
        for index in range(repeats):
            for kind in ("plain", "backup"):
                bucket = f"bench-{kind}-{index}"
                client.create_bucket(Bucket=bucket)
                if kind == "plain":
                    runs[kind].append(_plain_upload(scratch, endpoint, bucket))
                else:
                    runs[kind].append(_backup_pass(scratch, endpoint, bucket))
        return {"footage": footage, "runs": runs}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(quick: bool) -> list[Result]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

    video = scene_1080p(quick, CAMERA_LIKE_CRF)
    path = ensure(video)
    repeats = 2 if quick else 5
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        data = in_child(_series, str(path), f"http://{host}:{port}", repeats, one_core=True)
    finally:
        server.stop()
    return _rows(video.duration_s, bitrate_mbit_s(video), video.label, data, repeats)


def _rows(
    duration_s: float, mbit_s: float, label: str, data: dict[str, Any], repeats: int
) -> list[Result]:
    runs = data["runs"]
    footage = data["footage"]
    per_hour = 3600.0 / duration_s

    def cpu(kind: str, pick: Any = median) -> float:
        return float(pick([r["cpu"] for r in runs[kind]])) * per_hour

    def throughput(kind: str, pick: Any = median) -> float:
        return footage / float(pick([r["wall"] for r in runs[kind]])) / 1e6

    backup_cpu, plain_cpu = cpu("backup"), cpu("plain")
    sent = runs["backup"][0]["sent"]
    notes = (
        f"{label} at {mbit_s:.1f} Mbit/s; {runs['backup'][0]['items']} segments, "
        f"{footage / 1e6:.1f} MB of footage sent as {sent / 1e6:.1f} MB of padded, "
        f"encrypted objects (+{(sent / footage - 1) * 100:.0f}%) plus the index"
    )
    raw = {"video": label, "footage_bytes": footage, "runs": runs}
    return [
        Result(
            name="backup CPU per hour of 1080p footage, vs a plain upload",
            figure=backup_cpu,
            unit="CPU s / hour of video",
            baseline=plain_cpu,
            baseline_unit="CPU s (plain put_object)",
            ratio=ratio(backup_cpu, plain_cpu),
            target=f"≤ {TARGET_PERCENT * 36:g} CPU s / hour (≤ {TARGET_PERCENT:g}% of a core)",
            passed=backup_cpu <= TARGET_PERCENT * 36,
            notes=notes,
            repeats=repeats,
            figure_best=cpu("backup", best),
            baseline_best=cpu("plain", best),
            raw=raw,
        ),
        Result(
            name="backup throughput (footage MB/s), vs a plain upload",
            figure=throughput("backup"),
            unit="MB/s",
            baseline=throughput("plain"),
            baseline_unit="MB/s (plain put_object)",
            ratio=ratio(throughput("backup"), throughput("plain")),
            target="reported",
            passed=None,
            notes="wall time on one core against a local moto S3 server (Python), "
            "so both figures are bounded by the server",
            repeats=repeats,
            figure_best=throughput("backup", max),
            baseline_best=throughput("plain", max),
        ),
    ]
