"""A post's page: the post in full (its clip or snapshot), comments oldest first with a
form to add one, "Report" (once, until a moderator acts), "Delete" for its author and
operators, and for operators the moderation forms and the post's history.

Who may open a post is `PostService`'s rule (its author, operators, households within
five miles); everyone else gets the same 404 as for a post that does not exist. The
forms that act on a post (comments/pages.py, moderation/pages.py) show this page again
with their mistake beside their field (`failed`), or redirect back to it with what was
done (`DONE`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import SignedIn, signed_in
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.feed import rules
from frontporch.server.feed.comments.service import CommentService
from frontporch.server.feed.forms import FormErrors
from frontporch.server.feed.moderation.service import ModerationService
from frontporch.server.feed.params import Cursor
from frontporch.server.feed.posts.service import PostService
from frontporch.server.kit.pages import render
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
    view = PostService(db, context).get_post(subject, post_id)
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
        reported=moderation.has_open_report(subject, post_id),
        can_report=rules.can_report(view.mine, view.post.hidden_at is not None),
        history=history,
        can_delete=view.mine or subject.is_operator,
        is_household=subject.user.role != Role.AGENCY_MEMBER.value,
        errors=errors or {},
        typed=typed or {},
        **values,
    )


def failed(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    post_id: uuid.UUID,
    form: str,
    exc: FormErrors | ServerError,
    typed: str,
) -> Response:
    """The page again after a failed form, its message beside the form's field; a post
    the caller may not open is the 404 it always is."""
    if isinstance(exc, ServerError) and exc.status == 404:
        raise exc
    errors = FormErrors.of_any(exc)
    db.rollback()
    response = post_page(
        request, db, context, subject, post_id,
        status=errors.status, errors={form: errors.message()}, typed={form: typed},
    )  # fmt: skip
    response.headers.update(errors.headers)
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


@pages.post("/posts/{post_id}/delete")
def delete_post(db: DbSession, context: Context, subject: SignedIn, post_id: uuid.UUID) -> Response:
    """Delete the post (its author, or an operator), with its comments and media."""
    PostService(db, context).delete_post(subject, post_id)
    if subject.user.role == Role.AGENCY_MEMBER.value:
        return RedirectResponse("/posts/new?done=deleted", status_code=303)
    return RedirectResponse("/feed?done=deleted", status_code=303)


ROUTERS = (pages,)
