"""The comments JSON API (anyone signed in who may read the post): a post's thread,
commenting, and deleting one's own comment (operators: any)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from frontporch.server.accounts.auth import SignedIn, signed_in
from frontporch.server.feed.comments.schemas import CommentIn, CommentOut, CommentsOut
from frontporch.server.feed.comments.service import CommentService
from frontporch.server.feed.params import CommentId, Cursor, Limit, PostId
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router

comments: APIRouter = protected_router(signed_in, prefix="/api", tags=["feed"], responses=ERRORS)


Comments = Annotated[CommentService, Depends(per_request(CommentService))]


@comments.get("/posts/{post_id}/comments", response_model=CommentsOut)
def list_comments(
    post_id: PostId, subject: SignedIn, service: Comments, after: Cursor = None, limit: Limit = 50
) -> CommentsOut:
    """A post's comments, oldest first; `next` continues."""
    thread = service.thread(subject, post_id, after, limit)
    return CommentsOut(
        comments=[CommentOut.of(view) for view in thread.comments], next=thread.next_cursor
    )


@comments.post("/posts/{post_id}/comments", status_code=201, response_model=CommentOut)
def add_comment(
    post_id: PostId, body: CommentIn, subject: SignedIn, service: Comments
) -> CommentOut:
    """Comment on a post you can read; its author is notified."""
    return CommentOut.of(service.add(subject, post_id, body.body))


@comments.delete("/comments/{comment_id}", status_code=204, response_class=Response)
def delete_comment(comment_id: CommentId, subject: SignedIn, service: Comments) -> Response:
    """Delete your comment (operators: any comment)."""
    service.delete(subject, comment_id)
    return Response(status_code=204)


ROUTERS = (comments,)
