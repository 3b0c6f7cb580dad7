"""The owner's camera actions, one service function each, used by the settings pages
and the JSON API alike: add, edit, enable/disable and remove a camera, and set its
zones and masks.

Each action edits the hub's YAML through `ConfigEditor` (comments and order kept, the
version it started from checked, the result validated by the same models the hub starts
with), then hands the new cameras to the running hub (`Hub.apply_config`), which starts,
stops or restarts only the cameras that changed. Only cameras change here: the rest of
the running configuration stays as the hub started with it (a `--host` given on the
command line, say), and changes made by hand to other sections wait for a restart.

URLs carry passwords. Forms show them redacted (`capture/redact.py`), and a URL sent
back exactly as shown keeps the stored one, so a password is never sent to a browser
and never lost by saving a form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ruamel.yaml.comments import CommentedMap

from frontporch.hub.capture.redact import MASK, redact_url
from frontporch.hub.config import (
    CAMERA_NAME,
    CameraConfig,
    ConfigError,
    HubConfig,
    Role,
)
from frontporch.hub.process.apply import ApplyReport
from frontporch.hub.settings import camera_yaml, yamldoc
from frontporch.hub.settings.editor import ConfigEditor
from frontporch.hub.settings.forms import CameraAreas, CameraForm, ZoneArea
from frontporch.hub.settings.polygons import (
    Point,
    PolygonError,
    check_distinct,
    check_polygon,
    check_zone_name,
)
from frontporch.hub.settings.probe import ProbeError, check_url


class SettingsError(Exception):
    """An owner's change that cannot be made; `status` is the HTTP status to answer."""

    status = 400


class NoConfigFile(SettingsError):
    status = 409

    def __init__(self) -> None:
        super().__init__(
            "this hub was started without a configuration file, so changes cannot be "
            "saved; start it with `frontporch hub --config hub.yaml` to edit cameras here"
        )


class UnknownCamera(SettingsError):
    status = 404


class CameraExists(SettingsError):
    status = 409


class Holder(Protocol):
    """Where the web layer keeps the configuration now, and the file it came from."""

    @property
    def config(self) -> HubConfig: ...

    @property
    def path(self) -> Path | None: ...

    def replace(self, config: HubConfig) -> None: ...


Applier = Callable[[HubConfig], ApplyReport]


@dataclass(frozen=True)
class Saved:
    """A saved change: the configuration now, the file's new version, and what the
    running hub did with it (None when there is no running hub to tell)."""

    config: HubConfig
    version: str
    report: ApplyReport | None = None
    notes: list[str] = field(default_factory=list)


class CameraSettings:
    """The service behind the settings pages and API (one per web app)."""

    def __init__(self, holder: Holder, apply: Applier | None = None) -> None:
        self.holder = holder
        self.apply = apply

    @property
    def editable(self) -> bool:
        return self.holder.path is not None

    def editor(self) -> ConfigEditor:
        if self.holder.path is None:
            raise NoConfigFile()
        return ConfigEditor(self.holder.path)

    def version(self) -> str | None:
        """The file's version now (None without a file)."""
        if self.holder.path is None:
            return None
        return self.editor().current()[1]

    # --- the owner's actions -------------------------------------------------------------

    def add_camera(self, version: str, camera_id: str, form: CameraForm) -> Saved:
        """Add a camera: it starts recording at once, other cameras are not touched."""
        camera_id = camera_id.strip()
        if not CAMERA_NAME.match(camera_id):
            raise SettingsError(
                f"camera id {camera_id!r}: use lowercase letters, digits, '-' or '_' "
                "(e.g. 'front_door'); it names the camera's folders and cannot change later"
            )
        record_url = _usable(form.record_url)
        detect_url = _usable(form.detect_url) if form.detect_url else None

        def change(doc: CommentedMap) -> None:
            cameras = doc.get("cameras")
            if not isinstance(cameras, CommentedMap):
                cameras = CommentedMap()
                yamldoc.put(doc, "cameras", cameras)
            if camera_id in cameras:
                raise CameraExists(f"a camera with the id {camera_id!r} already exists")
            camera = CommentedMap()
            name = (form.name or "").strip()
            if name:
                camera["name"] = name
            camera_yaml.write_inputs(camera, record_url, detect_url, form.loop)
            camera_yaml.write_form(camera, form)
            yamldoc.put(cameras, camera_id, camera)

        return self._save(version, change)

    def edit_camera(self, version: str, camera_id: str, form: CameraForm) -> Saved:
        """Change a camera's settings; only that camera's worker restarts."""
        current = self._camera(camera_id)
        record_url = _kept(form.record_url, current, Role.record)
        detect_url = _kept(form.detect_url, current, Role.detect) if form.detect_url else None

        def change(doc: CommentedMap) -> None:
            camera = _camera_map(doc, camera_id)
            name = (form.name or "").strip()
            if name and camera.get("name") != name:
                yamldoc.put(camera, "name", name)
            elif not name:
                yamldoc.remove(camera, "name")
            camera_yaml.write_inputs(camera, record_url, detect_url, form.loop)
            camera_yaml.write_form(camera, form)

        return self._save(version, change)

    def set_enabled(self, version: str, camera_id: str, enabled: bool) -> Saved:
        """Disable a camera (its worker stops; recordings stay) or enable it again."""
        self._camera(camera_id)

        def change(doc: CommentedMap) -> None:
            camera = _camera_map(doc, camera_id)
            if enabled and "enabled" in camera:
                yamldoc.remove(camera, "enabled")
            elif not enabled:
                yamldoc.put(camera, "enabled", False)

        return self._save(version, change)

    def remove_camera(self, version: str, camera_id: str) -> Saved:
        """Remove a camera from the file; its worker stops, its recordings and events
        stay on disk and in the index (and retention still applies to them)."""
        self._camera(camera_id)

        def change(doc: CommentedMap) -> None:
            yamldoc.remove(doc["cameras"], camera_id)

        return self._save(version, change)

    def set_areas(self, version: str, camera_id: str, areas: CameraAreas) -> Saved:
        """Replace a camera's zones, motion masks and privacy masks."""
        current = self._camera(camera_id)
        zones = _checked_zones(areas.zones, current)
        motion = [check_polygon(p, f"motion mask {i}") for i, p in enumerate(areas.motion_masks, 1)]
        privacy = [
            check_polygon(p, f"privacy mask {i}") for i, p in enumerate(areas.privacy_masks, 1)
        ]
        check_distinct(motion, "motion mask")
        check_distinct(privacy, "privacy mask")
        check_distinct([z[1] for z in zones], "zone")

        def change(doc: CommentedMap) -> None:
            camera = _camera_map(doc, camera_id)
            camera_yaml.write_zones(camera, zones, areas.zones)
            camera_yaml.write_required(camera, [z.name for z in areas.zones if z.required])
            motion_map = camera.get("motion")
            if isinstance(motion_map, CommentedMap):
                camera_yaml.write_polygons(motion_map, "mask", motion)
                if not motion_map:
                    yamldoc.remove(camera, "motion")
            elif motion:
                yamldoc.set_path(camera, ("motion", "mask"), camera_yaml.polygon_list(motion))
            camera_yaml.write_polygons(camera, "privacy_masks", privacy)

        return self._save(version, change)

    # --- plumbing ---------------------------------------------------------------------

    def _camera(self, camera_id: str) -> CameraConfig:
        camera = self.holder.config.cameras.get(camera_id)
        if camera is None:
            known = ", ".join(self.holder.config.cameras) or "none"
            raise UnknownCamera(f"no camera with the id {camera_id!r}; known cameras: {known}")
        return camera

    def _save(self, version: str, change: Callable[[CommentedMap], None]) -> Saved:
        editor = self.editor()
        saved = editor.update(version, change)
        _, new_version = editor.current()
        running = self.holder.config.model_copy(update={"cameras": saved.cameras})
        self.holder.replace(running)
        report = self.apply(running) if self.apply is not None else None
        notes = [] if self.apply is not None else ["the change applies at the hub's next start"]
        return Saved(running, new_version, report, notes)


def _usable(url: str | None) -> str:
    try:
        checked = check_url(url or "")
    except ProbeError as exc:
        raise SettingsError(str(exc)) from None
    if MASK in checked:
        raise SettingsError(
            "the address still shows *** where a password was hidden: type the whole "
            "address again (an address left exactly as shown keeps the saved password)"
        )
    return checked


def _kept(url: str | None, camera: CameraConfig, role: Role) -> str:
    """The submitted URL, or the stored one when it came back as shown (redacted)."""
    stored = camera.input_for(role) or camera.inputs[0]
    if url is not None and url.strip() == redact_url(stored.url):
        return stored.url
    return _usable(url)


def _camera_map(doc: CommentedMap, camera_id: str) -> CommentedMap:
    cameras = doc.get("cameras")
    if not isinstance(cameras, CommentedMap) or camera_id not in cameras:
        raise UnknownCamera(f"no camera with the id {camera_id!r} in the file")
    camera = cameras[camera_id]
    if not isinstance(camera, CommentedMap):
        raise ConfigError(f"cameras.{camera_id} in the file is not a mapping")
    return camera


def _checked_zones(
    zones: Sequence[ZoneArea], current: CameraConfig
) -> list[tuple[str, list[Point]]]:
    checked: list[tuple[str, list[Point]]] = []
    names: set[str] = set()
    for zone in zones:
        name = zone.name.strip()
        if name not in current.zones:
            check_zone_name(name)
        if name in names:
            raise PolygonError(f"two zones are named {name!r}; zone names must differ")
        names.add(name)
        checked.append((name, check_polygon(zone.points, f"zone {name!r}")))
    return checked
