"""Where a post's media and poster frame are kept, and how they are sent.

A post owns two blobs beside each other under `posts/` (so the sweep sees both): the
clip or snapshot, and a clip's poster frame. They are sent streamed, a chunk at a time,
whole or the one byte range asked for, and never kept by a browser: access to a post can
end (a moderator hides it, its author deletes it, a reader's home moves away).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from frontporch.server.blobs import BlobError, BlobNotFound, BlobRangeError, BlobStore
from frontporch.server.feed import rules
from frontporch.server.feed.errors import FeedError, MediaUnavailable, RangeNotSatisfiable
from frontporch.server.feed.models import Post
from frontporch.server.feed.posts.views import MediaRef

log = logging.getLogger(__name__)

MEDIA_CACHE = "private, no-store"


def media_key(post_id: uuid.UUID) -> str:
    """The blob key of a post's media."""
    return f"posts/{post_id.hex}"


def poster_key(post_id: uuid.UUID) -> str:
    """The blob key of a post's poster frame (beside its media, so the sweep sees it)."""
    return f"posts/{post_id.hex}.poster"


def blob_keys(post: Post) -> list[str]:
    """Every blob a post owns: its media and its poster frame."""
    return [key for key in (post.media_key, post.poster_key) if key is not None]


def streamed(
    blobs: BlobStore,
    media: MediaRef,
    range_header: str | None,
    missing: Callable[[], FeedError],
) -> Response:
    """A blob as a streamed response, whole (200) or the one range asked for (206): read
    from the store a chunk at a time, so a clip never sits whole in the server's memory.
    The blob is opened (and any refusal raised) before the response starts."""
    try:
        size = media.size if media.size is not None else blobs.size(media.key)
        wanted = rules.byte_range(range_header, size)
        reader = blobs.open(media.key, *wanted) if wanted else blobs.open(media.key)
    except BlobNotFound:
        raise missing() from None
    except BlobRangeError:
        raise RangeNotSatisfiable(size) from None
    except BlobError:
        log.exception("could not read blob %s", media.key)
        raise MediaUnavailable() from None
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": MEDIA_CACHE,
        "Content-Length": str(reader.length),
    }
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = f"bytes {reader.first}-{reader.last}/{reader.size}"
    return StreamingResponse(
        reader,
        status_code=status,
        media_type=media.content_type,
        headers=headers,
        background=BackgroundTask(reader.close),
    )
