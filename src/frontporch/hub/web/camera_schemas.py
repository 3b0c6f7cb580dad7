"""The JSON shapes of the camera settings API (`cameras.py`), with their OpenAPI docs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from frontporch.hub.capture.redact import redact_url
from frontporch.hub.config import CameraConfig, DetectConfig, RetainConfig, Role
from frontporch.hub.live.config import LiveMasks
from frontporch.hub.live.masking import REENCODE_COST
from frontporch.hub.process.apply import ApplyReport
from frontporch.hub.settings.cameras import Saved
from frontporch.hub.settings.forms import CameraAreas, CameraForm, ZoneArea
from frontporch.hub.settings.names import display_name

Points = list[tuple[float, float]]


class CameraSettingsOut(BaseModel):
    id: str = Field(description="The camera's stable id (its key in the YAML file).")
    name: str | None = Field(description="The friendly name, if the owner gave one.")
    display_name: str = Field(description="What the UI shows: the friendly name, else the id.")
    enabled: bool
    record_url: str = Field(description="The recorded input's URL, credentials hidden.")
    detect_url: str | None = Field(
        description="A separate detect input's URL (credentials hidden); null: the same."
    )
    detect_enabled: bool
    detect_fps: float
    record_enabled: bool
    all_days: float
    motion_days: float
    event_days: float
    track: list[str]
    loop: bool
    zones: list[str]

    @classmethod
    def of(cls, camera_id: str, camera: CameraConfig) -> CameraSettingsOut:
        record = camera.input_for(Role.record) or camera.inputs[0]
        detect = camera.input_for(Role.detect)
        retain = camera.record.retain
        return cls(
            id=camera_id,
            name=camera.name,
            display_name=display_name(camera_id, camera),
            enabled=camera.enabled,
            record_url=redact_url(record.url),
            detect_url=redact_url(detect.url) if detect and detect is not record else None,
            detect_enabled=camera.detect.enabled,
            detect_fps=camera.detect.fps,
            record_enabled=camera.record.enabled,
            all_days=retain.all_days,
            motion_days=retain.motion_days,
            event_days=retain.event_days,
            track=list(camera.objects.track),
            loop=record.loop,
            zones=list(camera.zones),
        )


class CameraListOut(BaseModel):
    version: str | None = Field(
        description="The file's version (also the ETag); send it as If-Match when saving. "
        "Null when the hub runs without a configuration file."
    )
    editable: bool = Field(description="Whether changes can be saved (a file is known).")
    cameras: list[CameraSettingsOut]


class CameraIn(BaseModel):
    """A camera's settings as the form has them; a URL sent back as shown (with `***`)
    keeps the stored one."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(
        default=None, max_length=63, description="For a new camera: its id (lowercase)."
    )
    name: str | None = Field(default=None, max_length=60)
    record_url: str = Field(max_length=2000, description="rtsp://, rtsps://, http(s):// or a path.")
    detect_url: str | None = Field(default=None, max_length=2000)
    enabled: bool = True
    detect_enabled: bool = True
    detect_fps: float = Field(default=DetectConfig().fps, gt=0, le=30)
    record_enabled: bool = True
    all_days: float = Field(default=RetainConfig().all_days, ge=0)
    motion_days: float = Field(default=RetainConfig().motion_days, ge=0)
    event_days: float = Field(default=RetainConfig().event_days, ge=0)
    track: list[str] = Field(default_factory=lambda: ["person"], min_length=1)
    loop: bool = Field(default=False, description="For a video file: start again at its end.")
    record_audio: bool = Field(
        default=False,
        description="Record the camera's sound too (record.audio); recording sound may need "
        "the consent of everyone recorded where you live.",
    )
    live_masks: LiveMasks = Field(
        default=LiveMasks.off,
        description="Privacy masks in the live view (live.privacy_masks): off, mjpeg, or "
        "reencode (" + REENCODE_COST + ").",
    )

    def form(self) -> CameraForm:
        return CameraForm(
            record_url=self.record_url,
            detect_url=self.detect_url or None,
            name=self.name,
            enabled=self.enabled,
            detect_enabled=self.detect_enabled,
            detect_fps=self.detect_fps,
            record_enabled=self.record_enabled,
            all_days=self.all_days,
            motion_days=self.motion_days,
            event_days=self.event_days,
            track=tuple(self.track),
            loop=self.loop,
            record_audio=self.record_audio,
            live_masks=self.live_masks.value,
        )


class EnabledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class ZoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=64)
    points: Points = Field(description="Relative points (0..1 of width and height).")
    required: bool = Field(default=False, description="An event needs an object in it.")
    objects: list[str] | None = Field(
        default=None, description="Labels the zone cares about; null keeps what is set."
    )


class AreasIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zones: list[ZoneIn] = Field(default_factory=list, max_length=64)
    motion_masks: list[Points] = Field(default_factory=list, max_length=64)
    privacy_masks: list[Points] = Field(default_factory=list, max_length=64)

    def areas(self) -> CameraAreas:
        return CameraAreas(
            zones=[
                ZoneArea(
                    z.name,
                    z.points,
                    z.required,
                    tuple(z.objects) if z.objects is not None else None,
                )
                for z in self.zones
            ],
            motion_masks=self.motion_masks,
            privacy_masks=self.privacy_masks,
        )


class ZoneOut(BaseModel):
    name: str
    points: Points
    required: bool
    objects: list[str]


class AreasOut(BaseModel):
    version: str | None
    editable: bool
    camera: str
    display_name: str
    latest_url: str = Field(description="The camera's newest frame, to draw over.")
    width: int = Field(description="The detect frame's width (for the picture's aspect).")
    height: int
    zones: list[ZoneOut]
    motion_masks: list[Points]
    privacy_masks: list[Points]

    @classmethod
    def of(cls, camera_id: str, camera: CameraConfig, version: str | None) -> AreasOut:
        return cls(
            version=version,
            editable=version is not None,
            camera=camera_id,
            display_name=display_name(camera_id, camera),
            latest_url=f"/api/cameras/{camera_id}/latest.jpg",
            width=camera.detect.width,
            height=camera.detect.height,
            zones=[
                ZoneOut(
                    name=name,
                    points=list(zone.polygon),
                    required=name in camera.events.required_zones,
                    objects=list(zone.objects),
                )
                for name, zone in camera.zones.items()
            ],
            motion_masks=[list(p) for p in camera.motion.mask],
            privacy_masks=[list(p) for p in camera.privacy_masks],
        )


class SavedOut(BaseModel):
    version: str = Field(description="The file's new version, for the next save.")
    added: list[str] = Field(description="Cameras whose worker started.")
    removed: list[str] = Field(description="Cameras whose worker stopped (recordings stay).")
    restarted: list[str] = Field(description="Cameras whose worker restarted.")
    unchanged: list[str] = Field(description="Cameras left running as they were.")
    needs_restart: list[str] = Field(description="What waits for the hub's next start.")
    failed: list[str] = Field(description="Cameras whose worker could not be changed.")

    @classmethod
    def of(cls, saved: Saved) -> SavedOut:
        report = saved.report or ApplyReport()
        return cls(
            version=saved.version,
            added=list(report.added),
            removed=list(report.removed),
            restarted=list(report.restarted),
            unchanged=[*report.unchanged, *report.updated],
            needs_restart=[*report.needs_restart, *saved.notes],
            failed=list(report.failed),
        )


class ProbeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, description="The URL to test (as shown, or a new one).")
    camera: str | None = Field(
        default=None, description="The camera being edited: a URL shown with `***` is its own."
    )


class ProbeOut(BaseModel):
    width: int
    height: int
    codec: str
    seconds: float = Field(description="How long connecting and decoding took.")
    image: str = Field(description="The frame, as a data: URL of a JPEG.")
