"""Pairing with a community server from the UI, the link's state, unpairing.

The page `/settings/community` and the JSON API `/api/pairing` call the same service
(`services/pairing.py`), which is `frontporch hub pair` / `hub unpair`'s code path plus
opening or closing the running hub's link. Owner-only (the router's guard; members get
it only if `people/access.py` lists it). A refusal is answered in words: on the page above the
form with what was typed kept (the code excepted: a used code is no good again), in the
API as `{"error", "detail"}` with a 4xx (502 when the server cannot be reached).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from frontporch.hub.services.pairing import (
    LinkView,
    PairingFailed,
    link_view,
    pair_hub,
    unpair_hub,
)
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError
from frontporch.hub.web.pages import render
from frontporch.hub.web.schemas import ErrorBody, iso
from frontporch.hub.web.sessions import Owner

router = APIRouter(dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (400, 409, 422, 500, 502)
}
NOTICES = {
    "paired": "Paired. The hub now receives the server's messages (footage requests, "
    "notices) and can share to the Neighbors feed.",
    "unpaired": "Unpaired: the server no longer accepts this hub, and the hub forgot it.",
    "unpaired-already": "Unpaired (the server had already revoked this hub).",
}


class PairIn(BaseModel):
    """Pair with a home: its server's address and the code from the home's page."""

    server: str = Field(max_length=300, description="The community server's address (https://…).")
    code: str = Field(max_length=40, description="The home's one-time pairing code.")
    name: str = Field(
        default="", max_length=100, description="How the hub is listed (default: host name)."
    )


class LinkOut(BaseModel):
    """The link to the community server as the hub sees it."""

    paired: bool
    state: str = Field(
        description="not paired, connecting, connected, retrying, revoked or not running."
    )
    words: str = Field(description="The state in a sentence.")
    server_url: str | None = None
    home_name: str | None = None
    paired_at: str | None = Field(default=None, description="ISO 8601 UTC, if known.")
    last_contact: str | None = Field(default=None, description="ISO 8601 UTC, if any.")
    last_error: str | None = None

    @classmethod
    def of(cls, view: LinkView) -> LinkOut:
        return cls(
            paired=view.paired,
            state=view.state,
            words=view.words,
            server_url=view.server_url,
            home_name=view.home_name,
            paired_at=iso(view.paired_at) if view.paired_at is not None else None,
            last_contact=iso(view.last_contact) if view.last_contact is not None else None,
            last_error=view.last_error,
        )


class UnpairedOut(BaseModel):
    """The hub forgot its server."""

    confirmed: bool = Field(description="False if the server had already revoked the hub.")


def _view(context: HubContext) -> LinkView:
    return link_view(context.config.storage.path, context.runtime)


def _page(
    request: Request,
    context: HubContext,
    owner: Owner,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        context,
        owner,
        "pairing.html",
        status=status,
        nav="settings",
        link=_view(context),
        error=error,
        notice=notice,
        form=form or {},
    )


@router.get("/settings/community", include_in_schema=False)
def pairing_page(request: Request, owner: SignedIn, context: Context, done: str = "") -> Response:
    """The link's state, and the pairing form or the unpair button."""
    return _page(request, context, owner, notice=NOTICES.get(done))


@router.post("/settings/community/pair", include_in_schema=False)
def pair_form(
    request: Request,
    owner: SignedIn,
    context: Context,
    server: Annotated[str, Form(max_length=300)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        pair_hub(context.config.storage.path, context.runtime, server, code, name)
    except PairingFailed as exc:
        form = {"server": server, "name": name}
        return _page(request, context, owner, status=exc.status, error=str(exc), form=form)
    return RedirectResponse("/settings/community?done=paired", status_code=303)


@router.post("/settings/community/unpair", include_in_schema=False)
def unpair_form(request: Request, owner: SignedIn, context: Context) -> Response:
    try:
        confirmed = unpair_hub(context.config.storage.path, context.runtime)
    except PairingFailed as exc:
        return _page(request, context, owner, status=exc.status, error=str(exc))
    done = "unpaired" if confirmed else "unpaired-already"
    return RedirectResponse(f"/settings/community?done={done}", status_code=303)


@router.get("/api/pairing", response_model=LinkOut, summary="The community server link")
def pairing_state(context: Context) -> LinkOut:
    """Whether the hub is paired, with which home on which server, and the link's state."""
    return LinkOut.of(_view(context))


@router.post(
    "/api/pairing",
    response_model=LinkOut,
    status_code=201,
    responses=ERRORS,
    summary="Pair with a community server",
)
def pair_api(body: PairIn, context: Context) -> LinkOut:
    """Pair with the home whose code this is; the link opens at once."""
    try:
        pair_hub(context.config.storage.path, context.runtime, body.server, body.code, body.name)
    except PairingFailed as exc:
        raise WebError(exc.status, exc.error, str(exc)) from None
    return LinkOut.of(_view(context))


@router.delete(
    "/api/pairing",
    response_model=UnpairedOut,
    responses=ERRORS,
    summary="Unpair from the community server",
)
def unpair_api(context: Context) -> UnpairedOut:
    """Revoke the hub's credential on its server and forget the server."""
    try:
        confirmed = unpair_hub(context.config.storage.path, context.runtime)
    except PairingFailed as exc:
        raise WebError(exc.status, exc.error, str(exc)) from None
    return UnpairedOut(confirmed=confirmed)
