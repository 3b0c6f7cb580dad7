"""A stand-in for the community server's `POST /api/hub/posts`, for the hub's publishing tests.

It implements the contract the hub publishes against, with FastAPI parsing the multipart
body (python-multipart), and is served over real HTTP (`server_live.serving`):

- `Authorization: Bearer <credential>`; any other credential answers 401;
- fields `category` (the feed's six), `title` (≤ 120), `body` (≤ 5000), `client_ref`,
  file `media` (`video/mp4` or `image/jpeg`, ≤ `max_media` bytes: else 413), and with a
  clip an optional file `poster` (`image/jpeg`): the frame the feed shows before playing;
- 201 `{"id", "url": "/posts/<id>"}` for a new post, 200 with the same post when this
  `client_ref` was published before; field problems answer 422 `{"error", "detail", "field"}`.

`refuse_with` makes the next answers a fixed (status, body), for the error paths. The
end-to-end test against the real server is the lead's; this one keeps every byte the hub
sent, so a test can check the fields and decode the media.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

CATEGORIES = {
    "crime",
    "safety",
    "suspicious_activity",
    "lost_and_found_pets",
    "unexpected_activity",
    "community",
}
CREDENTIAL = "hub-credential-for-the-publishing-tests"


@dataclass(frozen=True)
class ReceivedPost:
    """One upload as the stand-in received it."""

    post_id: str
    category: str
    title: str
    body: str
    client_ref: str
    media: bytes
    media_type: str
    filename: str
    request_type: str
    poster: bytes | None = None
    poster_type: str | None = None


@dataclass
class FeedStandIn:
    """The server side of the publishing contract; `app()` is served over HTTP."""

    credential: str = CREDENTIAL
    max_media: int = 64 * 1024 * 1024
    refuse_with: tuple[int, dict[str, Any]] | None = None
    uploads: list[ReceivedPost] = field(default_factory=list)
    posts: dict[str, ReceivedPost] = field(default_factory=dict)  # by client_ref

    def app(self) -> FastAPI:
        """The stand-in's web app."""
        app = FastAPI()

        @app.post("/api/hub/posts")
        async def create_post(request: Request) -> JSONResponse:
            if request.headers.get("authorization") != f"Bearer {self.credential}":
                return _error(401, "unknown hub", "Pair the hub again.")
            if self.refuse_with is not None:
                status, body = self.refuse_with
                return JSONResponse(body, status_code=status)
            form = await request.form()
            text = {k: v for k, v in form.items() if isinstance(v, str)}
            media = form.get("media")
            if not isinstance(media, UploadFile):
                return _error(422, "invalid post", "media is missing", "media")
            data = await media.read()
            poster = form.get("poster")
            if poster is not None and not isinstance(poster, UploadFile):
                return _error(422, "invalid post", "poster must be a file", "poster")
            poster_data = await poster.read() if poster is not None else None
            problem = _problem(text, media.content_type or "", poster)
            if problem is not None:
                return _error(422, "invalid post", *problem)
            if len(data) > self.max_media:
                return _error(413, "media too large", f"at most {self.max_media} bytes")
            existing = self.posts.get(text["client_ref"])
            received = ReceivedPost(
                post_id=existing.post_id if existing else str(uuid.uuid4()),
                category=text["category"],
                title=text["title"],
                body=text.get("body", ""),
                client_ref=text["client_ref"],
                media=data,
                media_type=media.content_type or "",
                filename=media.filename or "",
                request_type=request.headers.get("content-type", ""),
                poster=poster_data,
                poster_type=poster.content_type if poster is not None else None,
            )
            self.uploads.append(received)
            if existing is None:
                self.posts[received.client_ref] = received
            post = existing or received
            return JSONResponse(
                {"id": post.post_id, "url": f"/posts/{post.post_id}"},
                status_code=200 if existing else 201,
            )

        return app


def _problem(
    text: dict[str, str], media_type: str, poster: UploadFile | None
) -> tuple[str, str] | None:
    """(detail, field) of the first field problem, or None."""
    if text.get("category") not in CATEGORIES:
        return "unknown category", "category"
    if not 1 <= len(text.get("title", "")) <= 120:
        return "the title needs 1 to 120 characters", "title"
    if len(text.get("body", "")) > 5000:
        return "the text is over 5000 characters", "body"
    if not text.get("client_ref"):
        return "client_ref is missing", "client_ref"
    if media_type not in ("video/mp4", "image/jpeg"):
        return f"media of type {media_type!r} is not accepted", "media"
    if poster is not None and (poster.content_type != "image/jpeg" or media_type != "video/mp4"):
        return "a poster is a JPEG, sent only with a clip", "poster"
    return None


def _error(status: int, error: str, detail: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "detail": detail}
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status)
