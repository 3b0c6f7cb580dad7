"""The S3 backup target against a real S3 server (moto's, on a local port): objects go
in and out under the prefix, and each way a bucket fails reads as a clear message; a
pass against a bucket refusing writes records the error and loses nothing at home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backup_tools import add_event, add_segment, backup_config
from fakes import FakeClock
from frontporch.hub.backup.config import SECRET_ENV, S3TargetConfig
from frontporch.hub.backup.recovery import generate
from frontporch.hub.backup.s3 import S3Target
from frontporch.hub.backup.service import BackupDesk
from frontporch.hub.backup.target import ObjectMissing, TargetError
from frontporch.hub.store.index import HubStore
from hubtools import camera, free_port, hub_config, running_hub, wait_until
from s3_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server, s3_server
from videotools import make_h264


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    yield from s3_server()


def options(s3: S3Server, bucket: str, **changes: object) -> S3TargetConfig:
    values: dict[str, object] = {
        "type": "s3",
        "endpoint_url": s3.endpoint_url,
        "bucket": bucket,
        "path_style": True,
    }
    values.update(changes)
    return S3TargetConfig.model_validate(values)


def target(s3: S3Server, bucket: str, **changes: object) -> S3Target:
    return S3Target.connect(options(s3, bucket, **changes), ACCESS_KEY_ID, SECRET_ACCESS_KEY)


def test_objects_round_trip_under_the_prefix(s3: S3Server) -> None:
    bucket = s3.new_bucket()
    store = target(s3, bucket, prefix="porch/")
    store.put("a" * 32, b"one")
    store.put("index", b"two")
    assert store.get("a" * 32) == b"one"
    assert sorted((o.key, o.size) for o in store.list()) == [("a" * 32, 3), ("index", 3)]
    listed = s3.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert sorted(entry["Key"] for entry in listed) == ["porch/" + "a" * 32, "porch/index"]
    store.delete("a" * 32)
    store.delete("a" * 32)  # deleting what is gone is fine
    assert [o.key for o in store.list()] == ["index"]
    with pytest.raises(ObjectMissing):
        store.get("a" * 32)
    assert "porch" in store.description


def test_a_missing_bucket_is_named(s3: S3Server) -> None:
    store = target(s3, "no-such-bucket-here")
    with pytest.raises(TargetError, match="'no-such-bucket-here' does not exist"):
        store.put("k", b"x")


def test_a_bucket_refusing_writes_says_so(s3: S3Server) -> None:
    store = target(s3, s3.new_bucket())
    s3.require_signatures(True)
    try:
        with pytest.raises(TargetError, match="refuses writes") as caught:
            store.put("b" * 32, b"x")
    finally:
        s3.require_signatures(False)
    assert SECRET_ACCESS_KEY not in str(caught.value)


def test_an_unreachable_service_says_so() -> None:
    config = S3TargetConfig.model_validate(
        {"type": "s3", "endpoint_url": f"http://127.0.0.1:{free_port()}", "bucket": "bkt"}
    )
    store = S3Target.connect(config, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    with pytest.raises(TargetError, match="cannot reach"):
        store.put("c" * 32, b"x")


def test_a_pass_against_a_refusing_bucket_records_the_error_and_keeps_everything(
    s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET_ACCESS_KEY)
    bucket = s3.new_bucket()
    root = tmp_path / "storage"
    root.mkdir()
    config = backup_config(
        root,
        backup={
            "enabled": True,
            "target": {
                "type": "s3",
                "endpoint_url": s3.endpoint_url,
                "bucket": bucket,
                "path_style": True,
                "access_key_id": ACCESS_KEY_ID,
            },
        },
    )
    clock = FakeClock()
    with HubStore(root / "hub.db") as store:
        add_segment(store, root, "front", clock.now - 100, b"segment")
        add_event(store, root, "e1", "front", clock.now - 95, clock.now - 90)
        desk = BackupDesk(config, store, root, clock=clock)
        desk.retry_delays = (0.01,)
        key = desk.new_key()
        desk.confirm_key(key.recipient)
        s3.require_signatures(True)
        try:
            run = desk.run_pass()
        finally:
            s3.require_signatures(False)
        assert run is not None
        assert run.error is not None
        assert "refuses writes" in run.error
        assert SECRET_ACCESS_KEY not in run.error
        assert desk.view().runs[0].error == run.error
        assert (root / "recordings/front").is_dir()
        assert store.get_event("e1") is not None
        retried = desk.run_pass()
        assert retried is not None
        assert retried.error is None
        assert retried.uploaded == 3


def test_a_running_hub_keeps_recording_while_its_bucket_refuses_writes(
    s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET_ACCESS_KEY)
    storage = tmp_path / "storage"
    storage.mkdir()
    source = make_h264(tmp_path / "cam.mp4", seconds=6, size=(320, 240))
    raw = hub_config(storage, {"front": camera(source, loop=True, segment_s=2.0)})
    raw["backup"] = {
        "enabled": True,
        "mode": "continuous",
        "interval_s": 5,
        "target": {
            "type": "s3",
            "endpoint_url": s3.endpoint_url,
            "bucket": s3.new_bucket(),
            "path_style": True,
            "access_key_id": ACCESS_KEY_ID,
        },
    }
    with HubStore(storage / "hub.db") as store:
        key = generate()
        store.add_backup_recipient(key.recipient, 0.0)
        store.confirm_backup_recipient(key.recipient, 0.0)
    s3.require_signatures(True)
    try:
        with running_hub(raw) as hub:
            failed = wait_until(
                lambda: [r for r in hub.store.backup_runs(5) if r.error], 60, "a failed pass"
            )
            assert "refuses writes" in (failed[0].error or "")
            recorded = len(hub.store.all_segments())
            wait_until(
                lambda: len(hub.store.all_segments()) >= recorded + 2, 30, "recording to go on"
            )
    finally:
        s3.require_signatures(False)
    with HubStore(storage / "hub.db") as store:
        for segment in store.all_segments():
            assert (storage / "recordings" / segment.path).is_file()
