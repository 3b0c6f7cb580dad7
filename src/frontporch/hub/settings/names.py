"""The name people see for a camera: its friendly `name`, else its id (the YAML key)."""

from __future__ import annotations

from frontporch.hub.config import CameraConfig


def display_name(camera_id: str, camera: CameraConfig | None) -> str:
    """`camera.name` when the owner gave one, else the stable id the config keys it by."""
    if camera is not None and camera.name:
        return camera.name
    return camera_id
