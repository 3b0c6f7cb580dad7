"""One behavioural suite for every BlobStore: the filesystem store and the S3 store
(against moto's S3 server over real HTTP) must behave the same."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from frontporch.server.blobs import (
    BlobError,
    BlobNotFound,
    BlobRangeError,
    BlobStore,
    FilesystemBlobStore,
)
from s3_server import S3Server, s3_server

KEY = "clips/0f8e2a.mp4"
MALFORMED_KEYS = ["../etc/passwd", "clips/../../x", "/abs/path", "Clips/X", "noslash", ""]


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    yield from s3_server()


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "filesystem":
        return FilesystemBlobStore(tmp_path / "blobs")
    s3: S3Server = request.getfixturevalue("s3")
    return s3.store(s3.new_bucket())


def test_round_trip(store: BlobStore) -> None:
    assert not store.exists(KEY)
    store.put(KEY, b"frame data")
    assert store.exists(KEY)
    assert store.get(KEY) == b"frame data"
    assert store.size(KEY) == 10


def test_empty_blob(store: BlobStore) -> None:
    store.put(KEY, b"")
    assert store.exists(KEY)
    assert store.get(KEY) == b""
    assert store.size(KEY) == 0
    with pytest.raises(BlobRangeError):
        store.get_range(KEY, 0, 0)


def test_overwrite_replaces_the_blob(store: BlobStore) -> None:
    store.put(KEY, b"a much longer first version")
    store.put(KEY, b"short")
    assert store.get(KEY) == b"short"
    assert store.size(KEY) == 5


def test_delete_removes_and_a_missing_blob_is_a_no_op(store: BlobStore) -> None:
    store.put(KEY, b"x")
    store.delete(KEY)
    assert not store.exists(KEY)
    store.delete(KEY)
    store.delete("clips/never-stored")


def test_a_missing_blob_is_blob_not_found(store: BlobStore) -> None:
    for read in (
        lambda: store.get(KEY),
        lambda: store.size(KEY),
        lambda: store.get_range(KEY, 0, 10),
    ):
        with pytest.raises(BlobNotFound, match="no blob"):
            read()
    assert issubclass(BlobNotFound, BlobError)


def test_a_key_is_not_its_prefix(store: BlobStore) -> None:
    store.put("clips/home1/a.mp4", b"x")
    assert not store.exists("clips/home1")
    with pytest.raises(BlobNotFound):
        store.get("clips/home1")
    with pytest.raises(BlobNotFound):
        store.get_range("clips/home1", 0, 0)
    store.delete("clips/home1")
    assert store.get("clips/home1/a.mp4") == b"x"


def test_keys_are_separate(store: BlobStore) -> None:
    store.put("clips/a", b"first")
    store.put("snapshots/a", b"second")
    assert store.get("clips/a") == b"first"
    assert store.get("snapshots/a") == b"second"


@pytest.mark.parametrize("key", MALFORMED_KEYS)
def test_malformed_keys_are_refused(store: BlobStore, key: str) -> None:
    for operation in (
        lambda: store.put(key, b"x"),
        lambda: store.get(key),
        lambda: store.delete(key),
        lambda: store.exists(key),
        lambda: store.size(key),
        lambda: store.get_range(key, 0, 1),
    ):
        with pytest.raises(BlobError, match="malformed blob key"):
            operation()


def test_a_large_blob(store: BlobStore) -> None:
    data = os.urandom(10 * 1024 * 1024)
    store.put(KEY, data)
    assert store.size(KEY) == len(data)
    assert store.get(KEY) == data
    middle = 5 * 1024 * 1024 + 7
    assert store.get_range(KEY, middle, middle + 65535) == data[middle : middle + 65536]
    assert store.get_range(KEY, len(data) - 100, len(data) + 10_000) == data[-100:]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 0, b"0"),
        (0, 9, b"0123456789"),
        (3, 5, b"345"),
        (9, 9, b"9"),
        (7, 100, b"789"),  # the end is clamped, as in HTTP
    ],
)
def test_ranges(store: BlobStore, start: int, end: int, expected: bytes) -> None:
    store.put(KEY, b"0123456789")
    assert store.get_range(KEY, start, end) == expected


@pytest.mark.parametrize(("start", "end"), [(10, 12), (50, 60), (5, 4), (-1, 3)])
def test_unsatisfiable_ranges(store: BlobStore, start: int, end: int) -> None:
    store.put(KEY, b"0123456789")
    with pytest.raises(BlobRangeError):
        store.get_range(KEY, start, end)


def test_a_listing_names_each_blob_under_the_prefix_once(store: BlobStore) -> None:
    store.put("posts/aa11", b"clip one")
    store.put("posts/bb22", b"")
    store.put("evidence/cc33", b"not a post")
    listed = {blob.key: blob for blob in store.list("posts/")}
    assert set(listed) == {"posts/aa11", "posts/bb22"}
    assert (listed["posts/aa11"].size, listed["posts/bb22"].size) == (8, 0)
    now = datetime.now(UTC)
    for blob in listed.values():
        assert blob.modified.tzinfo is not None
        assert abs(now - blob.modified) < timedelta(minutes=5)
    assert list(store.list("nothing/")) == []
    for bad in ("posts", "../", "posts/aa11", "Posts/"):
        with pytest.raises(BlobError):
            list(store.list(bad))


def test_a_listing_leaves_out_a_write_in_progress(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    store.put("posts/aa11", b"clip")
    (tmp_path / "blobs" / "posts" / ".tmp-half-written").write_bytes(b"cl")
    assert [blob.key for blob in store.list("posts/")] == ["posts/aa11"]


def test_a_listing_past_one_page_of_the_s3_api(s3: S3Server) -> None:
    store = s3.store(s3.new_bucket(), prefix="frontporch")
    keys = {f"posts/{number:04d}" for number in range(1_005)}  # S3 pages hold 1,000
    for key in keys:
        store.put(key, b"x")
    assert {blob.key for blob in store.list("posts/")} == keys
