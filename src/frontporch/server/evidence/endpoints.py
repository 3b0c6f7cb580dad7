"""The Release API (hubs) and the evidence package (agencies), docs/server.md
"Releases and evidence".

Hubs (`Authorization: Bearer fph_…`): `POST /api/hub/releases` a signed manifest (logged
before anything else happens), `GET /api/hub/releases/{release}` its state, `PUT
/api/hub/releases/{release}/clips/{file}` with `Upload-Offset` each clip's ciphertext
in chunks. The upload handler is async: it reads the body with `request.stream()` and
writes each piece from a worker thread, holding no database transaction meanwhile.

Agency members (two-factor on): `GET /api/agency/requests/{id}/evidence` streams the
request's evidence package, for the member's own agency's requests only.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from frontporch.evidence.manifest import CLIP_FILE_PATTERN
from frontporch.evidence.package import stream_package
from frontporch.protocol import MAX_UPLOAD_CHUNK, UPLOAD_OFFSET_HEADER
from frontporch.server.agencies.access import AgencyMember, agency_member
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.evidence.bundle import evidence_contents, package_name
from frontporch.server.evidence.errors import BadManifest, BadOffset, ChunkTooLarge, ClipNotFound
from frontporch.server.evidence.schemas import ClipOut, ReleaseIn, ReleaseOut
from frontporch.server.evidence.service import ClipState, ReleaseService
from frontporch.server.evidence.uploads import ClipUpload, UploadHashes, begin_upload
from frontporch.server.hubs.auth import PairedHub, paired_hub
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.routing import protected_router
from frontporch.server.transparency.endpoints import log_keys
from frontporch.server.transparency.keys import LogKeys

# Pieces of the body gathered before a write (bounded; a chunk is up to 8 MiB).
WRITE_BATCH = 1024 * 1024
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    413: {"model": ERRORS[400]["model"], "description": "Past the clip's size or the chunk limit"},
    507: {"model": ERRORS[400]["model"], "description": "The server's storage is full"},
}

releases: APIRouter = protected_router(
    paired_hub, prefix="/api/hub/releases", tags=["hub"], responses=UPLOAD_ERRORS
)
agency_api: APIRouter = protected_router(
    agency_member, prefix="/api/agency", tags=["agency"], responses=ERRORS
)

ReleaseId = Annotated[uuid.UUID, PathParam(description="The release id the hub chose.")]
RequestId = Annotated[uuid.UUID, PathParam(description="The request's id.")]
Keys = Annotated[LogKeys, Depends(log_keys)]


async def upload_hashes(request: Request) -> UploadHashes:
    """This app's hash states of clips in progress (made on first use)."""
    hashes: UploadHashes | None = getattr(request.app.state, "release_hashes", None)
    if hashes is None:
        hashes = request.app.state.release_hashes = UploadHashes()
    return hashes


Hashes = Annotated[UploadHashes, Depends(upload_hashes)]


@releases.post(
    "",
    status_code=201,
    response_model=ReleaseOut,
    responses={200: {"model": ReleaseOut, "description": "The same manifest again"}},
)
def submit_release(
    body: ReleaseIn, hub: PairedHub, context: Context, keys: Keys, response: Response
) -> ReleaseOut:
    """Release footage for a request: the signed manifest is checked, its `release` entry
    logged and a checkpoint signed, before any upload is accepted. The same manifest
    again answers 200 with the current state (resume after a crash)."""
    manifest = _base64(body.manifest, "manifest")
    for attempt in (1, 2):
        try:
            with context.sessions.begin() as db:
                state = ReleaseService(db, context, keys).submit(hub, manifest, body.signature)
            break
        except IntegrityError:  # the same release stored by a concurrent call: look again
            if attempt == 2:
                raise
    if not state.created:
        response.status_code = 200
    return ReleaseOut.of(state)


@releases.get("/{release_id}", response_model=ReleaseOut)
def release_state(
    release_id: ReleaseId, hub: PairedHub, db: DbSession, context: Context, keys: Keys
) -> ReleaseOut:
    """The calling hub's release: its log index and how much of each clip is held."""
    return ReleaseOut.of(ReleaseService(db, context, keys).state(hub, release_id))


@releases.put(
    "/{release_id}/clips/{file}",
    response_model=ClipOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def upload_clip(
    release_id: ReleaseId,
    file: Annotated[str, PathParam(max_length=32, description="The clip's file name.")],
    request: Request,
    hub: PairedHub,
    context: Context,
    hashes: Hashes,
) -> ClipOut:
    """Append a chunk (at most 8 MiB) of a clip's ciphertext at `Upload-Offset`, which must
    equal the bytes held (else 409 with `received`). Past the manifest's size: 413. When
    the clip is whole its SHA-256 is checked: a mismatch discards it (422)."""
    if not re.fullmatch(CLIP_FILE_PATTERN, file):
        raise ClipNotFound()
    offset = _offset(request)
    length = _length(request)
    if length is not None and length > MAX_UPLOAD_CHUNK:
        raise ChunkTooLarge(f"a chunk is at most {MAX_UPLOAD_CHUNK} bytes; send smaller chunks.")
    begun = await run_in_threadpool(
        begin_upload, context, hashes, hub, release_id, file, offset, length
    )
    if isinstance(begun, ClipState):
        return ClipOut.of(begun)
    state = await _receive(request, begun)
    return ClipOut.of(state)


async def _receive(request: Request, upload: ClipUpload) -> ClipState:
    batch = bytearray()
    try:
        async for piece in request.stream():
            batch += piece
            if len(batch) >= WRITE_BATCH:
                await run_in_threadpool(upload.write, bytes(batch))
                batch.clear()
        if batch:
            await run_in_threadpool(upload.write, bytes(batch))
    except ClientDisconnect:  # what arrived counts; the hub resumes from there
        if batch:
            await run_in_threadpool(upload.write, bytes(batch))
        return await run_in_threadpool(upload.keep)  # an answer nobody reads: no error
    except BaseException:
        await run_in_threadpool(upload.abort)
        raise
    return await run_in_threadpool(upload.finish)


@agency_api.get(
    "/requests/{request_id}/evidence",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "The evidence ZIP"}},
)
def evidence_package(
    request_id: RequestId, subject: AgencyMember, db: DbSession, context: Context, keys: Keys
) -> StreamingResponse:
    """The request's evidence package (a ZIP, streamed): ciphertexts, signed manifests,
    log entries with inclusion proofs against one checkpoint, and a README."""
    return package_response(evidence_contents(db, context, keys, subject, request_id))


def package_response(contents: Any) -> StreamingResponse:
    """A streaming response of the package for `contents` (checked before it starts)."""
    contents.index()  # inconsistent contents fail before the first byte
    name = package_name(uuid.UUID(contents.request))
    return StreamingResponse(
        stream_package(contents),
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )


def _base64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadManifest(f"'{field}' must be standard base64 (with padding).", field) from None


def _offset(request: Request) -> int:
    value = request.headers.get(UPLOAD_OFFSET_HEADER, "").strip()
    if not value.isdigit() or len(value) > 19:
        raise BadOffset()
    return int(value)


def _length(request: Request) -> int | None:
    value = request.headers.get("content-length", "").strip()
    return int(value) if value.isdigit() and len(value) <= 19 else None


ROUTERS = (releases, agency_api)
