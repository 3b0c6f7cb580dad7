"""What deleting an account must do in the feed beyond the database's cascades.

Rows go by foreign key (posts, comments, reports, notifications), but two things do
not: the media and poster blobs of the account's posts, and the comment counts of other
people's posts the account commented on. `before_account_deletion` listens for the
accounts area's announcement (wired in `server/wiring.py`) and runs in the deleting
transaction, just before the user row goes: it fixes the counts and queues the blob
deletions for after the commit (a rolled-back deletion keeps its media).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from frontporch.server.blobs import BlobStore
from frontporch.server.db import after_commit
from frontporch.server.feed.comments.repository import CommentRepository
from frontporch.server.feed.posts.repository import PostRepository

log = logging.getLogger(__name__)


def before_account_deletion(db: Session, blobs: BlobStore, user_id: uuid.UUID) -> None:
    """Prepare the feed for an account's deletion (see the module docstring)."""
    posts = PostRepository(db)
    for post_id, count in CommentRepository(db).counts_by_post_of_author(user_id).items():
        posts.change_comment_count(post_id, -count)
    keys = posts.blob_keys_of_author(user_id)

    def delete_media() -> None:
        for key in keys:
            try:
                blobs.delete(key)
            except Exception:  # one failure must not keep the others
                log.exception("could not delete media blob %s of a deleted account", key)

    if keys:
        after_commit(db, delete_media)
