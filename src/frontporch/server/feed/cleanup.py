"""What deleting an account must do in the feed beyond the database's cascades.

Rows go by foreign key (posts, comments, reports, notifications), but two things do
not: the media and poster blobs of the account's posts, and the comment counts of other people's
posts the account commented on. `before_account_deletion` runs in the deleting
transaction, just before the user row goes: it fixes the counts and queues the blob
deletions for after the commit (a rolled-back deletion keeps its media).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from frontporch.server.blobs import BlobStore
from frontporch.server.db import after_commit
from frontporch.server.feed.models import Comment, Post

log = logging.getLogger(__name__)


def before_account_deletion(db: Session, blobs: BlobStore, user_id: uuid.UUID) -> None:
    """Prepare the feed for an account's deletion (see the module docstring)."""
    counts = db.execute(
        select(Comment.post_id, func.count(Comment.id))
        .where(Comment.author_id == user_id)
        .group_by(Comment.post_id)
    ).all()
    for post_id, count in counts:
        db.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(comment_count=Post.comment_count - int(count))
            .execution_options(synchronize_session=False)
        )
    rows = db.execute(
        select(Post.media_key, Post.poster_key).where(
            Post.author_id == user_id, Post.media_key.is_not(None)
        )
    ).all()
    keys = [key for row in rows for key in row if key is not None]

    def delete_media() -> None:
        for key in keys:
            try:
                blobs.delete(key)
            except Exception:  # one failure must not keep the others
                log.exception("could not delete media blob %s of a deleted account", key)

    if keys:
        after_commit(db, delete_media)
