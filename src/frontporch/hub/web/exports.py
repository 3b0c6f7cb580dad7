"""Exports of a recorded range to one MP4, and their downloads.

The JSON API (`/api/exports`) and the pages (`/exports`, the timeline's export form)
call the same `ExportDesk` methods (`hub/exports/service.py`); the job runs in the
hub's background thread, so closing the browser does not stop it, and the exports page
shows its progress (`static/exports.js` refreshes it while a job runs).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Form, Path, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from frontporch.hub.exports.model import ExportError, ExportRecord
from frontporch.hub.exports.service import ExportDesk
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError
from frontporch.hub.web.pages import render
from frontporch.hub.web.schemas import DeletedOut, ErrorBody, iso
from frontporch.hub.web.sessions import Owner

router = APIRouter(dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
ExportId = Annotated[str, Path(max_length=64, description="An export's id.")]
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "The range cannot be exported."},
    404: {"model": ErrorBody, "description": "No such camera or export."},
    422: {"model": ErrorBody, "description": "Nothing was recorded in the range."},
}


def export_desk(request: Request) -> ExportDesk:
    """The app's export desk (the running hub's, or one the app made)."""
    desk: ExportDesk = request.app.state.exports
    return desk


Desk = Annotated[ExportDesk, Depends(export_desk)]


class ExportIn(BaseModel):
    model_config = {"extra": "forbid"}
    camera: str = Field(max_length=64, description="The camera to export.")
    start: float = Field(ge=0, allow_inf_nan=False, description="Range start (unix seconds).")
    end: float = Field(ge=0, allow_inf_nan=False, description="Range end (unix seconds).")


class ExportOut(BaseModel):
    """An export job and, once done, its file."""

    id: str
    camera: str
    start: float
    end: float
    state: str = Field(description="queued, running, done or failed.")
    progress: float = Field(description="0 to 1.")
    created: str
    size: int | None = None
    duration: float | None = Field(default=None, description="Playing time in seconds.")
    error: str | None = Field(default=None, description="Why it failed, in words.")
    download: str | None = Field(default=None, description="The file, once done.")

    @classmethod
    def of(cls, record: ExportRecord) -> ExportOut:
        done = record.state.value == "done"
        return cls(
            id=record.id,
            camera=record.camera,
            start=record.start,
            end=record.end,
            state=record.state.value,
            progress=record.progress,
            created=iso(record.created),
            size=record.size,
            duration=record.duration,
            error=record.error,
            download=f"/api/exports/{record.id}/file.mp4" if done else None,
        )


def _web_error(exc: ExportError) -> WebError:
    return WebError(exc.status, "export", str(exc))


@router.post(
    "/api/exports",
    response_model=ExportOut,
    status_code=202,
    responses=ERRORS,
    summary="Export a range",
)
def create_export(body: Annotated[ExportIn, Body()], desk: Desk) -> ExportOut:
    """Queue an export of one camera's [start, end] into one MP4 (remux, no re-encode);
    poll `GET /api/exports/{id}` for its progress."""
    try:
        return ExportOut.of(desk.request_export(body.camera, body.start, body.end))
    except ExportError as exc:
        raise _web_error(exc) from None


@router.get("/api/exports", response_model=list[ExportOut], summary="Exports, newest first")
def list_exports(desk: Desk) -> list[ExportOut]:
    """Every export with its state and progress."""
    return [ExportOut.of(r) for r in desk.list()]


@router.get("/api/exports/{export_id}", response_model=ExportOut, responses=ERRORS)
def get_export(export_id: ExportId, desk: Desk) -> ExportOut:
    """One export's state and progress."""
    try:
        return ExportOut.of(desk.get(export_id))
    except ExportError as exc:
        raise _web_error(exc) from None


@router.get(
    "/api/exports/{export_id}/file.mp4",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}}}, **ERRORS},
    summary="Download an export",
)
def download_export(export_id: ExportId, desk: Desk) -> FileResponse:
    """The finished export as an MP4 download (Range requests work)."""
    try:
        record = desk.get(export_id)
        path = desk.file_of(record)
    except ExportError as exc:
        raise _web_error(exc) from None
    return FileResponse(
        path,
        media_type="video/mp4",
        filename=record.download_name,
        headers={"Cache-Control": "private, no-store"},
    )


@router.delete("/api/exports/{export_id}", response_model=DeletedOut, responses=ERRORS)
def delete_export(export_id: ExportId, desk: Desk) -> DeletedOut:
    """Delete an export's file and its record (a running one stops)."""
    try:
        desk.delete(export_id)
    except ExportError as exc:
        raise _web_error(exc) from None
    return DeletedOut(deleted=export_id)


# --- pages ------------------------------------------------------------------------------


@router.get("/exports", include_in_schema=False)
def exports_page(request: Request, context: Context, owner: SignedIn, desk: Desk) -> Response:
    """Every export with its progress, download link and delete button."""
    exports = [ExportOut.of(r) for r in desk.list()]
    return render(request, context, owner, "exports.html", exports=exports)


@router.post("/exports", include_in_schema=False)
def post_export(
    desk: Desk,
    camera: Annotated[str, Form(max_length=64)],
    start: Annotated[float, Form(ge=0, allow_inf_nan=False)],
    end: Annotated[float, Form(ge=0, allow_inf_nan=False)],
) -> Response:
    """The timeline's export form (the same service as the API)."""
    try:
        record = desk.request_export(camera, start, end)
    except ExportError as exc:
        raise _web_error(exc) from None
    return RedirectResponse(f"/exports#export-{record.id}", status_code=303)


@router.post("/exports/{export_id}/delete", include_in_schema=False)
def post_delete_export(export_id: ExportId, desk: Desk) -> Response:
    """The exports page's delete button."""
    try:
        desk.delete(export_id)
    except ExportError as exc:
        raise _web_error(exc) from None
    return RedirectResponse("/exports", status_code=303)
