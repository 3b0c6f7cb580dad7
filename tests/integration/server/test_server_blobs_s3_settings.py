"""S3 blob settings against a real S3 test server: `create_app` builds the S3 store,
and `serve` names a missing bucket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from frontporch.server.app import build_blobs, create_app
from frontporch.server.blobs import FilesystemBlobStore
from frontporch.server.blobs_s3 import S3BlobStore
from frontporch.server.serve import check_blob_store
from frontporch.server.settings import SettingsError, load_settings
from s3_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server, s3_server


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRONTPORCH_SETTINGS_FILE", raising=False)
    for name in ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_BUCKET", "BLOB_BACKEND"):
        monkeypatch.delenv(f"FRONTPORCH_{name}", raising=False)


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    yield from s3_server()


def _s3_settings(tmp_path: Path, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "blob_backend": "s3",
        "s3_endpoint_url": "http://127.0.0.1:9000",
        "s3_bucket": "frontporch-media",
        "s3_access_key_id": ACCESS_KEY_ID,
        "s3_secret_access_key": SECRET_ACCESS_KEY,
        "s3_path_style": True,
    }
    values.update(changes)
    return values


def test_create_app_builds_the_s3_store(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    settings = load_settings(
        **_s3_settings(tmp_path, s3_endpoint_url=s3.endpoint_url, s3_bucket=bucket)
    )
    app = create_app(settings)
    try:
        store = app.state.server.blobs
        assert isinstance(store, S3BlobStore)
        check_blob_store(store)
        store.put("clips/a", b"via the app")
        assert s3.client().get_object(Bucket=bucket, Key="clips/a")["Body"].read() == (
            b"via the app"
        )
    finally:
        app.state.server.engine.dispose()


def test_serve_refuses_a_missing_bucket(s3: S3Server, tmp_path: Path) -> None:
    settings = load_settings(
        **_s3_settings(tmp_path, s3_endpoint_url=s3.endpoint_url, s3_bucket="fp-not-made")
    )
    with pytest.raises(SettingsError, match="blob storage: the bucket 'fp-not-made'"):
        check_blob_store(build_blobs(settings))
    check_blob_store(FilesystemBlobStore(tmp_path / "blobs"))  # nothing to check
