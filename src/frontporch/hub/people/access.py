"""Who may reach which route: roles, allowances, and the member route table.

The owner reaches everything. A household member reaches only the routes listed in
`MEMBER_ROUTES` (watching and reviewing) plus those of the allowances the owner granted
them (`share`, `release`, `settings`), so a new route is owner-only until someone lists
it here: deny by default, like `web/scopes.py` does for API tokens. Routes are matched
by the route's template (`/api/events/{event_id}`), never by the concrete path.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    owner = "owner"
    member = "member"


class Allowance(StrEnum):
    share = "share"
    release = "release"
    settings = "settings"


ALLOWANCE_DESCRIPTIONS = {
    Allowance.share: "Share events with the Neighbors feed of the community server",
    Allowance.release: "Release footage for a footage request",
    Allowance.settings: "Change cameras, zones, alerts and backup settings",
}

# Watching and reviewing: pages and APIs for cameras, live view, events, clips,
# snapshots, the timeline and playback, review items (and marking them reviewed), and
# the member's own account.
MEMBER_ROUTES = frozenset(
    {
        ("GET", "/"),
        ("GET", "/cameras/{name}"),
        ("GET", "/events"),
        ("GET", "/events/{event_id}"),
        ("GET", "/api/cameras"),
        ("GET", "/api/cameras/{name}"),
        ("GET", "/api/cameras/{name}/stats"),
        ("GET", "/api/cameras/{name}/latest.jpg"),
        ("GET", "/api/cameras/{name}/live.mjpeg"),
        ("GET", "/api/cameras/{name}/live.mp4"),
        ("GET", "/api/events"),
        ("GET", "/api/events/{event_id}"),
        ("GET", "/api/events/{event_id}/snapshot.jpg"),
        ("GET", "/api/events/{event_id}/clip.mp4"),
        ("GET", "/api/recordings/{name}"),
        ("GET", "/api/switches"),
        ("GET", "/api/openapi.json"),
        ("GET", "/docs"),
        ("GET", "/sw.js"),
        ("GET", "/manifest.webmanifest"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        # the member's own account, sessions, tokens, passkeys and second factor
        ("POST", "/logout"),
        ("GET", "/account"),
        ("POST", "/account/password"),
        ("POST", "/account/token"),
        ("POST", "/account/tokens/{token_id}/revoke"),
        ("POST", "/account/sessions/{session_id}/revoke"),
        ("POST", "/api/account/passkeys/options"),
        ("POST", "/api/account/passkeys"),
        ("POST", "/account/passkeys/{passkey_id}/remove"),
        ("POST", "/account/totp/start"),
        ("POST", "/account/totp/confirm"),
        ("POST", "/account/totp/remove"),
        ("POST", "/api/passkeys/confirm/options"),
    }
)

# Route prefixes a member reaches with GET (pages and reads of areas that are about
# watching: the timeline and playback, review items, exports' listing is not here).
MEMBER_GET_PREFIXES = ("/timeline", "/api/timeline", "/api/playback", "/review", "/api/review")
# Review: marking items reviewed is part of reviewing.
MEMBER_POST_ROUTES_PREFIXES = ("/api/review/", "/review/")
MEMBER_POST_SUFFIXES = ("/reviewed",)

ALLOWANCE_ROUTES: dict[Allowance, frozenset[tuple[str, str]]] = {
    Allowance.share: frozenset(
        {
            ("POST", "/events/{event_id}/publish"),
            ("POST", "/api/events/{event_id}/publish"),
            ("GET", "/api/events/{event_id}/public-snapshot.jpg"),
        }
    ),
    Allowance.release: frozenset(
        {
            ("GET", "/requests"),
            ("GET", "/requests/{request_id}"),
            ("GET", "/requests/{request_id}/preview"),
            ("POST", "/requests/{request_id}/release"),
            ("POST", "/requests/{request_id}/decline"),
            ("GET", "/released"),
            ("GET", "/released/{release_id}"),
            ("GET", "/released/{release_id}/manifest.json"),
            ("GET", "/released/{release_id}/manifest.sig"),
            ("GET", "/api/requests"),
            ("GET", "/api/requests/{request_id}"),
        }
    ),
    Allowance.settings: frozenset(
        {
            ("GET", "/alerts/settings"),
            ("POST", "/alerts/settings/away"),
            ("POST", "/alerts/settings/cameras/{camera}/switch"),
            ("POST", "/alerts/settings/cameras/{camera}/rule"),
            ("POST", "/cameras/{camera}/switches/{switch}"),
            ("GET", "/backup"),
            ("POST", "/backup/run"),
        }
    ),
}
# Everything under these prefixes belongs to an allowance (the camera and zone editor).
ALLOWANCE_PREFIXES: dict[Allowance, tuple[str, ...]] = {
    Allowance.share: (),
    Allowance.release: (),
    Allowance.settings: ("/settings/cameras", "/api/settings/camera", "/api/config"),
}

OWNER_ONLY_WHY = (
    "This page is for the hub's owner: members can watch and review. "
    "Ask the owner to change your role or allowances under Settings → Members."
)


def _verb(method: str) -> str:
    return "GET" if method == "HEAD" else method.upper()


def route_allowance(method: str, route: str) -> Allowance | None:
    """The allowance that opens `method route` to a member, or None if none does."""
    verb = _verb(method)
    for allowance in Allowance:
        if (verb, route) in ALLOWANCE_ROUTES[allowance]:
            return allowance
        if any(route.startswith(prefix) for prefix in ALLOWANCE_PREFIXES[allowance]):
            return allowance
    return None


def member_may(allowances: frozenset[str], method: str, route: str) -> bool:
    """Whether a member with these allowances may call `method` on the route template."""
    verb = _verb(method)
    if (verb, route) in MEMBER_ROUTES:
        return True
    if verb == "GET" and any(route.startswith(prefix) for prefix in MEMBER_GET_PREFIXES):
        return True
    if (
        verb == "POST"
        and any(route.startswith(prefix) for prefix in MEMBER_POST_ROUTES_PREFIXES)
        and route.endswith(MEMBER_POST_SUFFIXES)
    ):
        return True
    allowance = route_allowance(verb, route)
    return allowance is not None and allowance.value in allowances


def role_may(role: str, allowances: frozenset[str], method: str, route: str) -> bool:
    """Whether a user of `role` may reach the route: the owner always, a member by table."""
    if role == Role.owner:
        return True
    if role == Role.member:
        return member_may(allowances, method, route)
    return False


def refusal(method: str, route: str) -> str:
    """Why a member was refused, in words they can act on."""
    allowance = route_allowance(method, route)
    if allowance is Allowance.share:
        return (
            "Household members cannot share footage with neighbors unless the owner "
            "allows it. Ask the owner to give you the 'share' allowance under "
            "Settings → Members."
        )
    if allowance is Allowance.release:
        return (
            "Only the owner answers footage requests unless they give you the 'release' "
            "allowance under Settings → Members."
        )
    if allowance is Allowance.settings:
        return (
            "Changing cameras and settings needs the 'settings' allowance; ask the owner "
            "to grant it under Settings → Members."
        )
    return OWNER_ONLY_WHY


def parse_allowances(raw: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    """The known allowances among `raw`; ValueError naming an unknown one."""
    known = {allowance.value for allowance in Allowance}
    chosen = {value.strip() for value in raw if value.strip()}
    unknown = sorted(chosen - known)
    if unknown:
        raise ValueError(f"unknown allowance {unknown[0]!r}; one of: {', '.join(sorted(known))}")
    return frozenset(chosen)
