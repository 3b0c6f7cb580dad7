"""Live view: the latest analysed frame as a JPEG, and as an MJPEG stream.

The stream is an async generator that polls the runtime's frame sequence number a few
times a second and sends a part only when a new frame exists; it never blocks the
event loop and stops as soon as the client goes away.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response, StreamingResponse

from frontporch.hub.ports import HubRuntime
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import not_found
from frontporch.hub.web.schemas import ErrorBody

BOUNDARY = "frontporchframe"
POLL_INTERVAL_S = 0.2
NO_STORE = {"Cache-Control": "no-store"}

router = APIRouter(
    prefix="/api",
    dependencies=[Depends(require_owner)],
    responses={404: {"model": ErrorBody, "description": "No such camera, or no frame yet."}},
)
CameraName = Annotated[str, Path(max_length=64, description="A camera's name from the config.")]


def mjpeg_part(jpeg: bytes) -> bytes:
    """One part of a multipart/x-mixed-replace stream holding one JPEG."""
    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
    return head.encode() + jpeg + b"\r\n"


async def mjpeg_frames(
    request: Request, runtime: HubRuntime, name: str, interval: float = POLL_INTERVAL_S
) -> AsyncIterator[bytes]:
    """Yield a part for every new frame of camera `name` until the client disconnects."""
    last_sequence: int | None = None
    while not await request.is_disconnected():
        latest = runtime.latest_jpeg(name)
        if latest is not None and latest[0] != last_sequence:
            last_sequence, jpeg = latest
            yield mjpeg_part(jpeg)
        await asyncio.sleep(interval)


@router.get(
    "/cameras/{name}/latest.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "The latest frame."}},
    summary="Latest frame",
)
def latest_jpeg(name: CameraName, context: Annotated[HubContext, Depends(hub_context)]) -> Response:
    """The newest analysed frame of a camera, with detection boxes drawn."""
    context.require_camera(name)
    latest = context.runtime.latest_jpeg(name)
    if latest is None:
        raise not_found("frame", "No frame yet: the camera may still be connecting.")
    return Response(latest[1], media_type="image/jpeg", headers=NO_STORE)


@router.get(
    "/cameras/{name}/live.mjpeg",
    response_class=StreamingResponse,
    responses={200: {"content": {f"multipart/x-mixed-replace; boundary={BOUNDARY}": {}}}},
    summary="Live MJPEG stream",
)
async def live_mjpeg(
    name: CameraName, request: Request, context: Annotated[HubContext, Depends(hub_context)]
) -> StreamingResponse:
    """An endless MJPEG stream of the camera's analysed frames (about 5 per second)."""
    context.require_camera(name)
    return StreamingResponse(
        mjpeg_frames(request, context.runtime, name),
        media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
        headers=NO_STORE,
    )
