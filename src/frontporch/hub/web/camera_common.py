"""What the camera settings API (`cameras.py`) and pages (`camera_pages.py`) share:
the service over this app's configuration, and how a refused change is answered."""

from __future__ import annotations

from frontporch.hub.capture.redact import redact_url
from frontporch.hub.config import ConfigError
from frontporch.hub.settings.cameras import CameraSettings, SettingsError
from frontporch.hub.settings.editor import ConfigConflict
from frontporch.hub.settings.polygons import PolygonError
from frontporch.hub.settings.probe import ProbeError
from frontporch.hub.web.context import HubContext
from frontporch.hub.web.errors import WebError

# The refusals a change can meet; each is a 4xx with a message a person can act on.
REFUSED = (ConfigConflict, SettingsError, PolygonError, ProbeError, ConfigError)


def settings_of(context: HubContext) -> CameraSettings:
    """The camera settings service over this app's configuration and running hub (a
    runtime without `apply_config`, as in tests over fakes, applies at next start)."""
    return CameraSettings(context.holder, getattr(context.runtime, "apply_config", None))


def refusal(exc: Exception) -> WebError:
    """The 4xx for a refused change; its detail says what to do."""
    if isinstance(exc, ConfigConflict):
        return WebError(409, "changed by someone else", str(exc))
    if isinstance(exc, SettingsError):
        return WebError(exc.status, "cannot save", str(exc))
    if isinstance(exc, PolygonError):
        return WebError(422, "invalid polygon", str(exc))
    if isinstance(exc, ProbeError):
        return WebError(422, f"camera test failed ({exc.kind})", str(exc))
    if isinstance(exc, ConfigError):
        return WebError(422, "invalid settings", str(exc))
    raise exc


def stored_url(context: HubContext, camera: str, shown: str) -> str:
    """The stored URL of the camera's input shown (redacted) as `shown`, else `shown`."""
    config = context.config.cameras.get(camera)
    for item in config.inputs if config else []:
        if redact_url(item.url) == shown.strip():
            return item.url
    return shown
