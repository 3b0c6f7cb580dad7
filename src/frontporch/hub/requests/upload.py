"""Sending a release to the community server: the signed manifest, then the ciphertext.

Release API (protocol.py; the server's evidence area implements it):
- `POST RELEASES_PATH` {"manifest": base64, "signature": base64} with the hub's bearer
  credential. 201: the server checked the signature against this paired hub's key and
  logged the `release` entry; 200: the same manifest again (a resume), with the
  current state. Either way the answer lists what it holds of each clip (`received`).
  No byte of footage leaves the hub before the release is in the log.
- `PUT clip_upload_path(release, file)` with `Upload-Offset: N` and at most
  MAX_UPLOAD_CHUNK bytes; N must equal what the server holds (409 says `received`,
  and the upload continues from there). The server checks each completed clip's
  SHA-256 against the manifest.

Every failure is stored on the release in words; the worker resumes from the
server's `received` on the next start. Plain urllib, like `community/link.py`.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from frontporch.hub.community.link import JsonObject, LinkError, NotPaired, send_json_request
from frontporch.hub.requests.records import ReleasedClip, ReleaseRecord, ReleaseState, RequestState
from frontporch.protocol import (
    MAX_UPLOAD_CHUNK,
    RELEASES_PATH,
    UPLOAD_OFFSET_HEADER,
    clip_upload_path,
)

if TYPE_CHECKING:
    from frontporch.hub.requests.service import RequestDesk

log = logging.getLogger(__name__)

TIMEOUT_S = 60.0


class UploadError(Exception):
    """The server refused or could not be reached; the message says why, in words."""


class UploadTransport(Protocol):
    """Talks to the server's release API: (status, JSON body or {})."""

    def post_json(self, url: str, body: JsonObject, bearer: str) -> tuple[int, JsonObject]: ...

    def put_chunk(
        self, url: str, data: bytes, offset: int, bearer: str
    ) -> tuple[int, JsonObject]: ...


class HttpUpload:
    """The release API over HTTP(S) with urllib."""

    def post_json(self, url: str, body: JsonObject, bearer: str) -> tuple[int, JsonObject]:
        """POST a JSON body."""
        request = urllib.request.Request(  # noqa: S310 (send_json_request checks the scheme)
            url, data=json.dumps(body).encode("utf-8"), method="POST"
        )
        request.add_header("Content-Type", "application/json")
        return self._send(request, url, bearer)

    def put_chunk(self, url: str, data: bytes, offset: int, bearer: str) -> tuple[int, JsonObject]:
        """PUT raw bytes at `offset`."""
        request = urllib.request.Request(url, data=data, method="PUT")  # noqa: S310
        request.add_header("Content-Type", "application/octet-stream")
        request.add_header(UPLOAD_OFFSET_HEADER, str(offset))
        return self._send(request, url, bearer)

    def _send(
        self, request: urllib.request.Request, url: str, bearer: str
    ) -> tuple[int, JsonObject]:
        if not url.startswith(("http://", "https://")):
            raise UploadError(f"the server URL must start with http:// or https://, not {url!r}")
        try:
            return send_json_request(request, url, bearer=bearer, timeout=TIMEOUT_S)
        except LinkError as exc:
            raise UploadError(str(exc)) from exc


def _explain(status: int, body: JsonObject) -> str:
    error = body.get("error") or f"HTTP {status}"
    detail = body.get("detail")
    text = f"{error}: {detail}" if detail and detail != error else str(error)
    return f"the server refused the release ({status}): {text}"


def _received(body: JsonObject) -> dict[str, int]:
    clips = body.get("clips")
    held: dict[str, int] = {}
    if isinstance(clips, list):
        for clip in clips:
            if isinstance(clip, dict) and isinstance(clip.get("file"), str):
                received = clip.get("received")
                held[str(clip["file"])] = received if isinstance(received, int) else 0
    return held


def send_release(desk: RequestDesk, record: ReleaseRecord) -> ReleaseRecord:
    """Send the manifest (logged by the server), then upload every clip; the record."""
    if record.manifest is None or record.signature is None:
        raise UploadError("the release has no signed manifest yet")
    try:
        link = desk.link()
    except NotPaired as exc:
        raise UploadError(f"{exc}; the release resumes once the hub is paired") from exc
    except LinkError as exc:
        raise UploadError(str(exc)) from exc
    stop = desk.should_stop(record.request_id)
    if stop is not None and record.state is ReleaseState.PREPARING:
        raise UploadError(f"stopped before sending: {stop}")
    status, body = desk.transport.post_json(
        f"{link.server_url}{RELEASES_PATH}",
        {
            "manifest": base64.b64encode(record.manifest).decode("ascii"),
            "signature": record.signature,
        },
        link.credential,
    )
    if status not in (200, 201):
        raise UploadError(_explain(status, body))
    log_index = body.get("log_index")
    held = _received(body)
    record = replace(
        record,
        state=ReleaseState.UPLOADING,
        log_index=log_index if isinstance(log_index, int) else record.log_index,
        clips=tuple(replace(c, uploaded_bytes=held.get(c.file, 0)) for c in record.clips),
        error=None,
    )
    desk.store.save_release(record)
    request = desk.store.get_footage_request(record.request_id)
    if request is not None and request.state is RequestState.OPEN:
        desk.store.set_footage_request_state(request.id, RequestState.RELEASED)
    log.info("release %s logged by the server at index %s", record.id, record.log_index)
    for position, clip in enumerate(record.clips):
        clip = _upload_clip(desk, link.server_url, link.credential, record, clip)
        clips = list(record.clips)
        clips[position] = clip
        record = replace(record, clips=tuple(clips))
        desk.store.save_release(record)
    record = replace(record, state=ReleaseState.DONE)
    desk.store.save_release(record)
    log.info("release %s uploaded (%d clips)", record.id, len(record.clips))
    return record


def _upload_clip(
    desk: RequestDesk, server_url: str, bearer: str, record: ReleaseRecord, clip: ReleasedClip
) -> ReleasedClip:
    from frontporch.hub.requests.release import release_folder

    offset = clip.uploaded_bytes
    if offset >= clip.ciphertext_bytes:
        return clip
    path = release_folder(desk.root, record.id) / clip.file
    url = f"{server_url}{clip_upload_path(record.id, clip.file)}"
    conflicts = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UploadError(
            f"the encrypted clip {clip.file} is missing on this hub ({exc.strerror}); "
            "make a new release"
        ) from exc
    with handle:
        while offset < clip.ciphertext_bytes:
            stop = desk.should_stop(record.request_id)
            if stop is not None:
                raise UploadError(f"upload stopped: {stop}")
            handle.seek(offset)
            data = handle.read(MAX_UPLOAD_CHUNK)
            if not data:
                raise UploadError(
                    f"the encrypted clip {clip.file} is shorter than its manifest says"
                )
            status, body = desk.transport.put_chunk(url, data, offset, bearer)
            received = body.get("received")
            if status == 409 and isinstance(received, int) and conflicts < 3:
                conflicts += 1  # the server holds a different amount: continue from there
                offset = received
                continue
            if status != 200:
                raise UploadError(_explain(status, body))
            conflicts = 0
            offset = received if isinstance(received, int) else offset + len(data)
            clip = replace(clip, uploaded_bytes=offset)
            desk.store.save_release(
                replace(
                    record,
                    clips=tuple(clip if c.file == clip.file else c for c in record.clips),
                )
            )
    return clip
