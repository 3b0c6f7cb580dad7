"""The agency member's start page (`/agency`): the agency it acts for, with its status
(applied, verified, revoked), its key fingerprints and the log entry that registered
them; a way to post; and the agency's posts, newest first — what an agency member lands
on after signing in. Residents have the feed and operators moderation; this is the
agency's own view, which the footage-request portal extends. The posts are read
through the feed's posts service, with the feed's access rules.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from frontporch.server.agencies.access import AgencyMember, agency_member
from frontporch.server.agencies.service import AgencyService
from frontporch.server.agencies.views import agency_view
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.feed.params import Cursor
from frontporch.server.feed.posts.service import PostService
from frontporch.server.kit.pages import render
from frontporch.server.routing import protected_router

pages: APIRouter = protected_router(agency_member, include_in_schema=False)

PAGE_SIZE = 20


@pages.get("/agency")
def agency_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: AgencyMember,
    before: Cursor = None,
) -> Response:
    """The agency's posts (with "Older posts" by the feed's cursor) and a link to post."""
    service = PostService(db, context)
    found = service.agency_posts(subject, before, PAGE_SIZE)
    attached = AgencyService(db, context).attached_agency(subject.user)
    return render(
        request,
        context,
        "agencies/index.html",
        subject,
        nav="agency",
        agency=service.verified_agency(subject),
        view=agency_view(attached) if attached else None,
        views=found.posts,
        older=f"/agency?before={found.next_cursor}" if found.next_cursor else None,
        first_page=before is None,
    )


ROUTERS = (pages,)
