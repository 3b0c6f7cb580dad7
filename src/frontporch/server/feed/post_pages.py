"""A post's page: the post in full (its clip or snapshot), comments oldest first with a
form to add one, "Report" (once, until a moderator acts), "Delete" for its author and
operators, and for operators the moderation forms and the post's history.

Who may open a post is `FeedService`'s rule (its author, operators, households within
five miles); everyone else gets the same 404 as for a post that does not exist. Each
form re-renders the page with its mistake beside its field, or redirects back to the
page with what was done.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import SignedIn, signed_in
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.pages import render
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.feed import rules
from frontporch.server.feed.comments import CommentService
from frontporch.server.feed.endpoints import Cursor
from frontporch.server.feed.errors import CommentNotFound
from frontporch.server.feed.forms import FormErrors, parse
from frontporch.server.feed.moderation import ModerationService
from frontporch.server.feed.pages import FormText
from frontporch.server.feed.repository import CommentRepository, ReportRepository
from frontporch.server.feed.schemas import CommentIn, ReportIn
from frontporch.server.feed.service import FeedService
from frontporch.server.routing import protected_router

COMMENTS_PER_PAGE = 50
DONE = {
    "posted": "Posted. Neighbors within five miles can see it now.",
    "commented": "Comment added.",
    "comment-deleted": "Comment deleted.",
    "reported": "Thank you. A moderator will look at this post.",
    "hide": "Post hidden. Its author was told why.",
    "restore": "Post restored to the feeds. Its author was told.",
    "dismiss": "Reports dismissed; the post stays as it is.",
}

pages: APIRouter = protected_router(signed_in, include_in_schema=False)


def post_page(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    post_id: uuid.UUID,
    *,
    status: int = 200,
    after: str | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    **values: Any,
) -> Response:
    """Render a post's page for `subject` (PostNotFound when they may not open it)."""
    view = FeedService(db, context).get_post(subject, post_id)
    thread = CommentService(db, context).thread(subject, post_id, after, COMMENTS_PER_PAGE)
    moderation = ModerationService(db, context)
    history = moderation.history(post_id) if subject.is_operator else []
    return render(
        request,
        context,
        "feed/post.html",
        subject,
        status=status,
        nav="feed",
        view=view,
        post=view.post,
        comments=thread.comments,
        more_comments=f"/posts/{post_id}?after={thread.next_cursor}#comments"
        if thread.next_cursor
        else None,
        reported=ReportRepository(db).has_open(post_id, subject.user_id),
        can_report=rules.can_report(view.mine, view.post.hidden_at is not None),
        history=history,
        can_delete=view.mine or subject.is_operator,
        is_household=subject.user.role != Role.AGENCY_MEMBER.value,
        errors=errors or {},
        typed=typed or {},
        **values,
    )


def _failed(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    post_id: uuid.UUID,
    form: str,
    exc: FormErrors | ServerError,
    typed: str,
) -> Response:
    """The page again after a failed form, its message beside the form's field."""
    errors = exc if isinstance(exc, FormErrors) else FormErrors.of(exc)
    message = errors.general or next(iter(errors.fields.values()), "Check the form.")
    db.rollback()
    response = post_page(
        request, db, context, subject, post_id,
        status=errors.status, errors={form: message}, typed={form: typed},
    )  # fmt: skip
    if isinstance(exc, ServerError):
        response.headers.update(exc.headers)
    return response


@pages.get("/posts/{post_id}")
def show_post(
    request: Request,
    db: DbSession,
    context: Context,
    subject: SignedIn,
    post_id: uuid.UUID,
    after: Cursor = None,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """A post, its comments and what the reader may do with it."""
    return post_page(request, db, context, subject, post_id, after=after, notice=DONE.get(done))


@pages.post("/posts/{post_id}/comments")
def add_comment(
    request: Request,
    db: DbSession,
    context: Context,
    subject: SignedIn,
    post_id: uuid.UUID,
    body: FormText = "",
) -> Response:
    """Comment on the post (its author is notified)."""
    try:
        checked = parse(CommentIn, {"body": body})
        comment = CommentService(db, context).add(subject, post_id, checked.body)
    except (FormErrors, ServerError) as exc:
        if isinstance(exc, ServerError) and exc.status == 404:
            raise
        return _failed(request, db, context, subject, post_id, "comment", exc, body)
    return RedirectResponse(
        f"/posts/{post_id}?done=commented#comment-{comment.comment.id}", status_code=303
    )


@pages.post("/comments/{comment_id}/delete")
def delete_comment(
    db: DbSession, context: Context, subject: SignedIn, comment_id: uuid.UUID
) -> Response:
    """Delete a comment (its writer, or an operator) and go back to its post."""
    comment = CommentRepository(db).get(comment_id)
    if comment is None:
        raise CommentNotFound()
    post_id = comment.post_id
    CommentService(db, context).delete(subject, comment_id)
    return RedirectResponse(f"/posts/{post_id}?done=comment-deleted#comments", status_code=303)


@pages.post("/posts/{post_id}/report")
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
        if isinstance(exc, ServerError) and exc.status == 404:
            raise
        return _failed(request, db, context, subject, post_id, "report", exc, reason)
    return RedirectResponse(f"/posts/{post_id}?done=reported", status_code=303)


@pages.post("/posts/{post_id}/delete")
def delete_post(db: DbSession, context: Context, subject: SignedIn, post_id: uuid.UUID) -> Response:
    """Delete the post (its author, or an operator), with its comments and media."""
    FeedService(db, context).delete_post(subject, post_id)
    if subject.user.role == Role.AGENCY_MEMBER.value:
        return RedirectResponse("/posts/new?done=deleted", status_code=303)
    return RedirectResponse("/feed?done=deleted", status_code=303)


ROUTERS = (pages,)
