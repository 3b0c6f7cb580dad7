"""The hub's configuration: one YAML file, validated at the door.

Every model forbids unknown keys, so a typo is an error rather than a silently ignored
setting, and `load_config` turns pydantic's errors into lines that name the field and
say what is wrong. Polygons (zones, masks) use relative coordinates, 0..1 of the frame's
width and height, so they stay put when the detect size changes.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from frontporch.hub.alerts.config import AlertsConfig
from frontporch.hub.backup.config import BackupConfig
from frontporch.hub.config_base import Strict
from frontporch.hub.live.config import LiveConfig
from frontporch.hub.mqtt.config import MqttConfig
from frontporch.hub.review.config import ReviewConfig

RelPoint = tuple[
    Annotated[float, Field(ge=0.0, le=1.0)],
    Annotated[float, Field(ge=0.0, le=1.0)],
]
RelPolygon = Annotated[list[RelPoint], Field(min_length=3)]

CAMERA_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class ConfigError(Exception):
    """The configuration file cannot be used; the message says which field and why."""


class Role(StrEnum):
    record = "record"
    detect = "detect"


class InputConfig(Strict):
    url: str = Field(
        description=(
            "Where the video comes from: rtsp://, rtsps://, http(s):// or a file path. "
            "Credentials in the URL are never logged."
        ),
    )
    roles: list[Role] = Field(
        default_factory=lambda: [Role.record, Role.detect],
        min_length=1,
        description="What this input is used for: 'record' (stream copy) and/or 'detect'.",
    )
    loop: bool = Field(
        default=False,
        description="For a file: start again at the end, as if it were a live camera.",
    )
    realtime: bool = Field(
        default=True,
        description="For a file: read at the file's own frame rate, like a live camera.",
    )
    rtsp_transport: str = Field(
        default="tcp",
        pattern="^(tcp|udp)$",
        description="RTSP transport: tcp (reliable, the default) or udp.",
    )
    timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds without data before the input counts as lost and is reopened.",
    )
    reconnect_max_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Longest wait between reconnect attempts (backoff doubles up to this).",
    )

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, roles: list[Role]) -> list[Role]:
        if len(set(roles)) != len(roles):
            raise ValueError("each role may be listed once")
        return roles


class DetectConfig(Strict):
    enabled: bool = Field(default=True, description="Analyse this camera for objects.")
    fps: float = Field(default=5.0, gt=0, le=30, description="Frames per second analysed.")
    width: int = Field(
        default=640, ge=64, le=3840, description="Width frames are scaled to for analysis."
    )
    height: int = Field(
        default=360, ge=64, le=2160, description="Height frames are scaled to for analysis."
    )


class MotionConfig(Strict):
    frame_height: int = Field(
        default=120,
        ge=40,
        le=720,
        description="Height (pixels) motion is computed at; smaller is faster and less noisy.",
    )
    threshold: int = Field(
        default=25,
        ge=1,
        le=255,
        description="Brightness change (0-255) a pixel needs to count as moving.",
    )
    min_area: float = Field(
        default=0.001,
        ge=0,
        le=1,
        description="Smallest moving region, as a fraction of the frame, that counts as motion.",
    )
    alpha: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="How fast the background model learns (0-1); higher forgets sooner.",
    )
    lightning_threshold: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description=(
            "Fraction of the frame changing at once that is treated as a lighting change: "
            "the background is recalibrated and no motion is reported."
        ),
    )
    mask: list[RelPolygon] = Field(
        default_factory=list,
        description="Areas where motion is ignored (foliage, a busy road), as relative polygons.",
    )


class ObjectFilter(Strict):
    min_score: float = Field(
        default=0.5, ge=0, le=1, description="Lowest detector score an object is kept with."
    )
    min_area: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Smallest box, as a fraction of the frame, kept for this label.",
    )
    max_area: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Largest box, as a fraction of the frame, kept for this label.",
    )


class ObjectsConfig(Strict):
    track: list[str] = Field(
        default_factory=lambda: ["person"],
        min_length=1,
        description="Labels that make events (for the built-in detector: person).",
    )
    filters: dict[str, ObjectFilter] = Field(
        default_factory=dict, description="Per-label score and size filters."
    )

    def filter_for(self, label: str) -> ObjectFilter:
        return self.filters.get(label, ObjectFilter())


class ZoneConfig(Strict):
    polygon: RelPolygon = Field(description="The zone's outline as a relative polygon.")
    objects: list[str] = Field(
        default_factory=list,
        description="Labels this zone cares about; empty means every tracked label.",
    )


class TrackerConfig(Strict):
    min_hits: int = Field(
        default=2,
        ge=1,
        le=30,
        description="Frames an object must be seen in before it is confirmed.",
    )
    max_missed_s: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Seconds a moving object may go undetected before it is dropped.",
    )
    stationary_s: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds without moving after which an object counts as stationary.",
    )
    max_stationary_s: float = Field(
        default=600.0,
        gt=0,
        le=86400,
        description="Seconds a stationary object is remembered without being seen again.",
    )
    recheck_s: float = Field(
        default=1.0,
        ge=0,
        le=30,
        description=(
            "Seconds between detector looks at an object that moves as predicted, or at "
            "motion the detector found nothing in; 0 looks at all motion in every frame."
        ),
    )

    @model_validator(mode="after")
    def _recheck_before_dropping(self) -> Self:
        if self.recheck_s >= self.max_missed_s and "recheck_s" not in self.model_fields_set:
            # A configuration written before `recheck_s` existed, with a short
            # `max_missed_s`: keep it valid by re-checking twice as often as it drops.
            object.__setattr__(self, "recheck_s", self.max_missed_s / 2)
        if self.recheck_s >= self.max_missed_s:
            raise ValueError(
                f"recheck_s ({self.recheck_s}) must be less than max_missed_s "
                f"({self.max_missed_s}): an object not re-checked in time would be dropped"
            )
        return self


class EventsConfig(Strict):
    required_zones: list[str] = Field(
        default_factory=list,
        description="An object must be in one of these zones to start an event; empty: anywhere.",
    )
    quiet_s: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="Seconds with no active object after which an event closes.",
    )
    pre_capture_s: float = Field(
        default=5.0, ge=0, le=120, description="Seconds of video kept before an event starts."
    )
    post_capture_s: float = Field(
        default=5.0, ge=0, le=120, description="Seconds of video kept after an event ends."
    )
    max_length_s: float = Field(
        default=300.0,
        gt=0,
        le=3600,
        description="Longest event; a longer presence is split into several events.",
    )


class RetainConfig(Strict):
    all_days: float = Field(default=1.0, ge=0, description="Days every recorded segment is kept.")
    motion_days: float = Field(default=7.0, ge=0, description="Days segments with motion are kept.")
    event_days: float = Field(
        default=30.0, ge=0, description="Days segments that are part of an event clip are kept."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.all_days <= self.motion_days <= self.event_days:
            raise ValueError(
                "expected all_days <= motion_days <= event_days (each class keeps at least "
                "as long as the one it contains)"
            )
        return self


class RecordConfig(Strict):
    enabled: bool = Field(default=True, description="Record this camera's stream.")
    segment_s: float = Field(
        default=10.0,
        ge=2,
        le=600,
        description="Target segment length; segments split at the first keyframe after it.",
    )
    retain: RetainConfig = Field(default_factory=RetainConfig, description="Retention rules.")
    audio: bool = Field(
        default=False,
        description=(
            "Record the camera's audio track too (stream copy). Off by default: recording "
            "sound may need the consent of everyone recorded where you live."
        ),
    )


class CameraConfig(Strict):
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=60,
        description=(
            "The name people see (e.g. 'Front door'); the key above it is the camera's "
            "id, which never changes."
        ),
    )
    enabled: bool = Field(default=True, description="Run this camera.")
    inputs: list[InputConfig] = Field(
        min_length=1, description="The camera's streams and what each is used for."
    )
    detect: DetectConfig = Field(default_factory=DetectConfig, description="Analysis settings.")
    motion: MotionConfig = Field(default_factory=MotionConfig, description="Motion settings.")
    objects: ObjectsConfig = Field(
        default_factory=ObjectsConfig, description="Which objects to track and their filters."
    )
    tracker: TrackerConfig = Field(
        default_factory=TrackerConfig, description="How detections become tracked objects."
    )
    zones: dict[str, ZoneConfig] = Field(default_factory=dict, description="Named zones.")
    events: EventsConfig = Field(default_factory=EventsConfig, description="Event rules.")
    record: RecordConfig = Field(default_factory=RecordConfig, description="Recording rules.")
    review: ReviewConfig = Field(
        default_factory=ReviewConfig, description="Which review items are alerts."
    )
    live: LiveConfig = Field(default_factory=LiveConfig, description="Live view settings.")
    privacy_masks: list[RelPolygon] = Field(
        default_factory=list,
        description=(
            "Areas blacked out in anything that leaves the hub (published or released clips "
            "and snapshots), as relative polygons."
        ),
    )

    @model_validator(mode="after")
    def _roles_and_zones(self) -> Self:
        for role in Role:
            count = sum(role in i.roles for i in self.inputs)
            if count > 1:
                raise ValueError(f"only one input may have the '{role}' role")
        unknown = [z for z in self.events.required_zones if z not in self.zones]
        if unknown:
            raise ValueError(f"events.required_zones names zones that are not defined: {unknown}")
        return self

    def input_for(self, role: Role) -> InputConfig | None:
        return next((i for i in self.inputs if role in i.roles), None)


class DetectorType(StrEnum):
    builtin = "builtin"
    onnx = "onnx"


class DetectorConfig(Strict):
    type: DetectorType = Field(
        default=DetectorType.builtin,
        description="'builtin' (offline, people only) or 'onnx' (a YOLO model you supply).",
    )
    model: Path | None = Field(default=None, description="ONNX model file (type: onnx).")
    labels: Path | None = Field(
        default=None, description="Labels file, one label per line in class order (type: onnx)."
    )
    input_size: int = Field(
        default=640, ge=32, le=2048, description="Model input size in pixels (square)."
    )
    threads: int = Field(default=1, ge=1, le=64, description="Inference threads per camera.")

    @model_validator(mode="after")
    def _model_files(self) -> Self:
        if self.type == DetectorType.onnx and (self.model is None or self.labels is None):
            raise ValueError("type 'onnx' needs both 'model' and 'labels' files")
        return self


class StorageConfig(Strict):
    path: Path = Field(
        default=Path("frontporch-data"),
        description="Where recordings, clips, snapshots and the hub database live.",
    )
    min_free_gb: float = Field(
        default=1.0,
        ge=0,
        description="Free-disk floor: the oldest recordings are deleted to stay above it.",
    )


class WebConfig(Strict):
    host: str = Field(default="127.0.0.1", description="Address the hub's web UI listens on.")
    port: int = Field(default=5080, ge=1, le=65535, description="Port of the hub's web UI.")


class RequestsConfig(Strict):
    """The owner's own limits on footage requests, tighter than the hub's built-in ones.

    A request beyond any of them is refused (and says which); the built-in ceilings in
    `hub/requests/policy.py` apply whatever is set here.
    """

    max_area_sq_mi: float = Field(
        default=2.0, gt=0, le=2.0, description="Largest request area answered, square miles."
    )
    max_window_hours: float = Field(
        default=24.0, gt=0, le=24.0, description="Longest request window answered, hours."
    )
    max_age_days: float = Field(
        default=30.0,
        gt=0,
        le=30.0,
        description="Oldest footage a request may ask for, days before it was filed.",
    )
    incidents: list[str] | None = Field(
        default=None,
        description="Incident types answered (e.g. [burglary, hit_and_run]); none set: all.",
    )
    log_key: str | None = Field(
        default=None,
        description=(
            "The community server's transparency-log verifier key to pin (from the "
            "operator, out of band). Unset: the key the server states is trusted on "
            "first use and kept in <storage>/log-monitor.json."
        ),
    )


class HubConfig(Strict):
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Storage.")
    web: WebConfig = Field(default_factory=WebConfig, description="The hub's web UI and API.")
    detector: DetectorConfig = Field(
        default_factory=DetectorConfig, description="The object detector."
    )
    cameras: dict[str, CameraConfig] = Field(description="Cameras by name.")
    requests: RequestsConfig = Field(
        default_factory=RequestsConfig,
        description="The owner's policy for footage requests from the community server.",
    )
    alerts: AlertsConfig = Field(
        default_factory=AlertsConfig,
        description="Alerts: email (SMTP) settings and Web Push contact; rules are set in the UI.",
    )
    mqtt: MqttConfig = Field(
        default_factory=MqttConfig,
        description="MQTT and Home Assistant discovery (off by default).",
    )
    backup: BackupConfig = Field(
        default_factory=BackupConfig,
        description="Off-site backup encrypted to the owner's recovery key (off by default).",
    )

    @field_validator("cameras")
    @classmethod
    def _camera_names(cls, cameras: dict[str, CameraConfig]) -> dict[str, CameraConfig]:
        for name in cameras:
            if not CAMERA_NAME.match(name):
                raise ValueError(
                    f"camera name {name!r} must be lowercase letters, digits, '-' or '_'"
                )
        return cameras


def _describe(error: ValidationError) -> str:
    lines = []
    for err in error.errors():
        where = ".".join(str(part) for part in err["loc"]) or "(top level)"
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def parse_config(data: object, source: str = "configuration") -> HubConfig:
    """Validate already-parsed YAML/JSON data; raises ConfigError naming each bad field."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    try:
        return HubConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source} is not valid:\n{_describe(exc)}") from None


def load_config(path: Path) -> HubConfig:
    """Read and validate a hub YAML file; raises ConfigError with an actionable message."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    return parse_config(data, str(path))
