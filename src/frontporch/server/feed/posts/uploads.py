"""Hub uploads: a hub publishes a clip or snapshot its owner chose, with a post (and,
with a clip, a poster frame: the still the feed shows until the clip is played).

The parts are named in `frontporch.protocol`, which the hub imports too.

`count_upload` spends one of the home owner's hourly posts *before* the body is read,
so an account past its quota costs the server no upload (every attempt counts, a
repeat of an earlier upload included: the quota bounds the bodies a server takes in).

`received_upload` is the HTTP shell: it refuses a body larger than the limits (media,
poster, room for the text fields) *while it arrives*; the multipart parser spools each
file to a temporary file, never the whole of it in memory. It then checks the fields,
and that each file's first bytes are what its type says (`rules.check_media`,
`rules.check_poster`), without reading the rest.

`store_hub_post` keeps blobs and row together: it copies the files into the store a
chunk at a time, outside any database transaction (so a large write never holds
SQLite's write lock), then inserts the row in a short transaction of its own; if that
fails, the blobs are deleted again. A hub that repeats an upload with the same
`client_ref` (its event id) gets the post it already made: checked before storing
anything, and again if two copies race.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

from frontporch.protocol import (
    FIELDS,
    FILE_FIELDS,
    MAX_POSTER_BYTES,
    MEDIA_FIELD,
    POSTER_FIELD,
    TEXT_FIELDS,
)
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
from frontporch.server.feed.posts.media import media_key, poster_key
from frontporch.server.feed.posts.repository import PostRepository
from frontporch.server.feed.posts.schemas import HubPostForm
from frontporch.server.feed.posts.service import PostService
from frontporch.server.hubs.auth import HubSubject

log = logging.getLogger(__name__)

FORM_ROOM = 256 * 1024  # room for the text fields and multipart framing
FIELD_LIMIT = 64 * 1024


@dataclass(frozen=True)
class UploadedFile:
    """A checked file of an upload: its type, its length, and where it was spooled."""

    content_type: str
    size: int
    file: BinaryIO


@dataclass(frozen=True)
class HubUpload:
    """A checked hub upload: the post's text, the media and the optional poster frame."""

    form: HubPostForm
    media: UploadedFile
    poster: UploadedFile | None = None


def body_limit(max_bytes: int) -> int:
    """The most bytes an upload body may have: the media, a poster and the text fields."""
    return max_bytes + MAX_POSTER_BYTES + FORM_ROOM


def _too_large(request: Request, max_bytes: int) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > body_limit(max_bytes)


@asynccontextmanager
async def received_upload(request: Request, max_bytes: int) -> AsyncIterator[HubUpload]:
    """The upload in a multipart/form-data request, checked, while the block runs (its
    spooled files are removed after); 413 past `max_bytes` of media."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise NotMultipart()
    if _too_large(request, max_bytes):
        raise MediaTooLarge(max_bytes)
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > body_limit(max_bytes):
            raise MediaTooLarge(max_bytes)
        return message

    limited = Request(request.scope, counted)
    try:
        form = await limited.form(
            max_files=len(FILE_FIELDS), max_fields=len(FIELDS), max_part_size=FIELD_LIMIT
        )
    except StarletteHTTPException as exc:  # malformed multipart, too many parts
        raise UnreadableUpload(str(exc.detail)) from None
    try:
        yield await _checked(form, max_bytes)
    finally:
        await form.close()


async def _head(upload: UploadFile) -> bytes:
    """The first bytes of a spooled file (for its type), the file left at its start."""
    await upload.seek(0)
    head = await upload.read(rules.SNIFF_BYTES)
    await upload.seek(0)
    return head


def _size(upload: UploadFile) -> int:
    return upload.size if upload.size is not None else 0


async def _checked(form: FormData, max_bytes: int) -> HubUpload:
    unknown = sorted(set(form.keys()) - set(FIELDS))
    if unknown:
        raise MissingForm(f"Unknown field {unknown[0]!r}; send {', '.join(FIELDS)}.", unknown[0])
    for name in FIELDS:
        if len(form.getlist(name)) > 1:
            raise MissingForm(f"Send '{name}' once.", name)
    media = form.get(MEDIA_FIELD)
    if not isinstance(media, UploadFile):
        raise MissingForm(
            f"Attach the clip or snapshot as the file field '{MEDIA_FIELD}'.", MEDIA_FIELD
        )
    poster = form.get(POSTER_FIELD)
    if poster is not None and not isinstance(poster, UploadFile):
        raise MissingForm(f"'{POSTER_FIELD}' must be a file (a JPEG still).", POSTER_FIELD)
    texts: dict[str, Any] = {}
    for name in TEXT_FIELDS:
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
    media_type = rules.check_media(
        media.content_type or "", await _head(media), _size(media), max_bytes
    )
    checked_poster = None
    if poster is not None:
        declared = poster.content_type or ""
        rules.check_poster(declared, await _head(poster), _size(poster), media_type)
        checked_poster = UploadedFile(rules.JPEG, _size(poster), poster.file)
    return HubUpload(fields, UploadedFile(media_type, _size(media), media.file), checked_poster)


def _existing(context: ServerContext, hub: HubSubject, client_ref: str | None) -> Post | None:
    if client_ref is None:
        return None
    with context.sessions.begin() as db:
        return PostRepository(db).find_by_hub_ref(hub.hub_id, client_ref)


def count_upload(context: ServerContext, hub: HubSubject) -> None:
    """Count an upload against the home owner's hourly post quota (as their own posts);
    called before the body is read."""
    with context.sessions() as db:
        home = PostRepository(db).hub_home(hub.home_id)
        if home is None:
            raise UploadConflict()
        PostService(db, context).limit_posts(home.owner_id)


def _discard(context: ServerContext, keys: list[str]) -> None:
    for key in keys:
        try:
            context.blobs.delete(key)
        except BlobError:  # the sweep (posts/sweep.py) removes it later
            log.exception("could not remove blob %s of an upload that was not stored", key)


def store_hub_post(context: ServerContext, hub: HubSubject, upload: HubUpload) -> tuple[Post, bool]:
    """The post for an upload, and whether it is new (False: the hub sent it before).

    The post is written by the owner of the hub's home, in the home's cell. The upload
    was counted against the owner's quota before it was read (`count_upload`).
    """
    form = upload.form
    title = rules.clean_text(form.title, "title")
    existing = _existing(context, hub, form.client_ref)
    if existing is not None:
        return existing, False
    post_id = uuid.uuid4()
    files = [(media_key(post_id), upload.media)]
    if upload.poster is not None:
        files.append((poster_key(post_id), upload.poster))
    keys = [key for key, _ in files]
    try:
        for key, file in files:
            file.file.seek(0)
            context.blobs.put_file(key, file.file)
    except BlobError:
        log.exception("could not store the media of hub %s's upload", hub.hub_id)
        _discard(context, keys)
        raise StorageUnavailable() from None
    try:
        with context.sessions.begin() as db:
            posts = PostRepository(db)
            home = posts.hub_home(hub.home_id)
            if home is None:  # the home (and with it the hub) was deleted meanwhile
                raise UploadConflict()
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
                    media_key=keys[0],
                    media_type=upload.media.content_type,
                    media_size=upload.media.size,
                    poster_key=keys[1] if len(keys) > 1 else None,
                    hub_id=hub.hub_id,
                    client_ref=form.client_ref,
                    comment_count=0,
                )
            )
    except IntegrityError:
        _discard(context, keys)
        again = _existing(context, hub, form.client_ref)
        if again is not None:  # the same upload, stored by a request running alongside
            return again, False
        raise UploadConflict() from None
    except BaseException:
        _discard(context, keys)
        raise
    log.info(
        "post %s uploaded by hub %s (%d bytes%s)",
        post.id,
        hub.hub_id,
        upload.media.size,
        ", with a poster" if upload.poster else "",
    )
    return post, True
