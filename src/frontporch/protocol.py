"""What a hub and the community server say to each other, by the names both sides use.

Pairing has its own module (`crypto/pairing.py`: the code, the signed message). After
pairing, a hub calls its server at the paths below with its bearer credential:

- `GET /api/hub/messages?after=N&wait=S`: the server's messages to the hub, a long poll;
  each carries a `kind` from `MessageKind`, and the hub handles every kind there is.
- `DELETE /api/hub/pairing`: the hub unpairs itself.
- `POST /api/hub/posts`: the hub shares an event to the Neighbors feed.
- `POST /api/hub/releases`, `PUT /api/hub/releases/{release}/clips/{file}`: the hub
  releases footage for an agency's request (docs/evidence.md): a signed manifest first,
  which the server logs, then each clip's ciphertext in resumable chunks.

Sharing: `POST /api/hub/posts` takes multipart/form-data (RFC 7578) with the text fields
`category`, `title`, `body` and `client_ref` (the hub's event id: the same one twice
gives the same post), the file `media` (the clip, video/mp4, or the snapshot,
image/jpeg) and, with a clip only, the file `poster`: a still (image/jpeg, the best
snapshot with the privacy masks burned in) that the feed shows in the clip's place
until it is played. The hub (`hub/community/publish.py`) sends these parts and the server
(`server/feed/posts/uploads.py`) reads them, both by the names here.
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

PAIR_PATH = "/api/hub/pair"
PAIRING_PATH = "/api/hub/pairing"
MESSAGES_PATH = "/api/hub/messages"
UPLOAD_PATH = "/api/hub/posts"


RELEASES_PATH = "/api/hub/releases"
"""`POST` a signed release manifest; `GET {RELEASES_PATH}/{release}` its upload state."""


def clip_upload_path(release: str, file: str) -> str:
    """Where a hub `PUT`s the ciphertext of one released clip (resumable, see below)."""
    return f"{RELEASES_PATH}/{release}/clips/{file}"


UPLOAD_OFFSET_HEADER = "Upload-Offset"
"""The byte offset a clip upload chunk starts at; it must equal what the server holds."""
MAX_UPLOAD_CHUNK = 8 * 1024 * 1024


class MessageKind(StrEnum):
    """What a message from the server to a hub is about."""

    # The owner's "test the link" on the server's home page; the hub logs that it came.
    PING = "ping"
    # An agency's footage request covering the hub's home (body: `FootageRequestMessage`).
    FOOTAGE_REQUEST = "footage_request"
    # A request ended (withdrawn, expired, fulfilled): `{"request", "reason", "log_index"}`.
    REQUEST_CLOSED = "request_closed"
    # A legal demand named the home's owner (body: see docs/server.md, "Legal demands").
    LEGAL_NOTICE = "legal_notice"


TEXT_FIELDS = ("category", "title", "body", "client_ref")
MEDIA_FIELD = "media"
POSTER_FIELD = "poster"
FILE_FIELDS = (MEDIA_FIELD, POSTER_FIELD)
FIELDS = (*TEXT_FIELDS, *FILE_FIELDS)

POSTER_TYPE = "image/jpeg"
# A still at the clip's size (at most 1280 px on the long side) is a few hundred KiB.
MAX_POSTER_BYTES = 2 * 1024 * 1024
