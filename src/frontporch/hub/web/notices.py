"""The owner's legal-notice page: each legal demand that named the owner's account.

Every action goes through `NoticeDesk` (`hub/notices/service.py`); this module only
turns its records into a page and the "mark read" form into its call. What the page
promises:

- The operator's words (the authority, the scope) are shown exactly as sent, escaped,
  line breaks kept; what the server says it gave is shown as the server's words.
- Whether the notice was delayed by a court order, and until when.
- The log entries (the `legal_demand` and `owner_notice` indexes, linked to the
  server's public entry pages when the hub is paired) and whether this hub confirmed
  the notice against them; a notice that failed is marked "not confirmed by the log"
  with the reason, never hidden.
- A plain explanation: the server never held this hub's footage, so it did not and
  cannot give any of it; only the owner can release footage, from this hub.

Marking read needs a browser session (with its CSRF token); no API token scope lists it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.hub.notices.service import NoticeDesk, UnknownNotice
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import not_found
from frontporch.hub.web.pages import render
from frontporch.hub.web.sessions import Owner

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
DemandId = Annotated[str, Path(max_length=64, description="A legal demand's id.")]


def notice_desk(request: Request) -> NoticeDesk:
    """The notice desk of the app serving this request (built by `create_hub_app`)."""
    desk: NoticeDesk = request.app.state.notices
    return desk


Desk = Annotated[NoticeDesk, Depends(notice_desk)]


def nav_values(request: Request) -> dict[str, Any]:
    """What every page's navigation needs: the number of unread notices (a template
    context processor, so templates receive a value and query nothing)."""
    desk: NoticeDesk | None = getattr(request.app.state, "notices", None)
    return {"unread_notice_count": desk.unread_count() if desk is not None else 0}


@router.get("/notices")
def notices_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    read: Annotated[bool, Query()] = False,
) -> Response:
    """Legal notices: each demand that named this hub's owner, newest first."""
    notices = desk.notices()
    indexes = {i for n in notices for i in (n.log_index, n.notice_index)}
    return render(
        request,
        context,
        owner,
        "notices.html",
        nav="notices",
        notices=notices,
        entry_urls=desk.entry_urls(sorted(indexes)),
        notice="Marked as read." if read else None,
    )


@router.post("/notices/{demand}/read")
def mark_read(demand: DemandId, desk: Desk) -> Response:
    """Mark one notice read; back to the list."""
    try:
        desk.mark_read(demand)
    except UnknownNotice:
        raise not_found(
            "notice", f"No legal notice of demand {demand!r} on this hub; see /notices."
        ) from None
    return RedirectResponse("/notices?read=1", status_code=303)
