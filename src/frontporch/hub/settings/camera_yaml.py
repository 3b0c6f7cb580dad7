"""Writing a camera's form and its zones and masks into the round-trip YAML document.

Each writer changes only what differs from the file, keeps the owner's spelling of an
unchanged value (quotes, `yes`) and of unchanged polygons, and does not add a value equal
to the model's default where the file does not have it (see `yamldoc.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from frontporch.hub.config import DetectConfig, RecordConfig, RetainConfig, Role
from frontporch.hub.settings import yamldoc
from frontporch.hub.settings.forms import CameraForm, ZoneArea
from frontporch.hub.settings.polygons import Point

BOTH_ROLES = [Role.record.value, Role.detect.value]


def write_inputs(camera: CommentedMap, record_url: str, detect_url: str | None, loop: bool) -> None:
    """Set the inputs' URLs, keeping each input's other settings (timeouts), and `loop`
    on the inputs that are files."""
    _set_urls(camera, record_url, detect_url)
    for item in camera["inputs"]:
        if "://" in str(item.get("url", "")):
            continue
        if loop and not item.get("loop"):
            yamldoc.put(item, "loop", True)
        elif not loop and "loop" in item:
            yamldoc.remove(item, "loop")


def _set_urls(camera: CommentedMap, record_url: str, detect_url: str | None) -> None:
    wanted: list[tuple[str, list[str]]] = (
        [(record_url, BOTH_ROLES)]
        if detect_url is None or detect_url == record_url
        else [(record_url, [Role.record.value]), (detect_url, [Role.detect.value])]
    )
    existing = camera.get("inputs")
    inputs = existing if isinstance(existing, CommentedSeq) else CommentedSeq()
    shapes = [sorted(item.get("roles", BOTH_ROLES)) for item in inputs]
    if shapes == [sorted(roles) for _, roles in wanted]:
        for item, (url, _) in zip(inputs, wanted, strict=True):
            if item.get("url") != url:
                item["url"] = url
        if existing is None:
            yamldoc.put(camera, "inputs", inputs)
        return
    rebuilt = CommentedSeq()
    for url, roles in wanted:
        base = next((item for item in inputs if roles[0] in item.get("roles", BOTH_ROLES)), None)
        item = CommentedMap()
        item["url"] = url
        if roles != BOTH_ROLES:
            item["roles"] = yamldoc.flow_list(roles)
        for key, value in (base or {}).items():
            if key not in ("url", "roles"):
                item[key] = value
        rebuilt.append(item)
    yamldoc.put(camera, "inputs", rebuilt)


def write_form(camera: CommentedMap, form: CameraForm) -> None:
    """Write the form's settings; a value at its default is not added where absent."""
    set_path = yamldoc.set_path
    retain = RetainConfig()
    set_path(camera, ("enabled",), form.enabled, True)
    set_path(camera, ("detect", "enabled"), form.detect_enabled, DetectConfig().enabled)
    set_path(camera, ("detect", "fps"), _number(form.detect_fps), DetectConfig().fps)
    set_path(camera, ("record", "enabled"), form.record_enabled, RecordConfig().enabled)
    set_path(camera, ("record", "audio"), form.record_audio, RecordConfig().audio)
    set_path(camera, ("live", "privacy_masks"), form.live_masks, "off")
    for key, value in (
        ("all_days", form.all_days),
        ("motion_days", form.motion_days),
        ("event_days", form.event_days),
    ):
        set_path(camera, ("record", "retain", key), _number(value), getattr(retain, key))
    track = list(form.track)
    objects = camera.get("objects")
    current = objects.get("track") if isinstance(objects, CommentedMap) else None
    if (current is None and track != ["person"]) or (
        current is not None and list(current) != track
    ):
        set_path(camera, ("objects", "track"), yamldoc.flow_list(track))


def _number(value: float) -> float | int:
    """3.0 as 3, so the file reads as a person would write it."""
    return int(value) if float(value).is_integer() else value


def _same_polygon(stored: object, points: list[Point]) -> bool:
    try:
        return [(round(float(p[0]), 4), round(float(p[1]), 4)) for p in stored] == [  # type: ignore[attr-defined]
            (round(x, 4), round(y, 4)) for x, y in points
        ]
    except (TypeError, ValueError, IndexError):
        return False


def write_polygons(mapping: CommentedMap, key: str, polygons: list[list[Point]]) -> None:
    """Set a list of polygons; polygons the file already has are left as written."""
    if not polygons:
        yamldoc.remove(mapping, key)
        return
    stored = mapping.get(key)
    if (
        isinstance(stored, list)
        and len(stored) == len(polygons)
        and all(_same_polygon(s, p) for s, p in zip(stored, polygons, strict=True))
    ):
        return
    yamldoc.put(mapping, key, polygon_list(polygons, stored))


def polygon_list(polygons: list[list[Point]], stored: object = None) -> CommentedSeq:
    """Polygons as a YAML list; those equal to the stored ones keep their spelling."""
    before = stored if isinstance(stored, list) else []
    seq = CommentedSeq()
    for number, points in enumerate(polygons):
        if number < len(before) and _same_polygon(before[number], points):
            seq.append(before[number])
        else:
            seq.append(yamldoc.polygon(points))
    return seq


def write_zones(
    camera: CommentedMap, zones: list[tuple[str, list[Point]]], areas: Sequence[ZoneArea]
) -> None:
    existing = camera.get("zones")
    if not zones:
        yamldoc.remove(camera, "zones")
        return
    if not isinstance(existing, CommentedMap):
        existing = CommentedMap()
        for name, points in zones:
            existing[name] = _new_zone(points, areas, name)
        yamldoc.put(camera, "zones", existing)
        return
    wanted = {name for name, _ in zones}
    for name in [n for n in existing if n not in wanted]:
        yamldoc.remove(existing, name)
    for name, points in zones:
        zone = existing.get(name)
        if not isinstance(zone, CommentedMap):
            yamldoc.put(existing, name, _new_zone(points, areas, name))
            continue
        if not _same_polygon(zone.get("polygon"), points):
            zone["polygon"] = yamldoc.polygon(points)
        _write_objects(zone, areas, name)


def _new_zone(points: list[Point], areas: Sequence[ZoneArea], name: str) -> CommentedMap:
    zone = CommentedMap([("polygon", yamldoc.polygon(points))])
    _write_objects(zone, areas, name)
    return zone


def _write_objects(zone: CommentedMap, areas: Sequence[ZoneArea], name: str) -> None:
    objects = next(z.objects for z in areas if z.name.strip() == name)
    if objects is None:
        return
    if not objects:
        yamldoc.remove(zone, "objects")
    elif list(zone.get("objects") or []) != list(objects):
        yamldoc.put(zone, "objects", yamldoc.flow_list(objects))


def write_required(camera: CommentedMap, required: list[str]) -> None:
    events = camera.get("events")
    if not required:
        if isinstance(events, CommentedMap):
            yamldoc.remove(events, "required_zones")
            if not events:
                yamldoc.remove(camera, "events")
        return
    current = events.get("required_zones") if isinstance(events, CommentedMap) else None
    if current is None or list(current) != required:
        yamldoc.set_path(camera, ("events", "required_zones"), yamldoc.flow_list(required))
