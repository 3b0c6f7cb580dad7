"""multipart/form-data bodies (RFC 7578) and the POST that sends one to the community server.

Built by hand because the hub needs no HTTP client library: `encode_multipart` writes
each part as `--boundary CRLF`, its headers (`Content-Disposition: form-data; name=...`,
plus `filename=...` for a file, and its `Content-Type`), a blank line, the bytes and a
CRLF, and ends with `--boundary--`. The boundary is random and checked against every
part, so no content can end a part early.

`post_multipart` is the default `UploadTransport`, over `urllib` like `hub/community/link.py`'s
`http_json`: HTTP error statuses are answers for the caller to read, network failures
raise `LinkError`. The bearer credential is never logged.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from frontporch.hub.community.link import JsonObject, LinkError, send_json_request


@dataclass(frozen=True)
class FilePart:
    """A file field of a multipart form."""

    name: str
    filename: str
    content_type: str
    data: bytes


def _quoted(value: str) -> str:
    # RFC 7578 §4.2 allows escapes in names; we only ever send plain ASCII ones.
    if not value or not value.isascii() or any(c in value for c in '"\\\r\n'):
        raise ValueError(f"form field and file names must be plain ASCII, not {value!r}")
    return f'"{value}"'


def encode_multipart(fields: Mapping[str, str], files: Sequence[FilePart]) -> tuple[str, bytes]:
    """A multipart/form-data body: (the request's Content-Type header value, the bytes).

    Text fields are sent as UTF-8 (`text/plain; charset=utf-8`), files with their own
    content type; the parts appear in the order given, fields first.
    """
    parts: list[tuple[str, bytes]] = []
    for name, value in fields.items():
        head = (
            f"Content-Disposition: form-data; name={_quoted(name)}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
        )
        parts.append((head, value.encode("utf-8")))
    for part in files:
        if not part.content_type.isascii() or any(c in part.content_type for c in "\r\n"):
            raise ValueError(f"not a content type: {part.content_type!r}")
        head = (
            f"Content-Disposition: form-data; name={_quoted(part.name)}; "
            f"filename={_quoted(part.filename)}\r\n"
            f"Content-Type: {part.content_type}\r\n"
        )
        parts.append((head, part.data))
    while True:
        boundary = f"frontporch-{secrets.token_hex(16)}"
        marker = boundary.encode("ascii")
        if not any(marker in data for _, data in parts):
            break
    chunks: list[bytes] = []
    for head, data in parts:
        chunks += [b"--", marker, b"\r\n", head.encode("ascii"), b"\r\n", data, b"\r\n"]
    chunks += [b"--", marker, b"--\r\n"]
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


class UploadTransport(Protocol):
    """One multipart POST to the server: (status, parsed JSON body or {})."""

    def __call__(
        self, url: str, *, body: bytes, content_type: str, bearer: str, timeout: float
    ) -> tuple[int, JsonObject]: ...


def post_multipart(
    url: str, *, body: bytes, content_type: str, bearer: str, timeout: float
) -> tuple[int, JsonObject]:
    """POST a multipart body with `Authorization: Bearer`; HTTP errors are answers,
    network errors raise `LinkError`."""
    if not url.startswith(("http://", "https://")):
        raise LinkError(f"the server URL must start with http:// or https://, not {url!r}")
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (http(s) only)
    request.add_header("Content-Type", content_type)
    return send_json_request(request, url, bearer=bearer, timeout=timeout)
