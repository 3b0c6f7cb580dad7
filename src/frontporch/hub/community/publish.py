"""Publishing an event to the Neighbors feed: the media, privacy masks burned in, and the post.

This module holds the **one re-encode path of the hub** (DESIGN.md, flow 2). Recording and
clips copy the camera's stream untouched; footage that leaves the hub goes through
`render_public_clip` (or `render_public_snapshot`) instead, which

- paints the camera's privacy masks solid black into every frame (`hub/community/masks.py`);
- re-encodes H.264 (libx264, yuv420p, even dimensions, CRF 23, preset veryfast, a
  keyframe every ~2 s) into an MP4 with `movflags=+faststart`, so a browser starts
  playing before the download ends;
- keeps each frame's presentation time (relative to the first frame);
- writes no metadata: no title, comment, camera or handler names, creation time or
  encoder tag (`fflags=+bitexact`), and drops the SEI message in which x264 records its
  version and settings; no audio;
- caps the length (60 s) and the long side (1280 px, downscaled if bigger) so uploads
  stay small.

A camera without privacy masks is re-encoded all the same: the re-encode is also what
strips the metadata. The PyAV mechanics are in `hub/community/reencode.py`; this module decides what
failures mean to the owner (`PublishError` and its kinds, each with a message that says
what to do) and leaves no partial file behind.

`publish_event` then sends the post to the community server that the hub is paired with
(`hub/community/link.py`): `POST {server}/api/hub/posts` with the hub's bearer credential and a
multipart/form-data body (RFC 7578) holding `category`, `title`, `body`, `client_ref`
(the event id: the server answers 200 with the existing post when this hub already
published it, 201 when it creates one), the file `media` and, with a clip, the file
`poster`: the event's best snapshot rendered like a shared snapshot (clean, masks burned
in, no metadata), for the feed to show before the clip plays. Plain `urllib`, like the
rest of the link; the credential is never logged.
"""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import av
import cv2
import numpy as np
from av.error import FFmpegError

from frontporch.hub.analysis.geometry import Polygon
from frontporch.hub.capture.camera import reason_of
from frontporch.hub.community.link import JsonObject, LinkError, ServerLink
from frontporch.hub.community.masks import Image, apply_privacy_masks, rasterize_masks
from frontporch.hub.community.multipart import (
    FilePart,
    UploadTransport,
    encode_multipart,
    post_multipart,
)
from frontporch.hub.community.reencode import (
    CONTAINER_OPTIONS,
    DEFAULT_LIMITS,
    RenderLimits,
    reencode,
)
from frontporch.hub.ports import ClipUnavailable
from frontporch.protocol import (
    MAX_POSTER_BYTES,
    MEDIA_FIELD,
    POSTER_FIELD,
    POSTER_TYPE,
    UPLOAD_PATH,
    Category,
)

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_BODY",
    "MAX_MEDIA_BYTES",
    "MAX_TITLE",
    "PAIR_HINT",
    "Category",
    "CredentialRevoked",
    "EventFootage",
    "FootageUnavailable",
    "InvalidPost",
    "Media",
    "MediaChoice",
    "MediaTooLarge",
    "PostDraft",
    "PublicClip",
    "PublishError",
    "Published",
    "RenderError",
    "RenderLimits",
    "ServerRefused",
    "prepare_media",
    "publish_event",
    "render_public_clip",
    "render_public_snapshot",
    "title_problem_of",
]

log = logging.getLogger(__name__)

# Errors writing the public copy (as opposed to reading a damaged clip).
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})
MAX_TITLE = 120
MAX_BODY = 5000
MAX_MEDIA_BYTES = 64 * 1024 * 1024
UPLOAD_TIMEOUT_S = 120.0
PAIR_HINT = "frontporch hub pair --server URL --code CODE"
CHOOSE_CATEGORY = "choose a category"
BLANK_TITLE = "give the post a title"


class PublishError(Exception):
    """The event could not be published; the message says why and what to do."""


class InvalidPost(PublishError):
    """Fields of the post are not acceptable (here or on the server).

    `problems` lists every (field, message) found, so a form can name them all at
    once; `field` is the first one's field (None when the server named none).
    """

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        problems: Sequence[tuple[str | None, str]] = (),
    ) -> None:
        super().__init__(message)
        self.problems = list(problems) or [(field, message)]
        self.field = self.problems[0][0]


class FootageUnavailable(PublishError):
    """The event has no clip or snapshot left to share (or not the one asked for)."""


class MediaTooLarge(PublishError):
    """The media is over the server's size limit."""


class CredentialRevoked(PublishError):
    """The server no longer accepts this hub's credential: the hub must be paired again."""


class ServerRefused(PublishError):
    """The server could not be reached, failed, or refused the post for another reason."""


class RenderError(PublishError):
    """The clip or snapshot could not be read, or the public copy not written."""


class MediaChoice(StrEnum):
    """What to share: `auto` is the clip when the footage is still there, else the snapshot."""

    auto = "auto"
    clip = "clip"
    snapshot = "snapshot"


@dataclass(frozen=True)
class PostDraft:
    """A post as the owner wrote it, checked against the server's limits."""

    category: Category
    title: str
    body: str = ""

    @classmethod
    def of(cls, category: str, title: str, body: str = "") -> PostDraft:
        """Validate and tidy the owner's input (raises `InvalidPost` naming the field).

        The title's runs of whitespace become single spaces; the text keeps its lines,
        with browser line ends (CRLF) counted as one character.
        """
        problems: list[tuple[str | None, str]] = []
        kind = next((c for c in Category if c.value == category), None)
        if kind is None:
            problems.append(("category", CHOOSE_CATEGORY))
        title = " ".join(title.split())
        body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
        title_problem = title_problem_of(title)
        if title_problem is not None:
            problems.append(("title", title_problem))
        if len(body) > MAX_BODY:
            problems.append(("body", f"the text has {len(body)} characters; at most {MAX_BODY}"))
        if problems or kind is None:
            raise InvalidPost("; ".join(m for _, m in problems), problems=problems)
        return cls(kind, title, body)


def title_problem_of(title: str) -> str | None:
    """What is wrong with a post title (after tidying its spaces), or None.

    An empty title and one of spaces only get the same message: to the owner both
    are a missing title.
    """
    title = " ".join(title.split())
    if not title:
        return BLANK_TITLE
    if len(title) > MAX_TITLE:
        return f"the title has {len(title)} characters; at most {MAX_TITLE}"
    return None


@dataclass(frozen=True)
class PublicClip:
    """A rendered public clip: its file, playing time (s), size in pixels, frame count, and
    whether the length cap cut it short."""

    path: Path
    duration: float
    width: int
    height: int
    frames: int
    truncated: bool


def _damaged(clip: Path, exc: BaseException) -> str:
    return (
        f"cannot read the event's clip {clip.name}: {reason_of(exc)}; it may be damaged or "
        "gone, so share the snapshot instead"
    )


def _write_advice(where: Path, exc: BaseException) -> str:
    return (
        f"cannot write the public copy in {where}: {reason_of(exc)}; free some disk space "
        "(or lower retention) and try again"
    )


def render_public_clip(
    clip_path: Path,
    masks: Sequence[Polygon],
    out_path: Path,
    *,
    limits: RenderLimits = DEFAULT_LIMITS,
    keep_audio: bool = False,
) -> PublicClip:
    """Re-encode an event clip for sharing: masks burned in, no metadata, bounded size.

    `masks` are the camera's relative privacy polygons; with none, the clip is still
    re-encoded, which is what strips its metadata. Frames keep their presentation
    times (the first frame at 0); the clip stops at `limits.max_seconds` and is
    downscaled to `limits.max_side` on its long side. Raises `RenderError` when the
    clip cannot be read or the copy cannot be written; `out_path` appears only when
    complete (written under a temporary name, then renamed). Sound is left out unless
    the owner keeps it (`keep_audio`).
    """
    try:
        source = av.open(str(clip_path))
    except (FFmpegError, OSError) as exc:
        raise RenderError(_damaged(clip_path, exc)) from exc
    temp = out_path.with_name(out_path.name + ".part")
    try:
        with source:
            if not source.streams.video:
                raise RenderError(f"the event's clip {clip_path.name} holds no video")
            out_path.parent.mkdir(parents=True, exist_ok=True)
            with av.open(str(temp), "w", format="mp4", options=CONTAINER_OPTIONS) as out:
                encoded = reencode(source, out, masks, limits, keep_audio=keep_audio)
            if encoded.frames == 0:
                raise RenderError(f"the event's clip {clip_path.name} holds no decodable frame")
        os.replace(temp, out_path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, FFmpegError | OSError) and not isinstance(exc, PublishError):
            if getattr(exc, "errno", None) in WRITE_ERRNOS or not isinstance(exc, FFmpegError):
                raise RenderError(_write_advice(out_path.parent, exc)) from exc
            raise RenderError(_damaged(clip_path, exc)) from exc
        raise
    return PublicClip(
        out_path,
        encoded.duration,
        encoded.width,
        encoded.height,
        encoded.frames,
        truncated=encoded.truncated,
    )


def render_public_snapshot(
    source: Path | Image,
    masks: Sequence[Polygon],
    *,
    limits: RenderLimits = DEFAULT_LIMITS,
) -> bytes:
    """A JPEG of a snapshot file (or a BGR frame) for sharing: masks burned in, no EXIF.

    The picture is decoded and encoded afresh (OpenCV writes a bare JFIF header), so
    nothing of the original file's metadata survives; with no masks it is still
    re-encoded for that reason. The long side is capped at `limits.max_side`. Raises
    `RenderError` when the snapshot cannot be read.
    """
    if isinstance(source, Path):
        try:
            raw = np.frombuffer(source.read_bytes(), np.uint8)
        except OSError as exc:
            raise RenderError(f"cannot read the snapshot {source.name}: {reason_of(exc)}") from exc
        # Ignore EXIF orientation: masks are drawn on the picture as the camera saw it.
        decoded = cv2.imdecode(raw, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        if decoded is None:
            raise RenderError(f"the snapshot {source.name} is not a readable image")
        image = np.asarray(decoded, dtype=np.uint8)
    else:
        image = source
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise RenderError("a snapshot frame must be a BGR image (height × width × 3, uint8)")
    height, width = image.shape[:2]
    scale = min(1.0, limits.max_side / max(width, height))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
    height, width = image.shape[:2]
    if masks:
        image = apply_privacy_masks(image, rasterize_masks(masks, width, height))
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, limits.jpeg_quality])
    if not ok:
        raise RenderError("the snapshot could not be encoded as JPEG")
    return bytes(encoded)


# -- the post -------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFootage:
    """Where one event's footage is, and the privacy masks of the camera that filmed it.

    `clip` builds (or finds) the event's remuxed clip and returns its path, raising
    `ClipUnavailable` when the recording is gone; None when there is no recording.
    """

    event_id: str
    masks: Sequence[Polygon]
    clip: Callable[[], Path] | None
    snapshot: Path | None


@dataclass(frozen=True)
class Media:
    """One file to upload; a clip also carries its poster frame (JPEG) when the event has
    a snapshot to make it from."""

    kind: str  # "clip" or "snapshot"
    data: bytes
    content_type: str
    filename: str
    poster: bytes | None = None


def prepare_media(
    footage: EventFootage,
    choice: MediaChoice,
    workdir: Path,
    *,
    limits: RenderLimits = DEFAULT_LIMITS,
    keep_audio: bool = False,
) -> Media:
    """Render the public clip or snapshot of an event, as `choice` says (a clip keeps
    its recorded sound only with `keep_audio`).

    `auto` shares the clip when the event still has recorded footage, else the
    snapshot. The public clip is rendered in a temporary folder under `workdir` that is
    removed afterwards. Raises `FootageUnavailable` when the chosen media is gone.
    """
    if choice is not MediaChoice.snapshot:
        clip_error = "this event has no recording"
        if footage.clip is not None:
            try:
                clip = footage.clip()
            except ClipUnavailable as exc:
                clip_error = str(exc)
            else:
                media = _clip_media(clip, footage.masks, workdir, limits, keep_audio)
                return replace(media, poster=_poster(footage, limits))
        if footage.snapshot is None:
            raise FootageUnavailable(
                f"nothing of this event is left to share: {clip_error}, and it has no snapshot"
            )
        if choice is MediaChoice.clip:
            raise FootageUnavailable(
                f"the clip cannot be shared: {clip_error}; share the snapshot instead"
            )
    if footage.snapshot is None:
        raise FootageUnavailable("this event has no snapshot; share its clip instead")
    data = render_public_snapshot(footage.snapshot, footage.masks, limits=limits)
    return Media("snapshot", data, "image/jpeg", "snapshot.jpg")


def _poster(footage: EventFootage, limits: RenderLimits) -> bytes | None:
    """The poster of a shared clip: the event's snapshot as it would be shared (masks
    burned in), or None without one. A snapshot that cannot be read costs the post its
    poster, not the clip: the feed then shows the clip's first frame once it loads."""
    if footage.snapshot is None:
        return None
    try:
        poster = render_public_snapshot(footage.snapshot, footage.masks, limits=limits)
    except RenderError as exc:
        log.warning("event %s: shared without a poster: %s", footage.event_id, exc)
        return None
    if len(poster) > MAX_POSTER_BYTES:
        log.warning("event %s: shared without a poster: %d bytes", footage.event_id, len(poster))
        return None
    return poster


def _clip_media(
    clip: Path,
    masks: Sequence[Polygon],
    workdir: Path,
    limits: RenderLimits,
    keep_audio: bool = False,
) -> Media:
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=workdir, prefix=".publish-") as folder:
            public = render_public_clip(
                clip, masks, Path(folder) / "clip.mp4", limits=limits, keep_audio=keep_audio
            )
            data = public.path.read_bytes()
    except OSError as exc:
        raise RenderError(_write_advice(workdir, exc)) from exc
    return Media("clip", data, "video/mp4", "clip.mp4")


@dataclass(frozen=True)
class Published:
    """The post on the server: its id, its absolute URL, what was shared, and whether the
    server created it now (False: this hub had already published the event)."""

    post_id: str
    url: str
    media: str
    created: bool


def _server_says(status: int, body: JsonObject) -> str:
    error = str(body.get("error") or f"HTTP {status}")
    detail = body.get("detail")
    return f"{error}: {detail}" if isinstance(detail, str) and detail and detail != error else error


def _refusal(status: int, body: JsonObject) -> PublishError:
    says = _server_says(status, body)
    if status == 401:
        return CredentialRevoked(
            "the community server no longer accepts this hub (its pairing was revoked); "
            f"pair it again: `frontporch hub unpair`, then `{PAIR_HINT}`"
        )
    if status == 413:
        return MediaTooLarge(
            f"the server refused the media as too large ({says}); share the snapshot instead"
        )
    if status == 422:
        field = body.get("field")
        return InvalidPost(
            f"the server refused the post: {says}", field if isinstance(field, str) else None
        )
    return ServerRefused(f"the community server refused the post (HTTP {status}): {says}")


def _post_url(link: ServerLink, body: JsonObject) -> tuple[str, str]:
    post_id, url = body.get("id"), body.get("url")
    # The URL is shown to the owner as a link: only a path on the paired server will do.
    if (
        not isinstance(post_id, str)
        or not post_id
        or not isinstance(url, str)
        or not url.startswith("/")
        or url.startswith("//")
        or any(c.isspace() for c in url)
    ):
        raise ServerRefused(
            "the community server's answer did not name the new post; try again later"
        )
    return post_id, link.server_url.rstrip("/") + url


def publish_event(
    link: ServerLink,
    footage: EventFootage,
    draft: PostDraft,
    *,
    choice: MediaChoice = MediaChoice.auto,
    workdir: Path,
    transport: UploadTransport = post_multipart,
    limits: RenderLimits = DEFAULT_LIMITS,
    keep_audio: bool = False,
) -> Published:
    """Render an event's public media and post it to the paired server's Neighbors feed.

    `workdir` is where the public clip is rendered (a temporary folder, removed after).
    The event id is sent as `client_ref`, so publishing the same event twice gives the
    same post. Raises a `PublishError` subclass with a message for the owner:
    `InvalidPost` (with the field), `FootageUnavailable`, `MediaTooLarge`,
    `CredentialRevoked`, `ServerRefused` or `RenderError`.
    """
    media = prepare_media(footage, choice, workdir, limits=limits, keep_audio=keep_audio)
    if len(media.data) > MAX_MEDIA_BYTES:
        instead = "; share the snapshot instead" if media.kind == "clip" else ""
        raise MediaTooLarge(
            f"the {media.kind} is {len(media.data) / 2**20:.0f} MiB, over the server's "
            f"{MAX_MEDIA_BYTES // 2**20} MiB{instead}"
        )
    fields = {
        "category": draft.category.value,
        "title": draft.title,
        "body": draft.body,
        "client_ref": footage.event_id,
    }
    files = [FilePart(MEDIA_FIELD, media.filename, media.content_type, media.data)]
    if media.poster is not None:
        files.append(FilePart(POSTER_FIELD, "poster.jpg", POSTER_TYPE, media.poster))
    content_type, body = encode_multipart(fields, files)
    try:
        status, answer = transport(
            f"{link.server_url.rstrip('/')}{UPLOAD_PATH}",
            body=body,
            content_type=content_type,
            bearer=link.credential,
            timeout=UPLOAD_TIMEOUT_S,
        )
    except LinkError as exc:
        raise ServerRefused(f"{exc}; check the hub's network and try again") from exc
    if status not in (200, 201):
        raise _refusal(status, answer)
    post_id, url = _post_url(link, answer)
    log.info("event %s published as post %s (%s)", footage.event_id, post_id, media.kind)
    return Published(post_id, url, media.kind, created=status == 201)
