"""The S3 blob store's own behaviour: key prefixes, and failures that say what to fix
(missing bucket, refused credentials, unreachable endpoint) quickly and without the
secret key. Against moto's S3 server over real HTTP."""

from __future__ import annotations

import socket
import time
import traceback
from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr

from frontporch.server.blobs import BlobError, BlobNotFound
from frontporch.server.blobs_s3 import S3BlobStore, S3Options
from s3_server import SECRET_ACCESS_KEY, S3Server, s3_server

KEY = "evidence/4b1d9c.age"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    yield from s3_server()


def _operations(store: S3BlobStore) -> list[Callable[[], object]]:
    return [
        lambda: store.put(KEY, b"x"),
        lambda: store.get(KEY),
        lambda: store.get_range(KEY, 0, 1),
        lambda: store.size(KEY),
        lambda: store.exists(KEY),
        lambda: store.delete(KEY),
        lambda: list(store.list("clips/")),
        store.check,
    ]


def _full_text(exc: BaseException) -> str:
    """Everything a log line with the traceback would show."""
    return "".join(traceback.format_exception(exc)) + repr(exc)


def test_blobs_live_under_the_prefix(s3: S3Server) -> None:
    bucket = s3.new_bucket()
    first = s3.store(bucket, prefix="town-a")
    second = s3.store(bucket, prefix="town-b/media")
    first.put(KEY, b"for town a")
    second.put(KEY, b"for town b")
    listed = s3.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert sorted(item["Key"] for item in listed) == [f"town-a/{KEY}", f"town-b/media/{KEY}"]
    assert first.get(KEY) == b"for town a"
    assert second.get_range(KEY, 9, 9) == b"b"
    first.delete(KEY)
    assert not first.exists(KEY)
    assert second.exists(KEY)


def test_a_new_bucket_passes_the_check(s3: S3Server) -> None:
    s3.store(s3.new_bucket()).check()


def test_a_missing_bucket_is_named(s3: S3Server) -> None:
    store = s3.store("fp-no-such-bucket")
    for operation in _operations(store):
        with pytest.raises(BlobError, match="bucket 'fp-no-such-bucket' does not exist") as err:
            operation()
        assert not isinstance(err.value, BlobNotFound), "a missing bucket is not a missing blob"
        assert s3.endpoint_url in str(err.value)


def test_refused_credentials_say_so_without_the_secret(s3: S3Server) -> None:
    store = s3.store(s3.new_bucket())
    s3.require_signatures(on=True)
    try:
        for operation in _operations(store):
            with pytest.raises(BlobError, match="refused") as err:
                operation()
            message = str(err.value)
            assert "s3_access_key_id" in message
            # HEAD answers carry no body, so only the status is known there.
            assert "(InvalidAccessKeyId)" in message or "(403)" in message
            assert SECRET_ACCESS_KEY not in _full_text(err.value)
    finally:
        s3.require_signatures(on=False)
    assert SECRET_ACCESS_KEY not in repr(store)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_endpoint_is_an_error_that_names_the_setting(s3: S3Server) -> None:
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    # One attempt: retries back off with jitter (seconds each), which says nothing here.
    store = s3.store("fp-anything", endpoint_url=endpoint, max_attempts=1)
    for operation in _operations(store):
        with pytest.raises(BlobError, match="cannot reach the S3 service") as err:
            operation()
        assert endpoint in str(err.value)
        assert "s3_endpoint_url" in str(err.value)
        assert SECRET_ACCESS_KEY not in _full_text(err.value)


def test_a_silent_endpoint_times_out() -> None:
    # Accepts connections and never answers: the read timeout ends each request.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        options = S3Options(
            bucket="fp-anything",
            endpoint_url=endpoint,
            path_style=True,
            connect_timeout_s=0.5,
            read_timeout_s=0.5,
            max_attempts=1,
        )
        store = S3BlobStore.connect(options, SecretStr("AKIAEXAMPLE"), SecretStr("s3cr3t-value"))
        started = time.monotonic()
        with pytest.raises(BlobError, match="cannot reach the S3 service"):
            store.get(KEY)
        # Without the read timeout this would hang until pytest's own timeout; the bound
        # is loose on purpose (a loaded CI machine), it only tells "ended" from "hung".
        assert time.monotonic() - started < 60
