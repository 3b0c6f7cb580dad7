"""What an API token may reach, by scope: the one list, read by `auth.require_owner`.

A browser session (the owner, signed in, with CSRF on every change) reaches every
route. A token reaches only the routes listed here for its scope, so a new route is
closed to tokens until someone decides, here, that a script should have it:

- `metrics`: Prometheus and status checks: `/metrics`, `/healthz` with details, and
  the cameras' settings and counters. No events, clips, snapshots or live video.
- `owner`: the read API, footage included (events, clips, snapshots, recordings,
  the timeline and its playback, exports, review items, live video, footage
  requests), for backups and home automation. Making an export or marking review
  items needs a browser.

No scope can publish to the community server, delete anything, manage tokens, or
release footage for (or decline) a footage request: those need the owner in a
browser, and a release the owner password on the request's page too. Footage never
leaves through a `metrics` token.
"""

from __future__ import annotations

from enum import StrEnum


class TokenScope(StrEnum):
    """What a token is for."""

    metrics = "metrics"
    owner = "owner"


SCOPE_DESCRIPTIONS = {
    TokenScope.metrics: "Metrics and camera status only (for Prometheus); no footage",
    TokenScope.owner: "Read everything, footage included; cannot share or delete",
}

METRICS_ROUTES = frozenset(
    {
        ("GET", "/metrics"),
        ("GET", "/healthz"),
        ("GET", "/api/cameras"),
        ("GET", "/api/cameras/{name}"),
        ("GET", "/api/cameras/{name}/stats"),
    }
)
OWNER_ROUTES = METRICS_ROUTES | {
    ("GET", "/api/openapi.json"),
    ("GET", "/api/events"),
    ("GET", "/api/events/{event_id}"),
    ("GET", "/api/events/{event_id}/snapshot.jpg"),
    ("GET", "/api/events/{event_id}/public-snapshot.jpg"),
    ("GET", "/api/events/{event_id}/clip.mp4"),
    ("GET", "/api/recordings/{name}"),
    ("GET", "/api/timeline/{camera}"),
    ("GET", "/api/playback/{camera}/segments/{segment_id}.mp4"),
    ("GET", "/api/exports"),
    ("GET", "/api/exports/{export_id}"),
    ("GET", "/api/exports/{export_id}/file.mp4"),
    ("GET", "/api/cameras/{name}/latest.jpg"),
    ("GET", "/api/cameras/{name}/live.mjpeg"),
    ("GET", "/api/cameras/{name}/live.mp4"),
    ("GET", "/api/requests"),
    ("GET", "/api/requests/{request_id}"),
    ("GET", "/api/alerts"),
    ("GET", "/api/switches"),
    ("GET", "/api/alerts/rules"),
    ("GET", "/api/alerts/rules/{camera}"),
    ("GET", "/api/review"),
    ("GET", "/api/review/{item_id}"),
}
ROUTES_BY_SCOPE = {TokenScope.metrics: METRICS_ROUTES, TokenScope.owner: OWNER_ROUTES}


def token_may(scope: str, method: str, route_path: str) -> bool:
    """Whether a token of `scope` may call `method` on the route `route_path` (the
    route's template, e.g. `/api/events/{event_id}`); HEAD goes where GET goes."""
    if scope not in ROUTES_BY_SCOPE:
        return False
    verb = "GET" if method == "HEAD" else method
    return (verb, route_path) in ROUTES_BY_SCOPE[TokenScope(scope)]
