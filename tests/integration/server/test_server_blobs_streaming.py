"""Streaming through every BlobStore (the filesystem store, and the S3 store against
moto's S3 server over real HTTP): `put_file` stores a file copied in chunks, `open`
hands a blob or a range of it out in chunks no larger than `CHUNK`, and refuses a
missing blob or an unsatisfiable range when opened, before anything is sent."""

from __future__ import annotations

import io
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontporch.server.blobs import (
    CHUNK,
    BlobError,
    BlobNotFound,
    BlobRangeError,
    BlobStore,
    FilesystemBlobStore,
)
from s3_server import S3Server, s3_server

KEY = "posts/0f8e2a"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    yield from s3_server()


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "filesystem":
        return FilesystemBlobStore(tmp_path / "blobs")
    s3: S3Server = request.getfixturevalue("s3")
    return s3.store(s3.new_bucket())


def _read(store: BlobStore, *args: int | None) -> tuple[bytes, list[int], tuple[int, int, int]]:
    reader = store.open(KEY, *args)  # type: ignore[arg-type]
    chunks = list(reader)
    reader.close()
    return b"".join(chunks), [len(c) for c in chunks], (reader.size, reader.first, reader.last)


def test_a_file_is_stored_and_read_back_in_chunks(store: BlobStore) -> None:
    data = os.urandom(3 * CHUNK + 1234)
    source = io.BytesIO(b"skip" + data)
    source.seek(4)  # what remains is stored
    assert store.put_file(KEY, source) == len(data)
    assert store.get(KEY) == data
    body, sizes, (size, first, last) = _read(store)
    assert body == data
    assert max(sizes) <= CHUNK
    assert len(sizes) >= 4
    assert (size, first, last) == (len(data), 0, len(data) - 1)


@pytest.mark.parametrize(
    ("start", "end", "expected", "bounds"),
    [
        (0, None, b"0123456789", (0, 9)),
        (3, 5, b"345", (3, 5)),
        (7, None, b"789", (7, 9)),
        (7, 100, b"789", (7, 9)),  # the end is clamped, as in HTTP
        (9, 9, b"9", (9, 9)),
    ],
)
def test_ranges(
    store: BlobStore, start: int, end: int | None, expected: bytes, bounds: tuple[int, int]
) -> None:
    store.put(KEY, b"0123456789")
    body, _, (size, first, last) = _read(store, start, end)
    assert body == expected
    assert (size, first, last) == (10, *bounds)


def test_refusals_come_when_opening(store: BlobStore) -> None:
    with pytest.raises(BlobNotFound):
        store.open(KEY)
    store.put(KEY, b"0123456789")
    for start, end in ((10, None), (10, 20), (5, 4), (-1, 3)):
        with pytest.raises(BlobRangeError):
            store.open(KEY, start, end)
    with pytest.raises(BlobError, match="malformed blob key"):
        store.open("../etc/passwd")
    store.put(KEY, b"")
    assert _read(store) == (b"", [], (0, 0, -1))  # the whole of an empty blob is nothing
    with pytest.raises(BlobRangeError):
        store.open(KEY, 0, 0)


def test_the_filesystem_store_streams_in_bounded_memory(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs")
    size = 32 * 1024 * 1024
    source = tmp_path / "clip.bin"
    with source.open("wb") as handle:
        for _ in range(size // CHUNK):
            handle.write(os.urandom(CHUNK))
    tracemalloc.start()
    try:
        with source.open("rb") as handle:
            store.put_file(KEY, handle)
        reader = store.open(KEY)
        total = sum(len(chunk) for chunk in reader)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == size
    assert peak < 4 * CHUNK, f"peak {peak} bytes to move {size}"
