"""The stolen-hub story end to end: a hub's real recordings and events are backed up to
an S3 server (moto's), the storage is deleted, and `frontporch backup restore` on an
empty storage brings back every event clip and segment in the policy byte for byte;
the restored index lists them and the clip plays. What the bucket holds reveals
nothing without the key, and a wrong key is refused with a clear message."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import av
import pyrage
import pytest
import yaml

from frontporch.hub.backup.crypt import MIB, SMALL_BUCKETS, WrongKey, open_sealed
from frontporch.hub.backup.index import INDEX_KEY
from frontporch.hub.backup.service import BackupDesk
from frontporch.hub.config import load_config
from frontporch.hub.services.event_media import event_clip
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import RECORDINGS_DIR
from hubtools import run_cli
from s3_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server, s3_server
from videotools import make_h264, record_segments

T0 = 1_717_400_000.0


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    yield from s3_server()


def write_hub_config(tmp_path: Path, root: Path, s3: S3Server, bucket: str) -> Path:
    secret = tmp_path / "s3-secret"
    secret.write_text(SECRET_ACCESS_KEY)
    raw = {
        "storage": {"path": str(root)},
        "cameras": {
            name: {
                "inputs": [{"url": f"/videos/{name}.mp4"}],
                "events": {"pre_capture_s": 1, "post_capture_s": 1},
            }
            for name in ("front", "back")
        },
        "backup": {
            "enabled": True,
            "mode": "events",
            "days": 3650,
            "target": {
                "type": "s3",
                "endpoint_url": s3.endpoint_url,
                "bucket": bucket,
                "prefix": "hub-one",
                "path_style": True,
                "access_key_id": ACCESS_KEY_ID,
                "secret_access_key_file": str(secret),
            },
        },
    }
    path = tmp_path / "hub.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def record(store: HubStore, root: Path, camera: str, source: Path, start: float) -> list[str]:
    recordings = root / RECORDINGS_DIR
    paths = []
    for info in record_segments(source, camera, recordings, 2.0, start):
        rel = Path(info.path).relative_to(recordings).as_posix()
        store.add_segment(camera, rel, info.start, info.end, info.size_bytes)
        paths.append(rel)
    return paths


@pytest.fixture
def hub(tmp_path: Path, s3: S3Server) -> tuple[Path, Path, dict[str, bytes]]:
    """A hub's storage with recordings of two cameras, two events with clips and
    snapshots on 'front', one on 'back'; its config; the in-policy files by path."""
    root = tmp_path / "storage"
    root.mkdir()
    config_file = write_hub_config(tmp_path, root, s3, s3.new_bucket())
    config = load_config(config_file)
    source = make_h264(tmp_path / "source.mp4", seconds=20, size=(320, 240))
    with HubStore(root / "hub.db") as store:
        record(store, root, "front", source, T0)
        record(store, root, "back", source, T0)
        for event_id, camera, start, end in (
            ("ev-front-1", "front", T0 + 3, T0 + 5),
            ("ev-front-2", "front", T0 + 12, T0 + 14),
            ("ev-back-1", "back", T0 + 7, T0 + 8),
        ):
            store.upsert_event(
                event_id, camera=camera, labels=["person"], top_score=0.9, start=start, end=end
            )
            snapshot = root / f"snapshots/{event_id}.jpg"
            snapshot.parent.mkdir(exist_ok=True)
            snapshot.write_bytes(b"\xff\xd8" + event_id.encode() + b"\xff\xd9")
            snapshot.with_name(f"{event_id}.clean.jpg").write_bytes(b"\xff\xd8clean\xff\xd9")
            store.set_event_media(event_id, snapshot=f"snapshots/{event_id}.jpg")
            if camera == "front":
                event_clip(store, root, config.cameras, event_id, now=T0 + 100)
        wanted: dict[str, bytes] = {}
        for event_id in ("ev-front-1", "ev-front-2", "ev-back-1"):
            event = store.get_event(event_id)
            assert event is not None
            pre = config.cameras[event.camera].events.pre_capture_s
            assert event.end is not None
            for segment in store.segments(event.camera, event.start - pre, event.end + pre):
                wanted[f"{RECORDINGS_DIR}/{segment.path}"] = b""
            for rel in (event.snapshot, event.clip):
                if rel is not None:
                    wanted[rel] = b""
            assert event.snapshot is not None
            wanted[event.snapshot.replace(".jpg", ".clean.jpg")] = b""
        files = {rel: (root / rel).read_bytes() for rel in wanted}
        assert len(store.all_segments()) > len([r for r in files if r.startswith("rec")])
    return root, config_file, files


def back_up(root: Path, config_file: Path, tmp_path: Path) -> Path:
    """One backup pass with a new, confirmed key; the key's file."""
    config = load_config(config_file)
    with HubStore(root / "hub.db") as store:
        desk = BackupDesk(config, store, root)
        key = desk.new_key()
        desk.confirm_key(key.recipient)
        run = desk.run_pass()
        assert run is not None
        assert run.error is None, run.error
    key_file = tmp_path / "recovery-key.txt"
    key_file.write_text(f"# public key: {key.recipient}\n{key.secret}\n")
    return key_file


def test_a_stolen_hub_is_restored_from_its_backup(
    hub: tuple[Path, Path, dict[str, bytes]], tmp_path: Path, s3: S3Server
) -> None:
    root, config_file, files = hub
    key_file = back_up(root, config_file, tmp_path)
    shutil.rmtree(root)  # the hub is gone

    listed = run_cli("backup", "list", "--identity", str(key_file), "--config", str(config_file))
    assert listed.returncode == 0, listed.stderr
    assert "front: 2 events" in listed.stdout
    assert "back: 1 events" in listed.stdout

    result = run_cli("backup", "restore", "--identity", str(key_file), "--config", str(config_file))
    assert result.returncode == 0, result.stderr
    assert "3 events" in result.stdout
    again = run_cli("backup", "restore", "--identity", str(key_file), "--config", str(config_file))
    assert again.returncode == 2
    assert "already holds" in again.stderr
    for rel, data in files.items():
        assert (root / rel).read_bytes() == data, f"{rel} differs after restore"
    with HubStore(root / "hub.db") as store:
        segments = {f"{RECORDINGS_DIR}/{s.path}" for s in store.all_segments()}
        assert segments == {rel for rel in files if rel.startswith(RECORDINGS_DIR)}
        event = store.get_event("ev-front-2")
        assert event is not None
        assert event.clip == "clips/ev-front-2.mp4"
        assert event.labels == ("person",)
        back = store.get_event("ev-back-1")
        assert back is not None
        assert back.clip is None  # never built on the old hub: the restored one builds it
        config = load_config(config_file)
        for event_id in ("ev-front-2", "ev-back-1"):
            clip = event_clip(store, root, config.cameras, event_id, now=T0 + 100)
            with av.open(str(clip)) as container:
                assert sum(1 for _ in container.decode(video=0)) > 10


CLEAR_WORDS = (
    b"ev-front-1",
    b"ev-front-2",
    b"ev-back-1",
    b"person",
    b"recordings/front",
    b"recordings/back",
    b"clips/ev-",
    b"snapshots/",
)


def test_the_bucket_reveals_nothing_without_the_key(
    hub: tuple[Path, Path, dict[str, bytes]], tmp_path: Path, s3: S3Server
) -> None:
    root, config_file, files = hub
    back_up(root, config_file, tmp_path)
    bucket = load_config(config_file).backup.target
    assert bucket is not None
    client = s3.client()
    objects = client.list_objects_v2(Bucket=bucket.bucket)["Contents"]  # type: ignore[union-attr]
    names = [str(entry["Key"]).removeprefix("hub-one/") for entry in objects]
    assert INDEX_KEY in names
    others = [name for name in names if name != INDEX_KEY]
    assert len(others) == len(files) + 1  # and one chunk of the index
    assert all(len(name) == 32 and set(name) <= set("0123456789abcdef") for name in others)
    frames = (*SMALL_BUCKETS, *(n * MIB for n in range(1, 16)))
    stranger = pyrage.x25519.Identity.generate()
    for entry in objects:
        data = client.get_object(Bucket=bucket.bucket, Key=entry["Key"])["Body"].read()  # type: ignore[union-attr]
        # A fixed header, a frame size from the list, a 16-byte tag per 64 KiB.
        assert any(len(data) - size - 16 * (size // 65536) in range(100, 400) for size in frames)
        # Words long enough not to turn up in random bytes by chance (a 3-byte word
        # would, about once in 16 MB), and the opening bytes of every backed-up file.
        for word in (*CLEAR_WORDS, *(content[:32] for content in files.values())):
            assert word not in data
        with pytest.raises(WrongKey):
            open_sealed(data, stranger)


def test_a_wrong_key_is_refused_clearly(
    hub: tuple[Path, Path, dict[str, bytes]], tmp_path: Path, s3: S3Server
) -> None:
    root, config_file, _ = hub
    back_up(root, config_file, tmp_path)
    shutil.rmtree(root)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(str(pyrage.x25519.Identity.generate()) + "\n")
    result = run_cli("backup", "restore", "--identity", str(wrong), "--config", str(config_file))
    assert result.returncode == 2
    assert "this recovery key does not open these backups" in result.stderr
    assert not (root / "hub.db").exists()
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a key\n")
    result = run_cli("backup", "list", "--identity", str(garbage), "--config", str(config_file))
    assert result.returncode == 2
    assert "AGE-SECRET-KEY-1" in result.stderr
    # A key typed on the command line would stay in the shell's history: refused.
    typed = str(pyrage.x25519.Identity.generate())
    result = run_cli("backup", "list", "--identity", typed, "--config", str(config_file))
    assert result.returncode == 2
    assert "shell's history" in result.stderr
    assert typed not in result.stderr
