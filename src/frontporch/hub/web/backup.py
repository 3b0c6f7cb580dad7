"""The owner's Backup page: the recovery key, the policy, and how the passes went.

Every action goes through `BackupDesk` (`hub/backup/service.py`); this module turns
forms into its calls. What the pages promise:

- The recovery key is made in the request that shows it and is in no other response,
  no log and no database: the page that shows it is sent `no-store` (the hub's
  default for pages), offers it as text, as a QR code and as a printable page to
  download (a `data:` link, so the key never travels back to the hub), and says
  plainly that a lost key means lost backups and that the hub cannot show it again.
- Backups start only after the owner ticks "I have saved it" (the confirm form carries
  only the public half, so it still works after the key has left the screen).
- Replacing a confirmed key needs a second tick: every backup is uploaded again under
  the new key and the old objects are then deleted, so the old key stops being useful.
"""

from __future__ import annotations

import base64
import time
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.hub.backup.recovery import WARNING, RecoveryKeyError, printable_page, qr_svg
from frontporch.hub.backup.service import BackupDesk, BackupDeskError
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.pages import render
from frontporch.hub.web.sessions import Owner

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]


def backup_desk(request: Request) -> BackupDesk:
    """The desk of the app serving this request (built by `create_hub_app`)."""
    desk: BackupDesk = request.app.state.backup
    return desk


Desk = Annotated[BackupDesk, Depends(backup_desk)]


def render_backup(
    request: Request,
    context: HubContext,
    owner: Owner,
    desk: BackupDesk,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    return render(
        request,
        context,
        owner,
        "backup.html",
        status=status,
        nav="backup",
        view=desk.view(),
        error=error,
        notice=notice,
        warning=WARNING,
    )


@router.get("/backup")
def backup_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    confirmed: Annotated[bool, Query()] = False,
    started: Annotated[bool, Query()] = False,
) -> Response:
    """The key's state, the policy, the target and the latest passes."""
    notice = None
    if confirmed:
        notice = "Recovery key confirmed: backups are encrypted to it from now on."
    elif started:
        notice = "A backup pass will start shortly."
    return render_backup(request, context, owner, desk, notice=notice)


@router.post("/backup/recovery-key")
def make_key(
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    replace: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Make a recovery key and show it, this once."""
    if desk.store.backup_recipient() is not None and replace != "yes":
        return render_backup(
            request,
            context,
            owner,
            desk,
            status=400,
            error=(
                "Tick the box to replace the recovery key. Nothing was changed; your "
                "backups still use the current key."
            ),
        )
    key = desk.new_key()
    made_at = time.strftime("%Y-%m-%d %H:%M", time.localtime(context.clock()))
    hub_name = request.url.hostname or "this hub"
    page = printable_page(key, hub_name, made_at)
    key_file = f"# Frontporch recovery key, made {made_at}\n# public key: {key.recipient}\n"
    key_file += f"{key.secret}\n"
    return render(
        request,
        context,
        owner,
        "recovery_key.html",
        nav="backup",
        secret=key.secret,
        recipient=key.recipient,
        qr=qr_svg(key.secret),
        warning=WARNING,
        printable_url="data:text/html;base64," + base64.b64encode(page.encode()).decode(),
        text_url="data:text/plain;charset=utf-8," + quote(key_file),
        replacing=replace == "yes",
    )


@router.post("/backup/recovery-key/confirm")
def confirm_key(
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    recipient: Annotated[str, Form(max_length=200)] = "",
    saved: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """The owner saved the key: backups use it from now on."""
    if saved != "yes":
        return render_backup(
            request,
            context,
            owner,
            desk,
            status=400,
            error="Tick “I have saved it” once the key is safe; nothing was changed.",
        )
    try:
        desk.confirm_key(recipient)
    except (BackupDeskError, RecoveryKeyError) as exc:
        return render_backup(request, context, owner, desk, status=409, error=f"{exc}.")
    return RedirectResponse("/backup?confirmed=1", status_code=303)


@router.post("/backup/run")
def run_now(request: Request, owner: SignedIn, context: Context, desk: Desk) -> Response:
    """Ask for a backup pass now (it runs on the hub's backup thread)."""
    view = desk.view()
    if view.problem is not None:
        return render_backup(request, context, owner, desk, status=409, error=f"{view.problem}.")
    desk.run_now()
    return RedirectResponse("/backup?started=1", status_code=303)
