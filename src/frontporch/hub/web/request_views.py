"""What the footage-request pages show, as plain values: the area drawing, the recorded
spans of each camera in the window, and the owner's picks read back from the form.

Pure functions (no store, no FastAPI), so the routes in `requests.py` stay thin and the
templates receive values. Two decisions live here:

- The area is drawn as an inline SVG in a plain local projection (metres east and
  north of the area's centre, equirectangular), which is exact enough for the half
  square mile a request may cover; a scale bar says how large it is.
- Times the owner types are read in one fixed UTC offset, the hub's at the start of
  the window, and the page says which (`zone_label`). The browser's own zone could
  differ from the hub's; a fixed, stated offset makes what is typed, what the range
  picker fills in and what is released the same instant.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from frontporch.hub.ports import EventRecord
from frontporch.hub.requests.records import ClipPick, RecordedSpan

DRAWING_SIZE = 240.0
DRAWING_MARGIN = 16.0
METRES_PER_DEGREE_LAT = 110_540.0
METRES_PER_DEGREE_LNG = 111_320.0
BAR_WIDTH = 1000.0
SCALE_STEPS = (10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000)
LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"


class PickProblem(ValueError):
    """A pick on the form cannot be used; `field` names the control at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AreaDrawing:
    """An area as SVG values in a `size`×`size` view box (y grows downwards)."""

    size: float
    polygon: str | None
    circle: tuple[float, float, float] | None
    scale_length: float
    scale_label: str
    description: str


def _project(
    points: Sequence[tuple[float, float]], origin: tuple[float, float]
) -> list[tuple[float, float]]:
    lat0, lng0 = origin
    east = math.cos(math.radians(lat0)) * METRES_PER_DEGREE_LNG
    return [((lng - lng0) * east, (lat - lat0) * METRES_PER_DEGREE_LAT) for lat, lng in points]


def _scale(span_m: float) -> int:
    """A round distance about a quarter of `span_m` (at least the smallest step)."""
    target = span_m / 4
    return max((step for step in SCALE_STEPS if step <= target), default=SCALE_STEPS[0])


def _metres(distance: float) -> str:
    return f"{distance / 1000:g} km" if distance >= 1000 else f"{distance:g} m"


def _latlng(value: object) -> tuple[float, float]:
    if not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"not a [lat, lng] pair: {value!r}")
    lat, lng = value
    return float(lat), float(lng)


def area_drawing(area: Mapping[str, object]) -> AreaDrawing | None:
    """The request's area (polygon or circle, as the server sent it) for an inline SVG;
    None when the shape is not one of those (the page then shows the raw values)."""
    try:
        if area.get("type") == "circle":
            center = _latlng(area.get("center"))
            radius = float(area.get("radius_m", 0))  # type: ignore[arg-type]
            if radius <= 0:
                return None
            width = 2 * radius
            scale = DRAWING_SIZE - 2 * DRAWING_MARGIN
            half = DRAWING_SIZE / 2
            return AreaDrawing(
                size=DRAWING_SIZE,
                polygon=None,
                circle=(half, half, round(scale / 2, 2)),
                scale_length=round(_scale(width) * scale / width, 2),
                scale_label=_metres(_scale(width)),
                description=(
                    f"A circle of radius {_metres(round(radius))} around "
                    f"{center[0]:.5f}, {center[1]:.5f}"
                ),
            )
        if area.get("type") == "polygon":
            raw = area.get("points")
            if not isinstance(raw, Sequence):
                return None
            points = [_latlng(p) for p in raw]
            if len(points) < 3:
                return None
        else:
            return None
    except (TypeError, ValueError):
        return None
    lat0 = sum(p[0] for p in points) / len(points)
    lng0 = sum(p[1] for p in points) / len(points)
    flat = _project(points, (lat0, lng0))
    xs, ys = [p[0] for p in flat], [p[1] for p in flat]
    width = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    scale = (DRAWING_SIZE - 2 * DRAWING_MARGIN) / width
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    half = DRAWING_SIZE / 2
    svg = " ".join(
        f"{half + (x - mid_x) * scale:.2f},{half - (y - mid_y) * scale:.2f}" for x, y in flat
    )
    return AreaDrawing(
        size=DRAWING_SIZE,
        polygon=svg,
        circle=None,
        scale_length=round(_scale(width) * scale, 2),
        scale_label=_metres(_scale(width)),
        description=(
            f"A polygon of {len(points)} corners around {lat0:.5f}, {lng0:.5f}, "
            f"about {_metres(round(width, -1) or 10)} across"
        ),
    )


def hub_offset(at: float) -> int:
    """The hub's UTC offset in seconds at Unix time `at` (its local zone)."""
    offset = datetime.fromtimestamp(at).astimezone().utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def zone_label(offset: int) -> str:
    """'UTC+02:00' for an offset in seconds."""
    sign = "-" if offset < 0 else "+"
    hours, rest = divmod(abs(offset), 3600)
    return f"UTC{sign}{hours:02d}:{rest // 60:02d}"


def local_input(ts: float, offset: int) -> str:
    """A datetime-local value ('YYYY-MM-DDTHH:MM:SS') for `ts` at a fixed offset."""
    return datetime.fromtimestamp(math.floor(ts), timezone(timedelta(seconds=offset))).strftime(
        LOCAL_FORMAT
    )


def local_text(ts: float, offset: int) -> str:
    """'YYYY-MM-DD HH:MM:SS' at a fixed offset, for text next to the inputs."""
    return local_input(ts, offset).replace("T", " ")


def parse_local(value: str, offset: int, field: str) -> float:
    """Unix time of a datetime-local value typed at a fixed offset; PickProblem naming
    `field` when it is not a date and time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PickProblem(field, "enter a date and time such as 2024-06-03T14:05:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone(timedelta(seconds=offset)))
    return moment.astimezone(UTC).timestamp()


@dataclass(frozen=True)
class SpanBar:
    """One camera's recording in the window, as rectangles on a `BAR_WIDTH` scale."""

    camera: str
    spans: tuple[tuple[float, float], ...]
    events: tuple[float, ...]
    recorded_s: float
    start_value: str
    end_value: str
    start_problem: str | None = None
    end_problem: str | None = None


def _x(ts: float, start: float, end: float) -> float:
    return round((min(max(ts, start), end) - start) / (end - start) * BAR_WIDTH, 2)


def span_bars(
    cameras: Iterable[str],
    spans: Mapping[str, Sequence[RecordedSpan]],
    events: Sequence[EventRecord],
    window: tuple[float, float],
) -> list[SpanBar]:
    """Per camera, its recorded spans and event starts as positions on the bar."""
    start, end = window
    bars = []
    for camera in cameras:
        own = spans.get(camera, ())
        bars.append(
            SpanBar(
                camera=camera,
                spans=tuple(
                    (
                        _x(s.start, start, end),
                        round(max(_x(s.end, start, end) - _x(s.start, start, end), 1.0), 2),
                    )
                    for s in own
                ),
                events=tuple(_x(e.start, start, end) for e in events if e.camera == camera),
                recorded_s=sum(min(s.end, end) - max(s.start, start) for s in own),
                start_value="",
                end_value="",
            )
        )
    return bars


@dataclass(frozen=True)
class RangeField:
    """What the owner typed for one camera's range (kept to show the form again)."""

    camera: str
    start: str
    end: str


def range_fields(
    cameras: Sequence[str], starts: Sequence[str], ends: Sequence[str]
) -> list[RangeField]:
    """The per-camera range inputs, in the form's order (missing values are empty)."""
    return [
        RangeField(
            camera,
            starts[i] if i < len(starts) else "",
            ends[i] if i < len(ends) else "",
        )
        for i, camera in enumerate(cameras)
    ]


def event_picks(
    chosen: Iterable[str],
    events: Sequence[EventRecord],
    padding: Mapping[str, tuple[float, float]],
    window: tuple[float, float],
) -> list[ClipPick]:
    """The clips of the checked events: each event widened by its camera's pre- and
    post-capture (`padding`), cut to the window. PickProblem for an id that is not
    one of the events shown (deleted since, or outside the window)."""
    by_id = {event.id: event for event in events}
    picks = []
    for event_id in dict.fromkeys(chosen):
        event = by_id.get(event_id)
        if event is None:
            raise PickProblem(
                "events", f"event {event_id} is no longer in this request's window; reload the page"
            )
        pre, post = padding.get(event.camera, (0.0, 0.0))
        end = event.end if event.end is not None else window[1]
        picks.append(
            ClipPick(
                camera=event.camera,
                start=max(event.start - pre, window[0]),
                end=min(end + post, window[1]),
                event_id=event.id,
            )
        )
    return picks


def range_picks(
    fields: Sequence[RangeField], offset: int, window: tuple[float, float], cameras: Iterable[str]
) -> list[ClipPick]:
    """The ranges typed (or picked on the bar) per camera; a camera left empty is no
    pick. PickProblem naming the control when a range is half filled, reversed, or
    outside the window."""
    known = set(cameras)
    picks = []
    for field in fields:
        if not field.start.strip() and not field.end.strip():
            continue
        if field.camera not in known:
            raise PickProblem("ranges", f"there is no camera named {field.camera!r} on this hub")
        if not field.start.strip():
            raise PickProblem(
                f"range-start-{field.camera}", f"enter where the range on {field.camera} starts"
            )
        if not field.end.strip():
            raise PickProblem(
                f"range-end-{field.camera}", f"enter where the range on {field.camera} ends"
            )
        start = parse_local(field.start, offset, f"range-start-{field.camera}")
        end = parse_local(field.end, offset, f"range-end-{field.camera}")
        if end <= start:
            raise PickProblem(
                f"range-end-{field.camera}", f"the range on {field.camera} must end after it starts"
            )
        if start < window[0] or end > window[1]:
            raise PickProblem(
                f"range-start-{field.camera}",
                f"the range on {field.camera} must lie within the request's window, "
                f"{local_text(window[0], offset)} to {local_text(window[1], offset)} "
                f"({zone_label(offset)})",
            )
        picks.append(ClipPick(camera=field.camera, start=start, end=end))
    return picks


@dataclass(frozen=True)
class PickView:
    """A pick as the consent form lists it."""

    camera: str
    start: float
    end: float
    label: str
    preview_url: str


def pick_views(request_id: str, picks: Sequence[ClipPick], offset: int) -> list[PickView]:
    """The picks as the form lists them, each with its masked-preview link."""
    views = []
    for pick in picks:
        what = f"event {pick.event_id}" if pick.event_id else "range"
        views.append(
            PickView(
                camera=pick.camera,
                start=pick.start,
                end=pick.end,
                label=(
                    f"{pick.camera}, {what}: {local_text(pick.start, offset)} to "
                    f"{local_text(pick.end, offset)[11:]} ({round(pick.end - pick.start)} s)"
                ),
                preview_url=preview_url(request_id, pick),
            )
        )
    return views


def preview_url(request_id: str, pick: ClipPick) -> str:
    """Where the masked preview of a pick is served."""
    return (
        f"/requests/{request_id}/preview?camera={pick.camera}"
        f"&start={pick.start:.3f}&end={pick.end:.3f}"
    )


def human_bytes(size: int | None) -> str:
    """'1.5 MB' for a byte count (decimal units, as disks are sold)."""
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover


def words(token: str) -> str:
    """A logged word such as `package_theft` as people read it: "Package theft"."""
    text = token.replace("_", " ").strip()
    return text[:1].upper() + text[1:]
