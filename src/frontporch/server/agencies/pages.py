"""The agency member's start page (`/agency`): the agency it acts for, a way to post,
and the agency's posts, newest first — what an agency member lands on after signing
in. Residents have the feed and operators moderation; this is the agency's own view,
which the footage-request portal will extend.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from frontporch.server.accounts.pages import render
from frontporch.server.agencies.access import AgencyMember, agency_member
from frontporch.server.agencies.repository import AgencyPostRepository
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.feed import rules
from frontporch.server.feed.service import FeedService
from frontporch.server.routing import protected_router

pages: APIRouter = protected_router(agency_member, include_in_schema=False)

PAGE_SIZE = 20
Cursor = Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


@pages.get("/agency")
def agency_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: AgencyMember,
    before: Cursor = None,
) -> Response:
    """The agency's posts (with "Older posts" by the feed's cursor) and a link to post."""
    feed = FeedService(db, context)
    viewer = feed.viewer(subject)
    agency = feed.agencies.get(viewer.agency_id) if viewer.agency_id else None
    before_seq = rules.decode_post_cursor(before) if before else None
    found = AgencyPostRepository(db).page_for(viewer, before_seq, PAGE_SIZE + 1)
    views = feed.views(viewer, found[:PAGE_SIZE], None)
    older = None
    if len(found) > PAGE_SIZE:
        older = f"/agency?before={rules.encode_post_cursor(found[PAGE_SIZE - 1].seq)}"
    return render(
        request,
        context,
        "agencies/index.html",
        subject,
        nav="agency",
        agency=agency,
        views=views,
        older=older,
        first_page=before is None,
    )


ROUTERS = (pages,)
