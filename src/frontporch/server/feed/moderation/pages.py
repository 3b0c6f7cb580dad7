"""The moderation pages: the queue of reported posts (operators), the hide / restore /
dismiss forms, and the report form of a post's page (anyone who may read the post).

`GET /moderation` lists reported posts, most reported first, with the reasons and how
often each was given — never who reported — each with hide / restore / dismiss forms
that require a reason, and the post's moderation history. The forms also sit on a
post's own page (posts/post_page.py); a mistake shows the page it came from again with
the message beside the form.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import Operator, SignedIn, operator, signed_in
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.feed.forms import FormErrors, FormText, parse
from frontporch.server.feed.moderation.schemas import ModerationIn, ReportIn
from frontporch.server.feed.moderation.service import ModerationService
from frontporch.server.feed.moderation.views import Action
from frontporch.server.feed.posts.post_page import DONE, failed, post_page
from frontporch.server.kit.pages import render
from frontporch.server.routing import protected_router

QUEUE_SIZE = 50

moderation: APIRouter = protected_router(operator, include_in_schema=False)
reports: APIRouter = protected_router(signed_in, include_in_schema=False)


def queue_page(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    *,
    status: int = 200,
    errors: dict[uuid.UUID, str] | None = None,
    typed: dict[uuid.UUID, str] | None = None,
    **values: Any,
) -> Response:
    """The queue of reported posts with each one's history."""
    service = ModerationService(db, context)
    items = service.queue(subject, QUEUE_SIZE, 0)
    histories = {item.post.post.id: service.history(item.post.post.id) for item in items}
    return render(
        request,
        context,
        "moderation/index.html",
        subject,
        status=status,
        nav="moderation",
        items=items,
        histories=histories,
        errors=errors or {},
        typed=typed or {},
        **values,
    )


@moderation.get("/moderation")
def moderation_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Reported posts, most reported first."""
    return queue_page(request, db, context, subject, notice=DONE.get(done))


@moderation.post("/moderation/posts/{post_id}/{action}")
def moderate(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    post_id: uuid.UUID,
    action: Action,
    reason: FormText = "",
    back: Annotated[str, Form(pattern=r"^(queue|post)$")] = "queue",
    category: Annotated[str, Form(max_length=48)] = "other",
) -> Response:
    """Hide, restore or dismiss the reports of a post, with a reason (kept in its history;
    hiding and restoring tell the author)."""
    try:
        checked = parse(ModerationIn, {"reason": reason, "category": category})
        ModerationService(db, context).act(
            subject, post_id, action, checked.reason, checked.category
        )
    except (FormErrors, ServerError) as exc:
        if isinstance(exc, ServerError) and exc.status == 404:
            raise
        errors = FormErrors.of_any(exc)
        message = errors.message("Check the reason.")
        db.rollback()
        if back == "post":
            return post_page(
                request, db, context, subject, post_id,
                status=errors.status, errors={"moderate": message}, typed={"moderate": reason},
            )  # fmt: skip
        return queue_page(
            request, db, context, subject,
            status=errors.status, errors={post_id: message}, typed={post_id: reason},
        )  # fmt: skip
    if back == "post":
        return RedirectResponse(f"/posts/{post_id}?done={action.value}", status_code=303)
    return RedirectResponse(f"/moderation?done={action.value}", status_code=303)


@reports.post("/posts/{post_id}/report")
def report_post(
    request: Request,
    db: DbSession,
    context: Context,
    subject: SignedIn,
    post_id: uuid.UUID,
    reason: FormText = "",
) -> Response:
    """Ask the moderators to look at the post (who reported is never shown to anyone)."""
    try:
        checked = parse(ReportIn, {"reason": reason})
        ModerationService(db, context).report(subject, post_id, checked.reason)
    except (FormErrors, ServerError) as exc:
        return failed(request, db, context, subject, post_id, "report", exc, reason)
    return RedirectResponse(f"/posts/{post_id}?done=reported", status_code=303)


ROUTERS = (moderation, reports)
