"""The comment forms of a post's page (posts/post_page.py): add a comment, delete one.
A mistake shows the post's page again with the message beside the comment form."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import SignedIn, signed_in
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.feed.comments.schemas import CommentIn
from frontporch.server.feed.comments.service import CommentService
from frontporch.server.feed.forms import FormErrors, FormText, parse
from frontporch.server.feed.posts.post_page import failed
from frontporch.server.routing import protected_router

pages: APIRouter = protected_router(signed_in, include_in_schema=False)


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
        return failed(request, db, context, subject, post_id, "comment", exc, body)
    return RedirectResponse(
        f"/posts/{post_id}?done=commented#comment-{comment.comment.id}", status_code=303
    )


@pages.post("/comments/{comment_id}/delete")
def delete_comment(
    db: DbSession, context: Context, subject: SignedIn, comment_id: uuid.UUID
) -> Response:
    """Delete a comment (its writer, or an operator) and go back to its post."""
    post_id = CommentService(db, context).delete(subject, comment_id)
    return RedirectResponse(f"/posts/{post_id}?done=comment-deleted#comments", status_code=303)


ROUTERS = (pages,)
