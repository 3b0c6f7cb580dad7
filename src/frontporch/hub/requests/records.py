"""What the hub keeps about footage requests and its releases: plain frozen values.

A request arrives from the community server (a FOOTAGE_REQUEST message), is checked
against the transparency log and the owner's policy (`intake.py`, `policy.py`), and
is stored with one of the `RequestState`s below. Only an `open` request is answerable;
a `refused` one carries the reason in words, for the owner and the log. A release is
what the owner sent for a request: its manifest (the hub keeps every one it signed)
and the state of the upload. The web pages, the JSON API and the release worker all
read these same records through `service.RequestDesk`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from frontporch.hub.ports import EventRecord


class RequestState(StrEnum):
    """Where a footage request stands on this hub."""

    VERIFYING = "verifying"  # received; log proofs and policy not yet checked
    OPEN = "open"  # checked; the owner may release or decline
    REFUSED = "refused"  # failed a check (see `refusal`); never answerable
    DECLINED = "declined"  # the owner declined (kept on this hub only, never reported)
    RELEASED = "released"  # the owner released footage (more releases stay possible)
    CLOSED = "closed"  # the server closed it (withdrawn, fulfilled, expired)
    EXPIRED = "expired"  # past expires_at on this hub's clock


ANSWERABLE_STATES = frozenset({RequestState.OPEN, RequestState.RELEASED})


class ReleaseState(StrEnum):
    """Where one release stands: prepared locally, logged by the server, uploaded."""

    PREPARING = "preparing"  # clips being cut, masked, sealed; manifest being signed
    LOGGED = "logged"  # the server accepted the manifest and logged the release
    UPLOADING = "uploading"  # ciphertext being sent (resumable)
    DONE = "done"  # every clip complete on the server
    FAILED = "failed"  # stopped; `error` says why in words


@dataclass(frozen=True, slots=True)
class FootageRequestRecord:
    """A request as the hub received and checked it.

    Times are Unix seconds. `recipient` (the age recipient clips are encrypted to) and
    `agency_key` (its Ed25519 signing key) come only from the agency's logged
    registration entry, never from the message. `area` is the request's area as the
    server sent it ({"type": "polygon", "points": [[lat, lng], ...]} or
    {"type": "circle", "center": [lat, lng], "radius_m": int}); `cells` its H3 cells.
    """

    id: str
    log_index: int
    agency: str
    agency_name: str
    agency_registration_index: int
    recipient: str
    agency_key: str
    case_number: str
    incident: str
    description: str
    contact: str
    area: dict[str, object]
    cells: tuple[str, ...]
    window_start: float
    window_end: float
    expires_at: float
    filed_at: float
    received_at: float
    state: RequestState
    refusal: str | None = None
    closed_reason: str | None = None

    @property
    def answerable(self) -> bool:
        """True if the owner may still release footage for this request."""
        return self.state in ANSWERABLE_STATES


@dataclass(frozen=True, slots=True)
class ReleasedClip:
    """One sealed clip of a release; sizes in bytes, times in Unix seconds."""

    file: str
    camera: str
    start: float
    end: float
    duration_s: float
    plaintext_sha256: str
    ciphertext_sha256: str
    plaintext_bytes: int
    ciphertext_bytes: int
    uploaded_bytes: int = 0
    masked: bool = True


@dataclass(frozen=True, slots=True)
class ClipPick:
    """A range the owner chose to release: a camera and [start, end] in Unix seconds.

    `event_id` is set when the pick came from an event (for the page); the range is
    what counts. The desk trims every pick to the request's window.
    """

    camera: str
    start: float
    end: float
    event_id: str | None = None
    keep_audio: bool = False  # the recorded sound goes too (the owner ticked it)


@dataclass(frozen=True, slots=True)
class ReleaseRecord:
    """A release the owner made: the signed manifest (kept forever) and upload state.

    `picks` are the ranges the owner confirmed (trimmed to the window); `clips` the
    sealed files made from them, once prepared. `log_index` is the server's `release`
    entry; `signature` the hub's base64 Ed25519 signature of `manifest`.
    """

    id: str
    request_id: str
    created_at: float
    state: ReleaseState
    error: str | None = None
    manifest: bytes | None = None
    signature: str | None = None
    manifest_sha256: str | None = None
    log_index: int | None = None
    clips: tuple[ReleasedClip, ...] = ()
    picks: tuple[ClipPick, ...] = ()

    @property
    def total_bytes(self) -> int:
        """Ciphertext bytes of all clips."""
        return sum(clip.ciphertext_bytes for clip in self.clips)

    @property
    def uploaded_bytes(self) -> int:
        """Ciphertext bytes the server has confirmed."""
        return sum(clip.uploaded_bytes for clip in self.clips)


@dataclass(frozen=True, slots=True)
class RecordedSpan:
    """A stretch of continuous recording on one camera (adjacent segments merged)."""

    camera: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Footage:
    """The hub's own footage inside a request's window, for the owner to pick from.

    `events`: the hub's events overlapping the window, oldest first. `spans`: per
    camera, the recorded stretches clipped to the window (so a range with no event can
    be picked).
    """

    window_start: float
    window_end: float
    events: tuple[EventRecord, ...] = ()
    spans: dict[str, tuple[RecordedSpan, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LogHealth:
    """Whether the hub trusts the server's transparency log; `message` says why not."""

    ok: bool
    message: str
