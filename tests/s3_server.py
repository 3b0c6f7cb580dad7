"""A real S3-compatible server for tests: moto's standalone server on a free local port.

It speaks the S3 protocol over HTTP (signatures, ranges, error codes), so the S3 blob
store is exercised exactly as against MinIO or AWS, with no network access. moto keeps
its state per process; each test makes its own bucket.
"""

from __future__ import annotations

import itertools
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from frontporch.server.blobs_s3 import S3BlobStore, S3Options

# moto accepts any key while authentication is off; these only have to be well-formed.
ACCESS_KEY_ID = "AKIAFRONTPORCHTEST01"
SECRET_ACCESS_KEY = "frontporch-test-secret-key-do-not-leak-0123"
_buckets = itertools.count(1)


@dataclass
class S3Server:
    """A running moto S3 server."""

    endpoint_url: str

    def client(self) -> Any:
        """A plain boto3 client on this server, for setting up and inspecting buckets."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )

    def new_bucket(self) -> str:
        """A new, empty bucket's name."""
        name = f"fp-test-{os.getpid()}-{next(_buckets)}"
        self.client().create_bucket(Bucket=name)
        return name

    def options(self, bucket: str, **changes: Any) -> S3Options:
        """Store options for `bucket` on this server: path-style, short timeouts."""
        values: dict[str, Any] = {
            "bucket": bucket,
            "endpoint_url": self.endpoint_url,
            "path_style": True,
            "connect_timeout_s": 2.0,
            "read_timeout_s": 10.0,
            "max_attempts": 2,
        }
        values.update(changes)
        return S3Options(**values)

    def store(self, bucket: str, **changes: Any) -> S3BlobStore:
        """An S3BlobStore on `bucket` with the test credentials."""
        return S3BlobStore.connect(
            self.options(bucket, **changes),
            SecretStr(ACCESS_KEY_ID),
            SecretStr(SECRET_ACCESS_KEY),
        )

    def require_signatures(self, on: bool) -> None:
        """Make moto check every request's signature against its IAM users (none exist)."""
        count = b"0" if on else b"inf"
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth",
            data=count,
            method="POST",
            headers={"content-type": "text/plain"},  # a form body would be parsed away
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200


def s3_server() -> Iterator[S3Server]:
    """Start moto's S3 server on 127.0.0.1 and a free port; stop it afterwards."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
