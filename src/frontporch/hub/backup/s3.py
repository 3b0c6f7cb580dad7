"""The backup target on any S3-compatible bucket (Backblaze B2, Wasabi, MinIO, AWS S3).

One object per key under the configured prefix, written with one PUT. Every failure
becomes a `TargetError` whose message says what to fix in words a person can act on
(the bucket does not exist; the bucket refuses writes; the service cannot be reached)
and never contains the secret key: requests are signed with SigV4, so the secret is
never sent, and messages are built from the error code only.

Timeouts are short and botocore's own retries few: the uploader retries with its own
backoff (`uploader.py`), and an unreachable service must fail a request in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

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

from frontporch.hub.backup.config import S3TargetConfig
from frontporch.hub.backup.errors import TargetRefused
from frontporch.hub.backup.target import ObjectMissing, StoredObject, TargetError, TargetFull
from frontporch.s3_codes import DENIED, FULL, NOT_FOUND

_UNREACHABLE = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)


class S3Target:
    """A `BackupTarget` on one bucket (and prefix) of an S3-compatible service."""

    def __init__(self, client: Any, options: S3TargetConfig) -> None:
        self._client = client
        self.options = options
        self._prefix = options.prefix.strip("/")
        where = f"{options.bucket}/{self._prefix}" if self._prefix else options.bucket
        self.description = f"s3://{where}" + (
            f" at {options.endpoint_url}" if options.endpoint_url else ""
        )

    @classmethod
    def connect(cls, options: S3TargetConfig, access_key_id: str, secret: str) -> S3Target:
        """A target on a new client; no request is made until the first operation."""
        config = Config(
            region_name=options.region,
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 2, "mode": "standard"},
            s3={"addressing_style": "path" if options.path_style else "auto"},
            signature_version="s3v4",
            # Several S3-compatible services refuse the CRC checksums newer boto3 adds.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # A private session with exactly these keys: ~/.aws and instance roles are never used.
        session = boto3.session.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret,
            region_name=options.region,
        )
        return cls(session.client("s3", endpoint_url=options.endpoint_url, config=config), options)

    def __repr__(self) -> str:
        return f"S3Target({self.description!r})"

    def _key(self, key: str) -> str:
        return f"{self._prefix}/{key}" if self._prefix else key

    def put(self, key: str, data: bytes) -> None:
        self._call(
            "store",
            key,
            lambda: self._client.put_object(
                Bucket=self.options.bucket, Key=self._key(key), Body=data, ContentLength=len(data)
            ),
        )

    def get(self, key: str) -> bytes:
        response = self._call(
            "read",
            key,
            lambda: self._client.get_object(Bucket=self.options.bucket, Key=self._key(key)),
        )
        try:
            data: bytes = response["Body"].read()
        except (BotoCoreError, OSError) as exc:
            raise TargetError(
                f"{self.description} broke off while sending object {key!r}; try again"
            ) from exc
        return data

    def delete(self, key: str) -> None:
        self._call(
            "delete",
            key,
            lambda: self._client.delete_object(Bucket=self.options.bucket, Key=self._key(key)),
        )

    def list(self) -> Iterator[StoredObject]:
        start = f"{self._prefix}/" if self._prefix else ""
        pages = iter(
            self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.options.bucket, Prefix=start
            )
        )
        while True:
            page = self._call("list", None, lambda: next(pages, None))
            if page is None:
                return
            for entry in page.get("Contents", []):
                yield StoredObject(str(entry["Key"])[len(start) :], int(entry["Size"]))

    def _call(self, action: str, key: str | None, operation: Callable[[], Any]) -> Any:
        what = f"object {key!r}" if key else "the objects"
        try:
            return operation()
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            raise self._client_error(action, key, code) from None
        except _UNREACHABLE:
            raise TargetError(
                f"cannot reach {self.description} to {action} {what}: check "
                "backup.target.endpoint_url and the network"
            ) from None
        except BotoCoreError as exc:
            raise TargetError(
                f"the request to {action} {what} on {self.description} failed "
                f"({type(exc).__name__}); check the backup.target settings"
            ) from None

    def _client_error(self, action: str, key: str | None, code: str) -> TargetError:
        bucket = self.options.bucket
        if code == "NoSuchBucket":
            return TargetRefused(
                f"the bucket {bucket!r} does not exist at {self.options.endpoint_url or 'AWS'}: "
                "create it, or fix backup.target.bucket"
            )
        if code in NOT_FOUND and key is not None:
            return ObjectMissing(f"no object {key!r} in {self.description}")
        if code in DENIED:
            verb = "writes" if action in ("store", "delete") else "reads"
            return TargetRefused(
                f"the bucket {bucket!r} refuses {verb} ({code}): check the access key's "
                "permissions on it (and backup.target.access_key_id and the secret key)"
            )
        if code in FULL:
            return TargetFull(f"the bucket {bucket!r} is full or over its quota ({code})")
        return TargetError(
            f"{self.description} could not {action} "
            f"{f'object {key!r}' if key else 'the objects'} ({code or 'no error code'})"
        )
