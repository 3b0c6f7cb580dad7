"""The owner's switches over HTTP: per camera detect, record and alerts, and the
household's "nobody home" (`hub/controls.py` does the work; MQTT calls the same)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from frontporch.hub.controls import CameraSwitches, Controls, Switch
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context

router = APIRouter(dependencies=[Depends(require_owner)])

CameraName = Annotated[str, Path(max_length=64, description="A camera's name from the config.")]
SwitchName = Annotated[
    Literal["detect", "record", "alerts"], Path(description="Which of the camera's switches.")
]
Context = Annotated[HubContext, Depends(hub_context)]


def controls_of(request: Request) -> Controls:
    controls: Controls = request.app.state.controls
    return controls


Switches = Annotated[Controls, Depends(controls_of)]


class CameraSwitchesOut(BaseModel):
    detect: bool = Field(description="The camera is analysed for objects.")
    record: bool = Field(description="The camera's stream is recorded.")
    alerts: bool = Field(description="Alerts are sent for the camera's events.")

    @classmethod
    def of(cls, switches: CameraSwitches) -> CameraSwitchesOut:
        return cls(detect=switches.detect, record=switches.record, alerts=switches.alerts)


class SwitchesOut(BaseModel):
    away: bool = Field(description="The household said nobody is home.")
    cameras: dict[str, CameraSwitchesOut] = Field(description="Each camera's switches.")


class SwitchIn(BaseModel):
    model_config = {"extra": "forbid"}
    on: bool = Field(description="The switch's new position.")


class AwayIn(BaseModel):
    model_config = {"extra": "forbid"}
    away: bool = Field(description="Whether nobody is home.")


def _all(controls: Controls) -> SwitchesOut:
    return SwitchesOut(
        away=controls.away,
        cameras={
            name: CameraSwitchesOut.of(controls.switches(name)) for name in controls.cameras()
        },
    )


@router.get("/api/switches", response_model=SwitchesOut, summary="Every switch")
def list_switches(controls: Switches) -> SwitchesOut:
    """Each camera's detect, record and alerts switches, and "nobody home"."""
    return _all(controls)


@router.put(
    "/api/cameras/{camera}/switches/{switch}",
    response_model=CameraSwitchesOut,
    summary="Set a camera's switch",
)
def put_switch(
    camera: CameraName,
    switch: SwitchName,
    body: Annotated[SwitchIn, Body()],
    context: Context,
    controls: Switches,
) -> CameraSwitchesOut:
    """Detect and record take effect at the camera's next frame or packet (no restart)."""
    context.require_camera(camera)
    return CameraSwitchesOut.of(controls.set(camera, Switch(switch), body.on, by="api"))


@router.put("/api/switches/away", response_model=SwitchesOut, summary="Set nobody home")
def put_away(body: Annotated[AwayIn, Body()], controls: Switches) -> SwitchesOut:
    """The household's "nobody home" switch, which alert rules can require."""
    controls.set_away(body.away, by="api")
    return _all(controls)


@router.post("/cameras/{camera}/switches/{switch}", include_in_schema=False)
def post_switch(
    camera: CameraName,
    switch: SwitchName,
    context: Context,
    controls: Switches,
    value: Annotated[Literal["on", "off"], Form()],
) -> Response:
    """The camera page's switch buttons."""
    context.require_camera(camera)
    controls.set(camera, Switch(switch), value == "on", by="owner")
    return RedirectResponse(f"/cameras/{camera}#switches", status_code=303)
