"""Live view: the latest analysed frame as a JPEG, as an MJPEG stream, and the camera's
own H.264 stream as fragmented MP4.

Both streams are async generators that poll the runtime (a sequence number, a cursor)
and send only what is new; they never block the event loop and stop as soon as the
client goes away. The MJPEG stream shows the analysed frames with boxes, at the detect
size and rate. The MP4 stream is the camera's video at full resolution and frame rate,
remuxed without re-encoding (`frontporch.hub.live.muxer`): an init segment, the
fragments since the latest keyframe, then each new frame's fragment as it arrives, as
a browser's Media Source Extensions take it (the ISO BMFF byte stream format).
The camera remuxes only while someone holds this stream open (`HubRuntime.watch`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response, StreamingResponse

from frontporch.hub.live.config import LiveMasks
from frontporch.hub.live.masking import live_masks
from frontporch.hub.ports import HubRuntime
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError, not_found
from frontporch.hub.web.schemas import ErrorBody

BOUNDARY = "frontporchframe"
POLL_INTERVAL_S = 0.2
# A frame arrives every 33-66 ms; polling faster than that keeps the added latency small.
MP4_POLL_INTERVAL_S = 0.02
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


async def mp4_fragments(
    request: Request, runtime: HubRuntime, name: str, interval: float = MP4_POLL_INTERVAL_S
) -> AsyncIterator[bytes]:
    """Yield the init segment and fragments of camera `name` until the client disconnects.

    The viewer is counted for as long as the generator runs, so the camera remuxes
    exactly while someone receives the stream."""
    with runtime.watch(name):
        cursor = None
        while not await request.is_disconnected():
            update = runtime.live_since(name, cursor)
            if update is None:
                await asyncio.sleep(interval)
                continue
            cursor = update.cursor
            yield update.data


def refuse_unmasked_video(context: HubContext, name: str) -> None:
    """409 when the camera's privacy masks cover the live view by MJPEG only: its video
    stream is not made at all then, and the page stays on the masked MJPEG picture."""
    camera = context.config.cameras.get(name)
    if camera is not None and live_masks(camera) is LiveMasks.mjpeg:
        raise WebError(
            409,
            "live video off for privacy masks",
            f"Camera {name!r} blacks out its privacy masks in the live view by MJPEG "
            f"(cameras.{name}.live.privacy_masks: mjpeg), so its full-resolution video "
            f"stream is off; watch /api/cameras/{name}/live.mjpeg. Set it to 'reencode' "
            "for a masked video stream (costs CPU on the hub).",
        )


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


@router.get(
    "/cameras/{name}/live.mp4",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"video/mp4": {}}, "description": "Fragmented MP4, endless."},
        409: {
            "model": ErrorBody,
            "description": "No H.264 live stream: not connected, not H.264, or turned "
            "off by the camera's live privacy masks.",
        },
    },
    summary="Live H.264 stream (fragmented MP4)",
)
async def live_mp4(
    name: CameraName, request: Request, context: Annotated[HubContext, Depends(hub_context)]
) -> StreamingResponse:
    """The camera's own H.264 video at full resolution, as an endless fragmented MP4 for
    Media Source Extensions; `live_codec` of the camera is its `codecs` parameter."""
    context.require_camera(name)
    refuse_unmasked_video(context, name)
    if context.runtime.live_codec(name) is None:
        raise WebError(
            409,
            "no H.264 live stream",
            f"Camera {name!r} is not connected yet, or its record input is not H.264 "
            f"(browsers cannot play H.265 everywhere); use /api/cameras/{name}/live.mjpeg.",
        )
    return StreamingResponse(
        mp4_fragments(request, context.runtime, name),
        media_type="video/mp4",
        headers=NO_STORE,
    )
