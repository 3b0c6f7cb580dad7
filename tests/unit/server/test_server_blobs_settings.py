"""Choosing the blob store in the settings: the s3_* settings are checked at the door,
secrets come from the environment or files and never show. Building and checking the
S3 store against a server is in tests/integration/server/test_server_blobs_s3_settings.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontporch.server.app import build_blobs
from frontporch.server.blobs import FilesystemBlobStore
from frontporch.server.settings import SettingsError, load_settings
from s3_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRONTPORCH_SETTINGS_FILE", raising=False)
    for name in ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_BUCKET", "BLOB_BACKEND"):
        monkeypatch.delenv(f"FRONTPORCH_{name}", raising=False)


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


def test_the_filesystem_is_the_default(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.blob_backend == "filesystem"
    store = build_blobs(settings)
    assert isinstance(store, FilesystemBlobStore)
    store.put("clips/a", b"x")
    assert (tmp_path / "blobs" / "clips" / "a").read_bytes() == b"x"


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("s3_bucket", "s3_bucket (FRONTPORCH_S3_BUCKET)"),
        ("s3_access_key_id", "s3_access_key_id (FRONTPORCH_S3_ACCESS_KEY_ID)"),
        ("s3_secret_access_key", "s3_secret_access_key (FRONTPORCH_S3_SECRET_ACCESS_KEY)"),
    ],
)
def test_s3_without_bucket_or_keys_refuses_to_start(
    tmp_path: Path, missing: str, named: str
) -> None:
    values = _s3_settings(tmp_path)
    del values[missing]
    with pytest.raises(SettingsError, match="blob_backend is 's3' but") as err:
        load_settings(**values)
    assert named in str(err.value)
    assert SECRET_ACCESS_KEY not in str(err.value)


def test_an_empty_key_counts_as_missing(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="s3_secret_access_key"):
        load_settings(**_s3_settings(tmp_path, s3_secret_access_key=""))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"s3_endpoint_url": "minio:9000"}, "s3_endpoint_url"),
        ({"s3_endpoint_url": "ftp://minio:9000"}, "s3_endpoint_url"),
        ({"s3_prefix": "/leading"}, "s3_prefix"),
        ({"s3_prefix": "Upper/Case"}, "s3_prefix"),
        ({"s3_bucket": "has/slash"}, "s3_bucket"),
        ({"s3_max_attempts": 0}, "s3_max_attempts"),
        ({"s3_connect_timeout_s": 0}, "s3_connect_timeout_s"),
        ({"blob_backend": "ftp"}, "blob_backend"),
    ],
)
def test_malformed_s3_settings_are_named(
    tmp_path: Path, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(SettingsError, match=field):
        load_settings(**_s3_settings(tmp_path, **changes))


def test_keys_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    values = _s3_settings(tmp_path)
    del values["s3_access_key_id"], values["s3_secret_access_key"]
    monkeypatch.setenv("FRONTPORCH_S3_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("FRONTPORCH_S3_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    settings = load_settings(**values)
    assert settings.s3_secret_access_key is not None
    assert settings.s3_secret_access_key.get_secret_value() == SECRET_ACCESS_KEY
    assert SECRET_ACCESS_KEY not in repr(settings)
    assert SECRET_ACCESS_KEY not in str(settings.model_dump())


def test_keys_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "key-id").write_text(ACCESS_KEY_ID + "\n")
    (tmp_path / "secret").write_text(SECRET_ACCESS_KEY + "\n")
    values = _s3_settings(tmp_path, s3_access_key_id_file=tmp_path / "key-id")
    del values["s3_access_key_id"], values["s3_secret_access_key"]
    monkeypatch.setenv("FRONTPORCH_S3_SECRET_ACCESS_KEY_FILE", str(tmp_path / "secret"))
    settings = load_settings(**values)
    assert settings.s3_access_key_id is not None
    assert settings.s3_secret_access_key is not None
    assert settings.s3_access_key_id.get_secret_value() == ACCESS_KEY_ID
    assert settings.s3_secret_access_key.get_secret_value() == SECRET_ACCESS_KEY


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read s3_secret_access_key_file"), ("\n", "is empty")],
)
def test_an_unusable_secret_file_is_named(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "secret"
    if content is not None:
        path.write_text(content)
    values = _s3_settings(tmp_path, s3_secret_access_key_file=path)
    del values["s3_secret_access_key"]
    with pytest.raises(SettingsError, match=message):
        load_settings(**values)


def test_a_key_and_its_file_together_are_refused(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("another-secret")
    with pytest.raises(SettingsError, match="not both"):
        load_settings(**_s3_settings(tmp_path, s3_secret_access_key_file=tmp_path / "secret"))
