"""Cameras, zones and masks edited from the UI, written back to the YAML.

Pages under /settings/cameras and a JSON API under /api/settings/cameras, both calling
the one service per action in `hub/settings/cameras.py`. Every save names the file
version it was made against: a hidden `version` field in the forms, an `If-Match`
header in the API (GET gives it as the ETag). When someone else saved in between, the
save is refused with 409 and nothing is written, so nobody's change is lost silently.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from frontporch.hub.config import ConfigError
from frontporch.hub.settings.probe import ProbeError, probe
from frontporch.hub.web import camera_pages
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.camera_common import REFUSED, refusal, settings_of, stored_url
from frontporch.hub.web.camera_schemas import (
    AreasIn,
    AreasOut,
    CameraIn,
    CameraListOut,
    CameraSettingsOut,
    EnabledIn,
    ProbeIn,
    ProbeOut,
    SavedOut,
)
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError

router = APIRouter(dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
CameraId = Annotated[str, Path(max_length=64, description="The camera's id.")]
IfMatch = Annotated[
    str | None,
    Header(description="The version (ETag) the change was made against."),
]


def _version(if_match: str | None) -> str:
    if not if_match:
        raise WebError(
            428,
            "version required",
            "Send the version you read in an If-Match header (GET /api/settings/cameras "
            "answers it as the ETag), so a change made meanwhile is not overwritten.",
        )
    return if_match.strip().removeprefix("W/").strip('"')


def _saved(saved_out: SavedOut, status: int = 200) -> JSONResponse:
    return JSONResponse(
        saved_out.model_dump(), status_code=status, headers={"ETag": f'"{saved_out.version}"'}
    )


@router.get("/api/settings/cameras", response_model=CameraListOut, summary="Camera settings (all)")
def list_camera_settings(context: Context, response: Response) -> CameraListOut:
    """Every camera's settings as the file has them, and the file's version."""
    service = settings_of(context)
    try:
        version = service.version()
    except ConfigError as exc:
        raise refusal(exc) from None
    if version:
        response.headers["ETag"] = f'"{version}"'
    cameras = context.config.cameras
    return CameraListOut(
        version=version,
        editable=service.editable,
        cameras=[CameraSettingsOut.of(n, c) for n, c in cameras.items()],
    )


@router.post(
    "/api/settings/cameras",
    response_model=SavedOut,
    status_code=201,
    summary="Add a camera",
    responses={409: {"description": "Changed meanwhile, or the id is taken"}},
)
def add_camera(
    body: Annotated[CameraIn, Body()], context: Context, if_match: IfMatch = None
) -> JSONResponse:
    """Add a camera to the file; it starts at once, other cameras are not restarted."""
    version = _version(if_match)
    if not body.id:
        raise WebError(422, "invalid settings", "give the new camera an id (e.g. 'driveway')")
    try:
        saved = settings_of(context).add_camera(version, body.id, body.form())
    except REFUSED as exc:
        raise refusal(exc) from None
    return _saved(SavedOut.of(saved), 201)


@router.put("/api/settings/cameras/{camera}", response_model=SavedOut, summary="Edit a camera")
def edit_camera(
    camera: CameraId,
    body: Annotated[CameraIn, Body()],
    context: Context,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Change a camera's settings; only its worker restarts."""
    version = _version(if_match)
    try:
        saved = settings_of(context).edit_camera(version, camera, body.form())
    except REFUSED as exc:
        raise refusal(exc) from None
    return _saved(SavedOut.of(saved))


@router.put(
    "/api/settings/cameras/{camera}/enabled",
    response_model=SavedOut,
    summary="Enable or disable a camera",
)
def set_camera_enabled(
    camera: CameraId,
    body: Annotated[EnabledIn, Body()],
    context: Context,
    if_match: IfMatch = None,
) -> JSONResponse:
    """A disabled camera's worker stops; its recordings stay."""
    version = _version(if_match)
    try:
        saved = settings_of(context).set_enabled(version, camera, body.enabled)
    except REFUSED as exc:
        raise refusal(exc) from None
    return _saved(SavedOut.of(saved))


@router.delete("/api/settings/cameras/{camera}", response_model=SavedOut, summary="Remove a camera")
def remove_camera(camera: CameraId, context: Context, if_match: IfMatch = None) -> JSONResponse:
    """Remove a camera from the file; its recordings and events stay on disk and listed."""
    version = _version(if_match)
    try:
        saved = settings_of(context).remove_camera(version, camera)
    except REFUSED as exc:
        raise refusal(exc) from None
    return _saved(SavedOut.of(saved))


@router.get(
    "/api/settings/cameras/{camera}/areas",
    response_model=AreasOut,
    summary="A camera's zones and masks",
)
def get_areas(camera: CameraId, context: Context, response: Response) -> AreasOut:
    """Zones (with which are required for events), motion masks and privacy masks."""
    config = context.config.cameras.get(camera)
    if config is None:
        raise WebError(404, "camera not found", f"No camera with the id {camera!r}.")
    try:
        version = settings_of(context).version()
    except ConfigError as exc:
        raise refusal(exc) from None
    if version:
        response.headers["ETag"] = f'"{version}"'
    return AreasOut.of(camera, config, version)


@router.put(
    "/api/settings/cameras/{camera}/areas",
    response_model=SavedOut,
    summary="Set a camera's zones and masks",
    responses={409: {"description": "Changed meanwhile"}, 422: {"description": "Bad polygon"}},
)
def put_areas(
    camera: CameraId,
    body: Annotated[AreasIn, Body()],
    context: Context,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Replace the camera's zones and masks (polygons are checked: 3+ points inside the
    frame, no crossing edges, some area, no exact duplicates). Zones may overlap."""
    version = _version(if_match)
    try:
        saved = settings_of(context).set_areas(version, camera, body.areas())
    except REFUSED as exc:
        raise refusal(exc) from None
    return _saved(SavedOut.of(saved))


@router.post("/api/settings/camera-test", response_model=ProbeOut, summary="Test a camera URL")
async def test_camera(body: Annotated[ProbeIn, Body()], context: Context) -> ProbeOut:
    """Connect, decode one frame and return it; 422 with the reason in words if that
    fails (wrong scheme, unreachable, credentials refused, not video or codec)."""
    url = body.url
    if body.camera and body.camera in context.config.cameras:
        url = stored_url(context, body.camera, url)
    try:
        result = await run_in_threadpool(probe, url)
    except ProbeError as exc:
        raise refusal(exc) from None
    image = "data:image/jpeg;base64," + base64.b64encode(result.jpeg).decode()
    return ProbeOut(
        width=result.width,
        height=result.height,
        codec=result.codec,
        seconds=result.seconds,
        image=image,
    )


router.include_router(camera_pages.router)
