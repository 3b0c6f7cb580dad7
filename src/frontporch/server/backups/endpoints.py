"""The backup API for hubs and the quota API for operators (docs/server.md, "Backups").

Hubs (`Authorization: Bearer fph_…`), each call confined to the calling hub's home:
- `PUT /api/hub/backup/objects/{key}`: store the body (≤ 16 MiB) under `key` (32
  lowercase hex), replacing any object there. 413 if larger, 422 for a bad key, 507
  when the home's quota (or the server's disk) is full.
- `GET /api/hub/backup/objects/{key}`: the bytes; 404 if this home has none there.
- `DELETE /api/hub/backup/objects/{key}`: 204, whether or not there was one.
- `GET /api/hub/backup/objects?after=KEY&limit=N`: a page of (key, size), key order.
- `GET /api/hub/backup/quota`: objects, used and limit bytes.

Operators (two-factor): `GET /api/operator/backups`, and `PUT
/api/operator/backups/homes/{home_id}/quota` {"limit_bytes": N | null}.

The upload handler is async: the body is read with `request.stream()` into a spool file
(in memory up to 1 MiB), never whole in a Python bytes object, and handed to the service
from a worker thread; no transaction is held while bytes arrive.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from typing import IO, Annotated, Any, BinaryIO, cast

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from frontporch.server.accounts.auth import Operator, operator
from frontporch.server.backups.errors import ObjectTooLarge, StorageFull
from frontporch.server.backups.quota import MAX_OBJECT_BYTES
from frontporch.server.backups.schemas import (
    BackupsOut,
    HomeUsageOut,
    ObjectOut,
    ObjectPageOut,
    QuotaIn,
    QuotaOut,
)
from frontporch.server.backups.service import (
    LIST_LIMIT,
    NO_ROOM,
    BackupService,
    checked_key,
    delete_object,
    open_object,
    store_object,
)
from frontporch.server.context import Context, ServerContext
from frontporch.server.hubs.auth import PairedHub, paired_hub
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router

SPOOL_IN_MEMORY = 1024 * 1024
WRITE_BATCH = 1024 * 1024
# An oversized body is read (and dropped) up to this much before the 413, so a client
# that sends first and reads after still gets the answer; past it the connection closes.
DRAIN_LIMIT = 2 * MAX_OBJECT_BYTES

BACKUP_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    413: {"model": ERRORS[400]["model"], "description": "Larger than 16 MiB"},
    507: {"model": ERRORS[400]["model"], "description": "The home's quota or the disk is full"},
}

hub_api: APIRouter = protected_router(
    paired_hub, prefix="/api/hub/backup", tags=["hub backup"], responses=BACKUP_ERRORS
)
operator_api: APIRouter = protected_router(
    operator, prefix="/api/operator/backups", tags=["operator"], responses=ERRORS
)

Key = Annotated[
    str, PathParam(max_length=64, description="The object's key: 32 lowercase hex digits.")
]
Backups = Annotated[BackupService, Depends(per_request(BackupService))]


@hub_api.put(
    "/objects/{key}",
    response_model=ObjectOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def put_object(key: Key, request: Request, hub: PairedHub, context: Context) -> Any:
    """Store the body (at most 16 MiB, already encrypted by the hub) under `key` for the
    calling hub's home, replacing any object there. 507 when the home's quota is full."""
    checked_key(key)
    length = request.headers.get("content-length", "").strip()
    if length.isdigit() and len(length) <= 19 and int(length) > MAX_OBJECT_BYTES:
        await _drain(request, 0)
        raise ObjectTooLarge()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=_spool_dir(context)) as spool:
        try:
            size = await _receive(request, spool)
        except ClientDisconnect:  # nobody is left to answer
            return Response(status_code=400)
        except OSError as exc:  # the spool's disk
            if exc.errno in NO_ROOM:
                raise StorageFull() from None
            raise
        spool.seek(0)
        source = cast(BinaryIO, spool)
        await run_in_threadpool(store_object, context, hub.home_id, key, source, size)
    return ObjectOut(key=key, size=size)


async def _receive(request: Request, spool: IO[bytes]) -> int:
    """Copy the body into `spool`; its size. ObjectTooLarge past the limit (the rest of
    the body is read and dropped first, up to `DRAIN_LIMIT`)."""
    size = 0
    batch = bytearray()
    stream = request.stream()
    async for piece in stream:
        size += len(piece)
        if size > MAX_OBJECT_BYTES:
            await _drain_stream(stream, size)
            raise ObjectTooLarge()
        batch += piece
        if len(batch) >= WRITE_BATCH:
            await run_in_threadpool(spool.write, bytes(batch))
            batch.clear()
    if batch:
        await run_in_threadpool(spool.write, bytes(batch))
    return size


async def _drain(request: Request, seen: int) -> None:
    with contextlib.suppress(ClientDisconnect):
        await _drain_stream(request.stream(), seen)


async def _drain_stream(stream: Any, seen: int) -> None:
    async for piece in stream:
        seen += len(piece)
        if seen > DRAIN_LIMIT:
            return


def _spool_dir(context: ServerContext) -> str:
    folder = context.settings.data_dir / "spool" / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


@hub_api.get(
    "/objects/{key}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The object"}},
)
def get_object(key: Key, hub: PairedHub, context: Context) -> StreamingResponse:
    """The bytes stored under `key` for the calling hub's home (404 if none)."""
    reader = open_object(context, hub.home_id, key)
    return StreamingResponse(
        reader,
        media_type="application/octet-stream",
        headers={"Content-Length": str(reader.length), "Cache-Control": "no-store"},
        background=BackgroundTask(reader.close),
    )


@hub_api.delete("/objects/{key}", status_code=204)
def remove_object(key: Key, hub: PairedHub, context: Context) -> Response:
    """Delete the object under `key` of the calling hub's home, if there is one."""
    delete_object(context, hub.home_id, key)
    return Response(status_code=204)


@hub_api.get("/objects", response_model=ObjectPageOut)
def list_objects(
    hub: PairedHub,
    service: Backups,
    after: Annotated[
        str, Query(max_length=64, description="The last key of the previous page.")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT, description="Objects per page.")] = LIST_LIMIT,
) -> ObjectPageOut:
    """The calling hub's home's objects in key order, a page at a time."""
    rows = service.objects(hub.home_id, after, limit)
    return ObjectPageOut(
        objects=[ObjectOut(key=row.key, size=row.size) for row in rows],
        next=rows[-1].key if len(rows) == limit else None,
    )


@hub_api.get("/quota", response_model=QuotaOut)
def quota(hub: PairedHub, service: Backups) -> QuotaOut:
    """What the calling hub's home stores and may store."""
    return QuotaOut.of(service.usage(hub.home_id))


@operator_api.get("", response_model=BackupsOut)
def backups_overview(subject: Operator, service: Backups) -> BackupsOut:
    """The default quota, and each home that stores backups or has its own quota (by id)."""
    default, usages = service.usages()
    return BackupsOut(default_limit_bytes=default, homes=[HomeUsageOut.of(u) for u in usages])


@operator_api.put("/homes/{home_id}/quota", response_model=HomeUsageOut)
def set_home_quota(
    home_id: Annotated[uuid.UUID, PathParam(description="The home's id.")],
    body: QuotaIn,
    subject: Operator,
    service: Backups,
) -> HomeUsageOut:
    """Set a home's backup quota in bytes (0 turns backups off; null: the default).
    What the home already stores stays; new uploads past the quota are refused."""
    return HomeUsageOut.of(service.set_quota(home_id, body.limit_bytes))


ROUTERS = (hub_api, operator_api)
