"""Web Push on the hub's pages: subscribing browsers, the service worker, the app manifest.

- `/api/push/key`, `/api/push/subscriptions[/{id}[/test]]`: the JSON the page script
  (static/push.js) uses to subscribe this browser and that the settings partial lists.
- `/alerts/push`: a page with the subscription partial (`_push.html`, which the alerts
  settings page includes too); its forms remove a browser or send it a test message.
- `/sw.js`: the service worker. It is served from the root, not /static, because a
  worker controls only the paths under its own URL (`Service-Worker-Allowed: /` says
  so too) and the notification click must open any hub page.
- `/manifest.webmanifest`: makes the hub installable as an app (name, icons, start URL).
  Like every route here it needs the owner, so the page links it with
  `crossorigin="use-credentials"` (browsers fetch manifests without cookies otherwise).

Every action calls the functions of `hub/alerts/push.py`; an API token reaches none of
these routes (`scopes.py` lists none of them).
"""

from __future__ import annotations

import contextlib
from pathlib import Path as FilePath
from typing import Annotated, Any, cast
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from frontporch.hub.alerts.model import Delivery
from frontporch.hub.alerts.push import (
    BadSubscription,
    UnknownSubscription,
    WebPushChannel,
    send_test,
    subscribe,
    unsubscribe,
)
from frontporch.hub.alerts.push_ports import PushStorePort
from frontporch.hub.alerts.webpush_records import PushSubscription
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError, not_found
from frontporch.hub.web.pages import render
from frontporch.hub.web.schemas import DeletedOut, ErrorBody, iso
from frontporch.hub.web.sessions import Owner

STATIC = FilePath(__file__).parent / "static"
PAGE = "/alerts/push"
ICON_SIZES = (192, 512)

router = APIRouter(dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
SubscriptionId = Annotated[str, Path(max_length=64, description="A push subscription's id.")]


def push_channel(request: Request) -> WebPushChannel:
    """The app's Web Push channel (one per app, so the VAPID key is read once)."""
    channel: WebPushChannel | None = getattr(request.app.state, "push_channel", None)
    if channel is None:
        context = hub_context(request)
        # create_hub_app takes a HubStorePort, which includes PushStorePort; the context
        # types the store more narrowly for the other pages.
        store = cast(PushStorePort, context.store)
        channel = WebPushChannel(store, context.config.alerts, context.clock)
        request.app.state.push_channel = channel
    return channel


Channel = Annotated[WebPushChannel, Depends(push_channel)]


# --- JSON ----------------------------------------------------------------------------


class PushKeyOut(BaseModel):
    """The hub's VAPID public key: the `applicationServerKey` to subscribe with."""

    public_key: str = Field(description="base64url, an uncompressed P-256 point")


class PushKeysIn(BaseModel):
    """The browser's keys from `PushSubscription.toJSON()`."""

    model_config = ConfigDict(extra="ignore")
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class SubscriptionIn(BaseModel):
    """What `PushSubscription.toJSON()` gives, and an optional name for the browser."""

    model_config = ConfigDict(extra="ignore")
    endpoint: str = Field(max_length=2048, description="The push service's URL")
    keys: PushKeysIn
    name: str | None = Field(
        default=None, max_length=80, description="Defaults to one made from the User-Agent"
    )


class SubscriptionOut(BaseModel):
    """A subscribed browser (its endpoint, a capability, is not shown)."""

    id: str
    name: str
    service: str = Field(description="The push service's host")
    created: str
    last_sent: str | None
    last_status: str | None

    @classmethod
    def of(cls, sub: PushSubscription) -> SubscriptionOut:
        return cls(
            id=sub.id,
            name=sub.name,
            service=service_host(sub.endpoint),
            created=iso(sub.created),
            last_sent=iso(sub.last_sent) if sub.last_sent is not None else None,
            last_status=sub.last_status,
        )


class DeliveryOut(BaseModel):
    """How a message to one browser went."""

    target: str
    ok: bool
    status: str

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(target=delivery.target, ok=delivery.ok, status=delivery.status)


def service_host(endpoint: str) -> str:
    """The push service's host name, which says whose service it is (fcm.googleapis.com,
    updates.push.services.mozilla.com, web.push.apple.com)."""
    return urlsplit(endpoint).hostname or "?"


def _unknown(exc: UnknownSubscription) -> WebError:
    return not_found("push subscription", f"{exc}; it may have been removed. See {PAGE}.")


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such subscription."}
}


@router.get("/api/push/key", response_model=PushKeyOut, summary="The hub's VAPID public key")
def push_key(channel: Channel) -> PushKeyOut:
    """The `applicationServerKey` a browser subscribes with (RFC 8292)."""
    return PushKeyOut(public_key=channel.key.public_key)


@router.get(
    "/api/push/subscriptions",
    response_model=list[SubscriptionOut],
    summary="Browsers subscribed to alerts",
)
def list_subscriptions(channel: Channel) -> list[SubscriptionOut]:
    """Every subscribed browser, oldest first."""
    return [SubscriptionOut.of(sub) for sub in channel.store.list_push_subscriptions()]


@router.post(
    "/api/push/subscriptions",
    status_code=201,
    response_model=SubscriptionOut,
    responses={422: {"model": ErrorBody, "description": "Not a usable subscription."}},
    summary="Subscribe a browser to alerts",
)
def add_subscription(
    body: SubscriptionIn, request: Request, channel: Channel, context: Context
) -> SubscriptionOut:
    """Store the browser's PushSubscription; the same endpoint again replaces its keys."""
    try:
        sub = subscribe(
            channel.store,
            body.model_dump(),
            request.headers.get("user-agent", ""),
            context.clock(),
        )
    except BadSubscription as exc:
        raise WebError(422, "not a usable push subscription", str(exc)) from exc
    return SubscriptionOut.of(sub)


@router.delete(
    "/api/push/subscriptions/{subscription_id}",
    response_model=DeletedOut,
    responses=NOT_FOUND,
    summary="Unsubscribe a browser",
)
def delete_subscription(subscription_id: SubscriptionId, channel: Channel) -> DeletedOut:
    """Stop sending alerts to this browser."""
    try:
        unsubscribe(channel.store, subscription_id)
    except UnknownSubscription as exc:
        raise _unknown(exc) from exc
    return DeletedOut(deleted=subscription_id)


@router.post(
    "/api/push/subscriptions/{subscription_id}/test",
    response_model=DeliveryOut,
    responses=NOT_FOUND,
    summary="Send a test notification",
)
def send_test_message(subscription_id: SubscriptionId, channel: Channel) -> DeliveryOut:
    """Send one test notification to this browser and say how the push service answered."""
    try:
        return DeliveryOut.of(send_test(channel, subscription_id))
    except UnknownSubscription as exc:
        raise _unknown(exc) from exc


# --- the page and its forms ------------------------------------------------------------


def push_values(request: Request) -> dict[str, Any]:
    """What `_push.html` needs, for any page that includes it: the subscribed browsers
    and the VAPID public key."""
    channel = push_channel(request)
    return {
        "push_subscriptions": [
            SubscriptionOut.of(sub) for sub in channel.store.list_push_subscriptions()
        ],
        "push_public_key": channel.key.public_key,
    }


@router.get(PAGE, include_in_schema=False)
def push_page(request: Request, owner: SignedIn, context: Context) -> Response:
    """Notifications on this browser: subscribe, test, remove."""
    return render(request, context, owner, "push.html", nav="alerts", **push_values(request))


def _back(back: str) -> str:
    # Only a path on this hub: a form must not send the browser elsewhere.
    return back if back.startswith("/") and not back.startswith("//") else PAGE


BackField = Annotated[str, Form(max_length=200)]


@router.post(PAGE + "/{subscription_id}/delete", include_in_schema=False)
def delete_form(
    subscription_id: SubscriptionId, channel: Channel, back: BackField = PAGE
) -> Response:
    """The partial's Remove button."""
    # Removed already (clicked twice, or by a 410 answer): the list shows the truth.
    with contextlib.suppress(UnknownSubscription):
        unsubscribe(channel.store, subscription_id)
    return RedirectResponse(_back(back), status_code=303)


@router.post(PAGE + "/{subscription_id}/test", include_in_schema=False)
def send_test_form(
    subscription_id: SubscriptionId, channel: Channel, back: BackField = PAGE
) -> Response:
    """The partial's Send a test button; the list then shows the push service's answer."""
    try:
        send_test(channel, subscription_id)
    except UnknownSubscription as exc:
        raise _unknown(exc) from exc
    return RedirectResponse(_back(back), status_code=303)


# --- the installable app ---------------------------------------------------------------


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> Response:
    """The service worker, at the root so its scope is the whole hub."""
    return Response(
        (STATIC / "sw.js").read_bytes(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "private, no-cache"},
    )


@router.get("/manifest.webmanifest", include_in_schema=False)
def manifest() -> Response:
    """The web app manifest: the hub as an installable app."""
    return JSONResponse(
        {
            "name": "Frontporch hub",
            "short_name": "Frontporch",
            "description": "Your cameras, events and alerts, from your own hub.",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#0d1117",
            "theme_color": "#0d1117",
            "icons": [
                {
                    "src": f"/static/icons/hub-{size}.png",
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": "any",
                }
                for size in ICON_SIZES
            ],
        },
        media_type="application/manifest+json",
        headers={"Cache-Control": "private, no-cache"},
    )


__all__ = ["push_values", "router"]
