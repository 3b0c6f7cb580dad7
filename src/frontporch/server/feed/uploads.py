"""Hub uploads: a hub publishes a clip or snapshot its owner chose, with a post.

`read_upload` is the HTTP shell: it refuses a body larger than the media limit (plus
room for the text fields) *while it arrives*, before anything is spooled to disk, then
checks the fields and that the media's bytes are what its type says (`rules.check_media`).

`store_hub_post` keeps blob and row together: it writes the blob first, outside any
database transaction (so a large write never holds SQLite's write lock), then inserts
the row in a short transaction of its own; if that fails, the blob is deleted again.
A hub that repeats an upload with the same `client_ref` (its event id) gets the post
it already made: checked before storing anything, and again if two copies race.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

from frontporch.server.blobs import BlobError
from frontporch.server.context import ServerContext
from frontporch.server.feed import rules
from frontporch.server.feed.errors import (
    MediaTooLarge,
    MissingForm,
    NotMultipart,
    StorageUnavailable,
    UnreadableUpload,
    UploadConflict,
)
from frontporch.server.feed.models import Post
from frontporch.server.feed.repository import PostRepository
from frontporch.server.feed.schemas import HubPostForm
from frontporch.server.feed.service import FeedService, clean_text, media_key
from frontporch.server.homes.models import Home
from frontporch.server.hubs.auth import HubSubject

log = logging.getLogger(__name__)

FORM_ROOM = 256 * 1024  # room for the text fields and multipart framing
FIELD_LIMIT = 64 * 1024
FIELDS = ("category", "title", "body", "client_ref", "media")


@dataclass(frozen=True)
class HubUpload:
    """A checked hub upload: the post's text and the media's type and bytes."""

    form: HubPostForm
    media_type: str
    data: bytes


def _too_large(request: Request, max_bytes: int) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > max_bytes + FORM_ROOM


async def read_upload(request: Request, max_bytes: int) -> HubUpload:
    """The upload in a multipart/form-data request, checked; 413 past `max_bytes`."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise NotMultipart()
    if _too_large(request, max_bytes):
        raise MediaTooLarge(max_bytes)
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > max_bytes + FORM_ROOM:
            raise MediaTooLarge(max_bytes)
        return message

    limited = Request(request.scope, counted)
    try:
        form = await limited.form(max_files=1, max_fields=len(FIELDS), max_part_size=FIELD_LIMIT)
    except StarletteHTTPException as exc:  # malformed multipart, too many parts
        raise UnreadableUpload(str(exc.detail)) from None
    try:
        return await _checked(form, max_bytes)
    finally:
        await form.close()


async def _checked(form: FormData, max_bytes: int) -> HubUpload:
    unknown = sorted(set(form.keys()) - set(FIELDS))
    if unknown:
        raise MissingForm(f"Unknown field {unknown[0]!r}; send {', '.join(FIELDS)}.", unknown[0])
    for name in FIELDS:
        if len(form.getlist(name)) > 1:
            raise MissingForm(f"Send '{name}' once.", name)
    media = form.get("media")
    if not isinstance(media, UploadFile):
        raise MissingForm("Attach the clip or snapshot as the file field 'media'.", "media")
    texts: dict[str, Any] = {}
    for name in FIELDS[:-1]:
        value = form.get(name)
        if isinstance(value, UploadFile):
            raise MissingForm(f"'{name}' must be a text field, not a file.", name)
        if value is not None:
            texts[name] = value
    try:
        fields = HubPostForm.model_validate(texts)
    except ValidationError as exc:
        # 'body' first: where the problem is, as FastAPI's own errors say it.
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from None
    data = await media.read()
    return HubUpload(fields, rules.check_media(media.content_type or "", data, max_bytes), data)


def _existing(context: ServerContext, hub: HubSubject, client_ref: str | None) -> Post | None:
    if client_ref is None:
        return None
    with context.sessions.begin() as db:
        return PostRepository(db).find_by_hub_ref(hub.hub_id, client_ref)


def _count_post(context: ServerContext, hub: HubSubject) -> None:
    """Count the upload against the home owner's hourly post quota (as their own posts)."""
    with context.sessions() as db:
        home = db.get(Home, hub.home_id)
        if home is None:
            raise UploadConflict()
        FeedService(db, context).limit_posts(home.owner_id)


def store_hub_post(context: ServerContext, hub: HubSubject, upload: HubUpload) -> tuple[Post, bool]:
    """The post for an upload, and whether it is new (False: the hub sent it before).

    The post is written by the owner of the hub's home, in the home's cell.
    """
    form = upload.form
    title = clean_text(form.title, "title")
    existing = _existing(context, hub, form.client_ref)
    if existing is not None:
        return existing, False
    _count_post(context, hub)
    post_id = uuid.uuid4()
    key = media_key(post_id)
    try:
        context.blobs.put(key, upload.data)
    except BlobError:
        log.exception("could not store the media of hub %s's upload", hub.hub_id)
        context.blobs.delete(key)
        raise StorageUnavailable() from None
    try:
        with context.sessions.begin() as db:
            home = db.get(Home, hub.home_id)
            if home is None:  # the home (and with it the hub) was deleted meanwhile
                raise UploadConflict()
            posts = PostRepository(db)
            post = posts.add(
                Post(
                    id=post_id,
                    seq=posts.next_seq(),
                    author_id=home.owner_id,
                    home_id=home.id,
                    cell=home.cell,
                    category=form.category.value,
                    title=title,
                    body=form.body.strip(),
                    created_at=context.clock(),
                    media_key=key,
                    media_type=upload.media_type,
                    media_size=len(upload.data),
                    hub_id=hub.hub_id,
                    client_ref=form.client_ref,
                    comment_count=0,
                )
            )
    except IntegrityError:
        context.blobs.delete(key)
        again = _existing(context, hub, form.client_ref)
        if again is not None:  # the same upload, stored by a request running alongside
            return again, False
        raise UploadConflict() from None
    except BaseException:
        context.blobs.delete(key)
        raise
    log.info("post %s uploaded by hub %s (%d bytes)", post.id, hub.hub_id, len(upload.data))
    return post, True
