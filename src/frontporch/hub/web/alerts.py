"""The owner's alert pages and JSON API: the log of every alert sent with each delivery,
and the settings (rules per camera, the switches, webhooks, test buttons).

Every action goes through `AlertDesk` (`hub/alerts/service.py`) or `Controls`; this
module only turns forms and JSON into their calls and their answers into pages. A
mistake in a form (an unknown label, a bad time) re-renders the settings page with the
message and a 400; in the JSON API it is a 422 with the same message. A new webhook's
secret is shown once, on the page that answers the form, and never again.

Handlers are plain `def`s: the store and the test deliveries (network, up to the
channel's timeout) run in FastAPI's thread pool, not on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from frontporch.hub.alerts.model import Delivery
from frontporch.hub.alerts.records import DeliveryRecord, WebhookRecord
from frontporch.hub.alerts.rules import AlertRule, RuleError, rule_to_json
from frontporch.hub.alerts.service import (
    AlertDesk,
    AlertError,
    AlertPage,
    SentAlert,
    UnknownWebhook,
)
from frontporch.hub.alerts.webhooks import WebhookError
from frontporch.hub.controls import Controls, Switch
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError, not_found
from frontporch.hub.web.pages import render
from frontporch.hub.web.push import push_values
from frontporch.hub.web.schemas import iso
from frontporch.hub.web.sessions import Owner
from frontporch.hub.web.switches import Switches

router = APIRouter(dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
CameraName = Annotated[str, Path(max_length=64, description="A camera's name.")]
WebhookId = Annotated[str, Path(max_length=64, description="A webhook's id.")]
FormList = Annotated[list[str], Form(max_length=64)]
PAGE_SIZE = 50


def alert_desk(request: Request) -> AlertDesk:
    """The alert desk of the app serving this request (built by `create_hub_app`)."""
    desk: AlertDesk = request.app.state.alerts
    return desk


Desk = Annotated[AlertDesk, Depends(alert_desk)]


# --- JSON shapes --------------------------------------------------------------------


class DeliveryOut(BaseModel):
    """One attempt of one channel at one target."""

    channel: str = Field(description="push, email, webhook or mqtt.")
    target: str = Field(description="Who or where: a browser, masked addresses, a URL.")
    ok: bool = Field(description="Whether it was delivered.")
    status: str = Field(description="What happened, e.g. '200 OK' or 'timed out after 10 s'.")
    attempts: int = Field(description="Which attempt this was (1 = the first).")
    retry_at: str | None = Field(description="When the next try is due (ISO 8601), if any.")
    update: bool = Field(description="Whether this sent an update (a better snapshot).")
    at: str = Field(description="When the attempt was made (ISO 8601).")

    @classmethod
    def of(cls, record: DeliveryRecord) -> DeliveryOut:
        return cls(
            channel=record.channel,
            target=record.target,
            ok=record.ok,
            status=record.status,
            attempts=record.attempts,
            retry_at=iso(record.retry_at) if record.retry_at is not None else None,
            update=record.update,
            at=iso(record.at),
        )


class AlertOut(BaseModel):
    """An alert the hub sent, with every delivery attempt."""

    id: str = Field(description="The alert's id (stable across its updates).")
    camera: str
    labels: list[str]
    zones: list[str]
    events: list[str] = Field(description="The ids of the events it covers.")
    start: str = Field(description="When the first event began (ISO 8601).")
    title: str
    body: str
    url: str = Field(description="The hub page that shows it.")
    sent: str = Field(description="When it was first sent (ISO 8601).")
    sends: int = Field(description="How often it was sent (1 + updates).")
    deliveries: list[DeliveryOut]

    @classmethod
    def of(cls, sent: SentAlert) -> AlertOut:
        a = sent.alert
        return cls(
            id=a.id,
            camera=a.camera,
            labels=list(a.labels),
            zones=list(a.zones),
            events=list(a.event_ids),
            start=iso(a.start),
            title=a.title,
            body=a.body,
            url=a.url,
            sent=iso(a.sent),
            sends=a.sends,
            deliveries=[DeliveryOut.of(d) for d in sent.deliveries],
        )


class AlertListOut(BaseModel):
    """A page of the alert log, newest first."""

    alerts: list[AlertOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class RuleIn(BaseModel):
    """A camera's alert rule (absent fields take the defaults)."""

    labels: list[str] = Field(["person"], max_length=32, description="Labels that alert.")
    zones: list[str] = Field([], max_length=32, description="Zones that alert; empty = anywhere.")
    cooldown_s: float = Field(60.0, description="Quiet seconds after an alert of this camera.")
    quiet_start: str | None = Field(None, description="Quiet hours start, HH:MM local.")
    quiet_end: str | None = Field(None, description="Quiet hours end, HH:MM local (may wrap).")
    only_when_away: bool = Field(False, description="Alert only when nobody is home.")


class RuleOut(RuleIn):
    """A camera's alert rule and its switch."""

    camera: str
    alerts_on: bool = Field(description="The camera's alerts switch.")


def _rule_out(camera: str, rule: AlertRule, controls: Controls) -> RuleOut:
    return RuleOut(camera=camera, alerts_on=_alerts_on(controls, camera), **rule_to_json(rule))


def _alerts_on(controls: Controls, camera: str) -> bool:
    try:
        return controls.switches(camera).alerts
    except KeyError:
        return False


# --- the log ----------------------------------------------------------------------


def _page(desk: AlertDesk, cursor: str | None, limit: int = PAGE_SIZE) -> AlertPage:
    try:
        return desk.page(limit, cursor)
    except AlertError as exc:
        raise WebError(400, "bad cursor", str(exc)) from None


@router.get("/alerts", include_in_schema=False)
def alerts_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    cursor: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Every alert sent, newest first, with each delivery attempt."""
    page = _page(desk, cursor or None)
    return render(
        request,
        context,
        owner,
        "alerts.html",
        nav="alerts",
        alerts=page.alerts,
        older_url=f"/alerts?cursor={page.next_cursor}" if page.next_cursor else None,
        paged=bool(cursor),
    )


@router.get("/api/alerts", response_model=AlertListOut, summary="The alert log")
def list_alerts(
    desk: Desk,
    limit: Annotated[int, Query(ge=1, le=200)] = PAGE_SIZE,
    cursor: Annotated[str, Query(max_length=200)] = "",
) -> AlertListOut:
    """Alerts sent, newest first, each with every delivery attempt."""
    page = _page(desk, cursor or None, limit)
    return AlertListOut(alerts=[AlertOut.of(a) for a in page.alerts], next_cursor=page.next_cursor)


# --- rules (JSON) -------------------------------------------------------------------


@router.get("/api/alerts/rules", response_model=list[RuleOut], summary="Every alert rule")
def get_rules(desk: Desk, controls: Switches) -> list[RuleOut]:
    """Each camera's alert rule and alerts switch."""
    return [_rule_out(camera, rule, controls) for camera, rule in desk.rules().items()]


@router.get("/api/alerts/rules/{camera}", response_model=RuleOut, summary="A camera's rule")
def get_rule(camera: CameraName, desk: Desk, controls: Switches) -> RuleOut:
    """One camera's alert rule."""
    _known(desk, camera)
    return _rule_out(camera, desk.rule(camera), controls)


@router.put("/api/alerts/rules/{camera}", response_model=RuleOut, summary="Set a camera's rule")
def put_rule(
    camera: CameraName, rule: Annotated[RuleIn, Body()], desk: Desk, controls: Switches
) -> RuleOut:
    """Replace one camera's alert rule; 422 naming the field at fault."""
    _known(desk, camera)
    try:
        saved = desk.set_rule(camera, rule.model_dump())
    except RuleError as exc:
        raise WebError(422, "invalid rule", str(exc)) from None
    return _rule_out(camera, saved, controls)


def _known(desk: AlertDesk, camera: str) -> None:
    if camera not in desk.cameras():
        known = ", ".join(desk.cameras()) or "none are configured"
        raise not_found("camera", f"No camera named {camera!r}; known cameras: {known}.")


# --- the settings page ----------------------------------------------------------------


@dataclass(frozen=True)
class CameraSettings:
    """What the settings page shows for one camera."""

    name: str
    alerts_on: bool
    rule: AlertRule
    labels: list[str]  # what the camera tracks
    zones: list[str]


def render_settings(
    request: Request,
    context: HubContext,
    owner: Owner,
    desk: AlertDesk,
    controls: Controls,
    *,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
    error_camera: str | None = None,
    created: WebhookRecord | None = None,
    secret: str | None = None,
    result: Delivery | None = None,
) -> Response:
    """The settings page (values only; the template queries nothing)."""
    rules = desk.rules()
    cameras = []
    for name in desk.cameras():
        labels, zones = desk.camera_choices(name)
        rule = rules[name]
        # A label or zone the rule names but the config no longer has stays visible.
        labels += [x for x in rule.labels if x not in labels]
        zones += [x for x in rule.zones if x not in zones]
        cameras.append(CameraSettings(name, _alerts_on(controls, name), rule, labels, zones))
    return render(
        request,
        context,
        owner,
        "alerts_settings.html",
        status=status,
        nav="alerts",
        cameras=cameras,
        away=controls.away,
        webhooks=desk.webhook_list(),
        email_to=desk.email.target if desk.email is not None else None,
        notice=notice,
        error=error,
        error_camera=error_camera,
        created=created,
        secret=secret,
        result=result,
        **push_values(request),
    )


@router.get("/alerts/settings", include_in_schema=False)
def settings_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    controls: Switches,
    saved: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """Rules per camera, the switches, webhooks, test buttons, push subscriptions."""
    notices = {
        "rule": "Rule saved.",
        "switch": "Switch changed.",
        "away": "Saved.",
        "removed": "Webhook removed.",
    }
    return render_settings(request, context, owner, desk, controls, notice=notices.get(saved))


def _on(value: str) -> bool:
    return value.strip().lower() in ("on", "true", "1", "yes")


@router.post("/alerts/settings/away", include_in_schema=False)
def set_away(controls: Switches, value: Annotated[str, Form(max_length=8)]) -> Response:
    """The household's "nobody home" switch."""
    controls.set_away(_on(value), by="owner")
    return RedirectResponse("/alerts/settings?saved=away", status_code=303)


@router.post("/alerts/settings/cameras/{camera}/switch", include_in_schema=False)
def set_switch(
    camera: CameraName,
    desk: Desk,
    controls: Switches,
    value: Annotated[str, Form(max_length=8)],
) -> Response:
    """A camera's alerts switch."""
    _known(desk, camera)
    controls.set(camera, Switch.alerts, _on(value), by="owner")
    return RedirectResponse(f"/alerts/settings?saved=switch#camera-{camera}", status_code=303)


@router.post("/alerts/settings/cameras/{camera}/rule", include_in_schema=False)
def save_rule(
    camera: CameraName,
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    controls: Switches,
    labels: FormList = [],  # noqa: B006 (FastAPI copies form defaults)
    zones: FormList = [],  # noqa: B006
    cooldown_s: Annotated[str, Form(max_length=16)] = "60",
    quiet_start: Annotated[str, Form(max_length=8)] = "",
    quiet_end: Annotated[str, Form(max_length=8)] = "",
    only_when_away: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Save a camera's rule from the settings form."""
    _known(desk, camera)
    raw = {
        "labels": labels,
        "zones": zones,
        "cooldown_s": cooldown_s.strip() or "60",
        "quiet_start": quiet_start or None,
        "quiet_end": quiet_end or None,
        "only_when_away": _on(only_when_away) if only_when_away else False,
    }
    try:
        desk.set_rule(camera, raw)
    except RuleError as exc:
        return render_settings(
            request,
            context,
            owner,
            desk,
            controls,
            status=400,
            error=f"{camera}: {exc}",
            error_camera=camera,
        )
    return RedirectResponse(f"/alerts/settings?saved=rule#camera-{camera}", status_code=303)


@router.post("/alerts/settings/webhooks", include_in_schema=False)
def add_webhook(
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    controls: Switches,
    url: Annotated[str, Form(max_length=2100)],
) -> Response:
    """Add a webhook; the answer shows its secret, once."""
    try:
        record, secret = desk.add_webhook(url)
    except (WebhookError, AlertError) as exc:
        return render_settings(request, context, owner, desk, controls, status=400, error=str(exc))
    return render_settings(
        request,
        context,
        owner,
        desk,
        controls,
        created=record,
        secret=secret,
        notice="Webhook added.",
    )


@router.post("/alerts/settings/webhooks/{webhook_id}/remove", include_in_schema=False)
def remove_webhook(webhook_id: WebhookId, desk: Desk) -> Response:
    """Remove a webhook (its pending retries go too)."""
    try:
        desk.remove_webhook(webhook_id)
    except UnknownWebhook as exc:
        raise not_found("webhook", f"{exc}; see /alerts/settings.") from None
    return RedirectResponse("/alerts/settings?saved=removed#webhooks", status_code=303)


@router.post("/alerts/settings/webhooks/{webhook_id}/test", include_in_schema=False)
def test_webhook(
    webhook_id: WebhookId,
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    controls: Switches,
) -> Response:
    """Send a `ping` to one webhook and show what happened."""
    try:
        result = desk.test_webhook(webhook_id)
    except UnknownWebhook as exc:
        raise not_found("webhook", f"{exc}; see /alerts/settings.") from None
    return render_settings(request, context, owner, desk, controls, result=result)


@router.post("/alerts/settings/email/test", include_in_schema=False)
def test_email(
    request: Request, owner: SignedIn, context: Context, desk: Desk, controls: Switches
) -> Response:
    """Send a test email and show what happened."""
    try:
        result = desk.test_email()
    except AlertError as exc:
        return render_settings(request, context, owner, desk, controls, status=400, error=str(exc))
    return render_settings(request, context, owner, desk, controls, result=result)
