"""Errors of the Neighbors feed; each says what to do next, and names the field at fault."""

from __future__ import annotations

from frontporch.server.errors import BadRequest, Conflict, Forbidden, NotFound, ServerError


class FeedError(ServerError):
    """Base of the feed area's errors."""


class PostNotFound(FeedError, NotFound):
    """No such post, or not one the caller may read (the two are not told apart)."""

    def __init__(self) -> None:
        super().__init__(
            "post not found",
            "No post with this id is in your area (within 5 miles of one of your homes); "
            "it may have been deleted or hidden by a moderator.",
        )


class CommentNotFound(FeedError, NotFound):
    """No such comment, or it belongs to a post the caller may not read."""

    def __init__(self) -> None:
        super().__init__("comment not found", "No comment with this id is visible to you.")


class UnknownHome(FeedError, NotFound):
    """A home id that is not one of the caller's homes."""

    def __init__(self) -> None:
        super().__init__(
            "home not found",
            "Give the id of a home you own or belong to; see GET /api/homes.",
            field="home_id",
        )


class NotYours(FeedError, Forbidden):
    """Only the author (or an operator) may do this."""

    def __init__(self, what: str) -> None:
        super().__init__("not yours", f"Only the author or an operator can {what}.")


class AgencyRequired(FeedError, Forbidden):
    """An agency-member account that no verified agency has been attached to."""

    def __init__(self) -> None:
        super().__init__(
            "agency not set",
            "This agency-member account does not belong to a verified agency yet; ask the "
            "server's operator to attach it (PUT /api/operator/users/{id}/agency).",
        )


class WrongLocation(FeedError, BadRequest):
    """The post's location was given the wrong way for the caller's kind of account."""

    def __init__(self, detail: str, field: str) -> None:
        super().__init__("invalid location", detail, field=field)


class BlankText(FeedError, BadRequest):
    """A title, body, comment or reason that is only whitespace."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} required", f"Write something in '{field}'.", field=field)


class BadCursor(FeedError, BadRequest):
    """A page cursor that this server did not hand out."""

    def __init__(self, field: str) -> None:
        super().__init__(
            "invalid cursor",
            f"Pass '{field}' exactly as the previous page returned it, or leave it out "
            "to start from the newest.",
            field=field,
        )


class OwnPost(FeedError, BadRequest):
    """Reporting one's own post."""

    def __init__(self) -> None:
        super().__init__(
            "cannot report your own post",
            "Delete or edit your own post instead of reporting it.",
        )


class AlreadyReported(FeedError, Conflict):
    """The caller already has an open report on this post."""

    def __init__(self) -> None:
        super().__init__(
            "already reported",
            "You have already reported this post; a moderator will look at it.",
        )


class ReportOnHidden(FeedError, Conflict):
    """Reporting a post a moderator has already hidden."""

    def __init__(self) -> None:
        super().__init__(
            "post already hidden",
            "A moderator has already hidden this post; there is nothing left to report.",
        )


class ModerationConflict(FeedError, Conflict):
    """Hiding a hidden post or restoring a visible one."""

    def __init__(self, state: str) -> None:
        super().__init__(f"post already {state}", f"The post is already {state}.")


class UnsupportedMedia(FeedError):
    """A media file of a type the feed does not take."""

    status = 415

    def __init__(self, content_type: str) -> None:
        super().__init__(
            "unsupported media type",
            f"Media must be video/mp4 or image/jpeg (this one was declared {content_type!r}).",
            field="media",
        )


class MediaMismatch(FeedError):
    """The media's bytes are not what its declared type says."""

    status = 422

    def __init__(self, declared: str, actual: str | None) -> None:
        found = f"look like {actual}" if actual else "are neither MP4 nor JPEG"
        super().__init__(
            "media does not match its type",
            f"The file was declared {declared} but its bytes {found}; send the file "
            "itself with its true content type.",
            field="media",
        )


class MediaTooLarge(FeedError):
    """A media file above the server's limit."""

    status = 413

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            "media too large",
            f"Media may be at most {max_bytes} bytes ({max_bytes / 1048576:.1f} MiB); "
            "send a shorter clip or a smaller image.",
            field="media",
        )


class PosterRejected(FeedError):
    """A poster frame that is not a small JPEG sent with a clip."""

    status = 422

    def __init__(self, detail: str) -> None:
        super().__init__("invalid poster", detail, field="poster")


class MissingForm(FeedError):
    """A hub upload that is not multipart/form-data, or lacks a field."""

    status = 422

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__("invalid upload", detail, field=field)


class UnreadableUpload(FeedError, BadRequest):
    """A multipart body that cannot be parsed."""

    def __init__(self, problem: str) -> None:
        super().__init__(
            "unreadable upload",
            f"The multipart/form-data body could not be read ({problem}); send the text "
            "fields once each, one file field 'media' and at most one 'poster'.",
        )


class NoMedia(FeedError, NotFound):
    """The post has no media (or it is gone from storage)."""

    def __init__(self) -> None:
        super().__init__("no media", "This post has no photo or video.")


class NoPoster(FeedError, NotFound):
    """The post has no poster frame (no clip, or the hub sent none)."""

    def __init__(self) -> None:
        super().__init__(
            "no poster", "This post has no poster frame; play its clip, if it has one."
        )


class MediaUnavailable(FeedError):
    """The blob store could not be read (a server-side fault, not the caller's)."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "media unavailable",
            "The server could not read this post's media just now. Try again in a minute; "
            "if it keeps failing, tell the server's operator.",
            headers={"Retry-After": "60"},
        )


class RangeNotSatisfiable(FeedError):
    """A Range that starts beyond the end of the media."""

    status = 416

    def __init__(self, size: int) -> None:
        super().__init__(
            "range not satisfiable",
            f"The media is {size} bytes long; ask for a range that starts inside it.",
            headers={"Content-Range": f"bytes */{size}"},
        )


class UploadConflict(FeedError, Conflict):
    """The upload could not be stored because something changed meanwhile."""

    def __init__(self) -> None:
        super().__init__(
            "upload not stored",
            "The post could not be stored (the hub may have been unpaired meanwhile); try again.",
        )


class NotMultipart(FeedError):
    """A hub upload sent as something other than multipart/form-data."""

    status = 415

    def __init__(self) -> None:
        super().__init__(
            "multipart/form-data required",
            "Send the post as multipart/form-data: text fields category, title, body, "
            "client_ref, the file field media and, with a clip, the file field poster.",
        )


class PostHidden(FeedError, Conflict):
    """A moderator hid the post; it takes no new comments."""

    def __init__(self) -> None:
        super().__init__("post hidden", "A moderator hid this post; it cannot take new comments.")


class StorageUnavailable(FeedError):
    """The blob store could not keep the media (a server-side fault, not the caller's)."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "storage unavailable",
            "The server could not store the media just now; nothing was posted. Try again "
            "in a minute; if it keeps failing, tell the server's operator.",
            headers={"Retry-After": "60"},
        )
