"""What a hub and the community server say to each other when a hub shares an event to
the Neighbors feed: the post categories, the parts of the upload and the limits on them.

`POST /api/hub/posts` takes multipart/form-data (RFC 7578) with the text fields
`category`, `title`, `body` and `client_ref` (the hub's event id: the same one twice
gives the same post), the file `media` (the clip, video/mp4, or the snapshot,
image/jpeg) and, with a clip only, the file `poster`: a still (image/jpeg, the best
snapshot with the privacy masks burned in) that the feed shows in the clip's place
until it is played. The hub (`hub/community/publish.py`) sends these parts and the server
(`server/feed/uploads.py`) reads them, both by the names here.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What a post is about (the feed's filters, the share form's choices)."""

    CRIME = "crime"
    SAFETY = "safety"
    SUSPICIOUS_ACTIVITY = "suspicious_activity"
    LOST_AND_FOUND_PETS = "lost_and_found_pets"
    UNEXPECTED_ACTIVITY = "unexpected_activity"
    COMMUNITY = "community"

    @property
    def label(self) -> str:
        """The category as people read it, on the hub's form and the server's pages."""
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.CRIME: "Crime",
    Category.SAFETY: "Safety",
    Category.SUSPICIOUS_ACTIVITY: "Suspicious activity",
    Category.LOST_AND_FOUND_PETS: "Lost & found pets",
    Category.UNEXPECTED_ACTIVITY: "Unexpected activity",
    Category.COMMUNITY: "Community",
}

UPLOAD_PATH = "/api/hub/posts"

TEXT_FIELDS = ("category", "title", "body", "client_ref")
MEDIA_FIELD = "media"
POSTER_FIELD = "poster"
FILE_FIELDS = (MEDIA_FIELD, POSTER_FIELD)
FIELDS = (*TEXT_FIELDS, *FILE_FIELDS)

POSTER_TYPE = "image/jpeg"
# A still at the clip's size (at most 1280 px on the long side) is a few hundred KiB.
MAX_POSTER_BYTES = 2 * 1024 * 1024
