"""What the camera form and the zone editor carry (`CameraForm`, `CameraAreas`), and a
camera's current settings as the form shows them (`form_of`, URLs redacted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from frontporch.hub.capture.redact import redact_url
from frontporch.hub.config import CameraConfig, DetectConfig, RetainConfig, Role


@dataclass(frozen=True)
class CameraForm:
    """What the camera form and `CameraIn` carry; unset fields keep the model's default
    (for a new camera) or what the file says (for an edit)."""

    record_url: str
    detect_url: str | None = None
    name: str | None = None
    enabled: bool = True
    detect_enabled: bool = True
    detect_fps: float = DetectConfig().fps
    record_enabled: bool = True
    all_days: float = RetainConfig().all_days
    motion_days: float = RetainConfig().motion_days
    event_days: float = RetainConfig().event_days
    track: tuple[str, ...] = ("person",)
    loop: bool = False  # a video file standing in for a camera starts again at its end
    record_audio: bool = False  # record.audio: the camera's sound, by stream copy
    live_masks: str = "off"  # live.privacy_masks: off, mjpeg or reencode


@dataclass(frozen=True)
class ZoneArea:
    name: str
    points: Sequence[Sequence[float]]
    required: bool = False
    objects: tuple[str, ...] | None = None  # None: keep what the file says


@dataclass(frozen=True)
class CameraAreas:
    """A camera's zones, motion masks and privacy masks, as the zone editor saves them."""

    zones: Sequence[ZoneArea] = ()
    motion_masks: Sequence[Sequence[Sequence[float]]] = ()
    privacy_masks: Sequence[Sequence[Sequence[float]]] = ()


def form_of(camera: CameraConfig) -> CameraForm:
    """The form's values for an existing camera, URLs redacted."""
    record = camera.input_for(Role.record) or camera.inputs[0]
    detect = camera.input_for(Role.detect)
    retain = camera.record.retain
    return CameraForm(
        record_url=redact_url(record.url),
        detect_url=redact_url(detect.url) if detect is not None and detect is not record else None,
        name=camera.name,
        enabled=camera.enabled,
        detect_enabled=camera.detect.enabled,
        detect_fps=camera.detect.fps,
        record_enabled=camera.record.enabled,
        all_days=retain.all_days,
        motion_days=retain.motion_days,
        event_days=retain.event_days,
        track=tuple(camera.objects.track),
        loop=record.loop,
        record_audio=camera.record.audio,
        live_masks=camera.live.privacy_masks.value,
    )
