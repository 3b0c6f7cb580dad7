"""The camera settings pages: the list, the camera form (add and edit) and the zone
editor. Forms post back here and call the same services as the JSON API; a refused
save shows the form again with the reason and what was typed (URLs with their
credentials hidden)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.hub.capture.redact import redact_url
from frontporch.hub.config import CameraConfig, ConfigError
from frontporch.hub.settings.cameras import Saved
from frontporch.hub.settings.forms import CameraForm, form_of
from frontporch.hub.settings.names import display_name
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.camera_common import REFUSED, refusal, settings_of
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError
from frontporch.hub.web.pages import render
from frontporch.hub.web.sessions import Owner

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
CameraId = Annotated[str, Path(max_length=64)]
Checkbox = Annotated[str | None, Form(max_length=8)]
DONE = {
    "added": "Camera {camera} added; it is starting.",
    "saved": "Camera {camera} saved.",
    "disabled": "Camera {camera} disabled; its recordings stay.",
    "enabled": "Camera {camera} enabled; it is starting.",
    "removed": "Camera {camera} removed; its recordings and events stay until retention "
    "deletes them.",
}


def _version_or_error(context: HubContext) -> tuple[str | None, str | None]:
    try:
        return settings_of(context).version(), None
    except ConfigError as exc:
        return None, str(exc)


def _camera(context: HubContext, camera: str) -> CameraConfig:
    config = context.config.cameras.get(camera)
    if config is None:
        known = ", ".join(context.config.cameras) or "none"
        raise WebError(
            404, "camera not found", f"No camera with the id {camera!r}; known: {known}."
        )
    return config


def _state(context: HubContext, camera: str) -> str:
    try:
        return str(context.runtime.camera_status(camera).state)
    except KeyError:
        return "not running"


def _outcome(saved: Saved) -> str:
    report = saved.report
    parts = []
    if report is not None:
        if report.restarted:
            parts.append("restarted: " + ", ".join(report.restarted))
        if report.needs_restart:
            parts.extend(report.needs_restart)
        if report.failed:
            parts.append("could not be changed (see the hub's log): " + ", ".join(report.failed))
    parts.extend(saved.notes)
    return "; ".join(parts)


def _done(what: str, camera: str, saved: Saved) -> Response:
    url = f"/settings/cameras?done={what}&camera={camera}"
    outcome = _outcome(saved)
    if outcome:
        url += "&note=" + quote(outcome)
    return RedirectResponse(url, status_code=303)


@router.get("/settings/cameras")
def cameras_page(
    request: Request,
    context: Context,
    owner: SignedIn,
    done: Annotated[str | None, Query(max_length=16)] = None,
    camera: Annotated[str | None, Query(max_length=64)] = None,
    note: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Every camera with its state, and the actions on it."""
    version, problem = _version_or_error(context)
    rows = [
        {
            "id": name,
            "label": display_name(name, cam),
            "enabled": cam.enabled,
            "state": _state(context, name) if cam.enabled else "disabled",
            "url": redact_url((cam.inputs[0]).url),
            "zones": len(cam.zones),
        }
        for name, cam in context.config.cameras.items()
    ]
    message = DONE.get(done or "", "").format(camera=camera) if done else None
    return render(
        request,
        context,
        owner,
        "settings_cameras.html",
        nav="settings",
        cameras=rows,
        config_version=version,
        editable=settings_of(context).editable and problem is None,
        problem=problem,
        config_path=context.holder.path,
        message=message,
        note=note,
    )


def _form_page(
    request: Request,
    context: HubContext,
    owner: Owner,
    *,
    camera: str | None,
    form: CameraForm,
    version: str | None,
    error: str | None = None,
    status: int = 200,
    camera_id: str = "",
) -> Response:
    editable = settings_of(context).editable
    return render(
        request,
        context,
        owner,
        "settings_camera.html",
        status=status,
        nav="settings",
        camera=camera,
        label=display_name(camera, context.config.cameras.get(camera)) if camera else None,
        form=form,
        config_version=version,
        editable=editable,
        error=error,
        camera_id=camera_id,
    )


@router.get("/settings/cameras/new")
def new_camera_page(request: Request, context: Context, owner: SignedIn) -> Response:
    version, problem = _version_or_error(context)
    return _form_page(
        request,
        context,
        owner,
        camera=None,
        form=CameraForm(record_url=""),
        version=version,
        error=problem,
    )


def camera_form(
    record_url: Annotated[str, Form(max_length=2000)],
    detect_url: Annotated[str, Form(max_length=2000)] = "",
    name: Annotated[str, Form(max_length=60)] = "",
    enabled: Checkbox = None,
    detect_enabled: Checkbox = None,
    detect_fps: Annotated[float, Form(gt=0, le=30)] = 5.0,
    record_enabled: Checkbox = None,
    all_days: Annotated[float, Form(ge=0)] = 1.0,
    motion_days: Annotated[float, Form(ge=0)] = 7.0,
    event_days: Annotated[float, Form(ge=0)] = 30.0,
    track: Annotated[str, Form(max_length=400)] = "person",
    loop: Checkbox = None,
    record_audio: Checkbox = None,
    live_masks: Annotated[str, Form(max_length=16)] = "off",
) -> CameraForm:
    """The camera form's fields, as one value (the add and the edit form share them)."""
    labels = tuple(t.strip() for t in track.replace(",", " ").split() if t.strip())
    return CameraForm(
        record_url=record_url,
        detect_url=detect_url.strip() or None,
        name=name.strip() or None,
        enabled=enabled is not None,
        detect_enabled=detect_enabled is not None,
        detect_fps=detect_fps,
        record_enabled=record_enabled is not None,
        all_days=all_days,
        motion_days=motion_days,
        event_days=event_days,
        track=labels or ("person",),
        loop=loop is not None,
        record_audio=record_audio is not None,
        live_masks=live_masks,
    )


def _shown(form: CameraForm) -> CameraForm:
    """The form as shown again after a refusal: credentials hidden."""
    return replace(
        form,
        record_url=redact_url(form.record_url),
        detect_url=redact_url(form.detect_url) if form.detect_url else None,
    )


@router.post("/settings/cameras/new")
def add_camera_form(
    request: Request,
    context: Context,
    owner: SignedIn,
    version: Annotated[str, Form(max_length=128)],
    camera_id: Annotated[str, Form(max_length=64)],
    form: Annotated[CameraForm, Depends(camera_form)],
) -> Response:
    camera_id = camera_id.strip()
    try:
        if camera_id == "new":
            raise WebError(400, "cannot save", "'new' cannot be a camera id; choose another")
        saved = settings_of(context).add_camera(version, camera_id, form)
    except (*REFUSED, WebError) as exc:
        error = exc if isinstance(exc, WebError) else refusal(exc)
        return _form_page(
            request, context, owner, camera=None, form=_shown(form), version=version,
            error=str(error.detail), status=error.status, camera_id=camera_id,
        )  # fmt: skip
    return _done("added", camera_id, saved)


@router.get("/settings/cameras/{camera}")
def edit_camera_page(
    request: Request, camera: CameraId, context: Context, owner: SignedIn
) -> Response:
    config = _camera(context, camera)
    version, problem = _version_or_error(context)
    return _form_page(
        request, context, owner, camera=camera, form=form_of(config), version=version,
        error=problem,
    )  # fmt: skip


@router.post("/settings/cameras/{camera}")
def edit_camera_form(
    request: Request,
    camera: CameraId,
    context: Context,
    owner: SignedIn,
    version: Annotated[str, Form(max_length=128)],
    form: Annotated[CameraForm, Depends(camera_form)],
) -> Response:
    _camera(context, camera)
    try:
        saved = settings_of(context).edit_camera(version, camera, form)
    except REFUSED as exc:
        error = refusal(exc)
        return _form_page(
            request, context, owner, camera=camera, form=_shown(form), version=version,
            error=str(error.detail), status=error.status,
        )  # fmt: skip
    return _done("saved", camera, saved)


def _list_error(request: Request, context: HubContext, owner: Owner, exc: Exception) -> Response:
    error = refusal(exc)
    return render(
        request, context, owner, "error.html", status=error.status,
        error=error.message, detail=str(error.detail),
    )  # fmt: skip


@router.post("/settings/cameras/{camera}/enabled")
def set_enabled_form(
    request: Request,
    camera: CameraId,
    context: Context,
    owner: SignedIn,
    version: Annotated[str, Form(max_length=128)],
    value: Annotated[Literal["on", "off"], Form()],
) -> Response:
    _camera(context, camera)
    try:
        saved = settings_of(context).set_enabled(version, camera, value == "on")
    except REFUSED as exc:
        return _list_error(request, context, owner, exc)
    return _done("enabled" if value == "on" else "disabled", camera, saved)


@router.post("/settings/cameras/{camera}/remove")
def remove_form(
    request: Request,
    camera: CameraId,
    context: Context,
    owner: SignedIn,
    version: Annotated[str, Form(max_length=128)],
) -> Response:
    _camera(context, camera)
    try:
        saved = settings_of(context).remove_camera(version, camera)
    except REFUSED as exc:
        return _list_error(request, context, owner, exc)
    return _done("removed", camera, saved)


@router.get("/settings/cameras/{camera}/zones")
def zones_page(request: Request, camera: CameraId, context: Context, owner: SignedIn) -> Response:
    """The polygon editor (static/zones.js) over the camera's newest frame."""
    config = _camera(context, camera)
    version, problem = _version_or_error(context)
    return render(
        request,
        context,
        owner,
        "settings_zones.html",
        nav="settings",
        camera=camera,
        label=display_name(camera, config),
        config_version=version,
        editable=settings_of(context).editable and problem is None,
        problem=problem,
        width=config.detect.width,
        height=config.detect.height,
    )
