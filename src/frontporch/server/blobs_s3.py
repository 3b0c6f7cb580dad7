"""The BlobStore protocol on S3-compatible object storage (AWS S3, MinIO, Ceph, Garage…).

Each blob is one object, `<prefix>/<key>` in one bucket, written with a single PUT
(atomic per object in S3) and read with GetObject, ranged reads with a `Range: bytes=`
header. `put_file` hands the file to the PUT, which sends it as it reads it; `open`
returns the GetObject body as chunks, so a clip passes through the server a chunk at a
time in either direction. Every failure becomes a BlobError whose message names what to
fix (endpoint, bucket, credentials) and never the secret key: with SigV4 signing the
secret is never sent, so no response can echo it, and our messages are built from the
error code only.

Connect and read timeouts are short and retries few, so an unreachable or misconfigured
service fails a request in seconds rather than hanging it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from pydantic import SecretStr

from frontporch.s3_codes import DENIED, NO_BUCKET, NOT_FOUND
from frontporch.server.blobs import (
    CHUNK,
    BlobError,
    BlobInfo,
    BlobNotFound,
    BlobRangeError,
    BlobReader,
    check_key,
    check_prefix,
    check_range,
    span,
)

AWS_ENDPOINT = "AWS S3"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_UNREACHABLE = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)


@dataclass(frozen=True)
class S3Options:
    """Where the objects live and how to reach them (the credentials are separate)."""

    bucket: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    prefix: str = ""
    path_style: bool = False
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    max_attempts: int = 3

    @property
    def endpoint_label(self) -> str:
        """The endpoint as messages name it."""
        return self.endpoint_url or AWS_ENDPOINT


def make_s3_client(
    options: S3Options, access_key_id: SecretStr, secret_access_key: SecretStr
) -> Any:
    """A boto3 S3 client with short timeouts, few retries and the chosen addressing style."""
    config = Config(
        region_name=options.region,
        connect_timeout=options.connect_timeout_s,
        read_timeout=options.read_timeout_s,
        retries={"max_attempts": options.max_attempts, "mode": "standard"},
        s3={"addressing_style": "path" if options.path_style else "virtual"},
        signature_version="s3v4",
        # Newer boto3 adds CRC checksums to every request by default, which several
        # S3-compatible services (older MinIO, Ceph, Garage) refuse; send them only
        # where the operation requires one.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    # Explicit keys on a private session: the default credential chain (~/.aws,
    # AWS_ACCESS_KEY_ID, instance roles) is never consulted, so the server uses exactly
    # the keys it was configured with. One client serves every request thread (boto3
    # clients are thread-safe once made).
    session = boto3.session.Session(
        aws_access_key_id=access_key_id.get_secret_value(),
        aws_secret_access_key=secret_access_key.get_secret_value(),
        region_name=options.region,
    )
    return session.client("s3", endpoint_url=options.endpoint_url, config=config)


class S3BlobStore:
    """Blobs as objects in one bucket of an S3-compatible service."""

    def __init__(self, client: Any, options: S3Options) -> None:
        self._client = client
        self.options = options
        self._prefix = options.prefix.strip("/")

    @classmethod
    def connect(
        cls, options: S3Options, access_key_id: SecretStr, secret_access_key: SecretStr
    ) -> S3BlobStore:
        """A store on a new client (no request is made until the first operation)."""
        return cls(make_s3_client(options, access_key_id, secret_access_key), options)

    def __repr__(self) -> str:
        return (
            f"S3BlobStore(bucket={self.options.bucket!r}, endpoint={self.options.endpoint_label!r})"
        )

    def _object(self, key: str) -> str:
        check_key(key)
        return f"{self._prefix}/{key}" if self._prefix else key

    def check(self) -> None:
        """BlobError unless the bucket exists and these credentials may use it."""
        self._call("check bucket", None, self._client.head_bucket, Bucket=self.options.bucket)

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` (one PUT: readers see the old or the new object)."""
        self.put_file(key, io.BytesIO(data))

    def put_file(self, key: str, source: BinaryIO) -> int:
        """Store what remains in `source` under `key` (one PUT, the body read from the file
        as it is sent); how many bytes were stored."""
        start = source.tell()
        length = source.seek(0, 2) - start
        source.seek(start)
        self._on_object("store", key, self._client.put_object, Body=source, ContentLength=length)
        return length

    def get(self, key: str) -> bytes:
        """The blob under `key`; BlobNotFound if there is none."""
        response = self._on_object("read", key, self._client.get_object)
        return self._read_body(key, response)

    def open(self, key: str, start: int = 0, end_inclusive: int | None = None) -> BlobReader:
        """The object (or a range of it) as the GetObject body, read in chunks."""
        whole = start == 0 and end_inclusive is None
        extra: dict[str, str] = {}
        if not whole:
            check_range(start, start if end_inclusive is None else end_inclusive)
            extra["Range"] = f"bytes={start}-{'' if end_inclusive is None else end_inclusive}"
        response = self._on_object("read", key, self._client.get_object, **extra)
        body = response["Body"]
        if whole:
            size = int(response["ContentLength"])
            first, last = span(key, 0, None, size)
        else:
            found = _CONTENT_RANGE.fullmatch(str(response.get("ContentRange", "")))
            if found is None:
                body.close()
                raise BlobError(
                    f"the S3 service at {self.options.endpoint_label} answered a ranged read "
                    f"of blob {key!r} without a Content-Range"
                )
            first, last, size = (int(part) for part in found.groups())
        return BlobReader(size, first, last, self._chunks(key, body), body.close)

    def _chunks(self, key: str, body: Any) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK)
        except (BotoCoreError, OSError) as exc:
            raise BlobError(
                f"the S3 service at {self.options.endpoint_label} broke off while sending "
                f"blob {key!r}"
            ) from exc
        finally:
            body.close()

    def delete(self, key: str) -> None:
        """Remove the blob under `key`; S3 itself treats a missing object as deleted."""
        self._on_object("delete", key, self._client.delete_object)

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        try:
            self.size(key)
        except BlobNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        """The length in bytes of the blob under `key`; BlobNotFound if there is none."""
        response = self._on_object("look up", key, self._client.head_object)
        return int(response["ContentLength"])

    def get_range(self, key: str, start: int, end_inclusive: int) -> bytes:
        """Bytes `start`..`end_inclusive` of the blob under `key` (the end is clamped)."""
        check_range(start, end_inclusive)
        response = self._on_object(
            "read", key, self._client.get_object, Range=f"bytes={start}-{end_inclusive}"
        )
        return self._read_body(key, response)

    def list(self, prefix: str) -> Iterator[BlobInfo]:
        """Every blob under `prefix` (the store's own key prefix taken off)."""
        start = f"{self._prefix}/" if self._prefix else ""
        pages = iter(
            self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.options.bucket, Prefix=start + check_prefix(prefix)
            )
        )
        while True:
            page = self._call("list", None, lambda: next(pages, None))
            if page is None:
                return
            for item in page.get("Contents", []):
                key = str(item["Key"])[len(start) :]
                yield BlobInfo(key, int(item["Size"]), item["LastModified"].astimezone(UTC))

    def _read_body(self, key: str, response: dict[str, Any]) -> bytes:
        try:
            data: bytes = response["Body"].read()
        except (BotoCoreError, OSError) as exc:
            raise BlobError(
                f"the S3 service at {self.options.endpoint_label} broke off while sending "
                f"blob {key!r}; try again"
            ) from exc
        return data

    def _on_object(self, action: str, key: str, operation: Any, **kwargs: Any) -> Any:
        """`_call` of an operation on the object of blob `key` in the store's bucket."""
        return self._call(
            action, key, operation, Bucket=self.options.bucket, Key=self._object(key), **kwargs
        )

    def _call(self, action: str, key: str | None, operation: Any, **kwargs: Any) -> Any:
        """`operation(**kwargs)`, with every failure turned into an actionable BlobError."""
        try:
            return operation(**kwargs)
        except ClientError as exc:
            raise self._client_error(action, key, exc) from exc
        except _UNREACHABLE as exc:
            raise BlobError(
                f"cannot reach the S3 service at {self.options.endpoint_label} to {action} "
                f"{_what(key)}: check s3_endpoint_url and that the service is running"
            ) from exc
        except BotoCoreError as exc:
            raise BlobError(
                f"S3 request to {action} {_what(key)} failed ({type(exc).__name__}); check "
                "the s3_* settings"
            ) from exc

    def _client_error(self, action: str, key: str | None, exc: ClientError) -> BlobError:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        bucket, endpoint = self.options.bucket, self.options.endpoint_label
        if code in NO_BUCKET or (code in NOT_FOUND and key is None):
            return BlobError(
                f"the bucket {bucket!r} does not exist at {endpoint}: create it, or fix "
                "s3_bucket (and s3_endpoint_url / s3_region)"
            )
        if code in NOT_FOUND:
            # HEAD answers a bare 404 for a missing bucket too; tell the two apart.
            if code != "NoSuchKey" and not self._bucket_exists():
                return self._client_error(action, None, exc)
            return BlobNotFound(f"no blob {key!r}")
        if code == "InvalidRange":
            return BlobRangeError(f"the range is past the end of blob {key!r}")
        if code in DENIED:
            return BlobError(
                f"the S3 service at {endpoint} refused to {action} {_what(key)} in bucket "
                f"{bucket!r} ({code}): check s3_access_key_id, the secret key and the "
                "key's permissions on the bucket"
            )
        return BlobError(
            f"the S3 service at {endpoint} could not {action} {_what(key)} in bucket "
            f"{bucket!r} ({code or 'no error code'})"
        )

    def _bucket_exists(self) -> bool:
        try:
            self._client.head_bucket(Bucket=self.options.bucket)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            return code not in NO_BUCKET | NOT_FOUND
        except BotoCoreError:
            return True  # cannot tell; the object is what was asked about
        return True


def _what(key: str | None) -> str:
    return f"blob {key!r}" if key else "the bucket"
